import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

type Tally = { passed: number; failed: number; skipped: number };

/**
 * `caldera test` (`npm test`): forge's contract tests, then vitest (circuits, prover, models, resolvers, the
 * end-to-end stack). Neither prints a combined count, so this ends with one line `N passed, N failed`.
 * Arguments go to vitest (e.g. a path filter); `--skip-forge` skips the contract tests.
 */
export async function testCommand(args: string[]): Promise<number> {
  const skipForge = args.includes("--skip-forge");
  const vitestArgs = args.filter((a) => a !== "--skip-forge");
  const total: Tally = { passed: 0, failed: 0, skipped: 0 };
  const add = (t: Tally) => {
    total.passed += t.passed;
    total.failed += t.failed;
    total.skipped += t.skipped;
  };

  if (!skipForge) {
    const { code, output } = await run(`${root}node_modules/.bin/forge`, ["test"]);
    const summary = /(\d+) tests passed, (\d+) failed, (\d+) skipped/.exec(output);
    if (summary) add({ passed: Number(summary[1]), failed: Number(summary[2]), skipped: Number(summary[3]) });
    // A compile error prints no summary: count it as one failure rather than as nothing run.
    else if (code !== 0) add({ passed: 0, failed: 1, skipped: 0 });
  }

  mkdirSync(`${root}.cache`, { recursive: true });
  const report = `${root}.cache/vitest-report.json`;
  rmSync(report, { force: true });
  const vitest = await run(`${root}node_modules/.bin/vitest`, [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...vitestArgs,
  ]);
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      numFailedTestSuites: number;
    };
    add({
      passed: json.numPassedTests,
      // A file that fails to load has no failed test but a failed suite: it must not pass silently.
      failed:
        json.numFailedTests +
        (json.numFailedTests === 0 && vitest.code !== 0 ? Math.max(1, json.numFailedTestSuites) : 0),
      skipped: json.numPendingTests + json.numTodoTests,
    });
  } catch {
    add({ passed: 0, failed: 1, skipped: 0 });
  }
  console.log(
    `${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`,
  );
  return total.failed === 0 ? 0 : 1;
}

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const tee = (chunk: Buffer, to: NodeJS.WriteStream) => {
      output += chunk.toString();
      to.write(chunk);
    };
    child.stdout.on("data", (c: Buffer) => tee(c, process.stdout));
    child.stderr.on("data", (c: Buffer) => tee(c, process.stderr));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

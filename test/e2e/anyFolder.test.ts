import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFreePort } from "../../stack/getFreePort.js";
import { removeDataDir } from "../support/removeDataDir.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql } from "../support/startTestStack.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const DEV_PROVIDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

let home: string;
let checkout: string;
let gatewayPort: number;

/**
 * A copy of the checkout in a folder only its owner can enter (as root: root-owned, mode 700, like /root), under a
 * path with spaces, with `node_modules` linked to the real one. Run exactly as a user would: `caldera up`.
 */
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "caldera home "));
  chmodSync(home, 0o700);
  checkout = join(home, "my checkout");
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: repo,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f !== "" && !f.startsWith("node_modules/"));
  for (const file of files) {
    try {
      statSync(join(repo, file));
    } catch {
      continue; // deleted in the work tree
    }
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    copyFileSync(join(repo, file), join(checkout, file));
  }
  symlinkSync(join(repo, "node_modules"), join(checkout, "node_modules"));
  gatewayPort = await getFreePort();
  const ports = {
    gateway: gatewayPort,
    subgraph: await getFreePort(),
    indexer: await getFreePort(),
    postgres: await getFreePort(),
    anvil: await getFreePort(),
  };
  writeFileSync(join(checkout, "caldera.config.json"), JSON.stringify({ ports, partners: [] }));
});

afterAll(() => {
  if (checkout) removeDataDir(join(checkout, ".caldera"));
  if (home) rmSync(home, { recursive: true, force: true });
});

type Up = { child: ChildProcess; output: string[]; exited: Promise<number | null> };

/** `node bin/caldera.mjs up` in the copy; resolves once it printed that the hub is up. */
async function up(): Promise<Up> {
  const env = { ...process.env };
  for (const key of [
    "DATABASE_URL",
    "CALDERA_RPC_URL",
    "CALDERA_PRIVATE_KEY",
    "CALDERA_DATA_DIR",
    "CALDERA_CONFIG",
  ])
    delete env[key];
  const child = spawn(process.execPath, ["bin/caldera.mjs", "up"], { cwd: checkout, env, stdio: "pipe" });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(...chunk.toString().split("\n"));
      if (output.some((l) => l.startsWith("Caldera hub is up"))) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => reject(new Error(`caldera up exited with ${code}:\n${output.join("\n")}`)));
    setTimeout(
      () => reject(new Error(`caldera up not up after 200 s:\n${output.join("\n")}`)),
      200_000,
    ).unref();
  });
  return { child, output, exited };
}

async function down({ child, output, exited }: Up) {
  child.kill("SIGINT");
  expect(await exited).toBe(0);
  expect(output).toContain("stopped cleanly");
}

function caldera(args: string[]): { code: number; stdout: string } {
  try {
    return {
      code: 0,
      stdout: execFileSync(process.execPath, ["bin/caldera.mjs", ...args], {
        cwd: checkout,
        encoding: "utf8",
      }),
    };
  } catch (error) {
    const e = error as { status: number; stdout: string };
    return { code: e.status, stdout: e.stdout };
  }
}

const gateway = () => `http://127.0.0.1:${gatewayPort}/graphql`;

describe("npm start from a root-owned mode-700 folder with spaces in its path", () => {
  it("starts, serves, reports its status, stops cleanly, and keeps its data for the next start", async () => {
    const first = await up();
    try {
      const provider = await graphql<{ provider: { name: string } }>(
        gateway(),
        `query($a: Address!) { provider(address: $a) { name } }`,
        { a: DEV_PROVIDER },
      );
      expect(provider.data?.provider.name).toBe("Caldera dev provider");
      const certified = await graphql<{ certifyCore: { certificate: { id: string } } }>(
        gateway(),
        `mutation($input: CertifyCoreInput!) { certifyCore(input: $input) { certificate { id } } }`,
        { input: { provider: DEV_PROVIDER, domain: "AGRICULTURAL", ...sensorDataset() } },
      );
      expect(certified.errors).toBeUndefined();

      const status = caldera(["status", "--json"]);
      expect(status.code).toBe(0);
      const report = JSON.parse(status.stdout) as {
        ready: boolean;
        indexerLagBlocks: number;
        parts: { part: string; state: string }[];
        urls: Record<string, string>;
      };
      expect(report.ready).toBe(true);
      expect(report.indexerLagBlocks).toBeLessThanOrEqual(2);
      expect(report.parts.map((p) => [p.part, p.state])).toEqual([
        ["postgres", "ready"],
        ["chain", "ready"],
        ["indexer", "ready"],
        ["subgraph", "ready"],
        ["gateway", "ready"],
      ]);
      expect(report.urls.gateway).toBe(gateway());
      const text = caldera(["status"]);
      expect(text.stdout).toMatch(/^Caldera hub: ready/);
      expect(text.stdout).toMatch(/indexer lag: \d+ block\(s\)/);
    } finally {
      await down(first);
    }
    expect(caldera(["status", "--json"]).code).toBe(1);

    const second = await up();
    try {
      const read = await graphql<{ certificates: { totalCount: number } }>(
        gateway(),
        `{ certificates(first: 5) { totalCount } }`,
      );
      expect(read.data?.certificates.totalCount, second.output.join("\n")).toBe(1);
      expect(second.output.some((l) => /contracts unchanged on chain 31337: reusing/.test(l))).toBe(true);
    } finally {
      await down(second);
    }
  });
});

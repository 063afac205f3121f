import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  lstatSync,
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
import { afterAll, describe, expect, it } from "vitest";
import { getFreePort } from "../../stack/getFreePort.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { certifyCoreAs } from "../support/certifyAs.js";
import { removeDataDir } from "../support/removeDataDir.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { type CalderaUp, spawnCalderaUp } from "../support/spawnCalderaUp.js";
import { graphql } from "../support/startTestStack.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const DEV_PROVIDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

type Checkout = { home: string; checkout: string; gatewayPort: number };
const checkouts: Checkout[] = [];

/**
 * A copy of the checkout in a folder only its owner can enter (mode 700; as root, root-owned like /root), under a
 * path with spaces, with `node_modules` linked to the real one. Run exactly as a user would: `caldera up`.
 */
async function makeCheckout(owner?: { uid: number; gid: number }): Promise<Checkout> {
  const home = mkdtempSync(join(tmpdir(), "caldera home "));
  chmodSync(home, 0o700);
  const checkout = join(home, "my checkout");
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
  const gatewayPort = await getFreePort();
  const ports = {
    gateway: gatewayPort,
    subgraph: await getFreePort(),
    indexer: await getFreePort(),
    postgres: await getFreePort(),
    anvil: await getFreePort(),
  };
  writeFileSync(join(checkout, "caldera.config.json"), JSON.stringify({ ports, partners: [] }));
  if (owner) execFileSync("chown", ["-R", `${owner.uid}:${owner.gid}`, home]);
  const made = { home, checkout, gatewayPort };
  checkouts.push(made);
  return made;
}

afterAll(() => {
  for (const { home, checkout } of checkouts) {
    removeDataDir(join(checkout, ".caldera"));
    rmSync(home, { recursive: true, force: true });
  }
});

let checkout: string;
let gatewayPort: number;
let runAs: { uid: number; gid: number } | undefined;

const up = () => spawnCalderaUp({ cwd: checkout, ...(runAs ? { runAs } : {}) });

async function down(run: CalderaUp) {
  expect(await run.stop()).toBe(0);
  expect(run.output).toContain("stopped cleanly");
}

function caldera(args: string[]): { code: number; stdout: string } {
  try {
    return {
      code: 0,
      stdout: execFileSync(process.execPath, ["bin/caldera.mjs", ...args], {
        cwd: checkout,
        encoding: "utf8",
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      }),
    };
  } catch (error) {
    const e = error as { status: number; stdout: string };
    return { code: e.status, stdout: e.stdout };
  }
}

const gateway = () => `http://127.0.0.1:${gatewayPort}/graphql`;

const NOBODY = { uid: 65534, gid: 65534 };

/** Whether `nobody` can read the real node_modules (a CI clone under a mode-700 folder cannot). */
function nobodyCanReadDependencies(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync(
      "/bin/sh",
      ["-c", 'test -r "$1/ponder/package.json" && test -x "$1/.bin"', "sh", join(repo, "node_modules")],
      {
        ...NOBODY,
        cwd: "/",
      },
    );
    return true;
  } catch {
    return false;
  }
}

// Two cold `caldera up` runs, a certification and two stops: minutes on a busy 2-CPU machine.
describe("npm start from a root-owned mode-700 folder with spaces in its path", { timeout: 300_000 }, () => {
  it("starts, serves, reports its status, stops cleanly, and keeps its data for the next start", async () => {
    ({ checkout, gatewayPort } = await makeCheckout());
    runAs = undefined;
    const first = await up();
    try {
      const provider = await graphql<{ provider: { name: string } }>(
        gateway(),
        `query($a: Address!) { provider(address: $a) { name } }`,
        { a: DEV_PROVIDER },
      );
      expect(provider.data?.provider.name).toBe("Caldera dev provider");
      // Signed by the dev provider's key, as a frontend would (typed data, signTypedData, mutation).
      const certified = await certifyCoreAs(gateway(), ANVIL_DEV_KEYS[0], {
        provider: DEV_PROVIDER,
        domain: "AGRICULTURAL",
        ...sensorDataset(),
      });
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

  // As root the first test covers the relocation path; this one is the plain path of every other user.
  it.runIf(nobodyCanReadDependencies())("runs for a non-root user in a folder that user owns", async () => {
    ({ checkout, gatewayPort } = await makeCheckout(NOBODY));
    runAs = NOBODY;
    const run = await up();
    try {
      expect(run.output.some((l) => l.includes("which the postgres user cannot enter"))).toBe(false);
      const certified = await certifyCoreAs(gateway(), ANVIL_DEV_KEYS[0], {
        provider: DEV_PROVIDER,
        domain: "INDUSTRIAL",
        ...sensorDataset(),
      });
      expect(certified.errors).toBeUndefined();
      expect(caldera(["status", "--json"]).code).toBe(0);
      const postgresDir = join(checkout, ".caldera", "postgres");
      expect(lstatSync(postgresDir).isDirectory()).toBe(true);
      expect(statSync(join(postgresDir, "PG_VERSION")).uid).toBe(NOBODY.uid);
    } finally {
      await down(run);
    }
  });
});

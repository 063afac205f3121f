import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunFile } from "../../cli/upCommand.js";
import { removeDataDir } from "../support/removeDataDir.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";

/**
 * `npx caldera governance …` spawned for real, as a user types it, against a running stack: the stack's run file
 * (what `caldera up` writes) points the CLI at the test stack's gateway and chain.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
let stack: TestStack;
let emptyDataDir: string;

function caldera(
  args: string[],
  dataDir = stack.dataDir,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, CALDERA_DATA_DIR: dataDir };
    const child = spawn(process.execPath, ["bin/caldera.mjs", "governance", ...args], { cwd: root, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? 1, out, err }));
  });
}

beforeAll(async () => {
  stack = await startTestStack();
  const run: RunFile = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    gatewayUrl: stack.gatewayUrl,
    subgraphUrl: stack.subgraphUrl,
    indexerUrl: stack.indexer.url,
    postgresUrl: stack.postgresUrl,
    rpcUrl: stack.rpcUrl,
    chainId: stack.deployment.chainId,
    processes: [],
    updatedAt: new Date().toISOString(),
  };
  writeFileSync(join(stack.dataDir, "stack.json"), `${JSON.stringify(run, null, 2)}\n`);
  emptyDataDir = mkdtempSync(join(tmpdir(), "caldera-no-stack-"));
});

afterAll(async () => {
  await stack?.teardown();
  if (emptyDataDir) removeDataDir(emptyDataDir);
});

describe("caldera governance (the CLI, spawned, through the gateway)", () => {
  it("fails with STACK_NOT_RUNNING when no stack runs", async () => {
    const { code, err } = await caldera(["list"], emptyDataDir);
    expect(code).toBe(1);
    expect(err).toMatch(/^caldera governance: STACK_NOT_RUNNING: no stack is running from /);
  });

  it("demonstrates a whole vote: propose, vote ×3, queue (mining past the period), execute (past the timelock)", async () => {
    const proposed = await caldera([
      "propose-rule",
      "--rule",
      "2",
      "--threshold",
      "8000",
      "--weight",
      "12500",
    ]);
    expect(proposed.err).toBe("");
    expect(proposed.code).toBe(0);
    expect(proposed.out).toContain(
      "dev account 1 (0x70997970C51812dc3A010C7d01b50e0d17dc79C8) signed the Proposal",
    );
    expect(proposed.out).toContain("state     PENDING");
    expect(proposed.out).toContain("action    rule 2: TIMELINESS ≥ 80%, weight 1.25x");
    expect(proposed.out).toContain("query { proposal(id: ");
    const id = /proposal {2}(\d+)/.exec(proposed.out)?.[1] as string;
    expect(id).toMatch(/^\d{10,}$/);

    const first = await caldera(["vote", id, "for", "--as", "1"]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /dev chain: mined 1 block\(s\) with anvil_mine, to block \d+: voting opens after the snapshot block/,
    );
    expect(first.out).toContain("voted FOR with 100,000 ERA of stake at the snapshot");
    expect((await caldera(["vote", id, "for", "--as", "2"])).code).toBe(0);
    const third = await caldera(["vote", id, "against", "--as", "3", "--reason", "not yet"]);
    expect(third.out).toContain("voted AGAINST with 100,000 ERA");
    expect(third.out).toContain(
      "votes     for 200,000 ERA, against 100,000 ERA, abstain 0 ERA; quorum 12,000 ERA (reached)",
    );

    const refused = await caldera(["execute", id]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^caldera governance: PROPOSAL_STATE: Proposal \d+ is ACTIVE/);

    const queued = await caldera(["queue", id]);
    expect(queued.code).toBe(0);
    expect(queued.out).toMatch(
      /dev chain: mined \d+ block\(s\) with anvil_mine, to block \d+: the voting period ended with block/,
    );
    expect(queued.out).toContain("state     QUEUED");

    const executed = await caldera(["execute", id]);
    expect(executed.code).toBe(0);
    expect(executed.out).toMatch(
      /dev chain: advanced the chain's clock by [\d dhmins]+ \(evm_increaseTime \+ evm_mine\) to .+, when the timelock delay has passed/,
    );
    expect(executed.out).toContain("state     EXECUTED");

    const rules = await caldera(["rules"]);
    expect(rules.out).toContain(
      "rule 2  AGRICULTURAL MARKET_FORECAST: TIMELINESS ≥ 8000 bps, weight 12500 bps",
    );
    const list = await caldera(["list", "--json"]);
    expect(JSON.parse(list.out)).toMatchObject({
      totalCount: 1,
      edges: [{ node: { id, state: "EXECUTED" } }],
    });
  });

  it("answers usage errors with exit 2", async () => {
    const { code, err } = await caldera(["vote", "1", "maybe"]);
    expect(code).toBe(2);
    expect(err).toContain("usage:");
  });
});

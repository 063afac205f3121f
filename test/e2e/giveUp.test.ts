import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/startTestStack.js";

let stack: TestStack;

beforeAll(async () => {
  // One restart allowed: the second failure inside the window ends the stack.
  stack = await startTestStack([], { restart: { maxRestarts: 1, windowMs: 120_000, backoffMs: () => 100 } });
});

afterAll(async () => {
  await stack?.teardown();
});

const ready = async (url: string) =>
  (await fetch(new URL("/ready", url)).catch(() => undefined))?.status ?? 0;

function processesUsing(dataDir: string): number {
  let count = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dataDir) && Number(pid) !== process.pid)
        count += 1;
    } catch {
      // gone
    }
  }
  return count;
}

describe("a part that keeps failing stops the stack instead of serving stale data", () => {
  it("gives up after the allowed restarts, says so, and stops every part", async () => {
    process.kill(stack.indexer.process.pid() as number, "SIGKILL");
    const deadline = Date.now() + 60_000;
    while (stack.indexer.process.restarts() < 1 || stack.indexer.process.state() !== "running") {
      if (Date.now() > deadline) throw new Error("the indexer was not restarted");
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(stack.indexer.process.pid() as number, "SIGKILL");
    const error = await stack.failed;
    expect(error.code).toBe("PART_FAILED");
    expect(error.message).toBe(
      "indexer failed 2 times (last: signal SIGKILL); the stack stopped — see its log",
    );
    expect(stack.lines).toContain(error.message);
    expect(await ready(stack.gatewayUrl)).toBe(0);
    expect(await ready(stack.subgraphUrl)).toBe(0);
    expect(processesUsing(stack.dataDir)).toBe(0);
    expect(stack.parts().map((p) => p.state)).toEqual(["stopped", "stopped", "failed"]);
  });
});

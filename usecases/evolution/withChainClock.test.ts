import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TelemetryEntry, TelemetryRecorder } from "../../services/createTelemetryRecorder.js";
import { type StartTestChainReturnType, startTestChain } from "../../test/support/startTestChain.js";
import { withChainClock } from "./withChainClock.js";

let chain: StartTestChainReturnType;

beforeAll(async () => {
  chain = await startTestChain();
}, 120_000);

afterAll(async () => {
  await chain?.stop();
});

/** The recorder around it is a stand-in that keeps what it is given: this test is about the stamping. */
function keeping() {
  const entries: TelemetryEntry[] = [];
  const recorder: TelemetryRecorder = {
    record: (entry) => entries.push(entry),
    flush: async () => {},
    close: async () => {},
    stats: () => ({ recorded: entries.length, written: 0, dropped: 0, failedWrites: 0, buffered: 0 }),
  };
  return { recorder, entries };
}

const entry = (at?: Date): TelemetryEntry => ({
  componentId: 1n,
  component: "core-prover",
  latencyMs: 1,
  success: true,
  compliant: true,
  ...(at === undefined ? {} : { at }),
});

describe("withChainClock", () => {
  it("stamps as given while the chain keeps this machine's time, then follows it days ahead", async () => {
    const { recorder, entries } = keeping();
    const clocked = withChainClock({ recorder, publicClient: chain.publicClient, intervalMs: 60_000 });
    try {
      await clocked.refresh();
      expect(clocked.offsetMs()).toBe(0);
      const at = new Date("2026-11-26T00:00:00Z");
      clocked.record(entry(at));
      expect(entries[0]?.at).toBe(at);

      const week = 7 * 86_400;
      await chain.rpc("evm_increaseTime", [week]);
      await chain.rpc("evm_mine");
      await clocked.refresh();
      // Within the second the block timestamp is rounded to, and the time the read took.
      expect(clocked.offsetMs()).toBeGreaterThan((week - 3) * 1000);
      expect(clocked.offsetMs()).toBeLessThanOrEqual((week + 1) * 1000);
      clocked.record(entry(at));
      expect(entries[1]?.at?.getTime()).toBe(at.getTime() + clocked.offsetMs());
      // No `at`: now, in the chain's clock.
      const before = Date.now();
      clocked.record(entry());
      const stamped = entries[2]?.at?.getTime() ?? 0;
      expect(stamped - clocked.offsetMs()).toBeGreaterThanOrEqual(before);

      // The offset never shrinks as the wall clock catches up with the last block.
      const offset = clocked.offsetMs();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await clocked.refresh();
      expect(clocked.offsetMs()).toBe(offset);
    } finally {
      await clocked.close();
    }
  });
});

import type { PublicClient } from "viem";
import type { TelemetryRecorder } from "../../services/createTelemetryRecorder.js";

export type WithChainClockParameters = {
  recorder: TelemetryRecorder;
  publicClient: Pick<PublicClient, "getBlock">;
  /** How often the chain's clock is read; default 1 s. */
  intervalMs?: number | undefined;
};

export type WithChainClockReturnType = TelemetryRecorder & {
  /** Reads the chain's clock now (the timer does so every `intervalMs`). */
  refresh: () => Promise<void>;
  /** Milliseconds the chain's clock runs ahead of this machine's (0 on a live chain). */
  offsetMs: () => number;
};

/**
 * Telemetry stamped in the chain's clock. Evolution epochs are cut in the chain's time (EvolutionPool's genesis and
 * epochLength), and the reads chart telemetry beside chain events; on a live chain both clocks agree, but a dev chain
 * moved ahead with `evm_increaseTime` (the demos, the end-to-end tests) runs days ahead of this machine, and telemetry
 * stamped by the wall clock would land in epochs the chain left long ago. So each entry's `at` is moved by how far the
 * chain runs ahead — the largest `latest block's timestamp − now` seen, which only grows, as chain time only moves
 * forward — read every second off the request path; `record` stays a synchronous buffer push.
 */
export function withChainClock({
  recorder,
  publicClient,
  intervalMs = 1_000,
}: WithChainClockParameters): WithChainClockReturnType {
  let offset = 0;
  let reading: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    reading ??= publicClient
      .getBlock({ blockTag: "latest" })
      .then((block) => {
        const ahead = Number(block.timestamp) * 1000 - Date.now();
        if (ahead > offset) offset = ahead;
      })
      // An unreachable chain keeps the last offset: telemetry is never held up by it.
      .catch(() => {})
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  void refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return {
    record: (entry) =>
      recorder.record(
        offset <= 0 ? entry : { ...entry, at: new Date((entry.at ?? new Date()).getTime() + offset) },
      ),
    flush: () => recorder.flush(),
    close: async () => {
      clearInterval(timer);
      await recorder.close();
    },
    stats: () => recorder.stats(),
    refresh,
    offsetMs: () => offset,
  };
}

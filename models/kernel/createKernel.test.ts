import { describe, expect, it } from "vitest";
import { createPrng } from "../createPrng.js";
import { type Configuration, configKey, createKernel, type KernelOptions } from "./createKernel.js";
import { type ReplayRecord, replayKernel } from "./replayKernel.js";
import { type ArmTruth, simulateComponent } from "./simulateComponent.js";

const tunables = { witnessThreads: [1, 2, 4], batchSize: [1, 4, 8, 16] };

/**
 * A seeded prover component: one best arm at 300 ms, every other feasible arm at least 16 % slower, and a trap
 * arm that is fastest but misses the accuracy floor.
 */
function world(seed: number) {
  const prng = createPrng(seed * 7919);
  const keys = createKernel({ seed: 0, tunables }).arms.map((a) => a.key);
  const best = keys[prng.int(keys.length)] as string;
  let trap = keys[prng.int(keys.length)] as string;
  if (trap === best) trap = keys[(keys.indexOf(best) + 1) % keys.length] as string;
  const truth = new Map<string, ArmTruth>(
    keys.map((key) => [
      key,
      key === best
        ? { logMean: Math.log(300), logSd: 0.2, accuracy: 0.97, complianceRate: 0.99 }
        : key === trap
          ? { logMean: Math.log(200), logSd: 0.2, accuracy: 0.8, complianceRate: 0.99 }
          : {
              logMean: Math.log(300) + 0.15 + prng.next() * 0.8,
              logSd: 0.2,
              accuracy: 0.96,
              complianceRate: 0.99,
            },
    ]),
  );
  return { best, truth: (config: Configuration) => truth.get(configKey(config)) as ArmTruth };
}

describe("self-learning kernel (Thompson sampling)", () => {
  it("settles on the best feasible configuration in at least 90% of 50 seeds", () => {
    let hits = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const { best, truth } = world(seed);
      const kernel = createKernel({ seed, tunables });
      simulateComponent({ kernel, seed, steps: 600, truth });
      if (configKey(kernel.currentConfig()) === best) hits += 1;
    }
    expect(hits).toBeGreaterThanOrEqual(45);
  });

  it("makes identical decisions for an identical seed, and a replay of the log reproduces them", () => {
    const { truth } = world(3);
    const options: KernelOptions = { seed: 42, tunables };
    const first = createKernel(options);
    const { log } = simulateComponent({ kernel: first, seed: 42, steps: 400, truth });
    const second = createKernel(options);
    simulateComponent({ kernel: second, seed: 42, steps: 400, truth });
    expect(second.decisionTraceHash()).toBe(first.decisionTraceHash());
    expect(replayKernel(options, log).decisionTraceHash()).toBe(first.decisionTraceHash());
    const other = createKernel({ seed: 43, tunables });
    simulateComponent({ kernel: other, seed: 42, steps: 400, truth });
    expect(other.decisionTraceHash()).not.toBe(first.decisionTraceHash());
  });

  it("refuses to replay a log it did not produce", () => {
    const { truth } = world(4);
    const kernel = createKernel({ seed: 1, tunables });
    const { log } = simulateComponent({ kernel, seed: 1, steps: 50, truth });
    expect(() => replayKernel({ seed: 2, tunables }, log)).toThrow(/the kernel chose/);
  });

  it("replays interleaved decisions and observations (several invocations in flight) from observedAfter", () => {
    const { truth } = world(6);
    const options: KernelOptions = { seed: 9, tunables, refreshEvery: 5, minEvidence: 5 };
    const live = createKernel(options);
    const prng = createPrng(99);
    const inFlight: { step: number; configKey: string }[] = [];
    const log: ReplayRecord[] = [];
    for (let i = 0; i < 300; i++) {
      // Up to three invocations in flight, finishing in any order.
      while (inFlight.length < 1 + prng.int(3)) inFlight.push(live.decide());
      const [done] = inFlight.splice(prng.int(inFlight.length), 1);
      if (done === undefined) continue;
      const t = truth(JSON.parse(done.configKey) as Configuration);
      const record: ReplayRecord = {
        invocationId: `${i}`,
        configKey: done.configKey,
        latencyMs: Math.exp(prng.normal(t.logMean, t.logSd)),
        accuracy: t.accuracy,
        compliant: true,
        at: i,
        decisionStep: done.step,
        observedAfter: live.trace().length,
      };
      live.observe(record);
      log.push(record);
    }
    const replayed = replayKernel(options, log);
    expect(replayed.decisionTraceHash()).toBe(live.decisionTraceHash());
    expect(configKey(replayed.currentConfig())).toBe(configKey(live.currentConfig()));
    // The same log read as if it were sequential diverges: the order of events is part of the evidence.
    expect(() =>
      replayKernel(
        options,
        log.map(({ observedAfter, ...rest }) => rest),
      ),
    ).toThrow(/chose/);
    const swapped = [...log];
    [swapped[10], swapped[40]] = [swapped[40] as ReplayRecord, swapped[10] as ReplayRecord];
    expect(() => replayKernel(options, swapped)).toThrow(/observation order|chose/);
  });

  it("re-evaluates the incumbent as often as refreshEvery asks", () => {
    expect(() => createKernel({ seed: 1, tunables, refreshEvery: 0 })).toThrow(/refreshEvery/);
    const { truth } = world(7);
    const often = createKernel({ seed: 7, tunables: { a: [1, 2] }, refreshEvery: 2, minEvidence: 3 });
    simulateComponent({
      kernel: often,
      seed: 7,
      steps: 200,
      truth: (c) => ({
        ...truth({ witnessThreads: 1, batchSize: 1 }),
        logMean: Math.log(c.a === 1 ? 100 : 300),
      }),
    });
    expect(often.exploring()).toBe(false);
    expect(often.currentConfig()).toEqual({ a: 1 });
  });

  it("closes on a configuration within `indifference` of the best instead of exploring on between near-equals", () => {
    expect(() => createKernel({ seed: 1, tunables, indifference: 1 })).toThrow(/indifference/);
    // Two arms 3 % apart: telling them apart at 99 % takes long; either is good enough at 10 %.
    const stepsToClose = (indifference: number) => {
      const kernel = createKernel({
        seed: 3,
        tunables: { a: [1, 2] },
        accuracyFloor: 0,
        complianceFloor: 0.5,
        confidenceToClose: 0.9,
        refreshEvery: 2,
        minEvidence: 4,
        indifference,
      });
      const truth = (c: Configuration) => ({
        logMean: Math.log(c.a === 1 ? 1_800 : 1_850),
        logSd: 0.1,
        accuracy: 1,
        complianceRate: 1,
      });
      for (let step = 1; step <= 400; step++) {
        simulateComponent({ kernel, seed: 3_000 + step, steps: 1, truth });
        if (!kernel.exploring()) return step;
      }
      return 400;
    };
    const near = stepsToClose(0.1);
    expect(near).toBeLessThan(60);
    expect(near).toBeLessThan(stepsToClose(0));
  });

  it("has sublinear regret", () => {
    const { truth } = world(5);
    const kernel = createKernel({ seed: 5, tunables });
    const { regret } = simulateComponent({ kernel, seed: 5, steps: 2000, truth });
    const sum = (from: number, to: number) => regret.slice(from, to).reduce((s, r) => s + r, 0);
    expect(sum(1000, 2000)).toBeLessThan(sum(0, 1000) / 4);
    expect(sum(0, 2000) / 2000).toBeLessThan(sum(0, 500) / 500);
  });

  it("detects a latency shift of the incumbent, reopens exploration and ends on the new best in most seeds", () => {
    let moved = 0;
    let alarmed = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { best, truth } = world(seed);
      // After step 1000 the best arm becomes twice as slow; the next best becomes the answer.
      const drifted = (config: Configuration, step: number) => {
        const t = truth(config);
        return step >= 1000 && configKey(config) === best ? { ...t, logMean: t.logMean + 0.7 } : t;
      };
      const kernel = createKernel({ seed, tunables });
      simulateComponent({ kernel, seed, steps: 2000, truth: drifted });
      if (kernel.driftAlarms().some((step) => step >= 1000)) alarmed += 1;
      const keys = kernel.arms.map((a) => a.key);
      const expected = (k: string) => {
        const t = drifted(JSON.parse(k) as Configuration, 2000);
        return t.accuracy < 0.9 ? Number.POSITIVE_INFINITY : t.logMean;
      };
      const newBest = keys.reduce((a, b) => (expected(b) < expected(a) ? b : a));
      if (configKey(kernel.currentConfig()) === newBest) moved += 1;
    }
    expect(alarmed).toBeGreaterThanOrEqual(18);
    expect(moved).toBeGreaterThanOrEqual(15);
  });

  it("rejects telemetry for an unknown configuration or with impossible values", () => {
    const kernel = createKernel({ seed: 1, tunables });
    const record = {
      invocationId: "1",
      configKey: kernel.arms[0]?.key as string,
      latencyMs: 10,
      accuracy: 1,
      compliant: true,
      at: 0,
    };
    expect(() => kernel.observe({ ...record, configKey: "{}" })).toThrow(/configKey/);
    expect(() => kernel.observe({ ...record, latencyMs: Number.NaN })).toThrow(/latencyMs/);
    expect(() => kernel.observe({ ...record, accuracy: 1.5 })).toThrow(/accuracy/);
  });

  it("runs a baseline configuration first, then learns as before; a baseline outside the arms is refused", () => {
    const slowest = { ...(createKernel({ seed: 3, tunables }).arms.at(-1)?.config as Configuration) };
    const kernel = createKernel({ seed: 3, tunables, baseline: { configuration: slowest, steps: 4 } });
    const first = Array.from({ length: 4 }, () => kernel.decide());
    expect(first.map((d) => d.configKey)).toEqual(Array(4).fill(configKey(slowest)));
    expect(first.every((d) => d.mode === "explore")).toBe(true);
    // After the baseline the Thompson draws start, from the same PRNG state as a kernel without one.
    const plain = createKernel({ seed: 3, tunables });
    expect(kernel.decide().configKey).toBe(plain.decide().configKey);
    expect(() =>
      createKernel({ seed: 3, tunables, baseline: { configuration: { nothing: 1 }, steps: 2 } }),
    ).toThrow(/baseline\.configuration/);
    expect(() => createKernel({ seed: 3, tunables, priorLatencySpread: 0 })).toThrow(/priorLatencySpread/);
  });
});

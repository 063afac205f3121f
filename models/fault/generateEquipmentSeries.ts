import { createPrng } from "../createPrng.js";
import type { FaultReading } from "./faultModelRuntime.js";

export type EquipmentSeries = { machineId: string; readings: FaultReading[] };
export type FaultEvent = { machineId: string; at: number };

export type GenerateEquipmentSeriesParameters = {
  seed: number;
  machines?: number;
  days?: number;
  intervalSeconds?: number;
  /** Mean faults per machine over the period. */
  faultsPerMachine?: number;
  /** How long before a fault degradation becomes visible (s). */
  degradationSeconds?: number;
  start?: number;
};

/**
 * Seeded equipment temperatures: each machine runs at its own base (55–70 °C) with a daily load cycle and sensor
 * noise; readings go missing in short random gaps; before each fault the temperature drifts up (to +8 °C) and
 * fluctuates more (noise up to ×5) over the degradation period, and maintenance resets it after the fault.
 */
export function generateEquipmentSeries(p: GenerateEquipmentSeriesParameters): {
  series: EquipmentSeries[];
  faults: FaultEvent[];
} {
  const {
    seed,
    machines = 5,
    days = 30,
    intervalSeconds = 600,
    faultsPerMachine = 3,
    degradationSeconds = 12 * 3600,
    start = 1_798_761_600,
  } = p;
  const prng = createPrng(seed);
  const steps = Math.floor((days * 86_400) / intervalSeconds);
  const series: EquipmentSeries[] = [];
  const faults: FaultEvent[] = [];
  for (let m = 0; m < machines; m++) {
    const machineId = `machine-${m + 1}`;
    const base = 55 + prng.next() * 15;
    const count = Math.max(1, Math.round(faultsPerMachine * (0.5 + prng.next())));
    const faultTimes = Array.from(
      { length: count },
      () =>
        start +
        degradationSeconds +
        Math.floor(prng.next() * (steps * intervalSeconds - 2 * degradationSeconds)),
    )
      .sort((a, b) => a - b)
      .filter((t, i, all) => i === 0 || t - (all[i - 1] as number) > 2 * degradationSeconds);
    for (const at of faultTimes) faults.push({ machineId, at });
    const readings: FaultReading[] = [];
    let gapLeft = 0;
    for (let s = 0; s < steps; s++) {
      const at = start + s * intervalSeconds;
      if (gapLeft > 0) {
        gapLeft -= 1;
        continue;
      }
      if (prng.next() < 0.004) {
        gapLeft = 1 + prng.int(6);
        continue;
      }
      const upcoming = faultTimes.find((t) => t >= at);
      const progress = upcoming === undefined ? 0 : Math.max(0, 1 - (upcoming - at) / degradationSeconds);
      const cycle = 3 * Math.sin((2 * Math.PI * (at % 86_400)) / 86_400);
      const temperatureC = base + cycle + 8 * progress ** 2 + prng.normal(0, 0.5 * (1 + 4 * progress));
      readings.push({ at, temperatureC: Math.round(temperatureC * 100) / 100 });
    }
    series.push({ machineId, readings });
  }
  return { series, faults };
}

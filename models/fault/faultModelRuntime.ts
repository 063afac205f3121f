/**
 * The portable fault-warning runtime: everything needed to reproduce a trained model's predictions from its JSON
 * export, with no imports, so a partner can copy this one file. The trainer uses the same feature code.
 */

export type FaultReading = { at: number; temperatureC: number };

export const FAULT_FEATURES = ["meanC", "fluctuationC", "maxStepC", "trendCPerHour", "gapFraction"] as const;

export type FaultModelModule = {
  format: "caldera-fault-model/1";
  features: readonly string[];
  /** Expected spacing of readings (s) and the window the features are computed over (s). */
  intervalSeconds: number;
  windowSeconds: number;
  /** Warning horizon (s): the model estimates P(fault within this long after the window ends). */
  horizonSeconds: number;
  standardisation: { mean: number[]; sd: number[] };
  weights: number[];
  bias: number;
  threshold: number;
};

/**
 * Features of one window of readings (time order): mean temperature, fluctuation (standard deviation), largest
 * step between consecutive readings, least-squares trend (°C per hour) and the fraction of expected readings
 * missing. Returns the values in FAULT_FEATURES order.
 */
export function windowFeatures(
  readings: readonly FaultReading[],
  windowSeconds: number,
  intervalSeconds: number,
): number[] {
  const n = readings.length;
  if (n === 0) return [0, 0, 0, 0, 1];
  const temps = readings.map((r) => r.temperatureC);
  const mean = temps.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(temps.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  let maxStep = 0;
  for (let i = 1; i < n; i++)
    maxStep = Math.max(maxStep, Math.abs((temps[i] as number) - (temps[i - 1] as number)));
  const t0 = (readings[0] as FaultReading).at;
  const hours = readings.map((r) => (r.at - t0) / 3600);
  const hMean = hours.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += ((hours[i] as number) - hMean) * ((temps[i] as number) - mean);
    sxx += ((hours[i] as number) - hMean) ** 2;
  }
  const expected = Math.round(windowSeconds / intervalSeconds);
  return [mean, sd, maxStep, sxx === 0 ? 0 : sxy / sxx, Math.max(0, 1 - n / expected)];
}

/** P(fault within the horizon) for one window, and whether it crosses the module's warning threshold. */
export function predictFaultRisk(
  module: FaultModelModule,
  readings: readonly FaultReading[],
): { probability: number; warning: boolean } {
  const x = windowFeatures(readings, module.windowSeconds, module.intervalSeconds);
  let z = module.bias;
  for (let i = 0; i < x.length; i++)
    z +=
      (module.weights[i] as number) *
      (((x[i] as number) - (module.standardisation.mean[i] as number)) /
        (module.standardisation.sd[i] as number));
  const probability = 1 / (1 + Math.exp(-z));
  return { probability, warning: probability >= module.threshold };
}

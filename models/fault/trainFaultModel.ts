import { createPrng } from "../createPrng.js";
import { ModelInputError } from "../ModelInputError.js";
import {
  FAULT_FEATURES,
  type FaultModelModule,
  type FaultReading,
  predictFaultRisk,
  windowFeatures,
} from "./faultModelRuntime.js";
import type { EquipmentSeries, FaultEvent } from "./generateEquipmentSeries.js";

export type TrainFaultModelParameters = {
  series: readonly EquipmentSeries[];
  faults: readonly FaultEvent[];
  intervalSeconds: number;
  windowSeconds: number;
  horizonSeconds: number;
  seed: number;
  testFraction?: number;
  /** L2 penalty on the standardised weights. */
  l2?: number;
};

export type ClassificationMetrics = { precision: number; recall: number; f1: number; accuracy: number };

export type FaultWindow = {
  machineId: string;
  end: number;
  readings: FaultReading[];
  features: number[];
  label: 0 | 1;
};

export type TrainFaultModelReturnType = {
  module: FaultModelModule;
  metrics: { model: ClassificationMetrics; majorityBaseline: ClassificationMetrics };
  /** Point-biserial correlation of each feature with "fault within the horizon", over all windows. */
  correlations: Record<string, number>;
  counts: { windows: number; positives: number; train: number; test: number };
  testWindows: FaultWindow[];
};

/**
 * Slides a window over every machine's series (stride = half a window), labels it 1 when that machine fails within
 * the horizon after the window ends, splits windows into train and test stratified by label with the seeded PRNG,
 * and fits an L2-regularised logistic regression on standardised features by full-batch gradient descent with
 * balanced class weights (faults are rare). Deterministic for a given seed.
 */
export function trainFaultModel(p: TrainFaultModelParameters): TrainFaultModelReturnType {
  const { intervalSeconds, windowSeconds, horizonSeconds, seed, testFraction = 0.3, l2 = 1e-3 } = p;
  const windows: FaultWindow[] = [];
  for (const { machineId, readings } of p.series) {
    if (readings.length === 0) continue;
    const faultTimes = p.faults.filter((f) => f.machineId === machineId).map((f) => f.at);
    const first = (readings[0] as FaultReading).at;
    const last = (readings.at(-1) as FaultReading).at;
    let lo = 0;
    for (let end = first + windowSeconds; end <= last; end += windowSeconds / 2) {
      while (lo < readings.length && (readings[lo] as FaultReading).at <= end - windowSeconds) lo += 1;
      let hi = lo;
      while (hi < readings.length && (readings[hi] as FaultReading).at <= end) hi += 1;
      const slice = readings.slice(lo, hi);
      if (slice.length < (windowSeconds / intervalSeconds) * 0.25) continue;
      const label = faultTimes.some((t) => t > end && t <= end + horizonSeconds) ? 1 : 0;
      windows.push({
        machineId,
        end,
        readings: slice,
        features: windowFeatures(slice, windowSeconds, intervalSeconds),
        label,
      });
    }
  }
  if (windows.length === 0)
    throw new ModelInputError("$.series", "yields no training windows: too few readings");
  const positives = windows.filter((w) => w.label === 1);
  if (positives.length < 2)
    throw new ModelInputError("$.faults", "must give at least two windows followed by a fault to learn from");

  const prng = createPrng(seed);
  const shuffle = <T>(items: T[]) => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  const train: FaultWindow[] = [];
  const test: FaultWindow[] = [];
  for (const group of [positives, windows.filter((w) => w.label === 0)]) {
    const shuffled = shuffle(group);
    const cut = Math.max(1, Math.round(shuffled.length * testFraction));
    test.push(...shuffled.slice(0, cut));
    train.push(...shuffled.slice(cut));
  }

  const k = FAULT_FEATURES.length;
  const mean = Array.from(
    { length: k },
    (_, j) => train.reduce((s, w) => s + (w.features[j] as number), 0) / train.length,
  );
  const sd = Array.from({ length: k }, (_, j) => {
    const v = Math.sqrt(
      train.reduce((s, w) => s + ((w.features[j] as number) - (mean[j] as number)) ** 2, 0) / train.length,
    );
    return v > 1e-12 ? v : 1;
  });
  const x = train.map((w) => w.features.map((v, j) => (v - (mean[j] as number)) / (sd[j] as number)));
  const y = train.map((w) => w.label);
  const positiveShare = y.reduce<number>((s, v) => s + v, 0) / y.length;
  const weightOf = (label: number) => (label === 1 ? 0.5 / positiveShare : 0.5 / (1 - positiveShare));
  const weights = new Array<number>(k).fill(0);
  let bias = 0;
  const learningRate = 0.5;
  for (let iteration = 0; iteration < 3000; iteration++) {
    const gradient = new Array<number>(k).fill(0);
    let gradientBias = 0;
    x.forEach((row, i) => {
      const z = row.reduce((s, v, j) => s + v * (weights[j] as number), bias);
      const error = (1 / (1 + Math.exp(-z)) - (y[i] as number)) * weightOf(y[i] as number);
      row.forEach((v, j) => {
        gradient[j] = (gradient[j] as number) + error * v;
      });
      gradientBias += error;
    });
    for (let j = 0; j < k; j++)
      weights[j] =
        (weights[j] as number) -
        learningRate * ((gradient[j] as number) / x.length + l2 * (weights[j] as number));
    bias -= (learningRate * gradientBias) / x.length;
  }

  // Rounded before anything is predicted, so the exported module reproduces every reported prediction exactly.
  const r = (v: number) => Number(v.toPrecision(12));
  const module: FaultModelModule = {
    format: "caldera-fault-model/1",
    features: [...FAULT_FEATURES],
    intervalSeconds,
    windowSeconds,
    horizonSeconds,
    standardisation: { mean: mean.map(r), sd: sd.map(r) },
    weights: weights.map(r),
    bias: r(bias),
    threshold: 0.5,
  };
  const predicted = test.map((w) => (predictFaultRisk(module, w.readings).warning ? 1 : 0));
  const majority = positives.length * 2 > windows.length ? 1 : 0;
  return {
    module,
    metrics: {
      model: classificationMetrics(
        test.map((w) => w.label),
        predicted,
      ),
      majorityBaseline: classificationMetrics(
        test.map((w) => w.label),
        test.map(() => majority),
      ),
    },
    correlations: Object.fromEntries(
      FAULT_FEATURES.map((name, j) => [
        name,
        pointBiserial(
          windows.map((w) => w.features[j] as number),
          windows.map((w) => w.label),
        ),
      ]),
    ),
    counts: { windows: windows.length, positives: positives.length, train: train.length, test: test.length },
    testWindows: test,
  };
}

export function classificationMetrics(
  actual: readonly number[],
  predicted: readonly number[],
): ClassificationMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  actual.forEach((a, i) => {
    const p = predicted[i];
    if (p === 1 && a === 1) tp += 1;
    if (p === 1 && a === 0) fp += 1;
    if (p === 0 && a === 1) fn += 1;
    if (p === a) correct += 1;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    accuracy: correct / actual.length,
  };
}

function pointBiserial(values: readonly number[], labels: readonly number[]): number {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  const ones = values.filter((_, i) => labels[i] === 1);
  const zeros = values.filter((_, i) => labels[i] === 0);
  if (sd === 0 || ones.length === 0 || zeros.length === 0) return 0;
  const m1 = ones.reduce((s, v) => s + v, 0) / ones.length;
  const m0 = zeros.reduce((s, v) => s + v, 0) / zeros.length;
  return ((m1 - m0) / sd) * Math.sqrt((ones.length / n) * (zeros.length / n));
}

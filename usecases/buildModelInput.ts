import { BadUserInputError } from "./errors.js";

/** What a derivation may produce; the names the contracts' `DerivationRules` kinds and GraphQL use. */
export const derivationKinds = {
  PLANTING_PLAN: {
    kind: 1,
    modelId: "planting-optimisation",
    channels: ["tMax", "tMin", "rhMax", "rhMin", "windSpeed", "sunshineHours", "rainfall"],
  },
  MARKET_FORECAST: { kind: 2, modelId: "market-forecast", channels: ["price"] },
  FAULT_WARNING_MODEL: { kind: 3, modelId: "fault-warning", channels: ["temperature", "faultEvent"] },
} as const;

export type DerivationKindName = keyof typeof derivationKinds;

/**
 * The certified data a derivation may use, as the binding proof commits it: for one core certificate, every slot's
 * presence and the values (in the schema's units) of the channels the derivation kind selects.
 */
export type CertifiedFeatures = {
  windowStart: number;
  slotSeconds: number;
  /** The selected channels, in the order of `values`. */
  channels: readonly string[];
  /** One entry per slot: `null` where the slot had no reading. */
  slots: readonly (readonly number[] | null)[];
};

export type BuildModelInputParameters = {
  kind: DerivationKindName;
  /** Model parameters that are not data (station, crop, soil; horizon; window lengths); validated by the model. */
  parameters: Record<string, unknown>;
  /** One entry per core certificate, in time order, windows back to back. */
  features: readonly CertifiedFeatures[];
};

export type BuildModelInputReturnType = { modelId: string; input: Record<string, unknown> };

/**
 * Turns certified features plus a caller's parameters into a model's input — a pure function, so anyone holding
 * the (content-addressed) features and parameters re-runs the model and gets the same output hash.
 *
 * Gaps: the planting model needs a value per day and the forecast a value per period, so a missing slot takes the
 * mean of its nearest present neighbours (the nearest one at either end). The fault model reads its own gaps as a
 * feature, so missing slots are left out.
 */
export function buildModelInput({
  kind,
  parameters,
  features,
}: BuildModelInputParameters): BuildModelInputReturnType {
  const spec = derivationKinds[kind];
  if (features.length === 0)
    throw new BadUserInputError("certificateIds", "must name at least one core certificate");
  features.forEach((f, i) => {
    if (f.channels.join() !== spec.channels.join())
      throw new BadUserInputError(
        `certificateIds[${i}]`,
        `carries channels ${f.channels.join(", ")}; ${kind} needs ${spec.channels.join(", ")}`,
      );
    const previous = features[i - 1];
    if (previous !== undefined) {
      if (f.slotSeconds !== previous.slotSeconds)
        throw new BadUserInputError(
          `certificateIds[${i}]`,
          "has another slot length than the certificate before it",
        );
      const expected = previous.windowStart + previous.slots.length * previous.slotSeconds;
      if (f.windowStart !== expected)
        throw new BadUserInputError(
          `certificateIds[${i}]`,
          `window starts at ${f.windowStart}, not where the previous one ends (${expected}): certificates must be consecutive`,
        );
    }
  });
  const slotSeconds = (features[0] as CertifiedFeatures).slotSeconds;
  const windowStart = (features[0] as CertifiedFeatures).windowStart;
  const slots = features.flatMap((f) => f.slots);
  const column = (index: number) => fillGaps(slots.map((s) => (s === null ? null : (s[index] as number))));

  switch (kind) {
    case "PLANTING_PLAN": {
      if (slotSeconds !== 86_400)
        throw new BadUserInputError("certificateIds", "a planting plan needs daily slots (86,400 s)");
      const [tMax, tMin, rhMax, rhMin, windSpeed, sunshineHours, rainfall] = spec.channels.map((_, i) =>
        column(i),
      );
      const weather = slots.map((_, d) => ({
        tMax: tMax?.[d],
        tMin: tMin?.[d],
        rhMax: rhMax?.[d],
        rhMin: rhMin?.[d],
        windSpeed: windSpeed?.[d],
        sunshineHours: sunshineHours?.[d],
        rainfallMm: rainfall?.[d],
      }));
      const plantingDate = new Date(windowStart * 1000).toISOString().slice(0, 10);
      return { modelId: spec.modelId, input: { ...parameters, plantingDate, weather } };
    }
    case "MARKET_FORECAST":
      return { modelId: spec.modelId, input: { ...parameters, series: column(0) } };
    case "FAULT_WARNING_MODEL": {
      const machineId = typeof parameters.machineId === "string" ? parameters.machineId : "machine-1";
      const readings: { at: number; temperatureC: number }[] = [];
      const faults: { machineId: string; at: number }[] = [];
      slots.forEach((slot, i) => {
        if (slot === null) return;
        const at = windowStart + i * slotSeconds;
        readings.push({ at, temperatureC: slot[0] as number });
        if ((slot[1] as number) >= 1) faults.push({ machineId, at });
      });
      const { machineId: _, ...rest } = parameters;
      return {
        modelId: spec.modelId,
        input: { intervalSeconds: slotSeconds, ...rest, series: [{ machineId, readings }], faults },
      };
    }
  }
}

/** A missing value takes the mean of its nearest present neighbours; at either end, the nearest present one. */
export function fillGaps(values: readonly (number | null)[]): number[] {
  const present = values.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0);
  if (present.length === 0)
    throw new BadUserInputError("certificateIds", "the certified data has no readings");
  return values.map((v, i) => {
    if (v !== null) return v;
    const before = present.filter((p) => p < i).at(-1);
    const after = present.find((p) => p > i);
    const a = before === undefined ? undefined : (values[before] as number);
    const b = after === undefined ? undefined : (values[after] as number);
    return a === undefined ? (b as number) : b === undefined ? a : (a + b) / 2;
  });
}

import { describe, expect, it } from "vitest";
import { type DemoDataset, machineDatasets, priceDataset, weatherDatasets } from "../cli/demoDatasets.js";
import { runModel } from "../models/defineModel.js";
import { getModel } from "../models/registry.js";
import { CORE_DOMAINS } from "../prover/coreDataset.js";
import { loadChannelSchema } from "../prover/loadChannelSchema.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { buildModelInput, type DerivationKindName } from "./buildModelInput.js";
import { certifiedFeatures } from "./prepareDerivation.js";
import { summariseDerivation } from "./summariseDerivation.js";

const seconds = (iso: string) => Date.parse(iso) / 1000;

function prepare(d: DemoDataset) {
  return prepareCoreClaim({
    dataset: {
      windowStart: seconds(d.windowStart),
      slotSeconds: d.slotSeconds,
      deadlineSeconds: d.deadlineSeconds,
      readings: d.readings.map((r) => ({
        observedAt: seconds(r.observedAt),
        deliveredAt: seconds(r.deliveredAt),
        channels: Object.fromEntries(r.channels.map((c) => [c.name, c.value])),
      })),
    },
    domain: CORE_DOMAINS[d.domain],
    schema: loadChannelSchema(d.schema),
  });
}

/** From certified datasets to a model output, exactly as a derivation runs it (without the chain). */
function derive(kind: DerivationKindName, datasets: DemoDataset[], parameters: Record<string, unknown>) {
  const features = datasets.map((d) => certifiedFeatures(prepare(d), kind).features);
  const { modelId, input } = buildModelInput({ kind, parameters, features });
  const run = runModel(getModel(modelId), input);
  return { run, summary: summariseDerivation(kind, run.output), features };
}

describe("certified data → features → model output (the derivation pipeline off-chain)", () => {
  it("a season of daily weather (two windows) gives a planting plan in the seed's words", () => {
    const datasets = weatherDatasets();
    const quality = prepare(datasets[0] as DemoDataset).quality;
    expect(quality.integrityBps).toBeGreaterThanOrEqual(9000);
    const { run, summary, features } = derive("PLANTING_PLAN", datasets, {
      station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
      crop: "maize",
      soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
    });
    expect(features[0]?.slots[3]).toBeNull();
    expect(features[0]?.slots[0]?.[0]).toBe(datasets[0]?.readings[0]?.channels[0]?.value);
    expect(summary).toMatch(/irrigat/i);
    // Deterministic: the same certified data and parameters give the same output hash.
    expect(
      derive("PLANTING_PLAN", weatherDatasets(), {
        station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
        crop: "maize",
        soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
      }).run.outputHash,
    ).toBe(run.outputHash);
  });

  it("eight years of monthly prices give a forecast with intervals", () => {
    const { summary } = derive("MARKET_FORECAST", [priceDataset()], { seasonLength: 12, horizon: 6 });
    expect(summary).toMatch(/^next period [\d.]+ \(\d+% interval [\d.]+–[\d.]+\)/);
  });

  it("sixteen days of hourly machine telemetry train a fault-warning module with held-out metrics", () => {
    const datasets = machineDatasets();
    expect(
      datasets.flatMap((d) => d.readings).filter((r) => r.channels[1]?.value === 1).length,
    ).toBeGreaterThan(3);
    const { run, summary } = derive("FAULT_WARNING_MODEL", datasets, {
      machineId: "press-7",
      windowHours: 6,
      horizonHours: 12,
    });
    expect(summary).toMatch(/^fault-warning module: held-out F1 /);
    expect((run.output as { module: unknown }).module).toBeDefined();
  });
});

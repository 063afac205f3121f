import { describe, expect, it } from "vitest";
import { runModel } from "../models/defineModel.js";
import { getModel } from "../models/registry.js";
import { buildModelInput, type CertifiedFeatures, fillGaps } from "./buildModelInput.js";

const DAY = 86_400;
const start = Date.parse("2026-04-01T00:00:00Z") / 1000;

function weatherFeatures(windowStart: number, days: number, missing: number[] = []): CertifiedFeatures {
  return {
    windowStart,
    slotSeconds: DAY,
    channels: ["tMax", "tMin", "rhMax", "rhMin", "windSpeed", "sunshineHours", "rainfall"],
    slots: Array.from({ length: days }, (_, d) =>
      missing.includes(d) ? null : [30 + (d % 5), 18 + (d % 3), 85, 45, 2.1, 8.5, d % 7 === 0 ? 12 : 0],
    ),
  };
}

const planting = {
  station: { latitudeDeg: 13.73, elevationM: 2, windHeightM: 2 },
  crop: "maize",
  soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
};

describe("buildModelInput", () => {
  it("fills a gap with the mean of its neighbours, and the ends with the nearest value", () => {
    expect(fillGaps([null, 2, null, 6, null])).toEqual([2, 2, 4, 6, 6]);
  });

  it("joins consecutive daily certificates into one planting-model input the model accepts", () => {
    const { modelId, input } = buildModelInput({
      kind: "PLANTING_PLAN",
      parameters: planting,
      features: [weatherFeatures(start, 96, [10]), weatherFeatures(start + 96 * DAY, 40)],
    });
    expect(modelId).toBe("planting-optimisation");
    expect(input.plantingDate).toBe("2026-04-01");
    const weather = input.weather as { tMax: number; rainfallMm: number }[];
    expect(weather).toHaveLength(136);
    expect(weather[10]?.tMax).toBe((30 + (9 % 5) + 30 + (11 % 5)) / 2);
    const run = runModel(getModel(modelId), input);
    expect(run.outputHash).toMatch(/^0x[0-9a-f]{64}$/);
    // Same features and parameters → same output hash: anyone can re-run a derivative.
    expect(
      runModel(
        getModel(modelId),
        buildModelInput({
          kind: "PLANTING_PLAN",
          parameters: planting,
          features: [weatherFeatures(start, 96, [10]), weatherFeatures(start + 96 * DAY, 40)],
        }).input,
      ).outputHash,
    ).toBe(run.outputHash);
  });

  it("refuses certificates that are not back to back, another slot length or other channels", () => {
    expect(() =>
      buildModelInput({
        kind: "PLANTING_PLAN",
        parameters: planting,
        features: [weatherFeatures(start, 96), weatherFeatures(start + 97 * DAY, 10)],
      }),
    ).toThrow(/certificateIds\[1\] window starts at .* not where the previous one ends/);
    expect(() =>
      buildModelInput({
        kind: "MARKET_FORECAST",
        parameters: { seasonLength: 12, horizon: 6 },
        features: [weatherFeatures(start, 96)],
      }),
    ).toThrow(/MARKET_FORECAST needs price/);
  });

  it("hands the fault model its readings and fault events, leaving gaps out", () => {
    const features: CertifiedFeatures = {
      windowStart: start,
      slotSeconds: 3600,
      channels: ["temperature", "faultEvent"],
      slots: [[60, 0], null, [61.5, 0], [75, 1]],
    };
    const { input } = buildModelInput({
      kind: "FAULT_WARNING_MODEL",
      parameters: { machineId: "press-7" },
      features: [features],
    });
    expect(input).toEqual({
      intervalSeconds: 3600,
      series: [
        {
          machineId: "press-7",
          readings: [
            { at: start, temperatureC: 60 },
            { at: start + 7200, temperatureC: 61.5 },
            { at: start + 10_800, temperatureC: 75 },
          ],
        },
      ],
      faults: [{ machineId: "press-7", at: start + 10_800 }],
    });
  });
});

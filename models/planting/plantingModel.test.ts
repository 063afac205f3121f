import { describe, expect, it } from "vitest";
import { modelInputField } from "../../test/support/modelInputField.js";
import { runModel } from "../defineModel.js";
import { balanceNutrients } from "./balanceNutrients.js";
import { adjustCropCoefficient, cropCoefficientOnDay } from "./cropCoefficient.js";
import { CROPS } from "./crops.js";
import { generateWeatherSeries } from "./generateWeatherSeries.js";
import { type PlantingInput, plantingModel } from "./plantingModel.js";
import { scheduleIrrigation } from "./scheduleIrrigation.js";

const season = (seed: number, wetAfterDry = 0.2, meanWetDayRainMm = 8): PlantingInput => ({
  station: { latitudeDeg: 34.7, elevationM: 120, windHeightM: 10 },
  crop: "maize",
  plantingDate: "2026-04-15",
  // sandy loam: little water held, so irrigation is frequent
  soil: { fieldCapacity: 0.18, wiltingPoint: 0.08 },
  nutrients: { targetYieldTPerHa: 9, soilTest: { n: 40, p2o5: 30, k2o: 60 } },
  weather: generateWeatherSeries({
    seed,
    latitudeDeg: 34.7,
    startDate: "2026-04-15",
    days: 150,
    wetAfterDry,
    meanWetDayRainMm,
  }),
});

describe("planting optimisation model", () => {
  it("produces a readable plan with the numbers behind it", () => {
    const { output } = runModel(plantingModel, season(1));
    expect(output.summary).toMatch(
      /^irrigate every \d+ days, \d+ mm; [+-]\d+% (nitrogen|phosphate|potassium)$/,
    );
    expect(output.irrigation.events.length).toBeGreaterThanOrEqual(2);
    expect(output.numbers.et0Mm).toHaveLength(150);
    expect(output.fertiliser.find((f) => f.nutrient === "potassium")?.adjustmentPercent).toBeGreaterThan(0);
  });

  it("irrigates more in a dry season than in a wet one", () => {
    const dry = runModel(plantingModel, season(7, 0.05, 3)).output;
    const wet = runModel(plantingModel, season(7, 0.6, 15)).output;
    expect(dry.numbers.irrigationMm).toBeGreaterThan(wet.numbers.irrigationMm);
    expect(dry.irrigation.events.length).toBeGreaterThan(wet.irrigation.events.length);
  });

  it.each([1, 2, 3, 4, 5])("gives the same output hash for the same input (seed %i)", (seed) => {
    expect(runModel(plantingModel, season(seed)).outputHash).toBe(
      runModel(plantingModel, structuredClone(season(seed))).outputHash,
    );
  });

  it.each([
    [
      "$.weather[3].rhMin",
      (i: PlantingInput) => Object.assign(i.weather[3] as object, { rhMin: 90, rhMax: 80 }),
    ],
    [
      "$.weather[0].tMin",
      (i: PlantingInput) => Object.assign(i.weather[0] as object, { tMin: 30, tMax: 20 }),
    ],
    [
      "$.weather[2].sunshineHours",
      (i: PlantingInput) => Object.assign(i.weather[2] as object, { sunshineHours: -1 }),
    ],
    [
      "$.weather[2].sunshineHours",
      (i: PlantingInput) => Object.assign(i.weather[2] as object, { sunshineHours: 20 }),
    ],
    [
      "$.weather[5].windSpeed",
      (i: PlantingInput) => Object.assign(i.weather[5] as object, { windSpeed: Number.NaN }),
    ],
    [
      "$.weather[1].rainfallMm",
      (i: PlantingInput) => Object.assign(i.weather[1] as object, { rainfallMm: Number.POSITIVE_INFINITY }),
    ],
    ["$.station.latitudeDeg", (i: PlantingInput) => Object.assign(i.station, { latitudeDeg: 95 })],
    ["$.soil.wiltingPoint", (i: PlantingInput) => Object.assign(i.soil, { wiltingPoint: 0.4 })],
    ["$.crop", (i: PlantingInput) => Object.assign(i, { crop: "banana" })],
    ["$.weather", (i: PlantingInput) => Object.assign(i, { weather: [] })],
  ])("rejects bad input naming %s", (field, spoil) => {
    const input = season(3);
    spoil(input);
    expect(modelInputField(() => plantingModel.run(input))).toBe(field);
  });
});

describe("root-zone water balance", () => {
  it("closes: rain − runoff + irrigation − ETc − deep percolation = change in depletion", () => {
    const weather = generateWeatherSeries({ seed: 11, latitudeDeg: 10, startDate: "2026-01-01", days: 120 });
    const result = scheduleIrrigation({
      crop: CROPS.wheat,
      etcMm: weather.map((_, i) => 3 + Math.sin(i / 9)),
      rainfallMm: weather.map((w) => w.rainfallMm),
      fieldCapacity: 0.3,
      wiltingPoint: 0.12,
    });
    const t = result.totals;
    const finalDepletion = result.depletionMm.at(-1) ?? 0;
    expect(t.rainfallMm - t.runoffMm + t.irrigationMm - t.etcMm - t.deepPercolationMm).toBeCloseTo(
      -finalDepletion,
      6,
    );
  });

  it("irrigates exactly when depletion reaches RAW with no rain (TAW 1000·ΔΘ·Zr)", () => {
    // 5 mm/day ETc on a fully rooted soil: p = 0.55, TAW = 1000 × 0.2 × 1.7 = 340 mm, RAW = 187 mm → day 37.
    const crop = { ...CROPS.maize, stages: [1, 1, 200, 1] as const };
    const result = scheduleIrrigation({
      crop,
      etcMm: Array(80).fill(5),
      rainfallMm: [],
      fieldCapacity: 0.35,
      wiltingPoint: 0.15,
    });
    expect(result.tawMm).toBeCloseTo(340, 9);
    expect(result.events[0]?.day).toBe(37);
    expect(result.intervalDays).toBe(38);
  });
});

describe("crop coefficients and nutrients", () => {
  it("FAO-56 eq. 62: a windy, dry climate raises Kc mid", () => {
    expect(adjustCropCoefficient(1.2, 2, 45, 2)).toBeCloseTo(1.2, 12);
    expect(adjustCropCoefficient(1.2, 4, 25, 2)).toBeCloseTo(1.2 + (0.08 + 0.08) * (2 / 3) ** 0.3, 12);
  });

  it("FAO-56 eq. 66: Kc is linear through development", () => {
    const curve = { kcIni: 0.3, kcMid: 1.2, kcEnd: 0.6 };
    expect(cropCoefficientOnDay(CROPS.maize, curve, 0)).toBe(0.3);
    expect(cropCoefficientOnDay(CROPS.maize, curve, 50)).toBeCloseTo(0.75, 12);
    expect(cropCoefficientOnDay(CROPS.maize, curve, 100)).toBe(1.2);
    expect(cropCoefficientOnDay(CROPS.maize, curve, 149)).toBeCloseTo(0.62, 2);
  });

  it("recommends the baseline at the reference yield and a medium soil test", () => {
    const adj = balanceNutrients({
      crop: CROPS.maize,
      targetYieldTPerHa: 8,
      soilTest: { n: 40, p2o5: 30, k2o: 120 },
    });
    expect(adj.map((a) => a.adjustmentPercent)).toEqual([0, 0, 0]);
    const poorK = balanceNutrients({
      crop: CROPS.maize,
      targetYieldTPerHa: 8,
      soilTest: { n: 40, p2o5: 30, k2o: 60 },
    });
    expect(poorK[2]?.adjustmentPercent).toBeGreaterThan(0);
  });
});

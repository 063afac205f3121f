import { describe, expect, it } from "vitest";
import { modelInputField } from "../../test/support/modelInputField.js";
import { runModel } from "../defineModel.js";
import { predictFaultRisk } from "./faultModelRuntime.js";
import { faultWarningModel } from "./faultWarningModel.js";
import { generateEquipmentSeries } from "./generateEquipmentSeries.js";
import { trainFaultModel } from "./trainFaultModel.js";

const data = (seed: number) => generateEquipmentSeries({ seed, machines: 5, days: 30 });
const train = (seed: number) =>
  trainFaultModel({
    ...data(seed),
    intervalSeconds: 600,
    windowSeconds: 6 * 3600,
    horizonSeconds: 6 * 3600,
    seed,
  });

describe("fault-warning model", () => {
  it("beats the majority-class baseline on held-out windows", () => {
    const trained = train(1);
    expect(trained.metrics.majorityBaseline.f1).toBe(0);
    expect(trained.metrics.model.f1).toBeGreaterThan(0.5);
    expect(trained.metrics.model.recall).toBeGreaterThan(0.5);
    // Degradation raises temperature and fluctuation: both correlate positively with an upcoming fault.
    expect(trained.correlations.fluctuationC).toBeGreaterThan(0.2);
    expect(trained.correlations.meanC).toBeGreaterThan(0);
  });

  it("exports a JSON module whose tiny runtime reproduces every held-out prediction exactly", () => {
    const trained = train(2);
    const exported = JSON.parse(JSON.stringify(trained.module));
    for (const w of trained.testWindows)
      expect(predictFaultRisk(exported, w.readings)).toEqual(predictFaultRisk(trained.module, w.readings));
  });

  it.each([1, 2, 3])("gives the same output hash for the same input (seed %i)", (seed) => {
    const input = { ...data(seed), seed };
    expect(runModel(faultWarningModel, input).outputHash).toBe(
      runModel(faultWarningModel, structuredClone(input)).outputHash,
    );
  });

  it.each([
    ["$.series", { series: [], faults: [] }],
    [
      "$.series[0].readings",
      { series: [{ machineId: "a", readings: [] }], faults: [{ machineId: "a", at: 1 }] },
    ],
    [
      "$.series[0].readings[1].at",
      {
        series: [
          {
            machineId: "a",
            readings: [
              { at: 5, temperatureC: 1 },
              { at: 5, temperatureC: 1 },
            ],
          },
        ],
        faults: [],
      },
    ],
    [
      "$.series[0].readings[0].temperatureC",
      { series: [{ machineId: "a", readings: [{ at: 5, temperatureC: Number.NaN }] }], faults: [] },
    ],
    ["$.faults", { series: [{ machineId: "a", readings: [{ at: 5, temperatureC: 1 }] }], faults: [] }],
  ])("rejects bad input naming %s", (field, bad) => {
    expect(modelInputField(() => faultWarningModel.run(bad))).toBe(field);
  });
});

import { defineModel } from "../defineModel.js";
import { requireFinite, requireInteger, requireObject } from "../inputGuards.js";
import { ModelInputError } from "../ModelInputError.js";
import type { EquipmentSeries, FaultEvent } from "./generateEquipmentSeries.js";
import { trainFaultModel } from "./trainFaultModel.js";

const round = (v: number) => Math.round(v * 1e4) / 1e4;

export const faultWarningModel = defineModel({
  id: "fault-warning",
  title:
    "Fault-warning model: temperature-fluctuation features and a logistic-regression classifier, exported as JSON",
  codeVersion: "1.0.0",
  parameters: {
    classifier: "L2 logistic regression, balanced class weights, 3000 GD steps, lr 0.5, l2 1e-3",
    split: "stratified",
    threshold: 0.5,
  },
  inputSchema: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Fault-warning training input",
    type: "object",
    required: ["series", "faults"],
    properties: {
      series: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          required: ["machineId", "readings"],
          properties: {
            machineId: { type: "string" },
            readings: {
              type: "array",
              items: {
                type: "object",
                required: ["at", "temperatureC"],
                properties: {
                  at: { type: "integer", description: "Unix seconds, strictly increasing per machine" },
                  temperatureC: { type: "number", description: "Equipment temperature (°C)" },
                },
              },
            },
          },
        },
      },
      faults: {
        type: "array",
        items: {
          type: "object",
          required: ["machineId", "at"],
          properties: {
            machineId: { type: "string" },
            at: { type: "integer", description: "Unix seconds of the fault" },
          },
        },
      },
      intervalSeconds: {
        type: "integer",
        minimum: 1,
        description: "Expected spacing of readings (default 600 s)",
      },
      windowHours: { type: "number", exclusiveMinimum: 0, description: "Feature window (default 6 h)" },
      horizonHours: {
        type: "number",
        exclusiveMinimum: 0,
        description: "Warn of faults within this long after the window (default 6 h)",
      },
      seed: { type: "integer", description: "Seed of the train/test split (default 1)" },
    },
  },
  run: (raw) => {
    const input = requireObject(raw, "$");
    const intervalSeconds =
      input.intervalSeconds === undefined
        ? 600
        : requireInteger(input.intervalSeconds, "$.intervalSeconds", 1, 86_400);
    const windowHours =
      input.windowHours === undefined ? 6 : requireFinite(input.windowHours, "$.windowHours", 0.01, 720);
    const horizonHours =
      input.horizonHours === undefined ? 6 : requireFinite(input.horizonHours, "$.horizonHours", 0.01, 720);
    const seed = input.seed === undefined ? 1 : requireInteger(input.seed, "$.seed", 0, 2 ** 32 - 1);
    const series = validateSeries(input.series);
    const faults = validateFaults(input.faults, new Set(series.map((s) => s.machineId)));
    const trained = trainFaultModel({
      series,
      faults,
      intervalSeconds,
      windowSeconds: windowHours * 3600,
      horizonSeconds: horizonHours * 3600,
      seed,
    });
    const roundMetrics = (m: Record<string, number>) =>
      Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)]));
    return {
      module: trained.module,
      metrics: {
        model: roundMetrics(trained.metrics.model),
        majorityBaseline: roundMetrics(trained.metrics.majorityBaseline),
      },
      correlations: roundMetrics(trained.correlations),
      counts: trained.counts,
    };
  },
});

function validateSeries(raw: unknown): EquipmentSeries[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new ModelInputError("$.series", "must list at least one machine");
  return raw.map((m, i) => {
    const machine = requireObject(m, `$.series[${i}]`);
    if (typeof machine.machineId !== "string" || machine.machineId === "")
      throw new ModelInputError(`$.series[${i}].machineId`, "must be a non-empty string");
    if (!Array.isArray(machine.readings) || machine.readings.length === 0)
      throw new ModelInputError(`$.series[${i}].readings`, "must be a non-empty list (no training data)");
    let previous = Number.NEGATIVE_INFINITY;
    const readings = machine.readings.map((r, j) => {
      const at = `$.series[${i}].readings[${j}]`;
      const reading = requireObject(r, at);
      const time = requireInteger(reading.at, `${at}.at`, 0, 2 ** 53 - 1);
      if (time <= previous)
        throw new ModelInputError(
          `${at}.at`,
          "must be later than the previous reading (timestamps strictly increasing)",
        );
      previous = time;
      return {
        at: time,
        temperatureC: requireFinite(reading.temperatureC, `${at}.temperatureC`, -273.15, 5000),
      };
    });
    return { machineId: machine.machineId, readings };
  });
}

function validateFaults(raw: unknown, machines: Set<string>): FaultEvent[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new ModelInputError(
      "$.faults",
      "must list at least one fault (no positive examples to learn from)",
    );
  return raw.map((f, i) => {
    const fault = requireObject(f, `$.faults[${i}]`);
    if (typeof fault.machineId !== "string" || !machines.has(fault.machineId))
      throw new ModelInputError(`$.faults[${i}].machineId`, "must name a machine in $.series");
    return { machineId: fault.machineId, at: requireInteger(fault.at, `$.faults[${i}].at`, 0, 2 ** 53 - 1) };
  });
}

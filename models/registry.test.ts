import { describe, expect, it } from "vitest";
import { canonicalHash } from "./canonicalJson.js";
import { getModel, models, UnknownModelError } from "./registry.js";

describe("model registry", () => {
  it("lists each model once with a version hash over its id, code version and parameters", () => {
    expect(models.map((m) => m.id)).toEqual(["planting-optimisation", "market-forecast", "fault-warning"]);
    for (const m of models)
      expect(m.versionHash).toBe(
        canonicalHash({ id: m.id, codeVersion: m.codeVersion, parameters: m.parameters }),
      );
    expect(new Set(models.map((m) => m.versionHash)).size).toBe(3);
  });

  it("finds a model by id and names the known ones otherwise", () => {
    expect(getModel("market-forecast").title).toMatch(/Holt–Winters/);
    expect(() => getModel("nope")).toThrow(UnknownModelError);
    expect(() => getModel("nope")).toThrow(/planting-optimisation, market-forecast, fault-warning/);
  });
});

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generatePriceSeries } from "../models/market/generatePriceSeries.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const caldera = (args: string[], input?: string) =>
  spawnSync(process.execPath, ["bin/caldera.mjs", "model", ...args], { cwd: root, input, encoding: "utf8" });

describe("npx caldera model", () => {
  it("lists every model with its version hash", () => {
    const result = caldera(["list", "--json"]);
    expect(result.status).toBe(0);
    const listed = JSON.parse(result.stdout) as { id: string; versionHash: string }[];
    expect(listed.map((m) => m.id)).toEqual(["planting-optimisation", "market-forecast", "fault-warning"]);
    expect(listed.every((m) => /^0x[0-9a-f]{64}$/.test(m.versionHash))).toBe(true);
  });

  it("prints a model's input JSON Schema", () => {
    const result = caldera(["schema", "planting-optimisation"]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).properties.station.properties.latitudeDeg.description).toMatch(
      /degrees/,
    );
  });

  it("runs a model from stdin and prints output with its hash, the same for the same input", () => {
    const input = JSON.stringify({
      series: generatePriceSeries({ seed: 5, length: 48 }),
      seasonLength: 12,
      horizon: 3,
    });
    const first = caldera(["run", "market-forecast"], input);
    expect(first.status).toBe(0);
    const parsed = JSON.parse(first.stdout) as {
      modelId: string;
      outputHash: string;
      output: { forecast: unknown[] };
    };
    expect(parsed.modelId).toBe("market-forecast");
    expect(parsed.output.forecast).toHaveLength(3);
    expect(JSON.parse(caldera(["run", "market-forecast"], input).stdout).outputHash).toBe(parsed.outputHash);
  });

  it("exits 1 naming the field on bad input, and 2 on an unknown model", () => {
    const bad = caldera(
      ["run", "market-forecast"],
      JSON.stringify({ series: [1, 2], seasonLength: 12, horizon: 3 }),
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/\$\.series has 2 values/);
    const notJson = caldera(["run", "market-forecast"], "{");
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toMatch(/not valid JSON/);
    const unknown = caldera(["schema", "weather-oracle"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/known models: planting-optimisation/);
  });
});

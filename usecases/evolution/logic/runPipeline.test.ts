import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LOGIC_OPERATORS } from "./logicOperators.js";
import agriculturalGapFilling from "./modules/agriculturalGapFilling.json" with { type: "json" };
import industrialConditioning from "./modules/industrialConditioning.json" with { type: "json" };
import { type PipelineModule, parseLogicModule } from "./parseLogicModule.js";
import { runPipeline } from "./runPipeline.js";
import { sampleMachineDay } from "./sampleMachineDay.js";
import { scoreAgainstTruth } from "./scoreAgainstTruth.js";
import { parseTimeSeries, type TimeSeries } from "./timeSeries.js";

const pipeline = (...steps: Record<string, unknown>[]): PipelineModule =>
  parseLogicModule({ format: "caldera-logic/v1", kind: "pipeline", name: "t", steps }) as PipelineModule;
const series = (values: (number | null)[], channel = "x"): TimeSeries => ({
  slotSeconds: 60,
  windowStart: 0,
  points: values.map((v, i) => ({ t: i * 60, values: { [channel]: v } })),
});
const xs = (s: TimeSeries) => s.points.map((p) => p.values.x ?? null);

describe("operators", () => {
  it("sortBy orders by t or a channel, stably, missing values last", () => {
    const input: TimeSeries = {
      slotSeconds: 60,
      windowStart: 0,
      points: [
        { t: 120, values: { x: 1 } },
        { t: 0, values: { x: null } },
        { t: 60, values: { x: 3 } },
      ],
    };
    expect(runPipeline(pipeline({ op: "sortBy" }), input).points.map((p) => p.t)).toEqual([0, 60, 120]);
    expect(xs(runPipeline(pipeline({ op: "sortBy", key: "x", order: "desc" }), input))).toEqual([3, 1, null]);
    expect(input.points[0]?.t).toBe(120); // pure: the input is untouched
  });

  it("dedupe keeps one point per t, completing it from its duplicates", () => {
    const input: TimeSeries = {
      slotSeconds: 60,
      windowStart: 0,
      points: [
        { t: 0, values: { x: 1, y: 5 } },
        { t: 0, values: { x: 2, y: null } },
        { t: 60, values: { x: 3 } },
      ],
    };
    expect(runPipeline(pipeline({ op: "dedupe" }), input).points).toEqual([
      { t: 0, values: { x: 2, y: 5 } },
      { t: 60, values: { x: 3 } },
    ]);
    expect(runPipeline(pipeline({ op: "dedupe", keep: "first" }), input).points[0]).toEqual({
      t: 0,
      values: { x: 1, y: 5 },
    });
  });

  it("resampleSlots puts one point per slot, aggregating and marking empty slots missing", () => {
    const input: TimeSeries = {
      slotSeconds: 60,
      windowStart: 1000,
      points: [
        { t: 1010, values: { x: 1 } },
        { t: 1050, values: { x: 3 } },
        { t: 1130, values: { x: 7 } },
        { t: 900, values: { x: 99 } }, // before the window: dropped
      ],
    };
    const out = runPipeline(pipeline({ op: "resampleSlots" }), input);
    expect(out.points).toEqual([
      { t: 1000, values: { x: 2 } },
      { t: 1060, values: { x: null } },
      { t: 1120, values: { x: 7 } },
    ]);
    expect(xs(runPipeline(pipeline({ op: "resampleSlots", aggregate: "max", slots: 4 }), input))).toEqual([
      3,
      null,
      7,
      null,
    ]);
  });

  it("fillGaps fills runs up to maxGap, linearly in time or with the previous value, never the ends", () => {
    const input = series([null, 0, null, null, 6, null, null, null, 10, null]);
    expect(xs(runPipeline(pipeline({ op: "fillGaps", method: "linear", maxGap: 2 }), input))).toEqual([
      null,
      0,
      2,
      4,
      6,
      null,
      null,
      null,
      10,
      null,
    ]);
    expect(xs(runPipeline(pipeline({ op: "fillGaps", method: "linear", maxGap: 3 }), input))).toEqual([
      null,
      0,
      2,
      4,
      6,
      7,
      8,
      9,
      10,
      null,
    ]);
    expect(xs(runPipeline(pipeline({ op: "fillGaps", method: "previous", maxGap: 1 }), input))).toEqual([
      null,
      0,
      null,
      null,
      6,
      null,
      null,
      null,
      10,
      10,
    ]);
  });

  it("clamp, scale, movingAverage, zScoreFlag and selectChannels", () => {
    expect(xs(runPipeline(pipeline({ op: "clamp", min: 0, max: 5 }), series([-3, 2, 9, null])))).toEqual([
      0,
      2,
      5,
      null,
    ]);
    expect(xs(runPipeline(pipeline({ op: "scale", factor: 2, offset: 1 }), series([1, null])))).toEqual([
      3,
      null,
    ]);
    expect(xs(runPipeline(pipeline({ op: "movingAverage", window: 2 }), series([2, 4, null, 8])))).toEqual([
      2,
      3,
      null,
      8,
    ]);
    expect(
      xs(runPipeline(pipeline({ op: "movingAverage", window: 3, align: "centered" }), series([3, 6, 9]))),
    ).toEqual([4.5, 6, 7.5]);
    const spiky = series([1, 1, 1, 1, 1, 1, 1, 1, 1, 100]);
    expect(xs(runPipeline(pipeline({ op: "zScoreFlag", threshold: 2 }), spiky)).at(-1)).toBeNull();
    const flagged = runPipeline(pipeline({ op: "zScoreFlag", threshold: 2, action: "flag" }), spiky);
    expect(flagged.points.map((p) => p.values.xOutlier)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const two: TimeSeries = { slotSeconds: 60, windowStart: 0, points: [{ t: 0, values: { x: 1, y: 2 } }] };
    expect(runPipeline(pipeline({ op: "selectChannels", channels: ["y"] }), two).points).toEqual([
      { t: 0, values: { y: 2 } },
    ]);
  });
});

describe("parseLogicModule", () => {
  const base = { format: "caldera-logic/v1", kind: "pipeline", name: "m" };
  it.each([
    [{ ...base, format: "v0", steps: [{ op: "sortBy" }] }, "$.format"],
    [{ ...base, kind: "python", steps: [] }, "$.kind"],
    [{ ...base, name: "Bad Name", steps: [{ op: "sortBy" }] }, "$.name"],
    [{ ...base, steps: [] }, "$.steps"],
    [{ ...base, steps: [{ op: "sortBy" }, { op: "eval" }] }, "$.steps[1].op"],
    [{ ...base, steps: [{ op: "fillGaps", method: "cubic", maxGap: 2 }] }, "$.steps[0].method"],
    [{ ...base, steps: [{ op: "fillGaps", method: "linear", maxGap: 0 }] }, "$.steps[0].maxGap"],
    [{ ...base, steps: [{ op: "fillGaps", method: "linear" }] }, "$.steps[0].maxGap"],
    [{ ...base, steps: [{ op: "fillGaps", method: "linear", maxGap: 2, max_gap: 3 }] }, "$.steps[0].max_gap"],
    [{ ...base, steps: [{ op: "clamp", min: 5, max: 1 }] }, "$.steps[0].min"],
    [{ ...base, steps: [{ op: "clamp" }] }, "$.steps[0]"],
    [{ ...base, steps: [{ op: "movingAverage", window: 1.5 }] }, "$.steps[0].window"],
    [{ ...base, steps: [{ op: "zScoreFlag", threshold: 0 }] }, "$.steps[0].threshold"],
    [
      { ...base, steps: [{ op: "clamp", min: 0, channels: ["ok", "not a channel"] }] },
      "$.steps[0].channels[1]",
    ],
    [{ ...base, steps: [{ op: "sortBy" }], extra: true }, "$.extra"],
  ])("refuses %j at %s", (module, path) => {
    expect(() => parseLogicModule(module)).toThrow(
      expect.objectContaining({ code: "INVALID_MODULE", details: { path } }),
    );
  });

  it("refuses a bad series with its path", () => {
    expect(() =>
      parseTimeSeries({ slotSeconds: 60, windowStart: 0, points: [{ t: 0, values: { x: "1" } }] }),
    ).toThrow(expect.objectContaining({ code: "INVALID_MODULE", details: { path: "$.points[0].values.x" } }));
    expect(() => parseTimeSeries({ slotSeconds: 0, windowStart: 0, points: [] })).toThrow(
      expect.objectContaining({ details: { path: "$.slotSeconds" } }),
    );
  });
});

describe("the seed modules", () => {
  it("gap filling raises the industrial component's accuracy against held-out truth", () => {
    const own = parseLogicModule(industrialConditioning) as PipelineModule;
    const absorbed = parseLogicModule(agriculturalGapFilling) as PipelineModule;
    const { reported, truth } = sampleMachineDay();
    const before = scoreAgainstTruth({ output: runPipeline(own, reported), truth });
    const after = scoreAgainstTruth({ output: runPipeline(absorbed, runPipeline(own, reported)), truth });
    expect(before).toBeCloseTo((96 - 18) / 96, 5);
    expect(after).toBe(1);
  });
});

describe("docs/logic-modules.md", () => {
  it("documents every operator of the library, and no other", () => {
    const doc = readFileSync(new URL("../../../docs/logic-modules.md", import.meta.url), "utf8");
    const documented = [...doc.matchAll(/^### `(\w+)`$/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(LOGIC_OPERATORS).sort());
  });
});

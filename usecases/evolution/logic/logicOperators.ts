import { InvalidModuleError } from "./logicErrors.js";
import {
  channelsOf,
  isChannelName,
  MAX_SERIES_POINTS,
  type TimeSeries,
  type TimeSeriesPoint,
} from "./timeSeries.js";

/**
 * The operator library of declarative pipelines (`docs/logic-modules.md` documents each). Every operator is a pure
 * function of a time series and its validated parameters: `parse` checks a step's parameters (INVALID_MODULE with
 * the JSON path of the bad one, unknown keys included) before anything runs, `apply` never mutates its input.
 */
export type LogicOperator<P> = {
  parse(step: Record<string, unknown>, path: string): P;
  apply(series: TimeSeries, parameters: P): TimeSeries;
};

type Reader = {
  /** Refuses keys the operator does not know (a typo must not silently change a hashed module's meaning). */
  only(keys: readonly string[]): void;
  integer(key: string, options: { min: number; max: number; default?: number }): number;
  number(key: string, options?: { min?: number; exclusiveMin?: number }): number | undefined;
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T;
  channels(key: string): string[] | undefined;
  channel(key: string): string | undefined;
};

function reader(step: Record<string, unknown>, path: string): Reader {
  const at = (key: string) => `${path}.${key}`;
  return {
    only(keys) {
      for (const key of Object.keys(step))
        if (key !== "op" && !keys.includes(key))
          throw new InvalidModuleError(at(key), `is not a parameter of ${String(step.op)}`);
    },
    integer(key, { min, max, default: fallback }) {
      const value = step[key];
      if (value === undefined && fallback !== undefined) return fallback;
      if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
        throw new InvalidModuleError(at(key), `must be an integer from ${min} to ${max}`);
      return value as number;
    },
    number(key, { min, exclusiveMin } = {}) {
      const value = step[key];
      if (value === undefined) return undefined;
      if (typeof value !== "number" || !Number.isFinite(value))
        throw new InvalidModuleError(at(key), "must be a finite number");
      if (min !== undefined && value < min) throw new InvalidModuleError(at(key), `must be at least ${min}`);
      if (exclusiveMin !== undefined && value <= exclusiveMin)
        throw new InvalidModuleError(at(key), `must be more than ${exclusiveMin}`);
      return value;
    },
    oneOf(key, allowed, fallback) {
      const value = step[key];
      if (value === undefined && fallback !== undefined) return fallback;
      if (typeof value !== "string" || !(allowed as readonly string[]).includes(value))
        throw new InvalidModuleError(at(key), `must be one of ${allowed.join(", ")}`);
      return value as (typeof allowed)[number];
    },
    channels(key) {
      const value = step[key];
      if (value === undefined) return undefined;
      if (!Array.isArray(value) || value.length === 0 || value.length > 64)
        throw new InvalidModuleError(at(key), "must be a non-empty array of at most 64 channel names");
      value.forEach((channel, i) => {
        if (!isChannelName(channel))
          throw new InvalidModuleError(`${at(key)}[${i}]`, "is not a channel name");
      });
      return [...new Set(value as string[])];
    },
    channel(key) {
      const value = step[key];
      if (value === undefined) return undefined;
      if (!isChannelName(value)) throw new InvalidModuleError(at(key), "is not a channel name");
      return value;
    },
  };
}

const copyPoint = (point: TimeSeriesPoint): TimeSeriesPoint => ({ t: point.t, values: { ...point.values } });
const withPoints = (series: TimeSeries, points: TimeSeriesPoint[]): TimeSeries => ({
  slotSeconds: series.slotSeconds,
  windowStart: series.windowStart,
  points,
});
const targets = (series: TimeSeries, channels: string[] | undefined) => channels ?? channelsOf(series);
const channelValue = (point: TimeSeriesPoint | undefined, channel: string): number | null => {
  const v = point?.values[channel];
  return typeof v === "number" ? v : null;
};

/** `sortBy { key?: "t" | <channel> = "t", order?: "asc" | "desc" = "asc" }`: stable; missing values sort last. */
const sortBy: LogicOperator<{ key: string; order: "asc" | "desc" }> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["key", "order"]);
    const key = step.key === undefined || step.key === "t" ? "t" : r.channel("key");
    return { key: key ?? "t", order: r.oneOf("order", ["asc", "desc"] as const, "asc") };
  },
  apply(series, { key, order }) {
    const sign = order === "asc" ? 1 : -1;
    const keyOf = (p: TimeSeriesPoint) => (key === "t" ? p.t : channelValue(p, key));
    const points = series.points.map(copyPoint).sort((a, b) => {
      const ka = keyOf(a);
      const kb = keyOf(b);
      if (ka === null || kb === null) return ka === kb ? 0 : ka === null ? 1 : -1;
      return (ka - kb) * sign;
    });
    return withPoints(series, points);
  },
};

/**
 * `dedupe { keep?: "first" | "last" = "last" }`: one point per timestamp `t` (the first or last one seen in order);
 * the kept point's missing channels are taken from the dropped duplicates, in the same preference.
 */
const dedupe: LogicOperator<{ keep: "first" | "last" }> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["keep"]);
    return { keep: r.oneOf("keep", ["first", "last"] as const, "last") };
  },
  apply(series, { keep }) {
    const byT = new Map<number, TimeSeriesPoint>();
    const ordered = keep === "last" ? [...series.points].reverse() : series.points;
    for (const point of ordered) {
      const kept = byT.get(point.t);
      if (kept === undefined) byT.set(point.t, copyPoint(point));
      else
        for (const [channel, v] of Object.entries(point.values))
          if (channelValue(kept, channel) === null && v !== null) kept.values[channel] = v;
    }
    // Keep the order of first appearance in the input.
    const seen = new Set<number>();
    const points: TimeSeriesPoint[] = [];
    for (const point of series.points)
      if (!seen.has(point.t)) {
        seen.add(point.t);
        points.push(byT.get(point.t) as TimeSeriesPoint);
      }
    return withPoints(series, points);
  },
};

type Aggregate = "mean" | "first" | "last" | "min" | "max";

/**
 * `resampleSlots { aggregate?: "mean" | "first" | "last" | "min" | "max" = "mean", slots?: integer }`: exactly one
 * point per slot of the grid, at the slot's start, from `windowStart` for `slots` slots (default: up to the last
 * observation's slot). Observations in a slot are aggregated per channel; a slot without any value of a channel has
 * `null` for it (a gap for `fillGaps`); observations before `windowStart` or past the last slot are dropped.
 */
const resampleSlots: LogicOperator<{ aggregate: Aggregate; slots: number | undefined }> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["aggregate", "slots"]);
    return {
      aggregate: r.oneOf("aggregate", ["mean", "first", "last", "min", "max"] as const, "mean"),
      slots: step.slots === undefined ? undefined : r.integer("slots", { min: 1, max: MAX_SERIES_POINTS }),
    };
  },
  apply(series, { aggregate, slots }) {
    const { slotSeconds, windowStart } = series;
    const slotOf = (t: number) => Math.floor((t - windowStart) / slotSeconds);
    const lastSlot = series.points.reduce((max, p) => Math.max(max, slotOf(p.t)), -1);
    const count = slots ?? lastSlot + 1;
    if (count > MAX_SERIES_POINTS)
      throw new InvalidModuleError("$.input.points", `spans ${count} slots, more than ${MAX_SERIES_POINTS}`);
    const channels = channelsOf(series);
    const buckets = Array.from({ length: count }, () => new Map<string, number[]>());
    for (const point of series.points) {
      const slot = slotOf(point.t);
      if (slot < 0 || slot >= count) continue;
      const bucket = buckets[slot] as Map<string, number[]>;
      for (const [channel, v] of Object.entries(point.values)) {
        if (v === null) continue;
        const list = bucket.get(channel);
        if (list === undefined) bucket.set(channel, [v]);
        else list.push(v);
      }
    }
    const reduce = (list: number[]): number => {
      switch (aggregate) {
        case "first":
          return list[0] as number;
        case "last":
          return list[list.length - 1] as number;
        case "min":
          return Math.min(...list);
        case "max":
          return Math.max(...list);
        default:
          return list.reduce((a, b) => a + b, 0) / list.length;
      }
    };
    const points = buckets.map((bucket, i) => {
      const values: Record<string, number | null> = {};
      for (const channel of channels) {
        const list = bucket.get(channel);
        values[channel] = list === undefined ? null : reduce(list);
      }
      return { t: windowStart + i * slotSeconds, values };
    });
    return withPoints(series, points);
  },
};

/**
 * `fillGaps { method: "linear" | "previous", maxGap: integer 1..10,000, channels?: [..] }`: fills each run of
 * consecutive missing values (in point order; sort and resample first) no longer than `maxGap` points. `linear`
 * interpolates in time between the values either side of the run (a run at either end is left missing);
 * `previous` carries the last value before the run forward (a run at the start is left missing). Longer runs stay
 * missing: inventing hours of data is not gap filling.
 */
const fillGaps: LogicOperator<{
  method: "linear" | "previous";
  maxGap: number;
  channels: string[] | undefined;
}> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["method", "maxGap", "channels"]);
    return {
      method: r.oneOf("method", ["linear", "previous"] as const),
      maxGap: r.integer("maxGap", { min: 1, max: 10_000 }),
      channels: r.channels("channels"),
    };
  },
  apply(series, { method, maxGap, channels }) {
    const points = series.points.map(copyPoint);
    for (const channel of targets(series, channels)) {
      let i = 0;
      while (i < points.length) {
        if (channelValue(points[i], channel) !== null) {
          i++;
          continue;
        }
        let end = i;
        while (end < points.length && channelValue(points[end], channel) === null) end++;
        const before = i > 0 ? (points[i - 1] as TimeSeriesPoint) : undefined;
        const after = end < points.length ? (points[end] as TimeSeriesPoint) : undefined;
        if (end - i <= maxGap && before !== undefined) {
          const a = channelValue(before, channel) as number;
          for (let k = i; k < end; k++) {
            const point = points[k] as TimeSeriesPoint;
            if (method === "previous") point.values[channel] = a;
            else if (after !== undefined) {
              const b = channelValue(after, channel) as number;
              const span = after.t - before.t;
              point.values[channel] = span === 0 ? a : a + ((b - a) * (point.t - before.t)) / span;
            }
          }
        }
        i = end;
      }
    }
    return withPoints(series, points);
  },
};

/** `clamp { min?: number, max?: number, channels?: [..] }` (at least one bound, `min ≤ max`): values into range. */
const clamp: LogicOperator<{ min: number; max: number; channels: string[] | undefined }> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["min", "max", "channels"]);
    const min = r.number("min");
    const max = r.number("max");
    if (min === undefined && max === undefined)
      throw new InvalidModuleError(path, "needs min or max (or both)");
    if (min !== undefined && max !== undefined && min > max)
      throw new InvalidModuleError(`${path}.min`, `is more than max (${max})`);
    return { min: min ?? -Infinity, max: max ?? Infinity, channels: r.channels("channels") };
  },
  apply(series, { min, max, channels }) {
    const names = targets(series, channels);
    const points = series.points.map((point) => {
      const copy = copyPoint(point);
      for (const channel of names) {
        const v = channelValue(copy, channel);
        if (v !== null) copy.values[channel] = Math.min(max, Math.max(min, v));
      }
      return copy;
    });
    return withPoints(series, points);
  },
};

/**
 * `movingAverage { window: integer 1..1,000, align?: "trailing" | "centered" = "trailing", channels?: [..] }`: each
 * present value becomes the mean of the present values in its window (the point and the `window − 1` before it, or
 * centred on it); a missing value stays missing (smoothing is not gap filling).
 */
const movingAverage: LogicOperator<{
  window: number;
  align: "trailing" | "centered";
  channels: string[] | undefined;
}> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["window", "align", "channels"]);
    return {
      window: r.integer("window", { min: 1, max: 1_000 }),
      align: r.oneOf("align", ["trailing", "centered"] as const, "trailing"),
      channels: r.channels("channels"),
    };
  },
  apply(series, { window, align, channels }) {
    const points = series.points.map(copyPoint);
    const before = align === "trailing" ? window - 1 : Math.floor((window - 1) / 2);
    const after = window - 1 - before;
    for (const channel of targets(series, channels)) {
      const source = series.points.map((p) => channelValue(p, channel));
      source.forEach((v, i) => {
        if (v === null) return;
        let sum = 0;
        let n = 0;
        for (let k = Math.max(0, i - before); k <= Math.min(source.length - 1, i + after); k++) {
          const w = source[k];
          if (w !== null && w !== undefined) {
            sum += w;
            n++;
          }
        }
        (points[i] as TimeSeriesPoint).values[channel] = sum / n;
      });
    }
    return withPoints(series, points);
  },
};

/**
 * `zScoreFlag { threshold: number > 0, action?: "null" | "flag" = "null", channels?: [..] }`: a value whose z-score
 * over its channel (population mean and standard deviation of the present values) exceeds `threshold` in absolute
 * value is an outlier: `null` removes it (so a later `fillGaps` can replace it), `flag` keeps it and sets channel
 * `<channel>Outlier` to 1 (0 for the others). A constant channel has no outliers.
 */
const zScoreFlag: LogicOperator<{
  threshold: number;
  action: "null" | "flag";
  channels: string[] | undefined;
}> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["threshold", "action", "channels"]);
    const threshold = r.number("threshold", { exclusiveMin: 0 });
    if (threshold === undefined) throw new InvalidModuleError(`${path}.threshold`, "is required");
    return {
      threshold,
      action: r.oneOf("action", ["null", "flag"] as const, "null"),
      channels: r.channels("channels"),
    };
  },
  apply(series, { threshold, action, channels }) {
    const points = series.points.map(copyPoint);
    for (const channel of targets(series, channels)) {
      const present = series.points
        .map((p) => channelValue(p, channel))
        .filter((v): v is number => v !== null);
      if (present.length === 0) continue;
      const mean = present.reduce((a, b) => a + b, 0) / present.length;
      const std = Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length);
      for (const point of points) {
        const v = channelValue(point, channel);
        const outlier = v !== null && std > 0 && Math.abs((v - mean) / std) > threshold;
        if (action === "null") {
          if (outlier) point.values[channel] = null;
        } else if (v !== null) point.values[`${channel}Outlier`.slice(0, 64)] = outlier ? 1 : 0;
      }
    }
    return withPoints(series, points);
  },
};

/** `scale { factor: number, offset?: number = 0, channels?: [..] }`: `v × factor + offset` (unit conversion). */
const scale: LogicOperator<{ factor: number; offset: number; channels: string[] | undefined }> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["factor", "offset", "channels"]);
    const factor = r.number("factor");
    if (factor === undefined) throw new InvalidModuleError(`${path}.factor`, "is required");
    return { factor, offset: r.number("offset") ?? 0, channels: r.channels("channels") };
  },
  apply(series, { factor, offset, channels }) {
    const names = targets(series, channels);
    const points = series.points.map((point) => {
      const copy = copyPoint(point);
      for (const channel of names) {
        const v = channelValue(copy, channel);
        if (v !== null) {
          const scaled = v * factor + offset;
          // A huge factor must not smuggle Infinity into an output that is later hashed.
          if (!Number.isFinite(scaled))
            throw new InvalidModuleError("$.output", `scale overflowed channel ${channel} at t=${point.t}`);
          copy.values[channel] = scaled;
        }
      }
      return copy;
    });
    return withPoints(series, points);
  },
};

/** `selectChannels { channels: [..] }`: keeps only the channels named (the others are dropped from every point). */
const selectChannels: LogicOperator<{ channels: string[] }> = {
  parse(step, path) {
    const r = reader(step, path);
    r.only(["channels"]);
    const channels = r.channels("channels");
    if (channels === undefined) throw new InvalidModuleError(`${path}.channels`, "is required");
    return { channels };
  },
  apply(series, { channels }) {
    const points = series.points.map((point) => {
      const values: Record<string, number | null> = {};
      for (const channel of channels)
        if (channel in point.values) values[channel] = channelValue(point, channel);
      return { t: point.t, values };
    });
    return withPoints(series, points);
  },
};

/** The library, by operator name (`op` of a pipeline step). */
export const LOGIC_OPERATORS = {
  sortBy,
  dedupe,
  resampleSlots,
  fillGaps,
  clamp,
  movingAverage,
  zScoreFlag,
  scale,
  selectChannels,
} as const;

export type LogicOperatorName = keyof typeof LOGIC_OPERATORS;

import { InvalidModuleError } from "./logicErrors.js";

/** One observation: `t` in Unix seconds, one value per channel (`null` = missing). */
export type TimeSeriesPoint = { t: number; values: Record<string, number | null> };

/** A time series on a slot grid: slot `i` starts at `windowStart + i × slotSeconds`. */
export type TimeSeries = { slotSeconds: number; windowStart: number; points: TimeSeriesPoint[] };

/** Most points one series may carry (pipelines are linear or n·window in it). */
export const MAX_SERIES_POINTS = 100_000;
/** Most channels one point may carry. */
export const MAX_CHANNELS = 64;

const CHANNEL = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks and copies a time series (INVALID_MODULE naming the JSON path of the first bad value): a positive integer
 * `slotSeconds`, an integer `windowStart`, at most 100,000 points with integer `t` and at most 64 channels of finite
 * numbers or `null`. Extra keys of the series (e.g. `truth`) are ignored.
 */
export function parseTimeSeries(value: unknown, path = "$"): TimeSeries {
  if (!isRecord(value)) throw new InvalidModuleError(path, "must be a time series object");
  const { slotSeconds, windowStart, points } = value;
  if (!Number.isSafeInteger(slotSeconds) || (slotSeconds as number) < 1)
    throw new InvalidModuleError(`${path}.slotSeconds`, "must be a positive integer");
  if (!Number.isSafeInteger(windowStart))
    throw new InvalidModuleError(`${path}.windowStart`, "must be an integer");
  if (!Array.isArray(points)) throw new InvalidModuleError(`${path}.points`, "must be an array");
  if (points.length > MAX_SERIES_POINTS)
    throw new InvalidModuleError(
      `${path}.points`,
      `has ${points.length} points, more than ${MAX_SERIES_POINTS}`,
    );
  return {
    slotSeconds: slotSeconds as number,
    windowStart: windowStart as number,
    points: points.map((point, i) => parsePoint(point, `${path}.points[${i}]`)),
  };
}

function parsePoint(point: unknown, path: string): TimeSeriesPoint {
  if (!isRecord(point)) throw new InvalidModuleError(path, "must be an object { t, values }");
  if (!Number.isSafeInteger(point.t))
    throw new InvalidModuleError(`${path}.t`, "must be an integer (Unix seconds)");
  if (!isRecord(point.values))
    throw new InvalidModuleError(`${path}.values`, "must be an object of channels");
  const entries = Object.entries(point.values);
  if (entries.length > MAX_CHANNELS)
    throw new InvalidModuleError(`${path}.values`, `has more than ${MAX_CHANNELS} channels`);
  const values: Record<string, number | null> = {};
  for (const [channel, v] of entries) {
    if (!CHANNEL.test(channel))
      throw new InvalidModuleError(`${path}.values.${channel}`, "is not a channel name");
    if (v !== null && (typeof v !== "number" || !Number.isFinite(v)))
      throw new InvalidModuleError(`${path}.values.${channel}`, "must be a finite number or null");
    values[channel] = v;
  }
  return { t: point.t as number, values };
}

/** Whether `name` may name a channel (letters, digits, `_`, starting with a letter, ≤ 64). */
export function isChannelName(name: unknown): name is string {
  return typeof name === "string" && CHANNEL.test(name);
}

/** Every channel any point names, in first-seen order. */
export function channelsOf(series: TimeSeries): string[] {
  const seen = new Set<string>();
  for (const point of series.points) for (const channel of Object.keys(point.values)) seen.add(channel);
  return [...seen];
}

import { generateEquipmentSeries } from "../models/fault/generateEquipmentSeries.js";
import { generatePriceSeries } from "../models/market/generatePriceSeries.js";
import { generateWeatherSeries } from "../models/planting/generateWeatherSeries.js";

/** A certifyCore input (GraphQL shape) for one 96-slot window of a channel schema. */
export type DemoDataset = {
  schema: string;
  domain: "AGRICULTURAL" | "INDUSTRIAL";
  windowStart: string;
  slotSeconds: number;
  deadlineSeconds: number;
  readings: { observedAt: string; deliveredAt: string; channels: { name: string; value: number }[] }[];
};

const SLOTS = 96;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Seeded sample data for the demo, the end-to-end tests and the bench — the models' own generators, cut into the
 * 96-slot windows a core certificate covers. `missing` slots are left out; every reading is delivered on time.
 */
function toDataset(
  schema: string,
  domain: DemoDataset["domain"],
  start: number,
  slotSeconds: number,
  rows: Record<string, number>[],
  missing: readonly number[],
): DemoDataset {
  return {
    schema,
    domain,
    windowStart: iso(start),
    slotSeconds,
    deadlineSeconds: Math.min(3600, slotSeconds),
    readings: rows.flatMap((row, i) => {
      if (missing.includes(i)) return [];
      const observedAt = start + i * slotSeconds + 60;
      return [
        {
          observedAt: iso(observedAt),
          deliveredAt: iso(observedAt + 120),
          channels: Object.entries(row).map(([name, value]) => ({ name, value: round2(value) })),
        },
      ];
    }),
  };
}

/** `windows` consecutive 96-day windows of daily weather from `startDate` (agri-weather-daily). */
export function weatherDatasets({
  seed = 7,
  startDate = "2026-03-01",
  windows = 2,
  missing = [3] as number[],
} = {}) {
  const days = generateWeatherSeries({
    seed,
    latitudeDeg: 13.7,
    startDate,
    days: SLOTS * windows,
    meanTemperature: 28,
  });
  const start = Date.parse(`${startDate}T00:00:00Z`) / 1000;
  return Array.from({ length: windows }, (_, w) =>
    toDataset(
      "agri-weather-daily",
      "AGRICULTURAL",
      start + w * SLOTS * 86_400,
      86_400,
      days.slice(w * SLOTS, (w + 1) * SLOTS).map((d) => ({
        tMax: d.tMax,
        tMin: d.tMin,
        rhMax: d.rhMax,
        rhMin: d.rhMin,
        windSpeed: d.windSpeed,
        sunshineHours: d.sunshineHours,
        rainfall: d.rainfallMm,
      })),
      missing,
    ),
  );
}

/** Eight years of monthly farm-gate prices (agri-market-price), one 96-month window; months are 30 days. */
export function priceDataset({
  seed = 3,
  start = "2018-01-01",
  missing = [50] as number[],
} = {}): DemoDataset {
  const prices = generatePriceSeries({ seed, length: SLOTS, seasonLength: 12, basePrice: 2400 });
  return toDataset(
    "agri-market-price",
    "AGRICULTURAL",
    Date.parse(`${start}T00:00:00Z`) / 1000,
    30 * 86_400,
    prices.map((price) => ({ price })),
    missing,
  );
}

/** Hourly machine telemetry with fault events (industrial-machine), `windows` consecutive 96-hour windows. */
export function machineDatasets({
  seed = 11,
  start = Date.parse("2026-05-01T00:00:00Z") / 1000,
  windows = 4,
} = {}) {
  const { series, faults } = generateEquipmentSeries({
    seed,
    machines: 1,
    days: (SLOTS * windows) / 24,
    intervalSeconds: 3600,
    faultsPerMachine: 10,
    degradationSeconds: 12 * 3600,
    start,
  });
  const readings = series[0]?.readings ?? [];
  const faultAt = new Set(faults.map((f) => Math.floor((f.at - start) / 3600)));
  return Array.from({ length: windows }, (_, w) =>
    toDataset(
      "industrial-machine",
      "INDUSTRIAL",
      start + w * SLOTS * 3600,
      3600,
      Array.from({ length: SLOTS }, (_, i) => {
        const slot = w * SLOTS + i;
        return { temperature: readings[slot]?.temperatureC ?? 60, faultEvent: faultAt.has(slot) ? 1 : 0 };
      }),
      [],
    ),
  );
}

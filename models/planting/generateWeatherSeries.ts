import { createPrng } from "../createPrng.js";
import { solarGeometry } from "./fao56Radiation.js";

export type WeatherDay = {
  /** ISO date (UTC). */
  date: string;
  tMax: number;
  tMin: number;
  rhMax: number;
  rhMin: number;
  /** Wind speed at the station's anemometer height (m s⁻¹). */
  windSpeed: number;
  sunshineHours: number;
  rainfallMm: number;
};

export type GenerateWeatherSeriesParameters = {
  seed: number;
  latitudeDeg: number;
  startDate: string;
  days: number;
  /** Annual mean air temperature (°C) and the half-amplitude of its seasonal cycle. */
  meanTemperature?: number;
  seasonalAmplitude?: number;
  /** Mean diurnal range Tmax − Tmin on a dry day (°C). */
  diurnalRange?: number;
  /** Markov chain for wet days: P(wet | dry yesterday), P(wet | wet yesterday). */
  wetAfterDry?: number;
  wetAfterWet?: number;
  /** Mean rainfall on a wet day (mm); amounts are gamma-distributed with shape 0.8. */
  meanWetDayRainMm?: number;
  meanWindSpeed?: number;
};

/**
 * A seeded daily weather series for one station, physically consistent where FAO-56 checks it: Tmin < Tmax,
 * RHmin ≤ RHmax, sunshine ≤ daylight hours. Temperature follows a seasonal cosine peaking ~20 days after the
 * summer solstice of the station's hemisphere; wet days follow a two-state Markov chain (Richardson 1981) and are
 * cooler, more humid and less sunny than dry days.
 */
export function generateWeatherSeries(p: GenerateWeatherSeriesParameters): WeatherDay[] {
  const prng = createPrng(p.seed);
  const {
    meanTemperature = 18,
    seasonalAmplitude = 8,
    diurnalRange = 11,
    wetAfterDry = 0.2,
    wetAfterWet = 0.5,
    meanWetDayRainMm = 8,
    meanWindSpeed = 2.5,
  } = p;
  const start = Date.parse(`${p.startDate}T00:00:00Z`);
  const peakDay = p.latitudeDeg >= 0 ? 192 : 10;
  const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;
  let wet = false;
  const series: WeatherDay[] = [];
  for (let i = 0; i < p.days; i++) {
    const date = new Date(start + i * 86_400_000);
    const dayOfYear = Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 0)) / 86_400_000);
    wet = prng.next() < (wet ? wetAfterWet : wetAfterDry);
    const mean =
      meanTemperature +
      seasonalAmplitude * Math.cos((2 * Math.PI * (dayOfYear - peakDay)) / 365) +
      prng.normal(0, 1.5);
    const range = Math.max(2, diurnalRange * (wet ? 0.6 : 1) + prng.normal(0, 1.5));
    const rhMin = Math.min(95, Math.max(15, (wet ? 70 : 45) + prng.normal(0, 8)));
    const rhMax = Math.min(100, Math.max(rhMin + 5, (wet ? 97 : 85) + prng.normal(0, 5)));
    const { daylightHours } = solarGeometry(p.latitudeDeg, dayOfYear);
    const cloudFree = wet ? 0.1 + 0.3 * prng.next() : 0.55 + 0.4 * prng.next();
    series.push({
      date: date.toISOString().slice(0, 10),
      tMax: round(mean + range / 2),
      tMin: round(mean - range / 2),
      rhMax: round(rhMax, 0),
      rhMin: round(rhMin, 0),
      windSpeed: round(Math.max(0.3, meanWindSpeed * Math.exp(prng.normal(-0.08, 0.4)))),
      sunshineHours: round(Math.min(daylightHours, cloudFree * daylightHours) - 0.05),
      rainfallMm: wet ? round(prng.gamma(0.8) * (meanWetDayRainMm / 0.8)) : 0,
    });
  }
  return series.map((d) => ({ ...d, sunshineHours: Math.max(0, d.sunshineHours) }));
}

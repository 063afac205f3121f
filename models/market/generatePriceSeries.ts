import { createPrng } from "../createPrng.js";

export type GeneratePriceSeriesParameters = {
  seed: number;
  /** Number of periods (e.g. months). */
  length: number;
  seasonLength?: number;
  /** Price at the start (e.g. CNY/kg). */
  basePrice?: number;
  /** Trend per period as a fraction of the base price. */
  trendPerPeriod?: number;
  /** Seasonal swing as a fraction of the current level (harvest glut → low, lean season → high). */
  seasonalAmplitude?: number;
  /** Noise: AR(1) with this coefficient and relative standard deviation. */
  noiseAr?: number;
  noiseSd?: number;
};

/**
 * A seeded commodity price series: level with linear trend × (1 + seasonal swing peaking before harvest) ×
 * (1 + AR(1) noise). Multiplicative by construction, as farm-gate prices tend to be.
 */
export function generatePriceSeries(p: GeneratePriceSeriesParameters): number[] {
  const {
    seed,
    length,
    seasonLength = 12,
    basePrice = 4,
    trendPerPeriod = 0.004,
    seasonalAmplitude = 0.18,
    noiseAr = 0.5,
    noiseSd = 0.03,
  } = p;
  const prng = createPrng(seed);
  let noise = 0;
  return Array.from({ length }, (_, t) => {
    noise = noiseAr * noise + prng.normal(0, noiseSd);
    const level = basePrice * (1 + trendPerPeriod * t);
    const season = 1 + seasonalAmplitude * Math.sin((2 * Math.PI * (t % seasonLength)) / seasonLength + 1);
    return Math.round(level * season * (1 + noise) * 1000) / 1000;
  });
}

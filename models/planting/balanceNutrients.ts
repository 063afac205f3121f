import type { CropParameters } from "./crops.js";

export type Nutrient = "nitrogen" | "phosphate" | "potassium";

export type BalanceNutrientsParameters = {
  crop: CropParameters;
  targetYieldTPerHa: number;
  /** Plant-available nutrients from a soil test (kg/ha of N, P2O5, K2O). */
  soilTest: { n: number; p2o5: number; k2o: number };
};

export type NutrientAdjustment = {
  nutrient: Nutrient;
  /** Fertiliser to apply (kg/ha of N, P2O5 or K2O). */
  kgPerHa: number;
  /** Change against the baseline recommendation, rounded to 5 %. */
  adjustmentPercent: number;
};

/**
 * Soil test values taken as "medium" (kg/ha) for the baseline recommendation: the rate a farm with an average soil
 * and the crop's reference yield would be advised.
 */
export const MEDIUM_SOIL_TEST = { n: 40, p2o5: 30, k2o: 120 } as const;
/** Fraction of applied fertiliser the crop recovers (typical first-season recovery, FAO FPNB 16). */
const RECOVERY = { n: 0.6, p2o5: 0.25, k2o: 0.6 } as const;
/** Fraction of the soil-test stock the crop can draw on in one season. */
const SOIL_CREDIT = { n: 1, p2o5: 0.5, k2o: 0.25 } as const;

/**
 * Mass balance per nutrient: fertiliser = (target yield × removal − soil credit) / recovery, floored at zero;
 * the adjustment is relative to the same balance at the reference yield and a medium soil test.
 */
export function balanceNutrients({
  crop,
  targetYieldTPerHa,
  soilTest,
}: BalanceNutrientsParameters): NutrientAdjustment[] {
  const need = (key: "n" | "p2o5" | "k2o", yieldT: number, soil: number) =>
    Math.max(0, (yieldT * crop.removalKgPerTonne[key] - SOIL_CREDIT[key] * soil) / RECOVERY[key]);
  return (
    [
      ["nitrogen", "n"],
      ["phosphate", "p2o5"],
      ["potassium", "k2o"],
    ] as const
  ).map(([nutrient, key]) => {
    const kgPerHa = need(key, targetYieldTPerHa, soilTest[key]);
    const baseline = need(key, crop.referenceYieldTPerHa, MEDIUM_SOIL_TEST[key]);
    const percent = baseline === 0 ? (kgPerHa === 0 ? 0 : 100) : ((kgPerHa - baseline) / baseline) * 100;
    return {
      nutrient,
      kgPerHa: Math.round(kgPerHa),
      adjustmentPercent: Math.max(-100, Math.min(200, Math.round(percent / 5) * 5)) + 0,
    };
  });
}

import type { CropParameters } from "./crops.js";

/**
 * FAO-56 eq. 62 (Kc mid) and eq. 65 (Kc end): adjustment of the Table 12 values (which assume RHmin ≈ 45 % and
 * u2 ≈ 2 m/s) to the local climate. Kc end is adjusted only when ≥ 0.45, as FAO-56 prescribes.
 */
export function adjustCropCoefficient(kcTable: number, u2: number, rhMin: number, heightM: number): number {
  const u = Math.min(6, Math.max(1, u2));
  const rh = Math.min(80, Math.max(20, rhMin));
  return kcTable + (0.04 * (u - 2) - 0.004 * (rh - 45)) * (heightM / 3) ** 0.3;
}

export type CropCoefficientCurve = { kcIni: number; kcMid: number; kcEnd: number };

/**
 * Single crop coefficient on day `day` after planting (0-based): constant in the initial and mid-season stages,
 * linear between them (FAO-56 eq. 66), and past the season the end value.
 */
export function cropCoefficientOnDay(crop: CropParameters, curve: CropCoefficientCurve, day: number): number {
  const [ini, dev, mid, late] = crop.stages;
  if (day < ini) return curve.kcIni;
  if (day < ini + dev) return curve.kcIni + ((day - ini) / dev) * (curve.kcMid - curve.kcIni);
  if (day < ini + dev + mid) return curve.kcMid;
  if (day < ini + dev + mid + late)
    return curve.kcMid + ((day - ini - dev - mid) / late) * (curve.kcEnd - curve.kcMid);
  return curve.kcEnd;
}

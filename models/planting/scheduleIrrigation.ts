import { median } from "../median.js";
import type { CropParameters } from "./crops.js";

export type ScheduleIrrigationParameters = {
  crop: CropParameters;
  /** Crop evapotranspiration ETc per day after planting (mm). */
  etcMm: readonly number[];
  rainfallMm: readonly number[];
  /** Volumetric water content at field capacity and wilting point (m³ m⁻³). */
  fieldCapacity: number;
  wiltingPoint: number;
  /** SCS curve number for runoff (USDA-SCS TR-55); 75 ≈ row crops, good hydrologic condition, soil group B. */
  curveNumber?: number;
};

export type IrrigationEvent = { day: number; depthMm: number };

export type ScheduleIrrigationReturnType = {
  events: IrrigationEvent[];
  /** Median spacing of irrigations in days (the season length when there is at most one). */
  intervalDays: number;
  /** Median irrigation depth in mm (0 when none is needed). */
  depthMm: number;
  /** TAW and RAW at full rooting depth, and the total water balance terms over the season. */
  tawMm: number;
  rawMm: number;
  totals: {
    etcMm: number;
    rainfallMm: number;
    runoffMm: number;
    deepPercolationMm: number;
    irrigationMm: number;
  };
  /** Root-zone depletion Dr at the end of each day, after any irrigation (mm). */
  depletionMm: number[];
};

/** Rooting depth at planting; it deepens linearly to the table maximum by the end of the development stage. */
const INITIAL_ROOT_DEPTH_M = 0.3;

/**
 * FAO-56 chapter 8 root-zone water balance (eq. 85) under full irrigation: each day
 * Dr = Dr₋₁ − (P − RO) + ETc + DP, with TAW = 1000 (θFC − θWP) Zr (eq. 82) and RAW = p·TAW where p is adjusted for
 * the day's ETc (p = p_table + 0.04 (5 − ETc), Table 22 footnote, kept within 0.1–0.8). When Dr reaches RAW the
 * field is irrigated back to field capacity, so the crop never enters water stress. Runoff is the SCS curve-number
 * method: RO = (P − 0.2 S)² / (P + 0.8 S), S = 25400 / CN − 254 (mm).
 */
export function scheduleIrrigation(p: ScheduleIrrigationParameters): ScheduleIrrigationReturnType {
  const { crop, etcMm, rainfallMm, fieldCapacity, wiltingPoint, curveNumber = 75 } = p;
  const retention = 25_400 / curveNumber - 254;
  const rootedBy = crop.stages[0] + crop.stages[1];
  let depletion = 0;
  const events: IrrigationEvent[] = [];
  const depletionMm: number[] = [];
  const totals = { etcMm: 0, rainfallMm: 0, runoffMm: 0, deepPercolationMm: 0, irrigationMm: 0 };
  etcMm.forEach((etc, day) => {
    const rootDepth =
      INITIAL_ROOT_DEPTH_M + (crop.maxRootDepthM - INITIAL_ROOT_DEPTH_M) * Math.min(1, day / rootedBy);
    const taw = 1000 * (fieldCapacity - wiltingPoint) * rootDepth;
    const depletionFraction = Math.min(0.8, Math.max(0.1, crop.depletionFraction + 0.04 * (5 - etc)));
    const raw = depletionFraction * taw;
    const rain = rainfallMm[day] ?? 0;
    const runoff = rain > 0.2 * retention ? (rain - 0.2 * retention) ** 2 / (rain + 0.8 * retention) : 0;
    depletion = depletion - (rain - runoff) + etc;
    if (depletion < 0) {
      totals.deepPercolationMm += -depletion;
      depletion = 0;
    }
    if (depletion >= raw) {
      events.push({ day, depthMm: depletion });
      totals.irrigationMm += depletion;
      depletion = 0;
    }
    totals.etcMm += etc;
    totals.rainfallMm += rain;
    totals.runoffMm += runoff;
    depletionMm.push(depletion);
  });
  const tawMm = 1000 * (fieldCapacity - wiltingPoint) * crop.maxRootDepthM;
  const spacings = events.slice(1).map((event, i) => event.day - (events[i] as IrrigationEvent).day);
  return {
    events,
    intervalDays: spacings.length > 0 ? median(spacings) : etcMm.length,
    depthMm: events.length > 0 ? median(events.map((e) => e.depthMm)) : 0,
    tawMm,
    rawMm: crop.depletionFraction * tawMm,
    totals,
    depletionMm,
  };
}

/**
 * FAO-56 (Allen, Pereira, Raes & Smith 1998, FAO Irrigation and Drainage Paper 56), chapter 3: atmospheric
 * parameters and humidity. Temperatures in °C, pressures in kPa, elevation in m.
 */

/** Eq. 7: atmospheric pressure at elevation `z` m. */
export function atmosphericPressure(z: number): number {
  return 101.3 * ((293 - 0.0065 * z) / 293) ** 5.26;
}

/** Eq. 8: psychrometric constant γ (kPa °C⁻¹) at pressure `p` kPa. */
export function psychrometricConstant(p: number): number {
  return 0.665e-3 * p;
}

/** Eq. 11: saturation vapour pressure e°(T). */
export function saturationVapourPressure(t: number): number {
  return 0.6108 * Math.exp((17.27 * t) / (t + 237.3));
}

/** Eq. 12: mean saturation vapour pressure es from daily extremes (not e° of the mean temperature). */
export function meanSaturationVapourPressure(tMax: number, tMin: number): number {
  return (saturationVapourPressure(tMax) + saturationVapourPressure(tMin)) / 2;
}

/** Eq. 13: slope Δ of the saturation vapour pressure curve at `t` (kPa °C⁻¹). */
export function vapourPressureSlope(t: number): number {
  return (4098 * saturationVapourPressure(t)) / (t + 237.3) ** 2;
}

/** The humidity forms FAO-56 allows for actual vapour pressure ea, most to least preferred. */
export type HumidityObservation =
  | { kind: "dewPoint"; tDew: number }
  | {
      kind: "psychrometer";
      tDry: number;
      tWet: number;
      pressure: number;
      ventilated: "assmann" | "natural" | "indoor";
    }
  | { kind: "rhMaxMin"; rhMax: number; rhMin: number; tMax: number; tMin: number }
  | { kind: "rhMax"; rhMax: number; tMin: number }
  | { kind: "rhMean"; rhMean: number; tMax: number; tMin: number };

/** Psychrometer coefficients a_psy (°C⁻¹) for eq. 16 by ventilation. */
const PSYCHROMETER_COEFFICIENT = { assmann: 0.000662, natural: 0.0008, indoor: 0.0012 } as const;

/** Eqs. 14, 15, 17, 18, 19: actual vapour pressure ea (kPa). */
export function actualVapourPressure(h: HumidityObservation): number {
  switch (h.kind) {
    case "dewPoint":
      return saturationVapourPressure(h.tDew);
    case "psychrometer":
      return (
        saturationVapourPressure(h.tWet) -
        PSYCHROMETER_COEFFICIENT[h.ventilated] * h.pressure * (h.tDry - h.tWet)
      );
    case "rhMaxMin":
      return (
        (saturationVapourPressure(h.tMin) * (h.rhMax / 100) +
          saturationVapourPressure(h.tMax) * (h.rhMin / 100)) /
        2
      );
    case "rhMax":
      return saturationVapourPressure(h.tMin) * (h.rhMax / 100);
    case "rhMean":
      return (h.rhMean / 100) * meanSaturationVapourPressure(h.tMax, h.tMin);
  }
}

/** Eq. 47: wind speed at 2 m from a measurement `uz` (m s⁻¹) taken `z` m above ground. */
export function windSpeedAt2m(uz: number, z: number): number {
  return (uz * 4.87) / Math.log(67.8 * z - 5.42);
}

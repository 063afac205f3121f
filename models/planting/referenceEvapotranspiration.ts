import {
  atmosphericPressure,
  meanSaturationVapourPressure,
  psychrometricConstant,
  vapourPressureSlope,
} from "./fao56Atmosphere.js";
import {
  clearSkyRadiation,
  netLongwaveRadiation,
  netShortwaveRadiation,
  solarGeometry,
  solarRadiationFromSunshine,
} from "./fao56Radiation.js";

export type ReferenceEvapotranspirationParameters = {
  latitudeDeg: number;
  elevationM: number;
  /** Day of the year (1–366); for a monthly value, the middle day of the month. */
  dayOfYear: number;
  tMax: number;
  tMin: number;
  /** Actual vapour pressure (kPa), from `actualVapourPressure`. */
  ea: number;
  /** Wind speed at 2 m (m s⁻¹), from `windSpeedAt2m`. */
  u2: number;
  /** Solar radiation: measured (MJ m⁻² day⁻¹) or from sunshine hours. */
  radiation: { solarRadiation: number } | { sunshineHours: number };
  /** Soil heat flux G (MJ m⁻² day⁻¹): 0 for a day (eq. 42), from `monthlySoilHeatFlux` for a month. */
  soilHeatFlux?: number;
};

export type ReferenceEvapotranspirationReturnType = {
  et0: number;
  tMean: number;
  delta: number;
  pressure: number;
  gamma: number;
  es: number;
  ra: number;
  daylightHours: number;
  rs: number;
  rso: number;
  rns: number;
  rnl: number;
  rn: number;
  g: number;
};

/** FAO-56 eq. 6: grass-reference evapotranspiration ET0 (mm day⁻¹), with every intermediate value. */
export function referenceEvapotranspiration(
  p: ReferenceEvapotranspirationParameters,
): ReferenceEvapotranspirationReturnType {
  const tMean = (p.tMax + p.tMin) / 2; // eq. 9
  const delta = vapourPressureSlope(tMean);
  const pressure = atmosphericPressure(p.elevationM);
  const gamma = psychrometricConstant(pressure);
  const es = meanSaturationVapourPressure(p.tMax, p.tMin);
  const { ra, daylightHours } = solarGeometry(p.latitudeDeg, p.dayOfYear);
  const rs =
    "solarRadiation" in p.radiation
      ? p.radiation.solarRadiation
      : solarRadiationFromSunshine(p.radiation.sunshineHours, daylightHours, ra);
  const rso = clearSkyRadiation(ra, p.elevationM);
  const rns = netShortwaveRadiation(rs);
  const rnl = netLongwaveRadiation(p.tMax, p.tMin, p.ea, rs, rso);
  const rn = rns - rnl; // eq. 40
  const g = p.soilHeatFlux ?? 0;
  const et0 =
    (0.408 * delta * (rn - g) + gamma * (900 / (tMean + 273)) * p.u2 * (es - p.ea)) /
    (delta + gamma * (1 + 0.34 * p.u2));
  return { et0, tMean, delta, pressure, gamma, es, ra, daylightHours, rs, rso, rns, rnl, rn, g };
}

/**
 * Eqs. 43/44: monthly soil heat flux from mean monthly air temperatures (°C). With the next month known, eq. 43;
 * otherwise eq. 44.
 */
export function monthlySoilHeatFlux(previousMonth: number, thisMonth: number, nextMonth?: number): number {
  return nextMonth === undefined ? 0.14 * (thisMonth - previousMonth) : 0.07 * (nextMonth - previousMonth);
}

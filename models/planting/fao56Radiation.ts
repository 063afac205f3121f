/**
 * FAO-56 chapter 3, radiation. MJ m⁻² day⁻¹ throughout; latitude in degrees (south negative).
 */
const SOLAR_CONSTANT = 0.082; // MJ m⁻² min⁻¹
const STEFAN_BOLTZMANN = 4.903e-9; // MJ K⁻⁴ m⁻² day⁻¹

export type SolarGeometry = {
  dr: number;
  declination: number;
  sunsetHourAngle: number;
  ra: number;
  daylightHours: number;
};

/** Eqs. 21–25 and 34: extraterrestrial radiation Ra and daylight hours N for a day of the year. */
export function solarGeometry(latitudeDeg: number, dayOfYear: number): SolarGeometry {
  const phi = (Math.PI / 180) * latitudeDeg;
  const dr = 1 + 0.033 * Math.cos(((2 * Math.PI) / 365) * dayOfYear); // eq. 23
  const declination = 0.409 * Math.sin(((2 * Math.PI) / 365) * dayOfYear - 1.39); // eq. 24
  // eq. 25, clamped for polar day/night where the arccos argument leaves [-1, 1]
  const sunsetHourAngle = Math.acos(Math.min(1, Math.max(-1, -Math.tan(phi) * Math.tan(declination))));
  const ra =
    ((24 * 60) / Math.PI) *
    SOLAR_CONSTANT *
    dr *
    (sunsetHourAngle * Math.sin(phi) * Math.sin(declination) +
      Math.cos(phi) * Math.cos(declination) * Math.sin(sunsetHourAngle)); // eq. 21
  return { dr, declination, sunsetHourAngle, ra, daylightHours: (24 / Math.PI) * sunsetHourAngle }; // eq. 34
}

/** Eq. 35 (Ångström, as = 0.25, bs = 0.50): solar radiation from sunshine hours n. */
export function solarRadiationFromSunshine(n: number, daylightHours: number, ra: number): number {
  return (0.25 + (0.5 * n) / daylightHours) * ra;
}

/** Eq. 37: clear-sky solar radiation Rso at elevation z m. */
export function clearSkyRadiation(ra: number, z: number): number {
  return (0.75 + 2e-5 * z) * ra;
}

/** Eq. 38: net shortwave radiation for the grass reference (albedo 0.23). */
export function netShortwaveRadiation(rs: number, albedo = 0.23): number {
  return (1 - albedo) * rs;
}

/** Eq. 39: net outgoing longwave radiation Rnl. */
export function netLongwaveRadiation(
  tMax: number,
  tMin: number,
  ea: number,
  rs: number,
  rso: number,
): number {
  const k4 = ((tMax + 273.16) ** 4 + (tMin + 273.16) ** 4) / 2;
  const relativeShortwave = Math.min(1, rs / rso); // Rs/Rso ≤ 1.0 (FAO-56, eq. 39 notes)
  return STEFAN_BOLTZMANN * k4 * (0.34 - 0.14 * Math.sqrt(ea)) * (1.35 * relativeShortwave - 0.35);
}

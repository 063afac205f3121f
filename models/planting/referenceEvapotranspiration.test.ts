import { describe, expect, it } from "vitest";
import {
  actualVapourPressure,
  atmosphericPressure,
  meanSaturationVapourPressure,
  psychrometricConstant,
  saturationVapourPressure,
  vapourPressureSlope,
  windSpeedAt2m,
} from "./fao56Atmosphere.js";
import {
  clearSkyRadiation,
  netLongwaveRadiation,
  solarGeometry,
  solarRadiationFromSunshine,
} from "./fao56Radiation.js";
import { monthlySoilHeatFlux, referenceEvapotranspiration } from "./referenceEvapotranspiration.js";

// Worked examples of FAO-56 (Allen et al. 1998), asserted to the digits the paper prints.
describe("FAO-56 atmosphere and humidity", () => {
  it("Example 2: P and γ at 1800 m", () => {
    const p = atmosphericPressure(1800);
    expect(p).toBeCloseTo(81.8, 1);
    expect(psychrometricConstant(p)).toBeCloseTo(0.054, 3);
  });

  it("Example 3: es for Tmax 24.5 °C, Tmin 15 °C", () => {
    expect(saturationVapourPressure(24.5)).toBeCloseTo(3.075, 3);
    expect(saturationVapourPressure(15)).toBeCloseTo(1.705, 3);
    expect(meanSaturationVapourPressure(24.5, 15)).toBeCloseTo(2.39, 2);
  });

  it("Example 5: ea from RHmax/RHmin, RHmax only and RHmean", () => {
    expect(actualVapourPressure({ kind: "rhMaxMin", rhMax: 82, rhMin: 54, tMax: 25, tMin: 18 })).toBeCloseTo(
      1.7,
      2,
    );
    expect(actualVapourPressure({ kind: "rhMax", rhMax: 82, tMin: 18 })).toBeCloseTo(1.69, 2);
    expect(actualVapourPressure({ kind: "rhMean", rhMean: 68, tMax: 25, tMin: 18 })).toBeCloseTo(1.78, 2);
  });

  it("Table 2.4 / eq. 13: slope Δ at 20 °C", () => {
    expect(vapourPressureSlope(20)).toBeCloseTo(0.145, 3);
  });

  it("eq. 14: ea from dew point is e°(Tdew)", () => {
    expect(actualVapourPressure({ kind: "dewPoint", tDew: 17 })).toBeCloseTo(
      saturationVapourPressure(17),
      12,
    );
  });

  it("Example 14: 3.2 m/s at 10 m is 2.4 m/s at 2 m", () => {
    expect(windSpeedAt2m(3.2, 10)).toBeCloseTo(2.4, 1);
  });
});

describe("FAO-56 radiation", () => {
  it("Example 8: Ra at 20°S on 3 September (J = 246)", () => {
    const g = solarGeometry(-20, 246);
    expect(g.dr).toBeCloseTo(0.985, 3);
    expect(g.declination).toBeCloseTo(0.12, 2);
    expect(g.sunsetHourAngle).toBeCloseTo(1.527, 3);
    expect(g.ra).toBeCloseTo(32.2, 1);
  });

  it("Example 9: N at 20°S on 3 September", () => {
    expect(solarGeometry(-20, 246).daylightHours).toBeCloseTo(11.7, 1);
  });

  it("Example 10: Rs from 7.1 h of sunshine in Rio de Janeiro (22°54'S) on 15 May", () => {
    const g = solarGeometry(-(22 + 54 / 60), 135);
    expect(g.ra).toBeCloseTo(25.1, 1);
    expect(g.daylightHours).toBeCloseTo(10.9, 1);
    expect(solarRadiationFromSunshine(7.1, g.daylightHours, g.ra)).toBeCloseTo(14.5, 1);
  });

  it("Example 11: Rnl for Tmax 25.1, Tmin 19.1, ea 2.1, Rs 14.5, Rso 18.8", () => {
    expect(netLongwaveRadiation(25.1, 19.1, 2.1, 14.5, 18.8)).toBeCloseTo(3.5, 1);
    expect(clearSkyRadiation(25.1, 0)).toBeCloseTo(18.8, 1);
  });
});

describe("FAO-56 ET0", () => {
  it("Example 17: monthly ET0 for Bangkok, April (5.72 mm/day)", () => {
    const r = referenceEvapotranspiration({
      latitudeDeg: 13 + 44 / 60,
      elevationM: 2,
      dayOfYear: 105,
      tMax: 34.8,
      tMin: 25.6,
      ea: 2.85,
      u2: 2,
      radiation: { sunshineHours: 8.5 },
      soilHeatFlux: monthlySoilHeatFlux(29.2, 30.2),
    });
    expect(r.delta).toBeCloseTo(0.246, 3);
    expect(r.pressure).toBeCloseTo(101.3, 1);
    expect(r.gamma).toBeCloseTo(0.0674, 3); // FAO-56 rounds P to 101.3 first
    expect(r.es).toBeCloseTo(4.42, 2);
    expect(r.ra).toBeCloseTo(38.06, 1);
    expect(r.daylightHours).toBeCloseTo(12.31, 1);
    expect(r.rs).toBeCloseTo(22.65, 1);
    expect(r.rn).toBeCloseTo(14.33, 1);
    expect(r.g).toBeCloseTo(0.14, 2);
    expect(r.et0).toBeCloseTo(5.72, 1);
  });

  it("Example 18: daily ET0 for Brussels on 6 July (3.9 mm/day)", () => {
    const tMax = 21.5;
    const tMin = 12.3;
    const r = referenceEvapotranspiration({
      latitudeDeg: 50 + 48 / 60,
      elevationM: 100,
      dayOfYear: 187,
      tMax,
      tMin,
      ea: actualVapourPressure({ kind: "rhMaxMin", rhMax: 84, rhMin: 63, tMax, tMin }),
      u2: windSpeedAt2m(10 / 3.6, 10),
      radiation: { sunshineHours: 9.25 },
    });
    expect(r.delta).toBeCloseTo(0.122, 3);
    expect(r.pressure).toBeCloseTo(100.1, 1);
    expect(r.es).toBeCloseTo(1.997, 2);
    expect(r.ra).toBeCloseTo(41.09, 1);
    expect(r.daylightHours).toBeCloseTo(16.1, 1);
    expect(r.rs).toBeCloseTo(22.07, 1);
    expect(r.rso).toBeCloseTo(30.9, 1);
    expect(r.rnl).toBeCloseTo(3.71, 1);
    expect(r.rn).toBeCloseTo(13.28, 1);
    expect(r.et0).toBeCloseTo(3.9, 1);
  });
});

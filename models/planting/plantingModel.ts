import { defineModel } from "../defineModel.js";
import { requireFinite, requireObject } from "../inputGuards.js";
import { ModelInputError } from "../ModelInputError.js";
import { balanceNutrients, type NutrientAdjustment } from "./balanceNutrients.js";
import { adjustCropCoefficient, cropCoefficientOnDay } from "./cropCoefficient.js";
import { CROP_NAMES, CROPS, type CropName } from "./crops.js";
import { actualVapourPressure, windSpeedAt2m } from "./fao56Atmosphere.js";
import { solarGeometry } from "./fao56Radiation.js";
import { referenceEvapotranspiration } from "./referenceEvapotranspiration.js";
import { scheduleIrrigation } from "./scheduleIrrigation.js";

export type PlantingInput = {
  station: { latitudeDeg: number; elevationM: number; windHeightM: number };
  crop: CropName;
  plantingDate: string;
  soil: { fieldCapacity: number; wiltingPoint: number; curveNumber?: number };
  nutrients?: { targetYieldTPerHa: number; soilTest: { n: number; p2o5: number; k2o: number } };
  weather: {
    tMax: number;
    tMin: number;
    rhMax: number;
    rhMin: number;
    windSpeed: number;
    sunshineHours?: number;
    solarRadiation?: number;
    rainfallMm: number;
  }[];
};

export type PlantingPlan = {
  summary: string;
  irrigation: { intervalDays: number; depthMm: number; events: { date: string; depthMm: number }[] };
  fertiliser: NutrientAdjustment[];
  numbers: {
    kcMid: number;
    kcEnd: number;
    tawMm: number;
    rawMm: number;
    seasonEt0Mm: number;
    seasonEtcMm: number;
    seasonRainfallMm: number;
    runoffMm: number;
    deepPercolationMm: number;
    irrigationMm: number;
    et0Mm: number[];
    etcMm: number[];
  };
};

const num = (description: string, extra: Record<string, unknown> = {}) => ({
  type: "number",
  description,
  ...extra,
});

const inputSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Planting optimisation input",
  type: "object",
  required: ["station", "crop", "plantingDate", "soil", "weather"],
  properties: {
    station: {
      type: "object",
      required: ["latitudeDeg", "elevationM", "windHeightM"],
      properties: {
        latitudeDeg: num("Latitude in degrees, south negative; FAO-56 radiation is used within ±66.5°", {
          minimum: -66.5,
          maximum: 66.5,
        }),
        elevationM: num("Station elevation above sea level (m)", { minimum: -430, maximum: 9000 }),
        windHeightM: num("Anemometer height above ground (m)", { exclusiveMinimum: 0.1 }),
      },
    },
    crop: { enum: CROP_NAMES, description: "Crop (FAO-56 Tables 11, 12, 22)" },
    plantingDate: {
      type: "string",
      format: "date",
      description: "Planting date (YYYY-MM-DD); weather[0] is this day",
    },
    soil: {
      type: "object",
      required: ["fieldCapacity", "wiltingPoint"],
      properties: {
        fieldCapacity: num("Volumetric water content at field capacity θFC (m³ m⁻³)", {
          exclusiveMinimum: 0,
          maximum: 0.6,
        }),
        wiltingPoint: num("Volumetric water content at wilting point θWP (m³ m⁻³), below θFC", {
          minimum: 0,
        }),
        curveNumber: num("SCS runoff curve number (default 75)", { minimum: 30, maximum: 100 }),
      },
    },
    nutrients: {
      type: "object",
      required: ["targetYieldTPerHa", "soilTest"],
      properties: {
        targetYieldTPerHa: num("Target yield (t/ha of harvested product)", { exclusiveMinimum: 0 }),
        soilTest: {
          type: "object",
          required: ["n", "p2o5", "k2o"],
          properties: {
            n: num("Available nitrogen (kg N/ha)", { minimum: 0 }),
            p2o5: num("Available phosphate (kg P2O5/ha)", { minimum: 0 }),
            k2o: num("Available potash (kg K2O/ha)", { minimum: 0 }),
          },
        },
      },
    },
    weather: {
      type: "array",
      minItems: 1,
      description: "One entry per day from the planting date",
      items: {
        type: "object",
        required: ["tMax", "tMin", "rhMax", "rhMin", "windSpeed", "rainfallMm"],
        properties: {
          tMax: num("Daily maximum air temperature (°C)"),
          tMin: num("Daily minimum air temperature (°C), at most tMax"),
          rhMax: num("Daily maximum relative humidity (%)", { minimum: 0, maximum: 100 }),
          rhMin: num("Daily minimum relative humidity (%), at most rhMax", { minimum: 0, maximum: 100 }),
          windSpeed: num("Mean wind speed at the anemometer height (m s⁻¹)", { minimum: 0 }),
          sunshineHours: num(
            "Bright sunshine hours n (h), at most the daylight hours N; or give solarRadiation",
            { minimum: 0 },
          ),
          solarRadiation: num("Measured solar radiation Rs (MJ m⁻² day⁻¹)", { minimum: 0 }),
          rainfallMm: num("Rainfall (mm)", { minimum: 0 }),
        },
      },
    },
  },
} as const;

export const plantingModel = defineModel<PlantingInput, PlantingPlan>({
  id: "planting-optimisation",
  title: "Planting optimisation: FAO-56 irrigation schedule and nutrient balance",
  codeVersion: "1.0.0",
  parameters: { crops: CROPS, method: "FAO-56 Penman-Monteith, single Kc, SCS-CN runoff" },
  inputSchema,
  run: (raw) => plan(validate(raw)),
});

function plan(input: PlantingInput): PlantingPlan {
  const crop = CROPS[input.crop];
  const start = Date.parse(`${input.plantingDate}T00:00:00Z`);
  const { latitudeDeg, elevationM, windHeightM } = input.station;
  const days = input.weather.map((w, i) => {
    const date = new Date(start + i * 86_400_000);
    const dayOfYear = Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 0)) / 86_400_000);
    const u2 = windSpeedAt2m(w.windSpeed, windHeightM);
    const ea = actualVapourPressure({
      kind: "rhMaxMin",
      rhMax: w.rhMax,
      rhMin: w.rhMin,
      tMax: w.tMax,
      tMin: w.tMin,
    });
    const radiation =
      w.solarRadiation !== undefined
        ? { solarRadiation: w.solarRadiation }
        : { sunshineHours: w.sunshineHours ?? 0 };
    const { et0 } = referenceEvapotranspiration({
      latitudeDeg,
      elevationM,
      dayOfYear,
      tMax: w.tMax,
      tMin: w.tMin,
      ea,
      u2,
      radiation,
    });
    return {
      date: date.toISOString().slice(0, 10),
      et0: Math.max(0, et0),
      u2,
      rhMin: w.rhMin,
      rain: w.rainfallMm,
    };
  });
  // Kc mid and end are adjusted with the mean wind and RHmin of their own stages (FAO-56 eqs. 62, 65).
  const [ini, dev, mid] = crop.stages;
  const meanOver = (from: number, to: number, pick: (d: (typeof days)[number]) => number) => {
    const slice = days.slice(from, to);
    return slice.length === 0 ? undefined : slice.reduce((s, d) => s + pick(d), 0) / slice.length;
  };
  const adjust = (kc: number, from: number, to: number) => {
    const u2 = meanOver(from, to, (d) => d.u2) ?? 2;
    const rhMin = meanOver(from, to, (d) => d.rhMin) ?? 45;
    return adjustCropCoefficient(kc, u2, rhMin, crop.heightM);
  };
  const kcMid = adjust(crop.kcMid, ini + dev, ini + dev + mid);
  const kcEnd = crop.kcEnd >= 0.45 ? adjust(crop.kcEnd, ini + dev + mid, days.length) : crop.kcEnd;
  const etc = days.map((d, i) => cropCoefficientOnDay(crop, { kcIni: crop.kcIni, kcMid, kcEnd }, i) * d.et0);
  const schedule = scheduleIrrigation({
    crop,
    etcMm: etc,
    rainfallMm: days.map((d) => d.rain),
    fieldCapacity: input.soil.fieldCapacity,
    wiltingPoint: input.soil.wiltingPoint,
    ...(input.soil.curveNumber === undefined ? {} : { curveNumber: input.soil.curveNumber }),
  });
  const fertiliser = input.nutrients ? balanceNutrients({ crop, ...input.nutrients }) : [];

  const r1 = (v: number) => Math.round(v * 10) / 10;
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const intervalDays = Math.round(schedule.intervalDays);
  const depthMm = Math.round(schedule.depthMm);
  const irrigationText =
    schedule.events.length === 0
      ? "no irrigation needed this season"
      : `irrigate every ${intervalDays} days, ${depthMm} mm`;
  const strongest = [...fertiliser].sort(
    (a, b) => Math.abs(b.adjustmentPercent) - Math.abs(a.adjustmentPercent),
  )[0];
  const fertiliserText =
    strongest === undefined || strongest.adjustmentPercent === 0
      ? ""
      : `; ${strongest.adjustmentPercent > 0 ? "+" : ""}${strongest.adjustmentPercent}% ${strongest.nutrient}`;
  return {
    summary: irrigationText + fertiliserText,
    irrigation: {
      intervalDays,
      depthMm,
      events: schedule.events.map((e) => ({
        date: (days[e.day] as (typeof days)[number]).date,
        depthMm: r1(e.depthMm),
      })),
    },
    fertiliser,
    numbers: {
      kcMid: r2(kcMid),
      kcEnd: r2(kcEnd),
      tawMm: r1(schedule.tawMm),
      rawMm: r1(schedule.rawMm),
      seasonEt0Mm: r1(days.reduce((s, d) => s + d.et0, 0)),
      seasonEtcMm: r1(schedule.totals.etcMm),
      seasonRainfallMm: r1(schedule.totals.rainfallMm),
      runoffMm: r1(schedule.totals.runoffMm),
      deepPercolationMm: r1(schedule.totals.deepPercolationMm),
      irrigationMm: r1(schedule.totals.irrigationMm),
      et0Mm: days.map((d) => r2(d.et0)),
      etcMm: etc.map(r2),
    },
  };
}

function validate(raw: unknown): PlantingInput {
  const input = requireObject(raw, "$");
  const station = requireObject(input.station, "$.station");
  const latitudeDeg = requireFinite(station.latitudeDeg, "$.station.latitudeDeg", -66.5, 66.5);
  const elevationM = requireFinite(station.elevationM, "$.station.elevationM", -430, 9000);
  const windHeightM = requireFinite(station.windHeightM, "$.station.windHeightM", 0.1001, 100);
  if (typeof input.crop !== "string" || !(CROP_NAMES as string[]).includes(input.crop))
    throw new ModelInputError("$.crop", `must be one of ${CROP_NAMES.join(", ")}`);
  if (
    typeof input.plantingDate !== "string" ||
    !/^\d{4}-\d\d-\d\d$/.test(input.plantingDate) ||
    Number.isNaN(Date.parse(input.plantingDate))
  )
    throw new ModelInputError("$.plantingDate", "must be a date YYYY-MM-DD");
  const soil = requireObject(input.soil, "$.soil");
  const fieldCapacity = requireFinite(soil.fieldCapacity, "$.soil.fieldCapacity", 0.01, 0.6);
  const wiltingPoint = requireFinite(soil.wiltingPoint, "$.soil.wiltingPoint", 0, 0.6);
  if (wiltingPoint >= fieldCapacity)
    throw new ModelInputError("$.soil.wiltingPoint", "must be below fieldCapacity");
  const curveNumber =
    soil.curveNumber === undefined
      ? undefined
      : requireFinite(soil.curveNumber, "$.soil.curveNumber", 30, 100);
  let nutrients: PlantingInput["nutrients"];
  if (input.nutrients !== undefined) {
    const n = requireObject(input.nutrients, "$.nutrients");
    const test = requireObject(n.soilTest, "$.nutrients.soilTest");
    nutrients = {
      targetYieldTPerHa: requireFinite(n.targetYieldTPerHa, "$.nutrients.targetYieldTPerHa", 0.001, 500),
      soilTest: {
        n: requireFinite(test.n, "$.nutrients.soilTest.n", 0, 10_000),
        p2o5: requireFinite(test.p2o5, "$.nutrients.soilTest.p2o5", 0, 10_000),
        k2o: requireFinite(test.k2o, "$.nutrients.soilTest.k2o", 0, 10_000),
      },
    };
  }
  if (!Array.isArray(input.weather) || input.weather.length === 0)
    throw new ModelInputError("$.weather", "must be a non-empty list of daily observations");
  const start = Date.parse(`${input.plantingDate}T00:00:00Z`);
  const weather = input.weather.map((rawDay, i) => {
    const at = `$.weather[${i}]`;
    const d = requireObject(rawDay, at);
    const tMax = requireFinite(d.tMax, `${at}.tMax`, -60, 60);
    const tMin = requireFinite(d.tMin, `${at}.tMin`, -60, 60);
    if (tMin > tMax) throw new ModelInputError(`${at}.tMin`, `is ${tMin} °C, above tMax ${tMax} °C`);
    const rhMax = requireFinite(d.rhMax, `${at}.rhMax`, 0, 100);
    const rhMin = requireFinite(d.rhMin, `${at}.rhMin`, 0, 100);
    if (rhMin > rhMax) throw new ModelInputError(`${at}.rhMin`, `is ${rhMin} %, above rhMax ${rhMax} %`);
    const windSpeed = requireFinite(d.windSpeed, `${at}.windSpeed`, 0, 75);
    const rainfallMm = requireFinite(d.rainfallMm, `${at}.rainfallMm`, 0, 2000);
    const day = new Date(start + i * 86_400_000);
    const dayOfYear = Math.floor((day.getTime() - Date.UTC(day.getUTCFullYear(), 0, 0)) / 86_400_000);
    if (d.solarRadiation !== undefined)
      return {
        tMax,
        tMin,
        rhMax,
        rhMin,
        windSpeed,
        rainfallMm,
        solarRadiation: requireFinite(d.solarRadiation, `${at}.solarRadiation`, 0, 50),
      };
    if (d.sunshineHours === undefined) throw new ModelInputError(at, "needs sunshineHours or solarRadiation");
    const daylight = solarGeometry(latitudeDeg, dayOfYear).daylightHours;
    const sunshineHours = requireFinite(d.sunshineHours, `${at}.sunshineHours`, 0, 24);
    if (sunshineHours > daylight + 0.05)
      throw new ModelInputError(
        `${at}.sunshineHours`,
        `is ${sunshineHours} h, more than the ${daylight.toFixed(1)} h of daylight that day`,
      );
    return { tMax, tMin, rhMax, rhMin, windSpeed, rainfallMm, sunshineHours };
  });
  return {
    station: { latitudeDeg, elevationM, windHeightM },
    crop: input.crop as CropName,
    plantingDate: input.plantingDate,
    soil: { fieldCapacity, wiltingPoint, ...(curveNumber === undefined ? {} : { curveNumber }) },
    ...(nutrients ? { nutrients } : {}),
    weather,
  };
}

/**
 * Crop parameters from FAO-56 (Allen et al. 1998):
 * - stage lengths (days: initial, development, mid-season, late): Table 11, one representative planting region each;
 * - Kc ini / mid / end and maximum crop height h (m): Table 12 (where the table gives a range, its midpoint);
 * - depletion fraction p (for ETc ≈ 5 mm/day) and maximum effective rooting depth Zr (m): Table 22 (range upper end).
 * Nutrient removal (kg per tonne of harvested product, N / P2O5 / K2O) are typical removal coefficients
 * (FAO Fertilizer and Plant Nutrition Bulletin 16, "Plant nutrition for food security", 2006; IPNI crop nutrient
 * removal tables) and the reference yield (t/ha) is where the baseline recommendation is set.
 */
export type CropParameters = {
  stages: readonly [initial: number, development: number, midSeason: number, late: number];
  kcIni: number;
  kcMid: number;
  kcEnd: number;
  heightM: number;
  depletionFraction: number;
  maxRootDepthM: number;
  removalKgPerTonne: { n: number; p2o5: number; k2o: number };
  referenceYieldTPerHa: number;
};

export const CROPS = {
  maize: {
    stages: [30, 40, 50, 30],
    kcIni: 0.3,
    kcMid: 1.2,
    kcEnd: 0.6,
    heightM: 2,
    depletionFraction: 0.55,
    maxRootDepthM: 1.7,
    removalKgPerTonne: { n: 15, p2o5: 6, k2o: 4.5 },
    referenceYieldTPerHa: 8,
  },
  wheat: {
    stages: [20, 25, 60, 30],
    kcIni: 0.3,
    kcMid: 1.15,
    kcEnd: 0.4,
    heightM: 1,
    depletionFraction: 0.55,
    maxRootDepthM: 1.5,
    removalKgPerTonne: { n: 23, p2o5: 9, k2o: 6 },
    referenceYieldTPerHa: 6,
  },
  rice: {
    stages: [30, 30, 60, 30],
    kcIni: 1.05,
    kcMid: 1.2,
    kcEnd: 0.75,
    heightM: 1,
    depletionFraction: 0.2,
    maxRootDepthM: 1,
    removalKgPerTonne: { n: 15, p2o5: 6, k2o: 4 },
    referenceYieldTPerHa: 6,
  },
  tomato: {
    stages: [30, 40, 40, 25],
    kcIni: 0.6,
    kcMid: 1.15,
    kcEnd: 0.8,
    heightM: 0.6,
    depletionFraction: 0.4,
    maxRootDepthM: 1.5,
    removalKgPerTonne: { n: 3, p2o5: 1, k2o: 5.3 },
    referenceYieldTPerHa: 60,
  },
  potato: {
    stages: [25, 30, 45, 30],
    kcIni: 0.5,
    kcMid: 1.15,
    kcEnd: 0.75,
    heightM: 0.6,
    depletionFraction: 0.35,
    maxRootDepthM: 0.6,
    removalKgPerTonne: { n: 3.5, p2o5: 1.4, k2o: 6 },
    referenceYieldTPerHa: 40,
  },
  soybean: {
    stages: [20, 30, 60, 25],
    kcIni: 0.4,
    kcMid: 1.15,
    kcEnd: 0.5,
    heightM: 0.75,
    depletionFraction: 0.5,
    maxRootDepthM: 1.3,
    removalKgPerTonne: { n: 60, p2o5: 14, k2o: 22 },
    referenceYieldTPerHa: 3,
  },
  cotton: {
    stages: [30, 50, 60, 55],
    kcIni: 0.35,
    kcMid: 1.18,
    kcEnd: 0.6,
    heightM: 1.35,
    depletionFraction: 0.65,
    maxRootDepthM: 1.7,
    removalKgPerTonne: { n: 40, p2o5: 15, k2o: 20 },
    referenceYieldTPerHa: 3.5,
  },
} as const satisfies Record<string, CropParameters>;

export type CropName = keyof typeof CROPS;
export const CROP_NAMES = Object.keys(CROPS) as CropName[];

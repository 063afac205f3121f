import type { DerivationKindName } from "./buildModelInput.js";

/**
 * One readable line for a derivative's output, in the words of the product: "irrigate every 3 days, 28 mm; add 20%
 * potassium", a forecast with its interval, a fault model with its held-out metrics.
 */
export function summariseDerivation(kind: DerivationKindName, output: unknown): string | null {
  if (typeof output !== "object" || output === null) return null;
  const o = output as Record<string, unknown>;
  switch (kind) {
    case "PLANTING_PLAN":
      return typeof o.summary === "string" ? o.summary : null;
    case "MARKET_FORECAST": {
      const forecast = o.forecast as {
        step: number;
        mean: number;
        intervals: { level: number; lower: number; upper: number }[];
      }[];
      const first = forecast?.[0];
      const last = forecast?.at(-1);
      if (first === undefined || last === undefined) return null;
      const interval = (p: typeof first) => {
        const widest = p.intervals.at(-1);
        return widest ? ` (${widest.level}% interval ${widest.lower}–${widest.upper})` : "";
      };
      const backtest = o.backtest as {
        holtWinters?: { mape?: number };
        seasonalNaive?: { mape?: number };
      } | null;
      const versus =
        backtest?.holtWinters?.mape !== undefined && backtest.seasonalNaive?.mape !== undefined
          ? `; back-test MAPE ${backtest.holtWinters.mape}% vs seasonal-naive ${backtest.seasonalNaive.mape}%`
          : "";
      return `next period ${first.mean}${interval(first)}, period ${last.step} ${last.mean}${interval(last)}${versus}`;
    }
    case "FAULT_WARNING_MODEL": {
      const metrics = o.metrics as {
        model?: Record<string, number>;
        majorityBaseline?: Record<string, number>;
      };
      const f1 = metrics?.model?.f1;
      if (f1 === undefined) return null;
      return `fault-warning module: held-out F1 ${f1} (precision ${metrics.model?.precision}, recall ${metrics.model?.recall}) vs majority baseline ${metrics.majorityBaseline?.f1 ?? 0}`;
    }
  }
}

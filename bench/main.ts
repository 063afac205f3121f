/**
 * `npm run bench`: every speed and memory target, measured in one run on this machine, printed as one table.
 * Ratios compare numbers taken in the same run, so they survive a slower or busier machine.
 * `npm run bench -- models` runs only the suites whose name contains "models" (likewise "stack", "kernel").
 */
import type { BenchRow, BenchSuite } from "./BenchRow.js";

const suites: { name: string; load: () => Promise<BenchSuite> }[] = [
  { name: "stack", load: async () => (await import("./stackBench.js")).stackBench },
  { name: "stack/lifecycle", load: async () => (await import("./lifecycleBench.js")).lifecycleBench },
  { name: "stack/proving", load: async () => (await import("./provingBench.js")).provingBench },
  { name: "derivation", load: async () => (await import("./derivationBench.js")).derivationBench },
  { name: "circulation", load: async () => (await import("./circulationBench.js")).circulationBench },
  { name: "risk/proving", load: async () => (await import("./riskProvingBench.js")).riskProvingBench },
  { name: "risk/chain", load: async () => (await import("./riskBench.js")).riskBench },
  { name: "stack/load", load: async () => (await import("./loadBench.js")).loadBench },
  { name: "gateway/partners", load: async () => (await import("./federationBench.js")).federationBench },
  { name: "stack/soak", load: async () => (await import("./soakBench.js")).soakBench },
  { name: "observability", load: async () => (await import("./observabilityBench.js")).observabilityBench },
  { name: "evolution/telemetry", load: async () => (await import("./telemetryBench.js")).telemetryBench },
  { name: "evolution/logic", load: async () => (await import("./logicModuleBench.js")).logicModuleBench },
  { name: "indexer/backfill", load: async () => (await import("./backfillBench.js")).backfillBench },
  { name: "indexer/live", load: async () => (await import("./backfillBench.js")).liveBench },
  { name: "scale/reads", load: async () => (await import("./readScaleBench.js")).readScaleBench },
  {
    name: "models/planting",
    load: async () => (await import("../models/planting/plantingBench.js")).plantingBench,
  },
  { name: "models/market", load: async () => (await import("../models/market/marketBench.js")).marketBench },
  { name: "models/fault", load: async () => (await import("../models/fault/faultBench.js")).faultBench },
  { name: "models/kernel", load: async () => (await import("../models/kernel/kernelBench.js")).kernelBench },
  { name: "evolution/prover", load: async () => (await import("./kernelProverBench.js")).kernelProverBench },
];

export async function runBench(filter: string[]): Promise<number> {
  const rows: (BenchRow & { suite: string })[] = [];
  for (const { name, load } of suites) {
    if (filter.length > 0 && !filter.some((f) => name.includes(f))) continue;
    const suite = await load();
    process.stderr.write(`bench: ${suite.name}…\n`);
    for (const row of await suite.run()) rows.push({ suite: suite.name, ...row });
  }
  const header = ["suite", "row", "target", "measured", "met"];
  const table = rows.map((r) => [
    r.suite,
    r.row,
    r.target,
    r.measured,
    r.met === null ? "—" : r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  console.log([line(header), line(widths.map((w) => "-".repeat(w))), ...table.map(line)].join("\n"));
  return 0;
}

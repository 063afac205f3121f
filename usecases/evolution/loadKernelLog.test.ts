import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProverPool } from "../../prover/createProverPool.js";
import type { ProveOptions } from "../../prover/proverConfiguration.js";
import { createTelemetryRecorder } from "../../services/createTelemetryRecorder.js";
import { startTestPostgres, type TestPostgres } from "../../test/support/startTestPostgres.js";
import { createTunedProver } from "./createTunedProver.js";
import { loadKernelLog } from "./loadKernelLog.js";

let pg: TestPostgres;
let sql: Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await pg?.teardown();
});

describe("loadKernelLog", () => {
  it("reads a kernel run back from the telemetry table so a restarted hub's kernel decides as before", async () => {
    // A stand-in pool (the unit around the kernel): latencies with full float precision, proofs finishing out of order.
    let n = 0;
    const pool = {
      proveCoreQuality: async (_: unknown, options?: ProveOptions) => {
        n += 1;
        await new Promise((resolve) => setTimeout(resolve, (n * 7) % 4));
        const base = options?.configuration?.host === "process" ? 1_850 : 2_800;
        return { proof: {}, publicSignals: ["1"], proveMs: base * (1 + Math.sin(n) / 20), verified: true };
      },
      proveDerivationBinding: async () => {
        throw new Error("not in this test");
      },
    } as unknown as ProverPool;
    const telemetry = await createTelemetryRecorder({ sql, schema: "t_kernel", flushIntervalMs: 60_000 });
    const component = { componentId: 7n, name: "core-prover" };
    const other = { componentId: 8n, name: "binding-prover" };
    const live = await createTunedProver({
      pool,
      telemetry,
      components: { coreQuality: component, derivationBinding: other },
      seed: 7,
    });
    for (let burst = 0; burst < 8; burst++)
      await Promise.all([0, 1, 2].map(() => live.proveCoreQuality({} as never)));
    // Rows the kernel did not learn from (bad input) are in the table too, outside its log.
    await expect(live.proveDerivationBinding({} as never)).rejects.toThrow();
    await telemetry.close();

    const load = loadKernelLog({ sql, schema: "t_kernel" });
    const run = live.kernelRun("coreQuality") as string;
    const log = await load(component, run);
    expect(log).toHaveLength(24);
    expect(await load(other, run)).toEqual([]);
    const restarted = await createTunedProver({
      pool,
      components: { coreQuality: component },
      seed: 7,
      loadLog: load,
    });
    expect(restarted.kernelRun("coreQuality")).toBe(run);
    expect(restarted.kernel("coreQuality")?.decisionTraceHash()).toBe(
      live.kernel("coreQuality")?.decisionTraceHash(),
    );
    expect(restarted.kernel("coreQuality")?.decide()).toEqual(live.kernel("coreQuality")?.decide());
  }, 120_000);
});

import type { Sql } from "postgres";
import { TELEMETRY_TABLE } from "../../services/createTelemetryRecorder.js";
import type { KernelLogRecord, TunedProverComponent } from "./createTunedProver.js";

export type LoadKernelLogParameters = {
  /** The hub's own-tables pool (no column transform). */
  sql: Sql;
  schema?: string | undefined;
};

/**
 * `createTunedProver`'s `loadLog` for the hub: a kernel run's observed proofs from `component_invocation`, in the
 * order they were recorded (rows the kernel did not learn from carry no `kernel` and are not read).
 */
export function loadKernelLog({ sql, schema = "caldera_hub" }: LoadKernelLogParameters) {
  return async (component: TunedProverComponent, kernelRun: string): Promise<KernelLogRecord[]> => {
    const rows = await sql<
      {
        config_key: string;
        latency_ms: number;
        compliant: boolean;
        decision_step: number;
        observed_after: number;
        at_seconds: string;
      }[]
    >`select config_key, latency_ms, compliant, decision_step, observed_after,
        floor(extract(epoch from at))::bigint::text as at_seconds
      from ${sql(`${schema}.${TELEMETRY_TABLE}`)}
      where component_id = ${component.componentId.toString()} and kernel = ${kernelRun}
        and decision_step is not null and observed_after is not null
      order by id`;
    return rows.map((row) => ({
      configKey: row.config_key,
      latencyMs: row.latency_ms,
      compliant: row.compliant,
      decisionStep: row.decision_step,
      observedAfter: row.observed_after,
      at: Number(row.at_seconds),
    }));
  };
}

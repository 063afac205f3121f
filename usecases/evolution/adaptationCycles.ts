import type { Sql } from "postgres";
import { BadUserInputError } from "../errors.js";

export type AdaptationCycle = {
  scenario: string;
  /** The first invocation in the scenario: when the component was first asked to serve it. */
  firstRequestAt: Date;
  /** The first successful invocation in it (null: never served yet). */
  firstServedAt: Date | null;
  /** Whole seconds from the first request to the first success (0: served at once); null while unserved. */
  cycleSeconds: number | null;
};

export type AdaptationCyclesOptions = {
  /** The hub's own schema, where `component_invocation` lives. */
  schema?: string | undefined;
  /** The most recent scenarios (by first request) kept; default 100. */
  limit?: number | undefined;
};

export type AdaptationCyclesReturnType = AdaptationCycle[];

/**
 * The seed's scenario adaptation cycle, per scenario a component was ever asked to serve, from its telemetry
 * (`caldera_hub.component_invocation`): first request in a scenario the component had never served → its first
 * successful invocation there. A scenario is the telemetry's `scenario` (`schema:soil-moisture`,
 * `kind:PLANTING_PLAN`, `circuit:coreQuality`); rows without one do not count. The `limit` scenarios first requested
 * most recently, in first-request order (oldest first) — one index range scan per component
 * (`(component_id, scenario, at)`).
 */
export async function adaptationCycles(
  sql: Sql,
  componentId: bigint | string,
  { schema = "caldera_hub", limit = 100 }: AdaptationCyclesOptions = {},
): Promise<AdaptationCyclesReturnType> {
  const id = String(componentId);
  if (!/^[1-9][0-9]{0,77}$/.test(id))
    throw new BadUserInputError("component", `must be a component id, got ${id}`);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new BadUserInputError("limit", `must be a positive integer, got ${limit}`);
  const rows = await sql<{ scenario: string; requested: Date; served: Date | null }[]>`
    select scenario, requested, served from (
      select scenario, min(at) as requested, min(at) filter (where success) as served
      from ${sql(`${schema}.component_invocation`)}
      where component_id = ${id} and scenario <> ''
      group by scenario
      order by requested desc, scenario
      limit ${limit}
    ) recent
    order by requested, scenario`;
  return rows.map(({ scenario, requested, served }) => ({
    scenario,
    firstRequestAt: requested,
    firstServedAt: served,
    cycleSeconds: served === null ? null : Math.floor((served.getTime() - requested.getTime()) / 1000),
  }));
}

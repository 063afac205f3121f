import type { Sql } from "postgres";
import { createTelemetryTable } from "../../services/createTelemetryRecorder.js";

export type SeedEvolutionRowsParameters = {
  /** Components 1..components. */
  components: number;
  /** Evolution reports 1..reports. */
  reports: number;
  /** Absorptions 1..absorptions. */
  absorptions: number;
  /**
   * Settlements 0..settlements − 1: settlement s is epoch ⌊s / perEpoch⌋ of component 1 + s mod perEpoch, where
   * perEpoch = `settlementsPerEpoch` (default: every component, each epoch).
   */
  settlements: number;
  settlementsPerEpoch?: number;
  /** Telemetry rows 1..invocations in `hubSchema`.component_invocation (created with D's DDL when missing). */
  invocations: number;
  /** Providers: component i is provided by evolutionProvider(i mod providers + 1). Default 7. */
  providers?: number;
  hubSchema?: string;
};

const ERA = "000000000000000000";
/** When component 1 was registered; component i 12 s × i later. */
export const EVOLUTION_BASE_TIME = 1_700_000_000;

/** Synthetic provider `n` of components. */
export function evolutionProvider(n: number): `0x${string}` {
  return `0x${(0xc0000 + n).toString(16).padStart(40, "0")}`;
}

/** Synthetic node `n`, an attester. */
export function evolutionNode(n: number): `0x${string}` {
  return `0x${(0xd0000 + n).toString(16).padStart(40, "0")}`;
}

/**
 * Fills the evolution tables (indexer/schema/evolution.ts) made by createScratchTables, and the hub's telemetry
 * table, with rows shaped like the indexer's and the recorder's, in bulk (`insert … select … from generate_series`):
 * - component i: provider evolutionProvider(i mod providers + 1), kind 1 + i mod 4, name `component-<i>`, price
 *   i ERA, pledge 1,000 ERA, version 1, registered at EVOLUTION_BASE_TIME + 12 i (REGISTERED event);
 * - report r: of component 1 + r mod components, before p50 2,000 ms + r µs, after 1,500 ms, at base + 1,000,000 +
 *   60 r (EVOLUTION_REPORT event);
 * - absorption a: component 1 + a mod components absorbs 1 + (a + 1) mod components' module; REQUESTED, APPROVED
 *   (two nodes) or RECLAIMED by a mod 3;
 * - settlement s: REWARDED (1,000 ERA) when s is even, else SLASHED (50 ERA), event id in order of s;
 * - telemetry n: component 1 + n mod components, at base + 2,000,000 s + n × 0.5 s + 123 µs, latency 100 + n mod 50
 *   ms, success unless n mod 10 = 0, compliant unless n mod 20 = 0, accuracy 0.9 when n mod 4 = 0.
 * The pool row is funded 1,000,000 ERA. Ends with `vacuum analyze`.
 */
export async function seedEvolutionRows(
  sql: Sql,
  schema: string,
  {
    components,
    reports,
    absorptions,
    settlements,
    settlementsPerEpoch = components,
    invocations,
    providers = 7,
    hubSchema = "caldera_hub",
  }: SeedEvolutionRowsParameters,
): Promise<void> {
  const t = (name: string) => sql(`${schema}.${name}`);
  const hash = (salt: string) => sql`'0x' || md5(i::text || ${salt}) || md5(${salt} || i::text)`;
  const range = (from: number, to: number) => sql`generate_series(${from}::bigint, ${to}::bigint) as i`;
  const base = EVOLUTION_BASE_TIME;
  const c = components;
  await sql`
    insert into ${t("component")} (id, provider, kind, name_hash, name, price, pledge, logic_hash, version,
      registered_at, block_number, transaction_hash, updated_at)
    select i, '0x' || lpad(to_hex(786432 + i % ${providers} + 1), 40, '0'), 1 + i % 4,
      '0x' || rpad(encode(convert_to('component-' || i, 'UTF8'), 'hex'), 64, '0'), 'component-' || i,
      (i::text || ${ERA})::numeric, ('1000' || ${ERA})::numeric, ${hash("logic")},
      1,
      ${base} + 12 * i, 10 + i, ${hash("tx")}, ${base} + 12 * i
    from ${range(1, c)}`;
  await sql`
    insert into ${t("component_event")} (id, component_id, kind, amount, version, logic_hash, timestamp,
      block_number, transaction_hash)
    select lpad((i * 10)::text, 75, '0'), i, 'REGISTERED', ('1000' || ${ERA})::numeric, 1, ${hash("logic")},
      ${base} + 12 * i, 10 + i, ${hash("tx")}
    from ${range(1, c)}`;
  if (reports > 0) {
    await sql`
      insert into ${t("evolution_report")} (id, component_id, before_p_50_latency_micros, before_p_95_latency_micros,
        before_accuracy_bps, before_compliance_bps, before_invocations, after_p_50_latency_micros,
        after_p_95_latency_micros, after_accuracy_bps, after_compliance_bps, after_invocations,
        efficiency_improvement_bps, evidence_hash, decision_log_hash, logic_hash, published_at, block_number,
        transaction_hash)
      select i, 1 + i % ${c}, 2000000 + i, 2600000 + i, 9000, 10000, 40, 1500000, 1900000, 9100, 9975, 40,
        ((2000000 + i - 1500000) * 10000) / (2000000 + i), ${hash("evidence")}, ${hash("log")}, ${hash("after")},
        ${base} + 1000000 + 60 * i, 100000 + i, ${hash("rtx")}
      from ${range(1, reports)}`;
    await sql`
      insert into ${t("component_event")} (id, component_id, kind, report_id, logic_hash, timestamp, block_number,
        transaction_hash)
      select lpad((1000000000 + i * 10)::text, 75, '0'), 1 + i % ${c}, 'EVOLUTION_REPORT', i, ${hash("after")},
        ${base} + 1000000 + 60 * i, 100000 + i, ${hash("rtx")}
      from ${range(1, reports)}`;
  }
  if (absorptions > 0)
    await sql`
      insert into ${t("absorption")} (id, absorber_id, source_id, module_hash, compensation, status, requested_at,
        approved_at, approved_by, paid_to, reclaimed_at, block_number, transaction_hash)
      select i, 1 + i % ${c}, 1 + (i + 1) % ${c}, ${hash("module")}, ('800' || ${ERA})::numeric,
        (array['REQUESTED', 'APPROVED', 'RECLAIMED'])[1 + i % 3], ${base} + 1500000 + 60 * i,
        case when i % 3 = 1 then ${base} + 1500000 + 60 * i + 30 end,
        case when i % 3 = 1 then jsonb_build_array('0x' || lpad(to_hex(851968 + 1), 40, '0'),
          '0x' || lpad(to_hex(851968 + 2), 40, '0')) else '[]'::jsonb end,
        case when i % 3 = 0 then null else '0x' || lpad(to_hex(786432 + (1 + (i + 1) % ${c}) % ${providers} + 1), 40, '0') end,
        case when i % 3 = 2 then ${base} + 1500000 + 60 * i + 700000 end,
        200000 + i, ${hash("atx")}
      from ${range(1, absorptions)}`;
  if (settlements > 0)
    await sql`
      insert into ${t("epoch_settlement")} (epoch, component_id, outcome, amount, efficiency_improvement_bps,
        scenario_range_delta, evidence_hash, nodes, event_id, settled_at, block_number, transaction_hash)
      select i / ${settlementsPerEpoch}, 1 + i % ${settlementsPerEpoch}, case when i % 2 = 0 then 'REWARDED' else 'SLASHED' end,
        case when i % 2 = 0 then ('1000' || ${ERA})::numeric else ('50' || ${ERA})::numeric end,
        case when i % 2 = 0 then 3000 else -100 end, i % 4, ${hash("epoch")},
        jsonb_build_array('0x' || lpad(to_hex(851968 + 1), 40, '0'), '0x' || lpad(to_hex(851968 + 3), 40, '0')),
        lpad((2000000000 + i * 10)::text, 75, '0'), ${base} + 604800 * (i / ${settlementsPerEpoch} + 1) + i, 300000 + i, ${hash("stx")}
      from ${range(0, settlements - 1)}`;
  await sql`
    insert into ${t("evolution_pool")} (id, genesis, epoch_length, total_funded, total_slashed, total_rewarded,
      balance, slash_bps, updated_at)
    values (1, ${base}, 604800, ${`1000000${ERA}`}, 0, 0, ${`1000000${ERA}`}, 500, ${base})
    on conflict (id) do nothing`;
  await createTelemetryTable(sql, { schema: hubSchema });
  if (invocations > 0)
    await sql`
      insert into ${sql(`${hubSchema}.component_invocation`)} (component_id, component, at, latency_ms, success,
        accuracy, compliant, configuration, config_key, scenario, caller, error_code, decision_mode,
        onchain_invocation_id)
      select 1 + i % ${c}, 'component-' || (1 + i % ${c}),
        to_timestamp(${base} + 2000000 + i * 0.5) + interval '123 microseconds', 100 + i % 50, i % 10 <> 0,
        case when i % 4 = 0 then 0.9 end, i % 20 <> 0, jsonb_build_object('host', 'thread', 'n', i), 'thread',
        'circuit:coreQuality', null, case when i % 10 = 0 then 'PROOF_FAILED' end,
        case when i % 2 = 0 then 'explore' else 'incumbent' end, null
      from ${range(1, invocations)}`;
  await sql.unsafe(`vacuum analyze`);
}

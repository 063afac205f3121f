import type { Sql } from "postgres";
import { TELEMETRY_TABLE } from "../../services/createTelemetryRecorder.js";
import type { ChannelObservation } from "./inferChannelDecimals.js";

/** The sliding window: the last this many submissions naming a schema (validator telemetry, newest first). */
export const SCHEMA_EXTENSION_WINDOW = 50;
/** At least this many submissions in the window carry the channel… */
export const SCHEMA_EXTENSION_MIN_CARRYING = 5;
/** …from at least this many distinct providers… */
export const SCHEMA_EXTENSION_MIN_PROVIDERS = 2;
/** …and they are at least this share of the window. */
export const SCHEMA_EXTENSION_MIN_SHARE = 0.6;

/** A channel that datasets naming a schema consistently carry although the schema lacks it. */
export type SchemaExtensionCandidate = {
  /** The schema the submissions name (their validation's configuration `schema`, else scenario `schema:<id>`). */
  baseSchemaId: string;
  channel: string;
  /** Submissions in the window (≤ SCHEMA_EXTENSION_WINDOW). */
  windowSize: number;
  /** Submissions in the window whose readings carried the channel. */
  carrying: number;
  /** Distinct providers among them (lower-case addresses). */
  providers: string[];
  /** carrying / windowSize. */
  share: number;
  /** When each carrying submission was recorded, newest first. */
  carryingAt: Date[];
  /** What the validator saw of the channel's values (decimals, magnitude), where it recorded them. */
  observations: ChannelObservation[];
};

export type DetectSchemaExtensionsParameters = {
  /** The hub's own-tables pool (where `createTelemetryRecorder` writes). */
  sql: Sql;
  /** The hub's own schema; default caldera_hub. */
  schema?: string | undefined;
  window?: number | undefined;
  minCarrying?: number | undefined;
  minProviders?: number | undefined;
  minShare?: number | undefined;
};

type Row = { base: string; at: Date; details: Record<string, unknown> | null };

/**
 * Reads the dataset validators' telemetry — the schema each submission named and, for a refused one, the
 * channels its readings carried that the schema lacks (`details.unknownChannels`, with `details.provider` and
 * `details.unknownChannelStats`) — and returns every (schema, channel) that is consistent over the last `window`
 * submissions naming that schema: carried by ≥ `minCarrying` of them, from ≥ `minProviders` providers, ≥ `minShare`
 * of the window. One statement reading the newest `window` rows per schema; nothing is written.
 */
export async function detectSchemaExtensions({
  sql,
  schema = "caldera_hub",
  window = SCHEMA_EXTENSION_WINDOW,
  minCarrying = SCHEMA_EXTENSION_MIN_CARRYING,
  minProviders = SCHEMA_EXTENSION_MIN_PROVIDERS,
  minShare = SCHEMA_EXTENSION_MIN_SHARE,
}: DetectSchemaExtensionsParameters): Promise<SchemaExtensionCandidate[]> {
  // The schema a submission named is its validation's configuration (`{ schema, domain }`, usecases/certifyCore.ts);
  // a refusal's scenario is the extension it asks for, so the scenario only stands in where no configuration says.
  const rows = await sql<Row[]>`
    select base, at, details from (
      select coalesce(configuration->>'schema', substr(scenario, 8)) as base, at, details,
             row_number() over (
               partition by coalesce(configuration->>'schema', substr(scenario, 8)) order by at desc, id desc
             ) as newest
        from ${sql(`${schema}.${TELEMETRY_TABLE}`)}
       where configuration ? 'schema' or scenario like 'schema:%'
    ) recent
    where newest <= ${window}
    order by base, at desc`;
  const bySchema = new Map<string, Row[]>();
  for (const row of rows) bySchema.set(row.base, [...(bySchema.get(row.base) ?? []), row]);
  const candidates: SchemaExtensionCandidate[] = [];
  for (const [baseSchemaId, submissions] of bySchema) {
    const channels = new Map<
      string,
      { providers: Set<string>; at: Date[]; observations: ChannelObservation[] }
    >();
    for (const { at, details } of submissions) {
      const unknown = details?.unknownChannels;
      if (!Array.isArray(unknown)) continue;
      const provider = typeof details?.provider === "string" ? details.provider.toLowerCase() : undefined;
      const stats = (details?.unknownChannelStats ?? {}) as Record<string, unknown>;
      for (const channel of new Set(unknown.filter((c): c is string => typeof c === "string"))) {
        const seen = channels.get(channel) ?? { providers: new Set<string>(), at: [], observations: [] };
        if (provider !== undefined) seen.providers.add(provider);
        seen.at.push(new Date(at));
        const observed = Object.hasOwn(stats, channel)
          ? (stats[channel] as Partial<ChannelObservation>)
          : undefined;
        if (typeof observed?.decimals === "number" && typeof observed.maxAbs === "number")
          seen.observations.push({ decimals: observed.decimals, maxAbs: observed.maxAbs });
        channels.set(channel, seen);
      }
    }
    for (const [channel, seen] of channels) {
      const share = seen.at.length / submissions.length;
      if (seen.at.length < minCarrying || seen.providers.size < minProviders || share < minShare) continue;
      candidates.push({
        baseSchemaId,
        channel,
        windowSize: submissions.length,
        carrying: seen.at.length,
        providers: [...seen.providers].sort(),
        share,
        carryingAt: seen.at,
        observations: seen.observations,
      });
    }
  }
  return candidates.sort((a, b) =>
    a.baseSchemaId === b.baseSchemaId
      ? a.channel.localeCompare(b.channel)
      : a.baseSchemaId.localeCompare(b.baseSchemaId),
  );
}

import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CalderaConfig } from "../../config/loadCalderaConfig.js";
import { getFreePort } from "../../stack/getFreePort.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { type Stack, startStack } from "../../stack/startStack.js";
import { certifyAs } from "../support/certifyAs.js";
import { removeDataDir } from "../support/removeDataDir.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql } from "../support/startTestStack.js";

/**
 * A redeploy with changed handler code, as an operator does it: stop the stack, change the indexer, start again on
 * the same data. ponder indexes the new build into a new schema while the views keep serving the old one, switches
 * the views, and the old schema is dropped.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "caldera-redeploy-"));
const dataDir = join(work, "data");
/** A copy of `indexer/`, beside links to what it imports from the repository (`../contracts/…`, packages). */
const indexerDir = join(work, "indexer");
const lines: string[] = [];
let config: CalderaConfig;
let stack: Stack | undefined;

const start = (onLine: (line: string) => void = () => {}) =>
  startStack({
    config,
    dataDir,
    env: {},
    indexerDir,
    log: (line) => {
      lines.push(line);
      onLine(line);
    },
  }).catch((error) => {
    process.stderr.write(`startStack failed; its log:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
    throw error;
  });

beforeAll(async () => {
  cpSync(join(ROOT, "indexer"), indexerDir, {
    recursive: true,
    filter: (source) => !/\/(\.ponder|generated)(\/|$)/.test(source),
  });
  symlinkSync(join(ROOT, "contracts"), join(work, "contracts"));
  symlinkSync(join(ROOT, "node_modules"), join(work, "node_modules"));
  // Fixed ports: the second start must find Postgres where the first one was (the poller below connects early).
  config = {
    ports: {
      gateway: await getFreePort(),
      subgraph: await getFreePort(),
      indexer: await getFreePort(),
      postgres: await getFreePort(),
      anvil: await getFreePort(),
    },
    viewsSchema: "caldera",
    partners: [],
    maxIndexerLagBlocks: 2,
  };
});

afterAll(async () => {
  await stack?.stop();
  removeDataDir(dataDir);
  rmSync(work, { recursive: true, force: true });
});

const LIST = `{ certificates(first: 100) { edges { node { id datasetCommitment provider { address } } } } }`;

/** The build schema the views schema's `_ponder_meta` view selects from: what every view reads. */
const VIEWED_SCHEMA = `
  select distinct source_ns.nspname as schema
  from pg_class view_class
  join pg_namespace view_ns on view_ns.oid = view_class.relnamespace
  join pg_rewrite rule on rule.ev_class = view_class.oid
  join pg_depend dep on dep.objid = rule.oid and dep.classid = 'pg_rewrite'::regclass
  join pg_class source on source.oid = dep.refobjid and source.oid <> view_class.oid
  join pg_namespace source_ns on source_ns.oid = source.relnamespace
  where view_ns.nspname = 'caldera' and view_class.relname in ('_ponder_meta', 'certificate')`;

type Observation = { schemas: string[]; count: number } | { error: string };

/** Reads the views as an analyst would, over and over, until stopped: what a reader saw during the switch. */
function pollViews(url: string) {
  const observations: Observation[] = [];
  let running = true;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const done = (async () => {
    while (running) {
      try {
        const [row] = await sql<{ count: number }[]>`select count(*)::int as count from caldera.certificate`;
        const schemas = await sql.unsafe<{ schema: string }[]>(VIEWED_SCHEMA);
        observations.push({ schemas: schemas.map((s) => s.schema).sort(), count: row?.count ?? -1 });
      } catch (error) {
        observations.push({ error: error instanceof Error ? error.message : String(error) });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await sql.end({ timeout: 2 });
  })();
  return {
    observations,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe("a redeploy with changed handler code", () => {
  it("moves to a new schema, switches the views atomically, prunes the old schema and serves the same certificates", async () => {
    stack = await start();
    const firstSchema = stack.indexer.schema;
    const postgresUrl = stack.postgresUrl;
    const ids = [
      await certifyAs(stack, ANVIL_DEV_KEYS[0], {
        domain: "AGRICULTURAL",
        ...sensorDataset({ offset: 601 }),
      }),
      await certifyAs(stack, ANVIL_DEV_KEYS[0], {
        domain: "AGRICULTURAL",
        ...sensorDataset({ offset: 602 }),
      }),
    ];
    const before = await graphql(stack.gatewayUrl, LIST);
    expect(before.errors).toBeUndefined();
    await stack.stop();
    stack = undefined;

    // A real change to a handler (a comment): a new build, so a new schema.
    appendFileSync(join(indexerDir, "src/CoreCertificateRegistry.ts"), "\n// redeployed: handlers changed\n");

    let poller: ReturnType<typeof pollViews> | undefined;
    stack = await start((line) => {
      // Postgres is up and ponder is about to start: watch the views from now on.
      if (line.startsWith("4/6") && poller === undefined) poller = pollViews(postgresUrl);
    });
    // A few more reads after ponder's switch and the pruning.
    await new Promise((r) => setTimeout(r, 500));
    await poller?.stop();
    const secondSchema = stack.indexer.schema;
    expect(secondSchema).not.toBe(firstSchema);
    expect(secondSchema).toMatch(/^caldera_[0-9a-f]{12}$/);

    // Atomic: every read succeeded (the views were never missing), and they switched once, from the old build's
    // schema to the new one. Through the old schema every read saw both certificates.
    const observations = poller?.observations ?? [];
    expect(observations.filter((o) => "error" in o)).toEqual([]);
    const seen = observations.flatMap((o) => ("schemas" in o ? [o] : []));
    expect(seen.length).toBeGreaterThan(10);
    const sequence = seen.map((o) => o.schemas.join(",")).filter((s, i, all) => i === 0 || s !== all[i - 1]);
    expect(sequence).toEqual([firstSchema, secondSchema]);
    const switchedAt = seen.findIndex((o) => o.schemas.join(",") === secondSchema);
    expect(new Set(seen.slice(0, switchedAt).map((o) => o.count))).toEqual(new Set([ids.length]));
    // ponder switches at the end of its historical backfill, which stops at the finalized block (head − 30 on a dev
    // chain); the newest blocks follow in its live phase. So right after the switch a reader may see fewer rows for
    // a moment — never more, never going back — until ponder reaches the head, before the stack reports ready.
    const afterSwitch = seen.slice(switchedAt).map((o) => o.count);
    expect(afterSwitch.every((c, i) => c <= ids.length && (i === 0 || c >= (afterSwitch[i - 1] ?? 0)))).toBe(
      true,
    );
    expect(afterSwitch.at(-1)).toBe(ids.length);

    // The old build's schema is gone, the new one is the only build schema left.
    const sql = postgres(postgresUrl, { max: 1, onnotice: () => {} });
    try {
      const schemas = await sql<{ name: string }[]>`
        select nspname as name from pg_namespace where nspname ~ '^caldera_[0-9a-f]{12}$'`;
      expect(schemas.map((s) => s.name)).toEqual([secondSchema]);
      const viewed = await sql.unsafe<{ schema: string }[]>(VIEWED_SCHEMA);
      expect(viewed.map((v) => v.schema)).toEqual([secondSchema]);
    } finally {
      await sql.end({ timeout: 2 });
    }
    expect(lines.filter((l) => l.includes("indexer schemas"))).toEqual([
      `    pruned old indexer schemas: ${firstSchema}`,
    ]);

    // GraphQL serves the same certificates as before the redeploy.
    const after = await graphql(stack.gatewayUrl, LIST);
    expect(after.errors).toBeUndefined();
    expect(after.data).toEqual(before.data);
  }, 900_000);
});

import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { createLogger } from "./createLogger.js";
import { requestContext } from "./requestContext.js";
import { traceSql } from "./traceSql.js";

let pg: TestPostgres;
const pools: postgres.Sql[] = [];

beforeAll(async () => {
  pg = await startTestPostgres();
});

afterAll(async () => {
  for (const pool of pools) await pool.end({ timeout: 5 });
  await pg?.teardown();
});

function traced(level: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  const raw = postgres(pg.url, { onnotice: () => {}, ...options });
  pools.push(raw);
  return { sql: traceSql({ sql: raw, logger }), lines };
}

const inRequest = <T>(requestId: string, fn: () => Promise<T>) =>
  requestContext.run({ requestId, startedAt: performance.now(), observed: false }, fn);

describe("traceSql", () => {
  it("logs each statement a request runs, with its request id, text, duration and row count", async () => {
    const { sql, lines } = traced("debug", { transform: postgres.camel });
    const rows = await inRequest("req-1", () => sql`select 1 as one_value, ${"x"}::text as tag`);
    expect(rows).toEqual([{ oneValue: 1, tag: "x" }]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "debug",
      msg: "sql",
      requestId: "req-1",
      statement: "select 1 as one_value, $1::text as tag",
      rows: 1,
    });
    expect(typeof lines[0]?.durationMs).toBe("number");
    // Parameters are not logged.
    expect(JSON.stringify(lines[0])).not.toContain('"x"');
  });

  it("names the right request for a query that waited for the only connection behind another request's", async () => {
    const { sql, lines } = traced("debug", { max: 1 });
    await Promise.all([
      inRequest("req-slow", () => sql`select pg_sleep(0.3), 'slow' as who`),
      inRequest("req-queued", async () => {
        // Issued while req-slow holds the connection: postgres.js sends it from req-slow's socket callback.
        await new Promise((r) => setTimeout(r, 50));
        return sql`select 'queued' as who, ${1}::int as n`;
      }),
      inRequest("req-queued-2", async () => {
        await new Promise((r) => setTimeout(r, 60));
        return sql.unsafe("select 'second' as who");
      }),
    ]);
    const byRequest = Object.fromEntries(lines.map((l) => [l.requestId, l.statement]));
    expect(byRequest).toEqual({
      "req-slow": "select pg_sleep(0.3), 'slow' as who",
      "req-queued": "select 'queued' as who, $1::int as n",
      "req-queued-2": "select 'second' as who",
    });
  });

  it("logs a fragment only as part of its query, follows transactions, and logs failures with their code", async () => {
    const { sql, lines } = traced("debug");
    await inRequest("req-tx", async () => {
      const where = sql`where n > ${1}`;
      await sql`select n from generate_series(1, 3) as n ${where}`;
      await sql.begin(async (tx) => {
        await tx`select 'inside' as step`;
      });
      await sql`select * from no_such_table`.catch(() => undefined);
    });
    const statements = lines.map((l) => l.statement);
    expect(statements[0]).toBe("select n from generate_series(1, 3) as n where n > $1");
    expect(statements).toContain("select 'inside' as step");
    expect(lines.every((l) => l.requestId === "req-tx")).toBe(true);
    expect(lines.at(-1)).toMatchObject({ statement: "select * from no_such_table", error: "42P01" });
    expect(lines).toHaveLength(3);
  });

  it("leaves queries outside any request, and every query while debug is off, alone", async () => {
    const debug = traced("debug");
    await debug.sql`select 1`;
    expect(debug.lines).toHaveLength(0);

    const info = traced("info");
    const rows = await inRequest("req-quiet", () => info.sql`select 2 as two`);
    expect(rows).toEqual([{ two: 2 }]);
    expect(info.lines).toHaveLength(0);
  });
});

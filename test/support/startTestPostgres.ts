import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getFreePort } from "../../stack/getFreePort.js";
import { startPostgres } from "../../stack/startPostgres.js";
import { removeDataDir } from "./removeDataDir.js";

export type TestPostgres = { url: string; teardown: () => Promise<void> };

/** A real, throwaway embedded Postgres (the stack's own runner) for tests of code that only needs a database. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const dataDir = mkdtempSync(join(tmpdir(), "caldera-pg-"));
  const pg = await startPostgres({
    dataDir: join(dataDir, "postgres"),
    port: await getFreePort(),
    logFile: join(dataDir, "logs", "postgres.log"),
    log: () => {},
    onGiveUp: () => {},
  });
  return {
    url: pg.url,
    teardown: async () => {
      await pg.stop();
      removeDataDir(dataDir);
    },
  };
}

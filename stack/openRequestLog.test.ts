import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../services/createLogger.js";
import { removeDataDir } from "../test/support/removeDataDir.js";
import { openRequestLog } from "./openRequestLog.js";

const dir = mkdtempSync(join(tmpdir(), "caldera-request-log-"));
afterAll(() => removeDataDir(dir));

describe("openRequestLog", () => {
  it("writes JSON lines to logs/requests.log by default (folder created), all of them by the time close resolves", async () => {
    const logsDir = join(dir, "default", "logs");
    const log = openRequestLog({ logsDir, env: {} });
    expect(log.destination).toBe(join(logsDir, "requests.log"));
    for (let i = 0; i < 100; i++)
      log.logger.child({ server: "gateway" }).info({ requestId: `r-${i}` }, "graphql request");
    log.logger.debug("below the default level");
    await log.close();
    const lines = readFileSync(join(logsDir, "requests.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(100);
    expect(lines[99]).toMatchObject({
      level: "info",
      server: "gateway",
      requestId: "r-99",
      msg: "graphql request",
    });
  });

  it("takes CALDERA_LOG_LEVEL from the stack's environment", async () => {
    const logsDir = join(dir, "debug", "logs");
    const log = openRequestLog({ logsDir, env: { CALDERA_LOG_LEVEL: "debug" } });
    log.logger.debug({ statement: "select 1" }, "sql");
    await log.close();
    expect(readFileSync(join(logsDir, "requests.log"), "utf8")).toContain('"statement":"select 1"');
  });

  it("goes to stdout with CALDERA_LOG_FORMAT=json, and uses a caller's logger as it is", async () => {
    const logsDir = join(dir, "json", "logs");
    const json = openRequestLog({ logsDir, env: { CALDERA_LOG_FORMAT: "json" } });
    expect(json.destination).toBe("stdout");
    await json.close();
    expect(existsSync(logsDir)).toBe(false);

    const mine = createLogger({ destination: { write: () => {} } });
    const given = openRequestLog({ logsDir, env: {}, logger: mine });
    expect(given.logger).toBe(mine);
    await given.close();
    expect(existsSync(logsDir)).toBe(false);
  });

  it("refuses a bad CALDERA_LOG_LEVEL with INVALID_CONFIG and leaves no file open", async () => {
    const logsDir = join(dir, "bad", "logs");
    expect(() => openRequestLog({ logsDir, env: { CALDERA_LOG_LEVEL: "loud" } })).toThrow(
      expect.objectContaining({ code: "INVALID_CONFIG" }),
    );
    // The file stream, opened before the level was checked, is closed again: no descriptor points into the folder.
    const pointsInto = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(logsDir);
        } catch {
          return false;
        }
      });
    const file = join(logsDir, "requests.log");
    for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(file)).toBe(true);
    for (let i = 0; i < 50 && pointsInto().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(pointsInto()).toEqual([]);
  });
});

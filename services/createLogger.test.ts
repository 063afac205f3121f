import { afterEach, describe, expect, it } from "vitest";
import { BaseError } from "../errors/BaseError.js";
import { createLogger } from "./createLogger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line)) } };
}

const saved = process.env.CALDERA_LOG_LEVEL;
afterEach(() => {
  if (saved === undefined) delete process.env.CALDERA_LOG_LEVEL;
  else process.env.CALDERA_LOG_LEVEL = saved;
});

describe("createLogger", () => {
  it("writes one JSON object per line: ISO time, the level's name, bindings and fields", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "info", destination });
    logger.child({ server: "gateway" }).info({ requestId: "r-1", durationMs: 1.5 }, "graphql request");
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: "info",
      server: "gateway",
      requestId: "r-1",
      durationMs: 1.5,
      msg: "graphql request",
    });
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
  });

  it("drops lines below its level, and takes the level from CALDERA_LOG_LEVEL by default", () => {
    const info = capture();
    const atInfo = createLogger({ level: "info", destination: info.destination });
    atInfo.debug("hidden");
    atInfo.warn("shown");
    expect(info.lines.map((l) => l.msg)).toEqual(["shown"]);

    process.env.CALDERA_LOG_LEVEL = "debug";
    const debug = capture();
    const fromEnv = createLogger({ destination: debug.destination });
    fromEnv.debug("statement");
    expect(debug.lines).toMatchObject([{ level: "debug", msg: "statement" }]);

    delete process.env.CALDERA_LOG_LEVEL;
    expect(createLogger({ destination: capture().destination }).level).toBe("info");
  });

  it("refuses an unknown level with INVALID_CONFIG naming CALDERA_LOG_LEVEL", () => {
    const error = (() => {
      try {
        createLogger({ level: "verbose", destination: capture().destination });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BaseError);
    expect(error).toMatchObject({ code: "INVALID_CONFIG", details: { field: "CALDERA_LOG_LEVEL" } });
    expect((error as Error).message).toMatch(/CALDERA_LOG_LEVEL must be one of trace, debug, info/);
  });
});

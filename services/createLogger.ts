import { type DestinationStream, type Logger, pino } from "pino";
import { BaseError } from "../errors/BaseError.js";

export type { Logger };

/** pino's levels, quietest last. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export type CreateLoggerParameters = {
  /** Default: `CALDERA_LOG_LEVEL`, else "info". */
  level?: string | undefined;
  /**
   * Where the JSON lines go (default stdout): a file (`pino.destination`), or anything with `write(line)` (tests
   * capture the lines).
   */
  destination?: DestinationStream | undefined;
};

export type CreateLoggerReturnType = Logger;

/**
 * The hub's structured log: one JSON object per line with `time` (ISO 8601), `level` (its name, not pino's number,
 * so a reader needs no table), pid, hostname, the child's bindings (`server`) and the fields of the line. An
 * unknown level is a configuration error rather than pino's generic throw, so `npm start` stops with one line.
 */
export function createLogger({
  level = process.env.CALDERA_LOG_LEVEL || "info",
  destination = pino.destination(1),
}: CreateLoggerParameters = {}): CreateLoggerReturnType {
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new BaseError(
      `CALDERA_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(level)}`,
      {
        code: "INVALID_CONFIG",
        details: { field: "CALDERA_LOG_LEVEL" },
      },
    );
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

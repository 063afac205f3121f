import { join } from "node:path";
import { pino } from "pino";
import { createLogger, type Logger } from "../services/createLogger.js";

export type OpenRequestLogParameters = {
  /** The data dir's `logs/` folder. */
  logsDir: string;
  /** `CALDERA_LOG_LEVEL` (default info; debug adds every SQL statement) and `CALDERA_LOG_FORMAT`. */
  env: { CALDERA_LOG_LEVEL?: string | undefined; CALDERA_LOG_FORMAT?: string | undefined };
  /** A logger of the caller's (tests capture lines): used as it is, and not closed. */
  logger?: Logger | undefined;
};

export type RequestLog = {
  logger: Logger;
  /** Where the lines go, for the operator: a file path or "stdout". */
  destination: string;
  /** Flushes and closes the file; the stack calls it after the servers stopped. */
  close: () => Promise<void>;
};

/**
 * Where the gateway's and the subgraph's JSON request lines go under `npm start`: `logs/requests.log` in the data
 * dir, beside each part's own log, so the human-readable progress on the terminal stays readable; on stdout instead
 * with `CALDERA_LOG_FORMAT=json`, for a log collector reading the process's output (a container).
 */
export function openRequestLog({ logsDir, env, logger }: OpenRequestLogParameters): RequestLog {
  if (logger) return { logger, destination: "the caller's", close: async () => {} };
  if (env.CALDERA_LOG_FORMAT === "json")
    return {
      logger: createLogger({
        level: env.CALDERA_LOG_LEVEL,
        destination: pino.destination({ dest: 1, sync: true }),
      }),
      destination: "stdout",
      close: async () => {},
    };
  const file = join(logsDir, "requests.log");
  // Asynchronous writes: a request never waits for the disk.
  const destination = pino.destination({ dest: file, mkdir: true, sync: false });
  let fileLogger: Logger;
  try {
    fileLogger = createLogger({ level: env.CALDERA_LOG_LEVEL, destination });
  } catch (error) {
    destination.end();
    throw error;
  }
  return {
    logger: fileLogger,
    destination: file,
    close: () =>
      new Promise<void>((resolve) => {
        destination.once("close", resolve).once("error", () => resolve());
        destination.end();
      }),
  };
}

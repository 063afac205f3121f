import { BaseError } from "../errors/BaseError.js";

/** The parts `startStack` runs, in start order; used in every start-up and supervision message. */
export type StackPart = "postgres" | "chain" | "contracts" | "indexer" | "subgraph" | "gateway";

/**
 * A part could not start. The message is the one line `caldera up` prints: the part, the cause and the fix.
 * `logTail` holds the part's last log lines when it has a log of its own.
 */
export class PartStartError extends BaseError {
  override name = "PartStartError";
  constructor(
    part: StackPart,
    cause: string,
    fix: string,
    options: { logTail?: string[]; cause?: unknown } = {},
  ) {
    super(`${part} cannot start: ${cause} — ${fix}`, {
      code: "PART_START_FAILED",
      details: { part, fix, logTail: options.logTail ?? [] },
      cause: options.cause,
    });
  }
}

/** A part's TCP port is taken; found before anything is spawned for it. */
export class PortInUseError extends BaseError {
  override name = "PortInUseError";
  constructor(part: StackPart, port: number, configKey: string) {
    super(
      `${part} cannot start: port ${port} is in use by another process — stop that process or set ${configKey} in caldera.config.json`,
      { code: "PORT_IN_USE", details: { part, port, configKey } },
    );
  }
}

/** A running part exited again and again; the supervisor gave up and the stack stopped rather than serve stale data. */
export class PartFailedError extends BaseError {
  override name = "PartFailedError";
  constructor(part: StackPart, restarts: number, lastExit: string, logTail: string[]) {
    super(`${part} failed ${restarts + 1} times (last: ${lastExit}); the stack stopped — see its log`, {
      code: "PART_FAILED",
      details: { part, restarts, lastExit, logTail },
    });
  }
}

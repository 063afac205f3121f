import { BaseError } from "../errors/BaseError.js";

export class StartupTimeoutError extends BaseError {
  override name = "StartupTimeoutError";
  constructor(what: string, timeoutMs: number, cause?: unknown) {
    super(`${what} was not ready after ${timeoutMs} ms`, {
      code: "STARTUP_TIMEOUT",
      details: { what },
      cause,
    });
  }
}

/** Polls `check` until it returns true; an exception from `check` ends the wait at once. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 50,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new StartupTimeoutError(what, timeoutMs);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

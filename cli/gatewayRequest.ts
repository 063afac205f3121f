import { existsSync, readFileSync } from "node:fs";
import { BaseError } from "../errors/BaseError.js";
import { stackLocation } from "./stackLocation.js";
import type { RunFile } from "./upCommand.js";

/**
 * The running stack's URLs, from the run file `caldera up` keeps; a typed error when none runs (no run file, or its
 * process is gone: a stack killed without a chance to remove the file).
 */
export function runningStack(): RunFile {
  const { dataDir, runFile } = stackLocation();
  const run = existsSync(runFile) ? (JSON.parse(readFileSync(runFile, "utf8")) as RunFile) : undefined;
  if (run === undefined || !isAlive(run.pid))
    throw new BaseError(`no stack is running from ${dataDir} — start one with \`npm start\``, {
      code: "STACK_NOT_RUNNING",
    });
  return run;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One GraphQL request to the running stack's gateway, as a frontend would send it; errors become typed errors. */
export async function gatewayRequest<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { gatewayUrl } = runningStack();
  const response = await fetch(gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  }).catch((error: unknown) => {
    throw new BaseError(`the gateway at ${gatewayUrl} does not answer (${String(error)})`, {
      code: "STACK_NOT_RUNNING",
    });
  });
  const body = (await response.json()) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  const error = body.errors?.[0];
  if (error !== undefined || body.data === undefined)
    throw new BaseError(error?.message ?? `HTTP ${response.status}`, {
      code: (error?.extensions?.code as never) ?? "INTERNAL_SERVER_ERROR",
      details: { ...error?.extensions },
    });
  return body.data;
}

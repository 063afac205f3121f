import type { Address } from "viem";
import { BaseError } from "../../errors/BaseError.js";
import { canonicalJson } from "../../models/canonicalJson.js";
import type { HubServices } from "../HubServices.js";

/** What a metered invocation served and for whom. */
export type MeterInvocationOptions = {
  /** e.g. `schema:soil-moisture`, `kind:PLANTING_PLAN`. */
  scenario: string;
  /** What served it (model id and version, schema, rule); its canonical JSON is the row's `config_key`. */
  configuration?: Record<string, unknown> | undefined;
  /** The paying caller, for paid invocations. */
  caller?: Address | undefined;
  onchainInvocationId?: bigint | undefined;
  /** For a component that is not one of the hub's own (an outside data component): its on-chain id. */
  componentId?: bigint | undefined;
  details?: Record<string, unknown> | undefined;
  /** The scenario a failure asked for, when it differs (e.g. the schema extension a refused dataset needs). */
  scenarioOnError?: ((error: unknown) => string | undefined) | undefined;
  /** More details from a failure (e.g. the unknown channels of a refused dataset). */
  detailsOnError?: ((error: unknown) => Record<string, unknown> | undefined) | undefined;
};

/** How a successful invocation fared: compliance (default true) and accuracy where ground truth exists. */
export type InvocationJudgement = {
  compliant?: boolean | undefined;
  accuracy?: number | null | undefined;
  /** The scenario it actually served, when only the result tells (e.g. the schema a dataset resolved to). */
  scenario?: string | undefined;
  details?: Record<string, unknown> | undefined;
};

export type MeterInvocationReturnType<T> = T;

/**
 * Runs one use of a component and records its telemetry: latency (monotonic clock), success, the typed error code
 * of a failure, compliance and accuracy from `judge(result)`. Sync functions stay sync (a model run, a dataset
 * check), async ones are awaited. The error (or result) goes back unchanged; recording is a buffer push
 * (`createTelemetryRecorder`), never a failure of its own. Without `hub.telemetry`, or when the component has no
 * id (not deployed here), it is just `fn()`.
 */
export function meterInvocation<T>(
  hub: Pick<HubServices, "telemetry" | "components">,
  name: string,
  options: MeterInvocationOptions,
  fn: () => T,
  judge?: (result: Awaited<T>) => InvocationJudgement,
): MeterInvocationReturnType<T> {
  const telemetry = hub.telemetry;
  const componentId = options.componentId ?? (hub.components as Record<string, bigint> | undefined)?.[name];
  if (telemetry === undefined || componentId === undefined) return fn();
  const at = new Date();
  const started = performance.now();
  const configuration = options.configuration ?? {};
  const base = {
    componentId,
    component: name,
    at,
    configuration,
    configKey: configKeyOf(configuration),
    scenario: options.scenario,
    ...(options.caller === undefined ? {} : { caller: options.caller }),
    ...(options.onchainInvocationId === undefined
      ? {}
      : { onchainInvocationId: options.onchainInvocationId }),
  };
  const succeeded = (result: Awaited<T>) => {
    let judgement: InvocationJudgement = {};
    try {
      judgement = judge?.(result) ?? {};
    } catch {
      // A judge that cannot read the result says nothing about it: the invocation still counts, uncompliant.
      judgement = { compliant: false };
    }
    const details = merge(options.details, judgement.details);
    telemetry.record({
      ...base,
      latencyMs: performance.now() - started,
      success: true,
      ...(judgement.scenario === undefined ? {} : { scenario: judgement.scenario }),
      compliant: judgement.compliant ?? true,
      accuracy: judgement.accuracy ?? null,
      ...(details === undefined ? {} : { details }),
    });
    return result;
  };
  const failed = (error: unknown): never => {
    let extra: Record<string, unknown> | undefined;
    let scenario: string | undefined;
    try {
      extra = options.detailsOnError?.(error);
      scenario = options.scenarioOnError?.(error);
    } catch {
      // Describing a failure must not replace it.
    }
    const details = merge(options.details, extra);
    telemetry.record({
      ...base,
      latencyMs: performance.now() - started,
      success: false,
      ...(scenario === undefined ? {} : { scenario }),
      compliant: false,
      accuracy: null,
      ...(error instanceof BaseError ? { errorCode: error.code } : {}),
      ...(details === undefined ? {} : { details }),
    });
    throw error;
  };
  let result: T;
  try {
    result = fn();
  } catch (error) {
    return failed(error);
  }
  if (isPromiseLike(result))
    return Promise.resolve(result).then(
      (value) => succeeded(value as Awaited<T>),
      failed,
    ) as MeterInvocationReturnType<T>;
  return succeeded(result as Awaited<T>) as T;
}

/** A configuration's canonical JSON (keys sorted), so equal configurations share a key; bigints as decimals. */
export function configKeyOf(configuration: Record<string, unknown>): string {
  try {
    return canonicalJson(
      JSON.parse(JSON.stringify(configuration, (_k, v) => (typeof v === "bigint" ? v.toString() : v))),
    );
  } catch {
    return "";
  }
}

function merge(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { ...a, ...b };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}

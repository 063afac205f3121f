import { InvalidModuleError } from "./logicErrors.js";
import { LOGIC_OPERATORS, type LogicOperatorName } from "./logicOperators.js";

export const LOGIC_MODULE_FORMAT = "caldera-logic/v1";
/** Most steps one pipeline may have. */
export const MAX_PIPELINE_STEPS = 64;
/** Largest WebAssembly binary a module may carry (decoded bytes). */
export const MAX_WASM_BYTES = 1024 * 1024;

/** The hub's ceilings; a module's own `limits` may only tighten them (a wider one is INVALID_MODULE). */
export const SANDBOX_LIMITS = {
  /** Wall-clock time of one run, compile and instantiation included, in ms. */
  wallClockMs: 2_000,
  /** The module's memory's declared maximum, in 64 KiB pages (16 MiB). */
  memoryPages: 256,
  /** The JSON output, in bytes. */
  outputBytes: 1024 * 1024,
} as const;

export type SandboxLimits = { wallClockMs: number; memoryPages: number; outputBytes: number };

export type PipelineStep = {
  [K in LogicOperatorName]: { op: K; parameters: ReturnType<(typeof LOGIC_OPERATORS)[K]["parse"]> };
}[LogicOperatorName];

export type PipelineModule = { kind: "pipeline"; name: string; steps: PipelineStep[] };
export type WasmModule = {
  kind: "wasm";
  name: string;
  wasm: Uint8Array;
  entry: string;
  limits: SandboxLimits;
};
export type LogicModule = PipelineModule | WasmModule;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function only(value: Record<string, unknown>, keys: readonly string[], path: string) {
  for (const key of Object.keys(value))
    if (!keys.includes(key))
      throw new InvalidModuleError(`${path}.${key}`, "is not a field of a logic module");
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const ENTRY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks a logic module's JSON (INVALID_MODULE naming the JSON path of the first problem) and returns it parsed:
 * `{ format: "caldera-logic/v1", kind: "pipeline", name, description?, steps: [{ op, ...parameters }] }` with every
 * step's parameters validated by its operator, or `{ format, kind: "wasm", name, description?, wasm: <base64>,
 * entry?: "run", limits?: { wallClockMs, memoryPages, outputBytes } }` (the binary itself is inspected by
 * inspectWasmModule before it runs). Nothing is executed here.
 */
export function parseLogicModule(value: unknown, path = "$"): LogicModule {
  if (!isRecord(value)) throw new InvalidModuleError(path, "must be a logic module object");
  if (value.format !== LOGIC_MODULE_FORMAT)
    throw new InvalidModuleError(`${path}.format`, `must be "${LOGIC_MODULE_FORMAT}"`);
  if (typeof value.name !== "string" || !NAME.test(value.name))
    throw new InvalidModuleError(`${path}.name`, "must be 1–64 lowercase letters, digits or dashes");
  if (
    value.description !== undefined &&
    (typeof value.description !== "string" || value.description.length > 1000)
  )
    throw new InvalidModuleError(`${path}.description`, "must be a string of at most 1,000 characters");
  if (value.kind === "pipeline") {
    only(value, ["format", "kind", "name", "description", "steps"], path);
    const steps = value.steps;
    if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_PIPELINE_STEPS)
      throw new InvalidModuleError(`${path}.steps`, `must be an array of 1 to ${MAX_PIPELINE_STEPS} steps`);
    return {
      kind: "pipeline",
      name: value.name,
      steps: steps.map((step, i) => parseStep(step, `${path}.steps[${i}]`)),
    };
  }
  if (value.kind === "wasm") {
    only(value, ["format", "kind", "name", "description", "wasm", "entry", "limits"], path);
    if (typeof value.wasm !== "string" || value.wasm.length === 0 || !BASE64.test(value.wasm))
      throw new InvalidModuleError(`${path}.wasm`, "must be the module's binary in base64");
    if (value.wasm.length > Math.ceil(MAX_WASM_BYTES / 3) * 4)
      throw new InvalidModuleError(`${path}.wasm`, `is larger than ${MAX_WASM_BYTES} bytes`);
    const entry = value.entry ?? "run";
    if (typeof entry !== "string" || !ENTRY.test(entry))
      throw new InvalidModuleError(`${path}.entry`, "must name an exported function");
    return {
      kind: "wasm",
      name: value.name,
      wasm: new Uint8Array(Buffer.from(value.wasm, "base64")),
      entry,
      limits: parseLimits(value.limits, `${path}.limits`),
    };
  }
  throw new InvalidModuleError(`${path}.kind`, 'must be "pipeline" or "wasm"');
}

function parseStep(step: unknown, path: string): PipelineStep {
  if (!isRecord(step)) throw new InvalidModuleError(path, "must be a step object { op, ...parameters }");
  const op = step.op;
  if (typeof op !== "string" || !Object.hasOwn(LOGIC_OPERATORS, op))
    throw new InvalidModuleError(
      `${path}.op`,
      `is not an operator (${Object.keys(LOGIC_OPERATORS).join(", ")})`,
    );
  const operator = LOGIC_OPERATORS[op as LogicOperatorName];
  return { op, parameters: operator.parse(step, path) } as PipelineStep;
}

function parseLimits(value: unknown, path: string): SandboxLimits {
  if (value === undefined) return { ...SANDBOX_LIMITS };
  if (!isRecord(value)) throw new InvalidModuleError(path, "must be an object");
  only(value, Object.keys(SANDBOX_LIMITS), path);
  const limits: SandboxLimits = { ...SANDBOX_LIMITS };
  for (const key of Object.keys(SANDBOX_LIMITS) as (keyof SandboxLimits)[]) {
    const v = value[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > SANDBOX_LIMITS[key])
      throw new InvalidModuleError(
        `${path}.${key}`,
        `must be an integer from 1 to the hub's ${SANDBOX_LIMITS[key]}`,
      );
    limits[key] = v as number;
  }
  return limits;
}

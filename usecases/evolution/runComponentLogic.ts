import type { Address, Hex } from "viem";
import { canonicalHash } from "../../models/canonicalJson.js";
import { fromChain } from "../circulation/circulationContracts.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import {
  componentRegistryOf,
  parseComponentId,
  parseModuleHash,
  readComponent,
} from "./absorptionContracts.js";
import { createWasmSandbox, type WasmSandbox } from "./logic/createWasmSandbox.js";
import {
  AbsorptionNotApprovedError,
  InvalidModuleError,
  ModuleHashMismatchError,
} from "./logic/logicErrors.js";
import { type LogicModule, parseLogicModule } from "./logic/parseLogicModule.js";
import { runLogicModule } from "./logic/runLogicModule.js";
import { scoreAgainstTruth } from "./logic/scoreAgainstTruth.js";
import { parseTimeSeries, type TimeSeries } from "./logic/timeSeries.js";
import { meterInvocation } from "./meterInvocation.js";

export type RunComponentLogicParameters = {
  componentId: string | bigint;
  /**
   * A time series `{ slotSeconds, windowStart, points }`; it may carry `truth` (the complete series, held out) and
   * `tolerance` (absolute, per value), then the run's accuracy is scored and recorded.
   */
  input: unknown;
  /** Only these modules, in this order (each must be the component's own or node-approved); default: all of them. */
  modules?: readonly string[] | undefined;
  /** The paying caller and the on-chain invocation, when a paid invocation runs it (invokeComponent). */
  caller?: Address | undefined;
  onchainInvocationId?: bigint | undefined;
};

export type RanModule = { hash: Hex; name: string; kind: LogicModule["kind"]; role: "own" | "absorbed" };

export type RunComponentLogicReturnType = {
  componentId: bigint;
  output: TimeSeries;
  modules: RanModule[];
  /** Share of the truth's values the output has within tolerance; null without `input.truth`. */
  accuracy: number | null;
};

/** The telemetry scenario of logic runs. */
export const COMPONENT_LOGIC_SCENARIO = "logic:time-series";

let sharedSandbox: WasmSandbox | undefined;

/** A hub without its own sandbox shares one per process (its idle workers do not keep the process alive). */
function processSandbox(): WasmSandbox {
  sharedSandbox ??= createWasmSandbox();
  return sharedSandbox;
}

/**
 * Runs a component's logic on its data: its own module (the one its registration's logic hash names, if published
 * here), then every module the nodes approved it to absorb (`hasAbsorbed` on-chain), each in order on the previous
 * one's output — a pipeline in-process, a wasm module in the sandbox. A module runs only if the chain names it for
 * this component (ABSORPTION_NOT_APPROVED otherwise) and its stored content hashes to that name
 * (MODULE_HASH_MISMATCH). Metered: latency, success or error code, and accuracy against `input.truth`.
 */
export async function runComponentLogic(
  hub: HubServices,
  { componentId: idInput, input, modules: only, caller, onchainInvocationId }: RunComponentLogicParameters,
): Promise<RunComponentLogicReturnType> {
  const componentId = parseComponentId(idInput, "componentId");
  const names = Object.entries(hub.components ?? {}).find(([, id]) => id === componentId)?.[0];
  return meterInvocation(
    hub,
    names ?? `component-${componentId}`,
    {
      scenario: COMPONENT_LOGIC_SCENARIO,
      componentId,
      configuration: only === undefined ? { modules: "all" } : { modules: [...only] },
      caller,
      onchainInvocationId,
    },
    async () => {
      const { series, truth, tolerance } = parseInput(input);
      const allowed = await modulesOf(hub, componentId);
      const chosen =
        only === undefined
          ? allowed
          : only.map((value, i) => {
              const hash = parseModuleHash(value, `modules[${i}]`);
              const found = allowed.find((m) => m.hash === hash);
              if (found === undefined) throw new AbsorptionNotApprovedError(componentId, hash);
              return found;
            });
      const sandbox = () => hub.logicSandbox ?? processSandbox();
      let output = series;
      const ran: RanModule[] = [];
      for (const { hash, role } of chosen) {
        const module = await loadModule(hub, hash, role);
        if (module === undefined) continue;
        output = await runLogicModule(module, output, { sandbox });
        ran.push({ hash, name: module.name, kind: module.kind, role });
      }
      const accuracy = truth === undefined ? null : scoreAgainstTruth({ output, truth, tolerance });
      return { componentId, output, modules: ran, accuracy };
    },
    (result) => ({
      accuracy: result.accuracy,
      compliant: true,
      details: { modules: result.modules.map((m) => m.hash) },
    }),
  );
}

function parseInput(input: unknown) {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw new BadUserInputError("input", "must be a time series { slotSeconds, windowStart, points }");
  const { truth, tolerance } = input as { truth?: unknown; tolerance?: unknown };
  if (
    tolerance !== undefined &&
    (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance < 0)
  )
    throw new InvalidModuleError("$.input.tolerance", "must be a finite number ≥ 0");
  return {
    series: parseTimeSeries(input, "$.input"),
    truth: truth === undefined ? undefined : parseTimeSeries(truth, "$.input.truth"),
    tolerance: tolerance as number | undefined,
  };
}

/**
 * The modules the chain allows the component to run: the logic hash it registered with, then each module of its
 * absorption requests that `hasAbsorbed` confirms, in request order (each hash once).
 */
async function modulesOf(hub: HubServices, componentId: bigint) {
  await readComponent(hub, componentId);
  const registry = componentRegistryOf(hub);
  const contract = { address: registry.address, abi: registry.abi };
  const [registered, requested] = await Promise.all([
    fromChain(
      hub.publicClient.getContractEvents({
        ...contract,
        eventName: "ComponentRegistered",
        args: { componentId },
        fromBlock: registry.startBlock,
        strict: true,
      }),
    ),
    fromChain(
      hub.publicClient.getContractEvents({
        ...contract,
        eventName: "AbsorptionRequested",
        args: { absorberId: componentId },
        fromBlock: registry.startBlock,
        strict: true,
      }),
    ),
  ]);
  const modules: { hash: Hex; role: "own" | "absorbed" }[] = [];
  const own = registered[0]?.args.logicHash.toLowerCase() as Hex | undefined;
  if (own !== undefined) modules.push({ hash: own, role: "own" });
  for (const log of requested) {
    const hash = log.args.moduleHash.toLowerCase() as Hex;
    if (modules.some((m) => m.hash === hash)) continue;
    const absorbed = await fromChain(
      hub.publicClient.readContract({ ...contract, functionName: "hasAbsorbed", args: [componentId, hash] }),
    );
    if (absorbed) modules.push({ hash, role: "absorbed" });
  }
  return modules;
}

/**
 * The module stored under `hash`, checked to hash to it. An own logic hash with no module published here (a hub
 * component's configuration hash) runs nothing; an absorbed module must be here (INVALID_MODULE otherwise).
 */
async function loadModule(
  hub: HubServices,
  hash: Hex,
  role: "own" | "absorbed",
): Promise<LogicModule | undefined> {
  const stored = await hub.logicModules?.get(hash);
  if (stored === undefined) {
    if (role === "own") return undefined;
    throw new InvalidModuleError(
      `$.modules.${hash}`,
      "is approved for the component but not published in this hub",
    );
  }
  // The store checks too; the run must not depend on it (another store implementation, a cache).
  const got = canonicalHash(stored.module);
  if (got !== hash) throw new ModuleHashMismatchError(hash, got, `The logic module stored under ${hash}`);
  return parseLogicModule(stored.module);
}

import type { Address, Hex } from "viem";
import { canonicalHash } from "../../models/canonicalJson.js";
import { runModel } from "../../models/defineModel.js";
import { getModel } from "../../models/registry.js";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { checkEraPull } from "../circulation/checkEraPull.js";
import { eventOf, parseAccount, parseAmount, parseId } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareEraPermit } from "../circulation/prepareEraPermit.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { backtestAccuracyOf } from "../prepareDerivation.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  componentKindNames,
  componentKinds,
  componentRegistryOf,
  prepareEvolutionAction,
  readComponent,
  verifyEvolutionAction,
} from "./evolutionContracts.js";
import { parseTimeSeries } from "./logic/timeSeries.js";
import { meterInvocation } from "./meterInvocation.js";
import { runComponentLogic } from "./runComponentLogic.js";

/** The hub's model service components and the model each runs (`services/hubComponents.ts`, `models/registry.ts`). */
export const SERVICE_MODELS: Readonly<Record<string, { modelId: string; kind: string }>> = {
  "planting-model": { modelId: "planting-optimisation", kind: "PLANTING_PLAN" },
  "market-model": { modelId: "market-forecast", kind: "MARKET_FORECAST" },
  "fault-model": { modelId: "fault-warning", kind: "FAULT_WARNING_MODEL" },
};

export type InvokeComponentInput = {
  caller: Address | string;
  component: bigint | string;
  /** The most ERA wei the caller pays; a price raised above it is PRICE_CHANGED. */
  maxPrice: bigint | string;
  /** What the component runs on (a model's input); the signed requestHash is `canonicalHash(input)`. */
  input: unknown;
};

/** How the hub serves a component: the model of one of its own services, or a data component's logic modules. */
type Runner = { type: "model"; name: string; modelId: string; kind: string } | { type: "logic" };

function checkInput(input: InvokeComponentInput) {
  const caller = parseAccount(input.caller, "caller");
  const componentId = parseId(input.component, "component");
  const maxPrice = parseAmount(input.maxPrice, "maxPrice", { zero: true });
  if (input.input === null || typeof input.input !== "object" || Array.isArray(input.input))
    throw new BadUserInputError("input", "must be a JSON object (the component's input)");
  let requestHash: Hex;
  try {
    requestHash = canonicalHash(input.input);
  } catch {
    throw new BadUserInputError("input", "must be JSON with finite numbers only (it is hashed canonically)");
  }
  return { caller, componentId, maxPrice, requestHash, input: input.input };
}

/**
 * Everything that can refuse an invocation before anything is signed over or sent: the component exists
 * (UNKNOWN_COMPONENT), its price is within `maxPrice` (PRICE_CHANGED), the hub can run it — a data component (its
 * logic modules, `runComponentLogic`) or one of the hub's own model services (BAD_USER_INPUT otherwise) — and the
 * input is valid for it: a time series for a data component (INVALID_MODULE naming the field), the model's input
 * for a service (MODEL_INPUT_INVALID, by running the model once: pure and milliseconds, so a malformed input costs
 * the caller nothing).
 */
async function prepareInvocation(hub: HubServices, content: ReturnType<typeof checkInput>) {
  const component = await readComponent(hub, content.componentId);
  if (component.price > content.maxPrice)
    throw circulationError(
      "PRICE_CHANGED",
      `Component ${content.componentId} costs ${component.price} ERA wei per invocation, above the ${content.maxPrice} signed for`,
      { componentId: content.componentId, price: component.price, maxPrice: content.maxPrice },
    );
  const runner = runnerOf(hub, content.componentId, component.kind);
  if (runner.type === "model") runModel(getModel(runner.modelId), content.input);
  else parseTimeSeries(content.input, "$.input");
  return { component, runner };
}

function runnerOf(hub: HubServices, componentId: bigint, kind: number): Runner {
  if (kind === componentKinds.DATA) return { type: "logic" };
  const name = Object.entries(hub.components ?? {}).find(([, id]) => id === componentId)?.[0];
  const service = name === undefined ? undefined : SERVICE_MODELS[name];
  if (name === undefined || service === undefined)
    // Compute and rules components serve the hub's own certifications and derivations, not outside calls; a service
    // the hub has no model for cannot run here.
    throw new BadUserInputError(
      "component",
      `component ${componentId} (${componentKindNames[kind] ?? kind}) is neither a data component nor one of this hub's model services (${Object.keys(SERVICE_MODELS).join(", ")}); only those are invocable here`,
    );
  return { type: "model", name, ...service };
}

/**
 * The InvokeComponent typed data the caller signs (its next registry nonce, requestHash = canonicalHash(input)) and
 * an EraToken permit to the registry for the current price with the same deadline. Nothing is sent.
 */
export async function prepareInvokeComponent(
  input: InvokeComponentInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  const { component } = await prepareInvocation(hub, content);
  const prepared = await prepareEvolutionAction({
    hub,
    action: "InvokeComponent",
    signer: content.caller,
    content: {
      caller: content.caller,
      componentId: content.componentId,
      maxPrice: content.maxPrice,
      requestHash: content.requestHash,
    },
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: content.caller,
    spender: componentRegistryOf(hub).address,
    value: component.price,
    deadline: prepared.deadline,
  });
  return { ...prepared, requestHash: content.requestHash, price: component.price, permitTypedData };
}

export type InvokeComponentParameters = InvokeComponentInput & {
  authorization: SignedAuthorization;
  /** The caller's signature over the permit typed data (value: the price); absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type InvokeComponentReturnType = {
  /** The on-chain invocation id (`ComponentInvoked`); the telemetry row carries it as `onchain_invocation_id`. */
  invocationId: string;
  componentId: string;
  caller: Address;
  requestHash: Hex;
  fee: bigint;
  toPool: bigint;
  toProvider: bigint;
  /** What the component returned. */
  output: unknown;
  latencyMs: number;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * A paid invocation by an outside caller: validate (UNKNOWN_COMPONENT, PRICE_CHANGED, BAD_USER_INPUT,
 * MODEL_INPUT_INVALID, INVALID_MODULE), verify the caller's signature (NOT_AUTHORIZED) and its ERA for the price
 * (INSUFFICIENT_FUNDS) — all before sending — then `ComponentRegistry.invokeComponent` (the registry pays the pool
 * its share and the provider the rest), wait until indexed, and run the component: a model service on `input`, or a
 * data component's logic modules on the time series (`runComponentLogic`: its own module, then the absorbed ones) —
 * metered with the on-chain invocation id and the caller. A module refused after payment (ABSORPTION_NOT_APPROVED,
 * MODULE_HASH_MISMATCH, SANDBOX_LIMIT_EXCEEDED) is recorded as a failed paid invocation and comes back typed.
 */
export async function invokeComponent(
  { authorization, permit, ...input }: InvokeComponentParameters,
  hub: HubServices,
): Promise<InvokeComponentReturnType> {
  const content = checkInput(input);
  const { component, runner } = await prepareInvocation(hub, content);
  const registry = componentRegistryOf(hub);
  const { request, now } = await verifyEvolutionAction({
    hub,
    action: "InvokeComponent",
    signer: content.caller,
    content: {
      caller: content.caller,
      componentId: content.componentId,
      maxPrice: content.maxPrice,
      requestHash: content.requestHash,
    },
    authorization,
    what: `invoking component ${content.componentId}`,
  });
  // The registry pulls the current price (a zero price moves nothing and uses no permit).
  const contractPermit = await checkEraPull({
    hub,
    owner: content.caller,
    spender: registry.address,
    amount: component.price,
    permit: component.price === 0n ? undefined : permit,
    permitValue: component.price,
    now,
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The invocation of component ${content.componentId}`,
    call: {
      ...registry,
      functionName: "invokeComponent",
      args: [
        content.caller,
        content.componentId,
        content.maxPrice,
        content.requestHash,
        request.deadline,
        authorization.signature,
        contractPermit,
      ],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "ComponentInvoked");
  const started = performance.now();
  const output =
    runner.type === "logic"
      ? await runLogic(hub, content, args.invocationId)
      : runService(hub, runner, content, args.invocationId);
  return {
    invocationId: args.invocationId.toString(),
    componentId: content.componentId.toString(),
    caller: content.caller,
    requestHash: content.requestHash,
    fee: args.fee,
    toPool: args.toPool,
    toProvider: args.toProvider,
    output,
    latencyMs: performance.now() - started,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}

/** A model service on the input, metered with the caller and the on-chain invocation id. */
function runService(
  hub: HubServices,
  runner: Extract<Runner, { type: "model" }>,
  content: ReturnType<typeof checkInput>,
  invocationId: bigint,
): unknown {
  const model = getModel(runner.modelId);
  return meterInvocation(
    hub,
    runner.name,
    {
      // The same scenario as the hub's own derivations of this kind (prepareDerivation).
      scenario: `kind:${runner.kind}`,
      configuration: { model: model.id, versionHash: model.versionHash },
      caller: content.caller,
      onchainInvocationId: invocationId,
    },
    () => runModel(model, content.input),
    ({ output }) => ({ accuracy: backtestAccuracyOf(output) }),
  ).output;
}

/** A data component's logic modules (its own and the absorbed ones), metered by `runComponentLogic` itself. */
async function runLogic(
  hub: HubServices,
  content: ReturnType<typeof checkInput>,
  invocationId: bigint,
): Promise<unknown> {
  const result = await runComponentLogic(hub, {
    componentId: content.componentId,
    input: content.input,
    caller: content.caller,
    onchainInvocationId: invocationId,
  });
  return { series: result.output, modules: result.modules, accuracy: result.accuracy };
}

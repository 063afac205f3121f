import type { Address, Hex } from "viem";
import { BaseError } from "../../errors/BaseError.js";
import {
  FAULT_FEATURES,
  type FaultModelModule,
  predictFaultRisk,
} from "../../models/fault/faultModelRuntime.js";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { checkFaultReadings, type FaultReadingInput } from "./checkFaultReadings.js";
import { checkUsage } from "./checkUsage.js";
import { eventOf, marketOf, parseAccount, parseId } from "./circulationContracts.js";
import { faultInvocationHashes } from "./faultInvocationHashes.js";
import { prepareSignedAction } from "./prepareSignedAction.js";
import { verifySignedAction } from "./verifySignedAction.js";

export type InvokeFaultModelInput = {
  derivative: string | bigint;
  enterprise: Address | string;
  /** One window of equipment temperatures, in time order (`at`: unix seconds). */
  readings: readonly FaultReadingInput[];
};

const isNumberList = (value: unknown, length: number) =>
  Array.isArray(value) &&
  value.length === length &&
  value.every((v) => typeof v === "number" && Number.isFinite(v));

/**
 * The exported module of a fault-warning derivative, from the derivation record this hub kept when it derived it
 * (content-addressed by the derivative's output hash). MODEL_NOT_FOUND when this hub did not derive it.
 */
async function faultModuleOf(
  hub: HubServices,
  derivativeId: bigint,
  outputHash: Hex,
): Promise<FaultModelModule> {
  const record = await hub.derivations.get(outputHash);
  const module = (record?.output as { module?: Partial<FaultModelModule> } | undefined)?.module;
  const k = FAULT_FEATURES.length;
  if (
    module?.format !== "caldera-fault-model/1" ||
    !isNumberList(module.weights, k) ||
    !isNumberList(module.standardisation?.mean, k) ||
    !isNumberList(module.standardisation?.sd, k) ||
    typeof module.bias !== "number" ||
    typeof module.threshold !== "number" ||
    !(Number(module.windowSeconds) > 0) ||
    !(Number(module.intervalSeconds) > 0)
  )
    throw new BaseError(
      `This hub holds no exported fault-warning module for derivative ${derivativeId} (it was derived elsewhere, or its record is missing)`,
      { code: "MODEL_NOT_FOUND", details: { derivativeId: derivativeId.toString(), outputHash } },
    );
  return module as FaultModelModule;
}

/** Input, usage (kind 3, licensed) and the module, in the order that costs least when something is wrong. */
async function prepareRun(input: InvokeFaultModelInput, hub: HubServices) {
  const derivativeId = parseId(input.derivative, "derivative");
  const enterprise = parseAccount(input.enterprise, "enterprise");
  checkFaultReadings(input.readings);
  const derivative = await checkUsage({ hub, derivativeId, account: enterprise, usage: "invocation" });
  const module = await faultModuleOf(hub, derivativeId, derivative.outputHash);
  const readings = checkFaultReadings(input.readings, { windowSeconds: module.windowSeconds });
  const { inputHash } = faultInvocationHashes({ readings });
  return { content: { derivativeId, enterprise, inputHash }, module, readings };
}

/**
 * The Invocation typed data the enterprise signs — over the hash of its readings (`faultInvocationHashes`), with its
 * next market nonce — after the checks the market will make (UNKNOWN_DERIVATIVE, WRONG_USAGE_KIND,
 * LICENCE_REQUIRED) and the readings' (BAD_USER_INPUT). Nothing is run or sent.
 */
export async function prepareInvokeFaultModel(
  input: InvokeFaultModelInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content } = await prepareRun(input, hub);
  const prepared = await prepareSignedAction({
    hub,
    action: "Invocation",
    signer: content.enterprise,
    content,
    deadline,
  });
  return { ...prepared, inputHash: content.inputHash };
}

export type InvokeFaultModelParameters = InvokeFaultModelInput & { authorization: SignedAuthorization };

export type InvokeFaultModelReturnType = {
  derivativeId: string;
  enterprise: Address;
  /** P(fault within the model's horizon after the window). */
  probability: number;
  /** Whether it crosses the module's warning threshold. */
  warning: boolean;
  inputHash: Hex;
  resultHash: Hex;
  licenceId: string;
  /** Whether it counts toward the enterprises' reward threshold (an admitted enterprise's first invocation). */
  counted: boolean;
  countedEnterprises: number;
  transactionHash: Hex;
  /** The InvocationRecorded log's index in its block: with the transaction hash, the invocation's identity. */
  logIndex: number;
  gasUsed: bigint;
};

/**
 * Runs a fault-warning derivative for a licensed enterprise: checks the readings, the derivative and the licence,
 * the enterprise's signature over its readings' hash (NOT_AUTHORIZED), runs the derivative's exported module on
 * them (`predictFaultRisk`: a dot product, cheap enough to run inline), records the invocation with the result's
 * hash, and returns the prediction once indexed.
 */
export async function invokeFaultModel(
  { authorization, ...input }: InvokeFaultModelParameters,
  hub: HubServices,
): Promise<InvokeFaultModelReturnType> {
  const { content, module, readings } = await prepareRun(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "Invocation",
    signer: content.enterprise,
    content,
    authorization,
    what: `the invocation of derivative ${content.derivativeId} on these readings`,
  });
  const result = predictFaultRisk(module, readings);
  const { resultHash } = faultInvocationHashes({ readings, result }) as { resultHash: Hex };
  const market = marketOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The invocation of derivative ${content.derivativeId} by ${content.enterprise}`,
    call: {
      ...market,
      functionName: "recordInvocation",
      args: [request, resultHash, authorization.signature],
    },
  });
  const recorded = eventOf(receipt, market.abi, "InvocationRecorded");
  return {
    derivativeId: content.derivativeId.toString(),
    enterprise: content.enterprise,
    probability: result.probability,
    warning: result.warning,
    inputHash: content.inputHash,
    resultHash,
    licenceId: recorded.args.licenceId.toString(),
    counted: recorded.args.counted,
    countedEnterprises: Number(recorded.args.countedEnterprises),
    transactionHash: receipt.transactionHash,
    logIndex: recorded.logIndex,
    gasUsed: receipt.gasUsed,
  };
}

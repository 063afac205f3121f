import {
  type Abi,
  type Address,
  type ContractEventName,
  getAddress,
  isAddress,
  parseEventLogs,
  type TransactionReceipt,
} from "viem";
import {
  creditVaultAbi,
  derivationRulesAbi,
  derivativeMarketAbi,
  derivativeRegistryAbi,
  eraTokenAbi,
} from "../../contracts/generated/abis.js";
import { BaseError } from "../../errors/BaseError.js";
import { BadUserInputError } from "../errors.js";
import { fromChainError } from "../fromChainError.js";
import type { HubServices } from "../HubServices.js";
import { circulationError } from "./circulationErrors.js";
import { type SignedActionName, signedActions } from "./signedActionTypedData.js";

/**
 * `abi` plus the custom errors of the contracts it calls, so that a revert bubbling up from ERA
 * (ERC20InsufficientBalance, …) or the registry (UnknownDerivative, …) decodes by name in the simulation and gets
 * its code (`fromChainError`).
 */
export function withErrorsOf<T extends Abi>(abi: T, ...called: Abi[]): T {
  const own = new Set(abi.flatMap((item) => (item.type === "error" ? [item.name] : [])));
  const extra: Abi[number][] = [];
  for (const item of called.flat())
    if (item.type === "error" && !own.has(item.name)) {
      own.add(item.name);
      extra.push(item);
    }
  return [...abi, ...extra] as unknown as T;
}

const marketAbi = withErrorsOf(derivativeMarketAbi, eraTokenAbi, derivativeRegistryAbi, creditVaultAbi);
const vaultAbi = withErrorsOf(creditVaultAbi, eraTokenAbi, derivativeRegistryAbi, derivationRulesAbi);

function deployed(hub: Pick<HubServices, "deployment">, name: "DerivativeMarket" | "CreditVault"): Address {
  const contract = hub.deployment.contracts[name];
  if (contract === undefined)
    throw new BaseError(
      `This hub's chain has no ${name}: ERA circulation is deployed with the derivative registry (\`caldera up\` with derivations)`,
      { code: "CHAIN_REJECTED", details: { contract: name } },
    );
  return contract.address;
}

export function marketOf(hub: Pick<HubServices, "deployment">) {
  return { address: deployed(hub, "DerivativeMarket"), abi: marketAbi } as const;
}

export function vaultOf(hub: Pick<HubServices, "deployment">) {
  return { address: deployed(hub, "CreditVault"), abi: vaultAbi } as const;
}

export function eraOf(hub: Pick<HubServices, "deployment">) {
  return { address: hub.deployment.contracts.EraToken.address, abi: eraTokenAbi } as const;
}

export function derivativeRegistryOf(hub: Pick<HubServices, "deployment">) {
  const contract = hub.deployment.contracts.DerivativeRegistry;
  if (contract === undefined)
    throw new BaseError("This hub's chain has no DerivativeRegistry", {
      code: "CHAIN_REJECTED",
      details: { contract: "DerivativeRegistry" },
    });
  return { address: contract.address, abi: withErrorsOf(derivativeRegistryAbi) } as const;
}

/** Chain reads whose failure is the chain's (unreachable, reverted by a custom error), typed as such. */
export function fromChain<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((error: unknown) => {
    throw fromChainError(error);
  });
}

const MAX_UINT256 = 2n ** 256n - 1n;

/** An id of a derivative, credit line or licence: a positive decimal integer (ids start at 1). */
export function parseId(value: unknown, field: string): bigint {
  const text = typeof value === "bigint" ? value.toString() : String(value ?? "");
  if (!/^\d{1,78}$/.test(text) || BigInt(text) === 0n || BigInt(text) > MAX_UINT256)
    throw new BadUserInputError(field, "must be a positive decimal integer id");
  return BigInt(text);
}

/** An amount of ERA wei (or of pool shares): a decimal integer within uint256, above zero unless `zero` is allowed. */
export function parseAmount(value: unknown, field: string, { zero = false } = {}): bigint {
  const text = typeof value === "bigint" ? value.toString() : String(value ?? "");
  if (!/^\d{1,78}$/.test(text) || BigInt(text) > MAX_UINT256)
    throw new BadUserInputError(field, "must be a non-negative decimal integer (wei) within uint256");
  const amount = BigInt(text);
  if (amount === 0n && !zero) throw new BadUserInputError(field, "must be above zero");
  return amount;
}

export function parseAccount(value: unknown, field: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false }))
    throw new BadUserInputError(field, "must be an address (0x and 40 hex digits)");
  const address = getAddress(value);
  if (BigInt(address) === 0n) throw new BadUserInputError(field, "must not be the zero address");
  return address;
}

/** Derivative kinds (IDerivationRules): 1 planting plan and 2 market forecast are adopted, 3 fault-warning model invoked. */
export const KIND_PLANTING_PLAN = 1;
export const KIND_MARKET_FORECAST = 2;
export const KIND_FAULT_WARNING_MODEL = 3;

/** The market's or the vault's address and ABI, by the contract a signed action belongs to. */
export function signedActionContractOf(hub: Pick<HubServices, "deployment">, action: SignedActionName) {
  return signedActions[action].contract === "DerivativeMarket" ? marketOf(hub) : vaultOf(hub);
}

/** A derivative as the registry records it; UNKNOWN_DERIVATIVE when there is none. */
export async function readDerivative(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  derivativeId: bigint,
) {
  const registry = derivativeRegistryOf(hub);
  const count = await fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "derivativeCount" }),
  );
  if (derivativeId > count)
    throw circulationError("UNKNOWN_DERIVATIVE", `There is no derivative ${derivativeId}`, {
      derivativeId,
    });
  return fromChain(
    hub.publicClient.readContract({ ...registry, functionName: "derivative", args: [derivativeId] }),
  );
}

/** ICreditVault.LineStatus, by value. */
export const lineStatusNames = ["NONE", "OPEN", "CLOSED", "DEFAULTED"] as const;

/** A credit line that exists (UNKNOWN_CREDIT_LINE otherwise) and, unless `anyStatus`, is open (CREDIT_LINE_NOT_OPEN). */
export async function readCreditLine(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  lineId: bigint,
  { anyStatus = false } = {},
) {
  const line = await fromChain(
    hub.publicClient.readContract({ ...vaultOf(hub), functionName: "creditLine", args: [lineId] }),
  );
  if (line.status === 0)
    throw circulationError("UNKNOWN_CREDIT_LINE", `There is no credit line ${lineId}`, { lineId });
  if (!anyStatus && line.status !== 1)
    throw circulationError(
      "CREDIT_LINE_NOT_OPEN",
      `Credit line ${lineId} is ${lineStatusNames[line.status]?.toLowerCase()}, not open`,
      { lineId, status: lineStatusNames[line.status] },
    );
  return line;
}

/** The first `eventName` log of `abi` in the receipt; a success without it is a bug of ours or of the contract. */
export function eventOf<const abi extends Abi, eventName extends ContractEventName<abi>>(
  receipt: TransactionReceipt,
  abi: abi,
  eventName: eventName,
) {
  const [log] = parseEventLogs({ abi, eventName, logs: receipt.logs });
  if (log === undefined) throw new Error(`transaction ${receipt.transactionHash} emitted no ${eventName}`);
  return log;
}

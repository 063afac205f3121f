import type { Address, Hex } from "viem";
import { DEFAULT_SIGNATURE_TTL_SECONDS, type SignedAuthorization } from "../certificationTypedData.js";
import { checkEraPull } from "../circulation/checkEraPull.js";
import { eventOf, fromChain } from "../circulation/circulationContracts.js";
import { prepareEraPermit } from "../circulation/prepareEraPermit.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { chainNow, verifySignedAuthorization } from "../verifySignedAuthorization.js";
import {
  componentRegistryOf,
  parseComponentId,
  parseModuleHash,
  readComponent,
} from "./absorptionContracts.js";
import { evolutionActionTypedData } from "./evolutionSignedActions.js";
import { ModuleHashMismatchError } from "./logic/logicErrors.js";

export type RequestAbsorptionInput = {
  /** The component that takes the module in (its provider pays the compensation). */
  absorber: string | bigint;
  /** The component whose current logic module it takes (its provider is paid on approval). */
  source: string | bigint;
  /** The source's current logic hash: the module's content hash. */
  moduleHash: string;
};

/**
 * What both providers sign over, checked as the registry will: both components exist (UNKNOWN_COMPONENT), they
 * differ (BAD_USER_INPUT), `moduleHash` is the source's current logic hash (MODULE_HASH_MISMATCH), and — when this
 * hub keeps logic modules — the module is published here and its bytes hash to it, so the absorber can run it.
 */
async function checkRequest(input: RequestAbsorptionInput, hub: HubServices) {
  const absorberId = parseComponentId(input.absorber, "absorber");
  const sourceId = parseComponentId(input.source, "source");
  const moduleHash = parseModuleHash(input.moduleHash, "moduleHash");
  if (absorberId === sourceId)
    throw new BadUserInputError("source", "must be another component than the absorber");
  const [absorber, source] = await Promise.all([
    readComponent(hub, absorberId),
    readComponent(hub, sourceId),
  ]);
  if (source.logicHash.toLowerCase() !== moduleHash)
    throw new ModuleHashMismatchError(
      source.logicHash,
      moduleHash,
      `Component ${sourceId}'s logic is not module ${moduleHash}`,
    );
  if (hub.logicModules !== undefined && (await hub.logicModules.get(moduleHash)) === undefined)
    throw new BadUserInputError(
      "moduleHash",
      "names no logic module published in this hub (publishLogicModule it first, so the absorber can run it)",
    );
  const registry = componentRegistryOf(hub);
  const [compensation, absorberNonce, sourceNonce] = await Promise.all([
    fromChain(hub.publicClient.readContract({ ...registry, functionName: "absorptionCompensation" })),
    fromChain(
      hub.publicClient.readContract({ ...registry, functionName: "nonces", args: [absorber.provider] }),
    ),
    fromChain(
      hub.publicClient.readContract({ ...registry, functionName: "nonces", args: [source.provider] }),
    ),
  ]);
  return {
    absorberId,
    sourceId,
    moduleHash,
    compensation,
    absorberProvider: absorber.provider,
    sourceProvider: source.provider,
    absorberNonce,
    // The registry checks the absorber's signature first and uses its nonce: one provider of both signs twice in a row.
    sourceNonce: source.provider === absorber.provider ? absorberNonce + 1n : sourceNonce,
  };
}

type Checked = Awaited<ReturnType<typeof checkRequest>>;

function typedDataFor(hub: HubServices, checked: Checked, signer: Address, nonce: bigint, deadline: bigint) {
  return evolutionActionTypedData({
    chainId: hub.deployment.chainId,
    verifyingContract: componentRegistryOf(hub).address,
    action: "RequestAbsorption",
    message: {
      absorberId: checked.absorberId,
      sourceId: checked.sourceId,
      moduleHash: checked.moduleHash,
      compensation: checked.compensation,
      signer,
      nonce,
      deadline,
    },
  });
}

/**
 * The RequestAbsorption typed data each provider signs (the absorber's and the source's, each at its next registry
 * nonce, one deadline) and the EraToken permit of the compensation the absorber's provider signs so the registry can
 * escrow it. Nothing is sent.
 */
export async function prepareRequestAbsorption(
  input: RequestAbsorptionInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const checked = await checkRequest(input, hub);
  const now = await chainNow(hub);
  if (deadline !== undefined && deadline <= now)
    throw new BadUserInputError("deadline", "must be in the future (the chain's clock)");
  const until = deadline ?? now + BigInt(DEFAULT_SIGNATURE_TTL_SECONDS);
  return {
    absorberTypedData: typedDataFor(hub, checked, checked.absorberProvider, checked.absorberNonce, until),
    sourceTypedData: typedDataFor(hub, checked, checked.sourceProvider, checked.sourceNonce, until),
    permitTypedData: await prepareEraPermit({
      hub,
      owner: checked.absorberProvider,
      spender: componentRegistryOf(hub).address,
      value: checked.compensation,
      deadline: until,
    }),
    deadline: until,
    compensation: checked.compensation,
    absorberProvider: checked.absorberProvider,
    sourceProvider: checked.sourceProvider,
  };
}

export type RequestAbsorptionParameters = RequestAbsorptionInput & {
  absorberAuthorization: SignedAuthorization;
  sourceAuthorization: SignedAuthorization;
  /** The absorber's provider's signature over the permit typed data; absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type RequestAbsorptionReturnType = {
  absorptionId: bigint;
  absorberId: bigint;
  sourceId: bigint;
  moduleHash: Hex;
  /** ERA wei escrowed from the absorber's provider, paid to the source's on approval. */
  compensation: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Requests an absorption on both providers' signatures. Before anything is sent: the checks above, one deadline for
 * both (BAD_USER_INPUT), each signature its provider's at its nonce (NOT_AUTHORIZED with `reason`), the absorber's
 * provider's permit or allowance and balance for the compensation (INSUFFICIENT_FUNDS). Returns once indexed.
 */
export async function requestAbsorption(
  { absorberAuthorization, sourceAuthorization, permit, ...input }: RequestAbsorptionParameters,
  hub: HubServices,
): Promise<RequestAbsorptionReturnType> {
  const checked = await checkRequest(input, hub);
  const deadline = absorberAuthorization?.deadline;
  if (deadline === undefined || sourceAuthorization?.deadline !== deadline)
    throw new BadUserInputError(
      "sourceAuthorization.deadline",
      "must be the absorber's deadline: both providers sign the one request typed data",
    );
  const now = await chainNow(hub);
  const what = `the absorption of module ${checked.moduleHash} by component ${checked.absorberId}`;
  await verifySignedAuthorization({
    hub,
    signer: checked.absorberProvider,
    authorization: absorberAuthorization,
    nonce: checked.absorberNonce,
    now,
    typedDataFor: (nonce) => typedDataFor(hub, checked, checked.absorberProvider, nonce, deadline) as never,
    what: `${what} (absorber's provider)`,
  });
  await verifySignedAuthorization({
    hub,
    signer: checked.sourceProvider,
    authorization: sourceAuthorization,
    nonce: checked.sourceNonce,
    now,
    typedDataFor: (nonce) => typedDataFor(hub, checked, checked.sourceProvider, nonce, deadline) as never,
    what: `${what} (source's provider)`,
  });
  const registry = componentRegistryOf(hub);
  const contractPermit = await checkEraPull({
    hub,
    owner: checked.absorberProvider,
    spender: registry.address,
    amount: checked.compensation,
    permit,
    permitValue: checked.compensation,
    now,
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The absorption request of component ${checked.absorberId}`,
    call: {
      address: registry.address,
      abi: registry.abi,
      functionName: "requestAbsorption",
      args: [
        checked.absorberId,
        checked.sourceId,
        checked.moduleHash,
        deadline,
        absorberAuthorization.signature,
        sourceAuthorization.signature,
        contractPermit,
      ],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "AbsorptionRequested");
  return {
    absorptionId: args.absorptionId,
    absorberId: args.absorberId,
    sourceId: args.sourceId,
    moduleHash: args.moduleHash,
    compensation: args.compensation,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}

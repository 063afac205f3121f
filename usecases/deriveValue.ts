import { type Hex, parseEventLogs, type TypedDataDefinition } from "viem";
import { derivativeRegistryAbi } from "../contracts/generated/abis.js";
import type { SolidityGroth16Proof } from "../prover/toSolidityProof.js";
import { assertIndexerLive } from "./assertIndexerLive.js";
import type { HubServices } from "./HubServices.js";
import {
  derivationTypedData,
  type PrepareDerivationParameters,
  prepareDerivation,
} from "./prepareDerivation.js";
import { sendAndWaitIndexed } from "./sendAndWaitIndexed.js";
import { chainNow, verifySignedAuthorization } from "./verifySignedAuthorization.js";

export type DeriveValueParameters = Omit<PrepareDerivationParameters, "nonce" | "deadline"> & {
  /** The provider's EIP-712 signature over the request `deriveValueTypedData` returned, and that request's deadline. */
  authorization: { signature: Hex; deadline: bigint };
};

export type DeriveValueReturnType = {
  derivativeId: string;
  outputHash: Hex;
  output: unknown;
  transactionHash: Hex;
  gasUsed: bigint;
  proveMs: number;
};

/** Gas for `derive`: ~280k of bookkeeping plus ~225k per binding-proof verification. */
const deriveGas = (cores: number) => 400_000n + 260_000n * BigInt(cores);

/**
 * Derives value from core certificates: re-checks everything `prepareDerivation` checks, verifies the provider's
 * signature (and that its nonce is the next one and its deadline ahead) before proving anything, proves per core
 * that the model's features come from the certified data, sends `DerivativeRegistry.derive`, waits for the
 * indexer, and keeps the features, parameters and output so anyone can re-run the model.
 */
export async function deriveValue(
  { authorization, ...input }: DeriveValueParameters,
  hub: HubServices,
): Promise<DeriveValueReturnType> {
  const prepared = await prepareDerivation(
    // The request is rebuilt with the provider's current nonce: a signature over a used nonce no longer matches.
    { ...input, deadline: authorization.deadline },
    hub,
  );
  const { request } = prepared;
  const registry = hub.deployment.contracts.DerivativeRegistry?.address as `0x${string}`;
  await verifySignedAuthorization({
    hub,
    signer: request.provider,
    authorization,
    nonce: request.nonce,
    now: await chainNow(hub),
    typedDataFor: (nonce) =>
      derivationTypedData({
        chainId: hub.deployment.chainId,
        verifyingContract: registry,
        request: { ...request, nonce },
      }) as unknown as TypedDataDefinition,
    what: "this derivation request",
  });
  await assertIndexerLive(hub);

  const started = performance.now();
  // One binding proof per certificate, all in the prover's worker pool at once (in parallel when it has the
  // workers); a full queue is BUSY before any transaction.
  const proofs: SolidityGroth16Proof[] = await Promise.all(
    prepared.cores.map(async (core, i) => {
      const coreId = request.coreIds[i] as bigint;
      const bindingHash = await hub.publicClient.readContract({
        address: registry,
        abi: derivativeRegistryAbi,
        functionName: "bindingHash",
        args: [
          request.provider,
          request.ruleId,
          coreId,
          request.modelId,
          request.modelVersionHash,
          request.outputHash,
        ],
      });
      const { proof } = await hub.prover.proveDerivationBinding({
        prepared: core.prepared,
        channelMask: request.channelMask,
        bindingHash,
      });
      return proof;
    }),
  );
  const proveMs = performance.now() - started;

  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: "The derivative",
    call: {
      address: registry,
      abi: derivativeRegistryAbi,
      functionName: "derive",
      args: [
        { ...request, coreIds: [...request.coreIds], featureCommitments: [...request.featureCommitments] },
        proofs.map((p) => ({ a: p.a, b: p.b, c: p.c })),
        authorization.signature,
      ],
      gas: deriveGas(request.coreIds.length),
    },
    // Kept once minted (not before: a refused derivation leaves nothing behind), so anyone can re-run it.
    onMined: () =>
      hub.derivations.put({
        outputHash: request.outputHash,
        kind: input.kind,
        modelId: prepared.model.id,
        modelVersionHash: prepared.model.versionHash,
        parameters: input.parameters,
        features: prepared.cores.map((c) => c.features),
        featureCommitments: request.featureCommitments,
        proofs: proofs.map((p) => ({
          a: p.a.map(String),
          b: p.b.map((row) => row.map(String)),
          c: p.c.map(String),
        })),
        output: prepared.model.output,
      }),
  });
  const [minted] = parseEventLogs({
    abi: derivativeRegistryAbi,
    eventName: "DerivativeMinted",
    logs: receipt.logs,
  });
  if (minted === undefined)
    throw new Error(`derive transaction ${receipt.transactionHash} emitted no DerivativeMinted`);
  return {
    derivativeId: minted.args.derivativeId.toString(),
    outputHash: request.outputHash,
    output: prepared.model.output,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
    proveMs: Math.round(proveMs),
  };
}

import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, fromChain, parseAccount, parseAmount } from "../circulation/circulationContracts.js";
import { circulationError } from "../circulation/circulationErrors.js";
import { prepareEraPermit } from "../circulation/prepareEraPermit.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { relayEraPull } from "../circulation/relayEraPull.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  assertNotFrozen,
  marginVaultOf,
  parseBytes32,
  parseEcosystemId,
  readEcosystem,
  readMargin,
} from "./riskContracts.js";

export type FileFreezeInput = {
  provider: Address | string;
  /** The applicant ecosystem (id); its operator signs and pays the deposit. */
  ecosystem: string | number;
  /** The compensation claimed, ERA wei: at most this is seized if the case is upheld. */
  claimAmount: bigint | string;
  /** keccak256 (or any 32-byte commitment) of the evidence the ecosystem holds. */
  evidenceHash: Hex | string;
};

/**
 * The input, and what the vault will check before a case opens: the ecosystem exists and is active
 * (UNKNOWN_ECOSYSTEM, ECOSYSTEM_NOT_ACTIVE), its operator is not the provider (NOT_AUTHORIZED), the margin is not
 * already frozen (MARGIN_FROZEN: one open case per margin) and holds something (NO_MARGIN). Returns the content,
 * the operator (the signer) and the deposit it pays.
 */
async function checkFreeze(input: FileFreezeInput, hub: HubServices) {
  const content = {
    provider: parseAccount(input.provider, "provider"),
    ecosystemId: parseEcosystemId(input.ecosystem, "ecosystem"),
    claimAmount: parseAmount(input.claimAmount, "claimAmount"),
    evidenceHash: parseBytes32(input.evidenceHash, "evidenceHash"),
  };
  const vault = marginVaultOf(hub);
  const [ecosystem, margin, deposit] = await Promise.all([
    readEcosystem(hub, content.ecosystemId),
    readMargin(hub, content.provider),
    fromChain(hub.publicClient.readContract({ ...vault, functionName: "freezeDeposit" })),
  ]);
  if (ecosystem.operator.toLowerCase() === content.provider.toLowerCase())
    throw circulationError(
      "NOT_AUTHORIZED",
      `${content.provider} operates ecosystem ${content.ecosystemId}: it cannot freeze its own margin`,
      {
        reason: "selfFreeze",
        provider: content.provider,
      },
    );
  assertNotFrozen(content.provider, margin, "second case");
  if (margin.locked + margin.queued === 0n)
    throw circulationError(
      "NO_MARGIN",
      `${content.provider} has no margin locked or queued: there is nothing to freeze`,
      {
        provider: content.provider,
      },
    );
  return { content, operator: ecosystem.operator, deposit };
}

/**
 * The FileFreeze typed data the ecosystem's operator signs (its next vault nonce) and an EraToken permit to the
 * vault for the freeze deposit with the same deadline, after the checks. Nothing is sent.
 */
export async function prepareFileFreeze(
  input: FileFreezeInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const { content, operator, deposit } = await checkFreeze(input, hub);
  const prepared = await prepareSignedAction({
    hub,
    action: "FileFreeze",
    signer: operator,
    content,
    deadline,
  });
  const permitTypedData = await prepareEraPermit({
    hub,
    owner: operator,
    spender: marginVaultOf(hub).address,
    value: deposit,
    deadline: prepared.deadline,
  });
  return { ...prepared, permitTypedData, operator, deposit };
}

export type FileFreezeParameters = FileFreezeInput & {
  authorization: SignedAuthorization;
  /** The operator's signature over the permit typed data (value: the deposit); absent, its allowance pays. */
  permit?: SignedAuthorization | null | undefined;
};

export type FileFreezeReturnType = {
  caseId: string;
  provider: Address;
  ecosystemId: number;
  applicant: Address;
  deposit: bigint;
  /** The snapshot block votes are counted at, and the end of the review window (unix seconds). */
  snapshotBlock: bigint;
  voteEnd: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Files a freeze application on the ecosystem operator's signature, pulling the freeze deposit from it
 * (INSUFFICIENT_FUNDS before sending when the balance and the permit or allowance do not cover it); the margin
 * freezes in the same transaction. Returns once indexed.
 */
export async function fileFreeze(
  { authorization, permit, ...input }: FileFreezeParameters,
  hub: HubServices,
): Promise<FileFreezeReturnType> {
  const { content, operator, deposit } = await checkFreeze(input, hub);
  const vault = marginVaultOf(hub);
  const receipt = await relayEraPull({
    hub,
    action: "FileFreeze",
    signer: operator,
    content,
    authorization,
    permit,
    what: `ecosystem ${content.ecosystemId}'s freeze application against ${content.provider}`,
    spender: vault.address,
    amount: deposit,
    permitValue: deposit,
    send: (request, signature, contractPermit) =>
      sendAndWaitIndexed({
        hub,
        what: `The freeze application against ${content.provider}`,
        call: {
          ...vault,
          functionName: "fileFreeze",
          args: [
            content.provider,
            content.ecosystemId,
            content.claimAmount,
            content.evidenceHash,
            request.deadline,
            signature,
            contractPermit,
          ],
        },
      }),
  });
  const { args } = eventOf(receipt, vault.abi, "FreezeFiled");
  return {
    caseId: args.caseId.toString(),
    provider: args.provider,
    ecosystemId: args.ecosystemId,
    applicant: args.applicant,
    deposit: args.deposit,
    snapshotBlock: BigInt(args.snapshotBlock),
    voteEnd: BigInt(args.voteEnd),
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}

import type { Address, Hex } from "viem";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, parseAccount } from "../circulation/circulationContracts.js";
import { prepareSignedAction } from "../circulation/prepareSignedAction.js";
import { verifySignedAction } from "../circulation/verifySignedAction.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import { marginVaultOf, parseEcosystemId, readEcosystem } from "./riskContracts.js";

export type SetServedEcosystemsInput = {
  provider: Address | string;
  /** The ecosystems the provider serves (ids); the required margin grows with their number. */
  ecosystems: readonly (string | number)[];
};

/** The most ecosystems one list names: one for each the registry could admit in practice, bounded for gas. */
export const MAX_SERVED_ECOSYSTEMS = 64;

/** The input, and what the vault will check: distinct (BAD_USER_INPUT), existing and active ecosystems. */
async function checkServed(input: SetServedEcosystemsInput, hub: HubServices) {
  const provider = parseAccount(input.provider, "provider");
  if (!Array.isArray(input.ecosystems) || input.ecosystems.length > MAX_SERVED_ECOSYSTEMS)
    throw new BadUserInputError("ecosystems", `must list at most ${MAX_SERVED_ECOSYSTEMS} ecosystem ids`);
  const ecosystemIds = input.ecosystems.map((id, i) => parseEcosystemId(id, `ecosystems[${i}]`));
  if (new Set(ecosystemIds).size !== ecosystemIds.length)
    throw new BadUserInputError("ecosystems", "must name each ecosystem once");
  for (const id of ecosystemIds) await readEcosystem(hub, id);
  return { provider, ecosystemIds };
}

/** The SetServedEcosystems typed data the provider signs (its next vault nonce). Nothing is sent. */
export async function prepareSetServedEcosystems(
  input: SetServedEcosystemsInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = await checkServed(input, hub);
  return prepareSignedAction({
    hub,
    action: "SetServedEcosystems",
    signer: content.provider,
    content,
    deadline,
  });
}

export type SetServedEcosystemsParameters = SetServedEcosystemsInput & { authorization: SignedAuthorization };

export type SetServedEcosystemsReturnType = {
  provider: Address;
  ecosystemIds: number[];
  /** The margin the provider now needs: max(minMargin, perEcosystemMargin × ecosystems served). */
  required: bigint;
  transactionHash: Hex;
  gasUsed: bigint;
};

/**
 * Records which ecosystems a provider serves, on its signature; the required margin follows. UNKNOWN_ECOSYSTEM,
 * ECOSYSTEM_NOT_ACTIVE and NOT_AUTHORIZED before anything is sent. Returns once indexed.
 */
export async function setServedEcosystems(
  { authorization, ...input }: SetServedEcosystemsParameters,
  hub: HubServices,
): Promise<SetServedEcosystemsReturnType> {
  const content = await checkServed(input, hub);
  const { request } = await verifySignedAction({
    hub,
    action: "SetServedEcosystems",
    signer: content.provider,
    content,
    authorization,
    what: `serving ecosystems [${content.ecosystemIds.join(", ")}]`,
  });
  const vault = marginVaultOf(hub);
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The served ecosystems of ${content.provider}`,
    call: {
      ...vault,
      functionName: "setServedEcosystems",
      args: [content.provider, content.ecosystemIds, request.deadline, authorization.signature],
    },
  });
  const { args } = eventOf(receipt, vault.abi, "ServedEcosystemsSet");
  return {
    provider: content.provider,
    ecosystemIds: [...args.ecosystemIds],
    required: args.required,
    transactionHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
  };
}

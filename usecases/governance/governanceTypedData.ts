import { type Address, getAddress, type Hex, isAddress, isHex } from "viem";

/**
 * The EIP-712 messages a node signs so the hub can relay its governance actions, shared by the use cases (which
 * verify them), the GraphQL typed-data queries (which hand them out) and the CLI (which signs them):
 *
 * - `Proposal` — CalderaGovernor.proposeBySig: the proposal itself (arrays and description typed as themselves,
 *   so a wallet shows every call), the proposer's governor nonce and a deadline (unix seconds).
 * - `Ballot` / `ExtendedBallot` — OpenZeppelin Governor's castVoteBySig / castVoteWithReasonAndParamsBySig. These
 *   are OpenZeppelin's standard types and carry no deadline: a ballot can only be cast while voting is open, so the
 *   proposal's voting period is its deadline.
 *
 * Both draw on the governor's one nonce sequence per account (`CalderaGovernor.nonces`), in the governor's domain.
 */

export const GOVERNOR_EIP712_NAME = "CalderaGovernor";
export const GOVERNOR_EIP712_VERSION = "1";

export const proposalTypes = {
  Proposal: [
    { name: "proposer", type: "address" },
    { name: "targets", type: "address[]" },
    { name: "values", type: "uint256[]" },
    { name: "calldatas", type: "bytes[]" },
    { name: "description", type: "string" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export const ballotTypes = {
  Ballot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
} as const;

export const extendedBallotTypes = {
  ExtendedBallot: [
    { name: "proposalId", type: "uint256" },
    { name: "support", type: "uint8" },
    { name: "voter", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "reason", type: "string" },
    { name: "params", type: "bytes" },
  ],
} as const;

/** OpenZeppelin GovernorCountingSimple's vote types. */
export const voteSupport = { AGAINST: 0, FOR: 1, ABSTAIN: 2 } as const;
export type VoteSupportName = keyof typeof voteSupport;
export const voteSupportNames = Object.fromEntries(
  Object.entries(voteSupport).map(([name, value]) => [value, name]),
) as Record<number, VoteSupportName>;

export type GovernorDomain = { chainId: number; governor: Address };

function domainOf({ chainId, governor }: GovernorDomain) {
  return {
    name: GOVERNOR_EIP712_NAME,
    version: GOVERNOR_EIP712_VERSION,
    chainId,
    verifyingContract: governor,
  } as const;
}

/** A proposal's on-chain content: what `propose` / `proposeBySig` take. */
export type ProposalContent = {
  targets: readonly Address[];
  values: readonly bigint[];
  calldatas: readonly Hex[];
  description: string;
};

export type ProposalTypedDataParameters = GovernorDomain &
  ProposalContent & { proposer: Address; nonce: bigint; deadline: bigint };

export function proposalTypedData({
  chainId,
  governor,
  proposer,
  targets,
  values,
  calldatas,
  description,
  nonce,
  deadline,
}: ProposalTypedDataParameters) {
  return {
    domain: domainOf({ chainId, governor }),
    types: proposalTypes,
    primaryType: "Proposal",
    message: {
      proposer,
      targets: [...targets],
      values: [...values],
      calldatas: [...calldatas],
      description,
      nonce,
      deadline,
    },
  } as const;
}

export type BallotTypedDataParameters = GovernorDomain & {
  proposalId: bigint;
  support: VoteSupportName;
  voter: Address;
  nonce: bigint;
  /** A non-empty reason makes it an `ExtendedBallot` (params empty), cast with castVoteWithReasonAndParamsBySig. */
  reason?: string | undefined;
};

export function ballotTypedData({
  chainId,
  governor,
  proposalId,
  support,
  voter,
  nonce,
  reason,
}: BallotTypedDataParameters) {
  const domain = domainOf({ chainId, governor });
  const base = { proposalId, support: voteSupport[support], voter, nonce };
  if (reason)
    return {
      domain,
      types: extendedBallotTypes,
      primaryType: "ExtendedBallot",
      message: { ...base, reason, params: "0x" as Hex },
    } as const;
  return { domain, types: ballotTypes, primaryType: "Ballot", message: base } as const;
}

export type GovernanceTypedData = ReturnType<typeof proposalTypedData> | ReturnType<typeof ballotTypedData>;

/**
 * Typed data as the API returns it in JSON (uint256 as decimal strings) → the same typed data rebuilt with the
 * builders above, so a signer signs only a governor `Proposal`, `Ballot` or `ExtendedBallot` of the shape documented
 * here, never whatever a server sent. Throws on anything else.
 */
export function governanceTypedDataFromJson(json: unknown): GovernanceTypedData {
  const { domain, primaryType, message } = (json ?? {}) as {
    domain?: Record<string, unknown>;
    primaryType?: unknown;
    message?: Record<string, unknown>;
  };
  if (domain?.name !== GOVERNOR_EIP712_NAME || domain.version !== GOVERNOR_EIP712_VERSION || !message)
    throw new Error("not CalderaGovernor typed data (domain name/version or message missing)");
  const address = (value: unknown, what: string): Address => {
    if (typeof value !== "string" || !isAddress(value, { strict: false }))
      throw new Error(`${what} is not an address`);
    return getAddress(value);
  };
  const uint = (value: unknown, what: string): bigint => {
    if ((typeof value !== "string" && typeof value !== "number") || !/^\d+$/.test(String(value)))
      throw new Error(`${what} is not an unsigned integer`);
    return BigInt(value);
  };
  const list = (value: unknown, what: string): unknown[] => {
    if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
    return value;
  };
  const chainId = Number(uint(domain.chainId, "domain.chainId"));
  const governor = address(domain.verifyingContract, "domain.verifyingContract");
  if (primaryType === "Proposal")
    return proposalTypedData({
      chainId,
      governor,
      proposer: address(message.proposer, "proposer"),
      targets: list(message.targets, "targets").map((t, i) => address(t, `targets[${i}]`)),
      values: list(message.values, "values").map((v, i) => uint(v, `values[${i}]`)),
      calldatas: list(message.calldatas, "calldatas").map((c, i) => {
        if (typeof c !== "string" || !isHex(c)) throw new Error(`calldatas[${i}] is not hex`);
        return c;
      }),
      description: String(message.description ?? ""),
      nonce: uint(message.nonce, "nonce"),
      deadline: uint(message.deadline, "deadline"),
    });
  if (primaryType === "Ballot" || primaryType === "ExtendedBallot") {
    const support = voteSupportNames[Number(uint(message.support, "support"))];
    if (support === undefined) throw new Error("support is not 0, 1 or 2");
    if (primaryType === "ExtendedBallot" && message.params !== "0x")
      throw new Error("ExtendedBallot params must be empty");
    return ballotTypedData({
      chainId,
      governor,
      proposalId: uint(message.proposalId, "proposalId"),
      support,
      voter: address(message.voter, "voter"),
      nonce: uint(message.nonce, "nonce"),
      reason: primaryType === "ExtendedBallot" ? String(message.reason ?? "") : undefined,
    });
  }
  throw new Error(`unexpected primaryType ${String(primaryType)}`);
}

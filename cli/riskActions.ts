import type { Address, Hex, TypedDataDefinition } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { eraTokenAbi, marginVaultAbi } from "../contracts/generated/abis.js";
import { BaseError } from "../errors/BaseError.js";
import { DEV_CHAIN_ID, SignerConfigurationError } from "../stack/resolveSigner.js";
import { type CirculationEndpoints, circulationActions } from "./circulationActions.js";
import { devAccount } from "./devAccounts.js";

/** anvil's default mnemonic: accounts past its ten come from it, as in circulationActions. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Where a frontend (the risk demo, its end-to-end test) talks to the hub and, on the dev chain, to anvil. */
export type RiskEndpoints = Omit<CirculationEndpoints, "contracts"> & {
  contracts: CirculationEndpoints["contracts"] & { MarginVault: Address; EcosystemRegistry: Address };
};

export type RiskActionResult = { transactionHash: Hex; gasUsed: bigint; data: Record<string, unknown> };

export type Ecosystem = {
  id: string;
  name: string;
  operator: Address;
  subgraphUrl: string | null;
  active: boolean;
};

/** One participating ecosystem's contribution, as `settleDisposalTypedData` takes it. */
export type DisposalContribution = {
  ecosystem: string;
  leadTimeHours: number;
  lossReductionBps: number;
  locatedSource: boolean;
};

type TypedDataJson = { domain: { chainId?: number | string }; message: Record<string, unknown> } & Record<
  string,
  unknown
>;

const TYPED = "domain types primaryType message";

/**
 * Everything a frontend does for cross-domain risk, through the gateway, each action signed by an anvil dev account
 * (as `circulationActions`, whose requests, votes, time travel and treasury payments it reuses): ask for the typed
 * data, sign it (and the ERA permit where the action pulls ERA), send the mutation; a GraphQL error becomes a
 * BaseError with its `extensions.code`. Shared by `caldera demo risk` and test/e2e/risk.test.ts.
 */
export function riskActions(endpoints: RiskEndpoints) {
  const base = circulationActions(endpoints);
  const { request, address, publicClient } = base;
  const { MarginVault, EraToken } = endpoints.contracts;
  const vault = { address: MarginVault, abi: marginVaultAbi } as const;

  const account = (n: number) =>
    n < 10 ? devAccount(n) : mnemonicToAccount(DEV_MNEMONIC, { addressIndex: n });
  const sign = (n: number, typedData: TypedDataJson): Promise<Hex> => {
    if (Number(typedData.domain.chainId) !== DEV_CHAIN_ID)
      throw new SignerConfigurationError(
        `dev account ${n}'s key is public; refusing to sign for chain ${String(typedData.domain.chainId)}`,
      );
    return account(n).signTypedData(typedData as unknown as TypedDataDefinition);
  };

  /** `<name>TypedData(input)` → sign → `<name>(input, authorization[, permit])`, as circulationActions does. */
  async function signed(
    n: number,
    name: string,
    inputType: string,
    input: Record<string, unknown>,
    { permit = false, select = "" }: { permit?: boolean; select?: string } = {},
  ): Promise<RiskActionResult> {
    const typedQuery = permit
      ? `query($input: ${inputType}!) { ${name}TypedData(input: $input) { typedData { ${TYPED} } permitTypedData { ${TYPED} } } }`
      : `query($input: ${inputType}!) { ${name}TypedData(input: $input) { ${TYPED} } }`;
    const prepared = (await request<Record<string, unknown>>(typedQuery, { input }))[`${name}TypedData`] as
      | TypedDataJson
      | { typedData: TypedDataJson; permitTypedData: TypedDataJson };
    const typedData = permit
      ? (prepared as { typedData: TypedDataJson }).typedData
      : (prepared as TypedDataJson);
    const variables: Record<string, unknown> = {
      input,
      authorization: { signature: await sign(n, typedData), deadline: typedData.message.deadline },
    };
    if (permit) {
      const permitTypedData = (prepared as { permitTypedData: TypedDataJson }).permitTypedData;
      variables.permit = {
        signature: await sign(n, permitTypedData),
        deadline: permitTypedData.message.deadline,
      };
    }
    const result = (
      await request<Record<string, Record<string, unknown>>>(
        `mutation($input: ${inputType}!, $authorization: SignedAuthorization!${permit ? ", $permit: SignedAuthorization!" : ""}) {
          ${name}(input: $input, authorization: $authorization${permit ? ", permit: $permit" : ""}) { transactionHash gasUsed ${select} } }`,
        variables,
      )
    )[name] as Record<string, unknown>;
    return {
      transactionHash: result.transactionHash as Hex,
      gasUsed: BigInt(String(result.gasUsed)),
      data: result,
    };
  }

  async function ecosystems(): Promise<Ecosystem[]> {
    const { ecosystems: page } = await request<{ ecosystems: { edges: { node: Ecosystem }[] } }>(
      "{ ecosystems(first: 100) { edges { node { id name operator subgraphUrl active } } } }",
    );
    return page.edges.map((edge) => edge.node);
  }

  return {
    ...base,
    account,
    ecosystems,
    async ecosystemNamed(name: string): Promise<Ecosystem | undefined> {
      return (await ecosystems()).find((e) => e.name === name);
    },
    /** A partner ecosystem admitted the only way one can be: a governance vote of the staked nodes. */
    admitEcosystem: (
      ecosystem: { name: string; operator: Address; subgraphUrl: string },
      description: string,
    ) => base.passVote({ admitEcosystem: ecosystem }, description),

    /** ERA wei held by `who` (or by the MarginVault itself). */
    eraOf: (who: Address) =>
      publicClient.readContract({
        address: EraToken,
        abi: eraTokenAbi,
        functionName: "balanceOf",
        args: [who],
      }),
    margin: (provider: Address) =>
      publicClient.readContract({ ...vault, functionName: "margin", args: [provider] }),
    requiredMargin: (provider: Address) =>
      publicClient.readContract({ ...vault, functionName: "requiredMargin", args: [provider] }),
    freezeCase: (caseId: string) =>
      publicClient.readContract({ ...vault, functionName: "freezeCase", args: [BigInt(caseId)] }),
    caseCount: () => publicClient.readContract({ ...vault, functionName: "caseCount" }),
    disposal: (caseId: string) =>
      publicClient.readContract({ ...vault, functionName: "disposal", args: [BigInt(caseId)] }),
    payoutOf: (caseId: string, ecosystemId: string) =>
      publicClient.readContract({
        ...vault,
        functionName: "payoutOf",
        args: [BigInt(caseId), Number(ecosystemId)],
      }),
    reserve: () => publicClient.readContract({ ...vault, functionName: "reserve" }),

    lockMargin: (n: number, amount: bigint) =>
      signed(
        n,
        "lockMargin",
        "LockMarginInput",
        { provider: address(n), amount: amount.toString() },
        { permit: true },
      ),
    setServedEcosystems: (n: number, ecosystemIds: string[]) =>
      signed(n, "setServedEcosystems", "SetServedEcosystemsInput", {
        provider: address(n),
        ecosystems: ecosystemIds,
      }),
    requestMarginUnlock: (n: number, amount: bigint) =>
      signed(n, "requestMarginUnlock", "RequestMarginUnlockInput", {
        provider: address(n),
        amount: amount.toString(),
      }),

    /** The hub, as Caldera's operator, proves a feature from what it saw on its own chain and publishes it. */
    async publishCalderaRiskFeature(subject: Address, kind: string) {
      const { publishCalderaRiskFeature: result } = await request<{
        publishCalderaRiskFeature: {
          transactionHash: Hex;
          gasUsed: string;
          feature: {
            id: string;
            severity: string;
            bucket: { lowBps: number; highBps: number };
            recordCount: number;
          };
        };
      }>(
        `mutation($s: Address!, $k: RiskKind!) { publishCalderaRiskFeature(subject: $s, kind: $k) {
          transactionHash gasUsed feature { id severity recordCount bucket { lowBps highBps } } } }`,
        { s: subject, k: kind },
      );
      return result;
    },
    attestRiskFeature: (node: number, featureId: string) =>
      signed(node, "attestRiskFeature", "AttestRiskFeatureInput", { featureId, node: address(node) }),

    /** The ecosystem's operator (dev account `n`) files a freeze; the deposit is pulled with an ERA permit. */
    fileFreeze: (
      n: number,
      input: { provider: Address; ecosystem: string; claimAmount: bigint; evidenceHash: Hex },
    ) =>
      signed(
        n,
        "fileFreeze",
        "FileFreezeInput",
        { ...input, claimAmount: input.claimAmount.toString() },
        { permit: true, select: "case { id status }" },
      ),
    castCaseVote: (node: number, caseId: string, verdict: "UPHOLD" | "REJECT" | "DISMISS") =>
      signed(node, "castCaseVote", "CastCaseVoteInput", { caseId, node: address(node), verdict }),
    async resolveCase(caseId: string) {
      const { resolveCase: result } = await request<{
        resolveCase: { transactionHash: Hex; gasUsed: string; case: { status: string; seized: string } };
      }>("mutation($c: ID!) { resolveCase(caseId: $c) { transactionHash gasUsed case { status seized } } }", {
        c: caseId,
      });
      return result;
    },

    /**
     * The disposal: the hub computes the Shapley shares from the contributions (`settleDisposalTypedData`), each node
     * in `nodes` signs the assessment, and anyone sends the settlement with their signatures.
     */
    async settleDisposal(caseId: string, contributions: DisposalContribution[], nodes: number[]) {
      const input = { caseId, contributions };
      const { settleDisposalTypedData: prepared } = await request<{
        settleDisposalTypedData: {
          typedData: TypedDataJson;
          inputsHash: Hex;
          shares: { ecosystem: { id: string; name: string }; shareBps: number; shapleyValue: string }[];
          dustBps: number;
        };
      }>(
        `query($input: SettleDisposalInput!) { settleDisposalTypedData(input: $input) {
          typedData { ${TYPED} } inputsHash dustBps shares { ecosystem { id name } shareBps shapleyValue } } }`,
        { input },
      );
      const attestations = [];
      for (const node of nodes)
        attestations.push({
          node: address(node),
          signature: await sign(node, prepared.typedData),
          deadline: prepared.typedData.message.deadline,
        });
      const { settleDisposal: settled } = await request<{
        settleDisposal: {
          transactionHash: Hex;
          gasUsed: string;
          disposal: { assigned: string; dust: string };
        };
      }>(
        `mutation($input: SettleDisposalInput!, $attestations: [NodeAttestationInput!]!) {
          settleDisposal(input: $input, attestations: $attestations) { transactionHash gasUsed disposal { assigned dust } } }`,
        { input, attestations },
      );
      return { prepared, settled };
    },
    claimDisposalPayout: (operator: number, caseId: string, ecosystem: string) =>
      signed(
        operator,
        "claimDisposalPayout",
        "ClaimDisposalPayoutInput",
        { caseId, ecosystem },
        { select: "amount" },
      ),
  };
}

export type RiskActions = ReturnType<typeof riskActions>;

/** True when `error` is a typed error with one of `codes` (what a re-run expects to meet: the step ran before). */
export function isCode(error: unknown, ...codes: string[]): error is BaseError {
  return error instanceof BaseError && codes.includes(error.code);
}

import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PrivateKeyAccount,
  type TypedDataDefinition,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { creditVaultAbi, derivativeMarketAbi, eraTokenAbi } from "../contracts/generated/abis.js";
import { BaseError } from "../errors/BaseError.js";
import type { ErrorCode } from "../errors/errorCodes.js";
import { DEV_CHAIN_ID, SignerConfigurationError } from "../stack/resolveSigner.js";
import { governanceTypedDataFromJson } from "../usecases/governance/governanceTypedData.js";
import { devAccount } from "./devAccounts.js";
import { runGovernance } from "./governanceCommand.js";

/** anvil's default mnemonic: its first ten accounts are ANVIL_DEV_KEYS; the demo's cast goes past them. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * Runs `task` again while the hub answers RATE_LIMITED (refused before anything was done, so a retry is safe),
 * after `extensions.retryAfterSeconds`; for the CLI's own requests (`caldera governance`, the derivation demo's).
 */
export async function patiently<T>(task: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!(error instanceof BaseError && error.code === "RATE_LIMITED") || attempt >= 300) throw error;
      const seconds = Number(error.details.retryAfterSeconds ?? 1);
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, seconds) * 1000));
    }
  }
}

/** Where a frontend (the demo, the end-to-end test, the bench) talks to the hub and, on the dev chain, to anvil. */
export type CirculationEndpoints = {
  gatewayUrl: string;
  rpcUrl: string;
  chainId: number;
  /** EraToken, DerivativeMarket and CreditVault, for the treasury's ERA transfers and for balances. */
  contracts: { EraToken: Address; DerivativeMarket: Address; CreditVault: Address };
  out?: ((line: string) => void) | undefined;
};

export type ActionResult = { transactionHash: Hex; gasUsed: bigint; data: Record<string, unknown> };

type TypedDataJson = { domain: { chainId?: number | string }; message: Record<string, unknown> } & Record<
  string,
  unknown
>;

const TYPED = "domain types primaryType message";

/**
 * Everything a frontend does for ERA circulation, through the gateway, each action signed by an anvil dev account
 * (index `n`: 0–9 are anvil's own accounts, higher indexes come from the same mnemonic): ask for the typed data,
 * sign it (and the ERA permit where the action pulls ERA), send the mutation. A GraphQL error becomes a BaseError
 * with the error's `extensions.code`. Shared by `caldera demo circulation`, its end-to-end test and its bench.
 */
export function circulationActions(endpoints: CirculationEndpoints) {
  const { gatewayUrl, rpcUrl, chainId, contracts } = endpoints;
  if (chainId !== DEV_CHAIN_ID)
    throw new SignerConfigurationError(
      `circulation actions sign with public dev keys and run on chain ${DEV_CHAIN_ID} only, not ${chainId}`,
    );
  const say = endpoints.out ?? (() => {});
  const chain = { ...foundry, id: chainId };
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
  const accounts = new Map<number, PrivateKeyAccount | ReturnType<typeof mnemonicToAccount>>();

  const account = (n: number) => {
    let found = accounts.get(n);
    if (found === undefined) {
      found = n < 10 ? devAccount(n) : mnemonicToAccount(DEV_MNEMONIC, { addressIndex: n });
      accounts.set(n, found);
    }
    return found;
  };
  const address = (n: number): Address => account(n).address;

  /** Signs typed data as dev account `n`, for the dev chain only: a public key must sign nothing another chain takes. */
  const sign = (n: number, typedData: TypedDataJson): Promise<Hex> => {
    if (Number(typedData.domain.chainId) !== DEV_CHAIN_ID)
      throw new SignerConfigurationError(
        `dev account ${n}'s key is public; refusing to sign for chain ${String(typedData.domain.chainId)}`,
      );
    return account(n).signTypedData(typedData as unknown as TypedDataDefinition);
  };

  /**
   * One GraphQL request. RATE_LIMITED (the hub refused before doing anything) is waited out as a polite frontend
   * would, for `extensions.retryAfterSeconds`: the demo sends more mutations a minute than the dev stack's limit.
   */
  async function request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return patiently(() => requestOnce<T>(query, variables));
  }

  async function requestOnce<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    }).catch((error: unknown) => {
      throw new BaseError(`the gateway at ${gatewayUrl} does not answer (${String(error)})`, {
        code: "STACK_NOT_RUNNING",
      });
    });
    const body = (await response.json().catch(() => ({}))) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
    };
    const error = body.errors?.[0];
    if (error !== undefined || body.data === undefined || body.data === null) {
      const { code, ...details } = error?.extensions ?? {};
      throw new BaseError(error?.message ?? `the gateway answered HTTP ${response.status} without data`, {
        code: (code as ErrorCode | undefined) ?? "INTERNAL_SERVER_ERROR",
        details,
      });
    }
    return body.data;
  }

  /**
   * One signed action: `<name>TypedData(input)` → sign → `<name>(input, authorization[, permit])`. With `permit`,
   * the typed-data query answers `{ typedData permitTypedData }` and the ERA permit is signed too (one relayed call,
   * no approve transaction).
   */
  async function signed(
    n: number,
    name: string,
    inputType: string,
    input: Record<string, unknown>,
    { permit = false, select = "" }: { permit?: boolean; select?: string } = {},
  ): Promise<ActionResult> {
    const typedQuery = permit
      ? `query($input: ${inputType}!) { ${name}TypedData(input: $input) { typedData { ${TYPED} } permitTypedData { ${TYPED} } } }`
      : `query($input: ${inputType}!) { ${name}TypedData(input: $input) { ${TYPED} } }`;
    const prepared = (await request<Record<string, unknown>>(typedQuery, { input }))[`${name}TypedData`] as
      | TypedDataJson
      | { typedData: TypedDataJson; permitTypedData: TypedDataJson };
    const typedData = permit
      ? (prepared as { typedData: TypedDataJson }).typedData
      : (prepared as TypedDataJson);
    const authorization = { signature: await sign(n, typedData), deadline: typedData.message.deadline };
    const variables: Record<string, unknown> = { input, authorization };
    let permitArgument = "";
    if (permit) {
      const permitTypedData = (prepared as { permitTypedData: TypedDataJson }).permitTypedData;
      variables.permit = {
        signature: await sign(n, permitTypedData),
        deadline: permitTypedData.message.deadline,
      };
      permitArgument = ", permit: $permit";
    }
    const result = (
      await request<Record<string, Record<string, unknown>>>(
        `mutation($input: ${inputType}!, $authorization: SignedAuthorization!${permit ? ", $permit: SignedAuthorization" : ""}) {
          ${name}(input: $input, authorization: $authorization${permitArgument}) { transactionHash gasUsed ${select} } }`,
        variables,
      )
    )[name] as Record<string, unknown>;
    return {
      transactionHash: result.transactionHash as Hex,
      gasUsed: BigInt(String(result.gasUsed)),
      data: result,
    };
  }

  /** An unsigned mutation (claims, releases, defaults: anyone may send them; the ERA only goes to the payee). */
  async function unsigned(
    name: string,
    args: string,
    variables: Record<string, unknown>,
    select = "",
  ): Promise<ActionResult> {
    const signature = Object.keys(variables)
      .map((k) => `$${k}: ${k === "metric" ? "RewardMetric!" : k === "account" ? "Address!" : "ID!"}`)
      .join(", ");
    const result = (
      await request<Record<string, Record<string, unknown>>>(
        `mutation(${signature}) { ${name}(${args}) { transactionHash gasUsed ${select} } }`,
        variables,
      )
    )[name] as Record<string, unknown>;
    return {
      transactionHash: result.transactionHash as Hex,
      gasUsed: BigInt(String(result.gasUsed)),
      data: result,
    };
  }

  const era = { address: contracts.EraToken, abi: eraTokenAbi } as const;
  const market = { address: contracts.DerivativeMarket, abi: derivativeMarketAbi } as const;
  const vault = { address: contracts.CreditVault, abi: creditVaultAbi } as const;

  /** Until the hub's indexer has `block` (the gateway's `governanceSettings.indexedBlock`), at most 60 s. */
  async function waitIndexed(block: bigint) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { governanceSettings } = await request<{ governanceSettings: { indexedBlock: string } }>(
        "{ governanceSettings { indexedBlock } }",
      );
      if (BigInt(governanceSettings.indexedBlock) >= block) return;
      if (Date.now() > deadline)
        throw new BaseError(`the indexer did not reach block ${block} within 60 s`, {
          code: "INDEXER_UNAVAILABLE",
        });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A JSON-RPC call to anvil's test methods (time travel, mining). */
  const rpc = (method: string, params: unknown[] = []) =>
    publicClient.request({ method: method as never, params: params as never });

  return {
    request,
    address,
    publicClient,
    /** ERA wei held by each account. */
    balanceOf: (who: Address) =>
      publicClient.readContract({ ...era, functionName: "balanceOf", args: [who] }),
    /** ERA the reward pool holds (the market's ERA also carries revenue not yet released). */
    poolBalance: () => publicClient.readContract({ ...market, functionName: "poolBalance" }),
    isAdmitted: (who: Address) =>
      publicClient.readContract({ ...market, functionName: "isAdmitted", args: [who] }),
    hasValidLicence: (derivative: string, who: Address) =>
      publicClient.readContract({
        ...market,
        functionName: "hasValidLicence",
        args: [BigInt(derivative), who],
      }),
    hasAdopted: (derivative: string, who: Address) =>
      publicClient.readContract({ ...market, functionName: "hasAdopted", args: [BigInt(derivative), who] }),
    hasInvoked: (derivative: string, who: Address) =>
      publicClient.readContract({ ...market, functionName: "hasInvoked", args: [BigInt(derivative), who] }),
    claimable: (derivative: string, metric: 1 | 2) =>
      publicClient.readContract({ ...market, functionName: "claimable", args: [BigInt(derivative), metric] }),
    lineOf: (derivative: string) =>
      publicClient.readContract({ ...vault, functionName: "lineOf", args: [BigInt(derivative)] }),
    debtOf: (line: string) =>
      publicClient.readContract({ ...vault, functionName: "debtOf", args: [BigInt(line)] }),
    creditLine: (line: string) =>
      publicClient.readContract({ ...vault, functionName: "creditLine", args: [BigInt(line)] }),
    idleAssets: () => publicClient.readContract({ ...vault, functionName: "idleAssets" }),

    /**
     * The treasury (dev account 0, holding the ERA supply) pays `to` in ERA: a plain ERC-20 transfer from its own
     * wallet, not a hub action. It shares its key with the hub's signer; the hub's sender takes the chain's nonce
     * before every send, so the two never collide.
     */
    async payFromTreasury(to: Address, amount: bigint): Promise<Hex> {
      const wallet = createWalletClient({ account: account(0), chain, transport: http(rpcUrl) });
      const hash = await wallet.writeContract({ ...era, functionName: "transfer", args: [to, amount] });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`the treasury's transfer ${hash} reverted`);
      // The hub refuses to send while its indexer lags the head: let it see this block before the next action.
      await waitIndexed(receipt.blockNumber);
      return hash;
    },

    setLicenceTerms: (
      n: number,
      derivative: string,
      terms: { price: bigint; mode: string; quantity: bigint },
    ) =>
      signed(n, "setLicenceTerms", "SetLicenceTermsInput", {
        derivative,
        price: terms.price.toString(),
        mode: terms.mode,
        quantity: terms.quantity.toString(),
        active: true,
      }),
    buyLicence: (n: number, derivative: string, maxPrice: bigint) =>
      signed(
        n,
        "buyLicence",
        "BuyLicenceInput",
        { derivative, licensee: address(n), maxPrice: maxPrice.toString() },
        { permit: true },
      ),
    adoptDerivative: (n: number, derivative: string) =>
      signed(n, "adoptDerivative", "AdoptDerivativeInput", { derivative, adopter: address(n) }),
    invokeFaultModel: (n: number, derivative: string, readings: { at: string; temperatureC: number }[]) =>
      signed(
        n,
        "invokeFaultModel",
        "InvokeFaultModelInput",
        { derivative, enterprise: address(n), readings },
        { select: "probability warning" },
      ),
    fundRewardPool: (n: number, amount: bigint) =>
      signed(
        n,
        "fundRewardPool",
        "FundRewardPoolInput",
        { funder: address(n), amount: amount.toString() },
        { permit: true },
      ),
    depositLiquidity: (n: number, amount: bigint) =>
      signed(
        n,
        "depositLiquidity",
        "DepositLiquidityInput",
        { lender: address(n), amount: amount.toString() },
        { permit: true },
      ),
    pledgeDerivative: (n: number, derivative: string) =>
      signed(
        n,
        "pledgeDerivative",
        "PledgeDerivativeInput",
        { derivative, borrower: address(n) },
        {
          select: "creditLine { id limit dueAt }",
        },
      ),
    borrowCredit: (n: number, creditLine: string, amount: bigint) =>
      signed(n, "borrowCredit", "BorrowCreditInput", { creditLine, amount: amount.toString() }),
    repayCredit: (n: number, creditLine: string, amount: bigint) =>
      signed(
        n,
        "repayCredit",
        "RepayCreditInput",
        { creditLine, payer: address(n), amount: amount.toString() },
        { permit: true },
      ),
    unpledgeDerivative: (n: number, creditLine: string) =>
      signed(n, "unpledgeDerivative", "UnpledgeDerivativeInput", { creditLine }),
    claimReward: (derivative: string, metric: "ADOPTERS" | "ENTERPRISES") =>
      unsigned(
        "claimReward",
        "derivative: $derivative, metric: $metric",
        { derivative, metric },
        "paid debt",
      ),
    releaseRevenue: (account_: Address) =>
      unsigned("releaseRevenue", "account: $account", { account: account_ }),
    declareDefault: (creditLine: string) =>
      unsigned("declareDefault", "creditLine: $creditLine", { creditLine }, "creditLine { id status }"),

    /**
     * A circulation parameter changed the only way it can be: node 1 proposes it (signed, relayed by the hub), the
     * dev nodes vote for it, it is queued and executed through the timelock; `caldera governance` mines the blocks
     * and moves the clock as the vote and the delay need.
     */
    async passVote(change: Record<string, unknown>, description: string, nodes = [1, 2, 3]): Promise<string> {
      const proposer = nodes[0] as number;
      const input = { proposer: address(proposer), description, ...change };
      const { proposeRuleChangeTypedData: prepared } = await request<{
        proposeRuleChangeTypedData: { typedData: unknown; proposalId: string };
      }>(
        `query($input: ProposeRuleChangeInput!) { proposeRuleChangeTypedData(input: $input) { typedData { ${TYPED} } proposalId } }`,
        { input },
      );
      const typedData = governanceTypedDataFromJson(prepared.typedData);
      const signature = await account(proposer).signTypedData(typedData as TypedDataDefinition);
      const { proposeRuleChange } = await request<{
        proposeRuleChange: {
          proposal: { id: string; actions: { decoded: { summary: string | null } | null }[] };
        };
      }>(
        `mutation($input: ProposeRuleChangeInput!, $authorization: SignedAuthorization!) {
          proposeRuleChange(input: $input, authorization: $authorization) { proposal { id actions { decoded { summary } } } } }`,
        {
          input,
          authorization: {
            signature,
            deadline: String((typedData.message as { deadline: bigint }).deadline),
          },
        },
      );
      const id = proposeRuleChange.proposal.id;
      say(
        `proposal ${id} by node ${proposer}: ${proposeRuleChange.proposal.actions[0]?.decoded?.summary ?? "(no summary)"}`,
      );
      const context = { gatewayUrl, rpcUrl, chainId, out: (line: string) => say(`  ${line}`) };
      const quiet = { ...context, out: () => {} };
      const step = async (args: string[]) => {
        if ((await patiently(() => runGovernance(args, quiet))) !== 0)
          throw new Error(`caldera governance ${args.join(" ")} failed`);
      };
      for (const node of nodes) await step(["vote", id, "for", "--as", String(node)]);
      await step(["queue", id]);
      await step(["execute", id]);
      say(`proposal ${id}: voted for by nodes ${nodes.join(", ")}, queued and executed through the timelock`);
      return id;
    },

    /** Moves the dev chain's clock `seconds` ahead and mines a block (anvil only). */
    async passTime(seconds: number) {
      await rpc("evm_increaseTime", [seconds]);
      await rpc("evm_mine");
      await waitIndexed(await publicClient.getBlockNumber({ cacheTime: 0 }));
    },
    waitIndexed,
    rpc,
  };
}

export type CirculationActions = ReturnType<typeof circulationActions>;

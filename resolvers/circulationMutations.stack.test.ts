import { type Address, parseEther, type TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { startTestStack, type TestStack } from "../test/support/startTestStack.js";

/**
 * The circulation mutations through the real stack — gateway, subgraph, mutation guard, anvil with the deployed
 * market and vault, ponder indexing their events — for the actions that need no derivative: the pool and the lenders.
 * Payloads are the entities the indexer wrote (read-your-writes), a retry under the same Idempotency-Key relays
 * nothing, and refusals come back typed with no transaction sent. (The derivative actions, end to end with the demo's
 * cast, are test/e2e/circulation.test.ts.)
 */

let stack: TestStack;
const lender = privateKeyToAccount(ANVIL_DEV_KEYS[6]);
const TYPED = "domain types primaryType message";

type Response<T> = { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };

async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const response = await fetch(stack.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Response<T> };
}

const hubTransactions = () =>
  stack.hub.publicClient.getTransactionCount({ address: stack.hub.walletClient.account.address });

async function signedPair(name: string, inputType: string, input: Record<string, unknown>) {
  const { body } = await gql<Record<string, { typedData: unknown; permitTypedData: unknown }>>(
    `query($input: ${inputType}!) { ${name}TypedData(input: $input) { typedData { ${TYPED} } permitTypedData { ${TYPED} } } }`,
    { input },
  );
  expect(body.errors).toBeUndefined();
  const prepared = body.data?.[`${name}TypedData`] as {
    typedData: { message: { deadline: number } };
    permitTypedData: { message: { deadline: number } };
  };
  return {
    authorization: {
      signature: await lender.signTypedData(prepared.typedData as unknown as TypedDataDefinition),
      deadline: String(prepared.typedData.message.deadline),
    },
    permit: {
      signature: await lender.signTypedData(prepared.permitTypedData as unknown as TypedDataDefinition),
      deadline: String(prepared.permitTypedData.message.deadline),
    },
  };
}

beforeAll(async () => {
  stack = await startTestStack();
  // The treasury (the deployer, also the hub's signer here) pays the lender its ERA.
  const hash = await stack.hub.walletClient.writeContract({
    address: stack.deployment.contracts.EraToken.address,
    abi: [
      {
        type: "function",
        name: "transfer",
        stateMutability: "nonpayable",
        inputs: [
          { name: "to", type: "address" },
          { name: "value", type: "uint256" },
        ],
        outputs: [{ type: "bool" }],
      },
    ],
    functionName: "transfer",
    args: [lender.address, parseEther("1000")],
    chain: stack.hub.walletClient.chain,
  });
  await stack.hub.publicClient.waitForTransactionReceipt({ hash });
}, 300_000);

afterAll(async () => {
  await stack?.teardown();
});

describe("circulation mutations through the gateway", () => {
  it("funds the reward pool with a permit; a retry under the same Idempotency-Key replays it, relaying nothing", async () => {
    const input = { funder: lender.address, amount: parseEther("100").toString() };
    const variables = { input, ...(await signedPair("fundRewardPool", "FundRewardPoolInput", input)) };
    const mutation = `mutation($input: FundRewardPoolInput!, $authorization: SignedAuthorization!, $permit: SignedAuthorization) {
      fundRewardPool(input: $input, authorization: $authorization, permit: $permit) {
        rewardPool { balance totalFunded } amount transactionHash gasUsed } }`;
    const headers = { "x-api-key": "circulation-stack-test", "idempotency-key": "fund-pool-once" };
    const first = await gql<{ fundRewardPool: Record<string, unknown> }>(mutation, variables, headers);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data?.fundRewardPool).toMatchObject({
      rewardPool: { balance: parseEther("100").toString(), totalFunded: parseEther("100").toString() },
      amount: parseEther("100").toString(),
    });
    expect(BigInt(String(first.body.data?.fundRewardPool.gasUsed))).toBeGreaterThan(0n);

    const sent = await hubTransactions();
    const retry = await gql<{ fundRewardPool: Record<string, unknown> }>(mutation, variables, headers);
    expect(retry.body).toEqual(first.body);
    expect(await hubTransactions()).toBe(sent);
  });

  it("lends to the credit pool and withdraws, each payload the indexed pool", async () => {
    const input = { lender: lender.address, amount: parseEther("300").toString() };
    const { body } = await gql<{ depositLiquidity: { shares: string; creditPool: Record<string, string> } }>(
      `mutation($input: DepositLiquidityInput!, $authorization: SignedAuthorization!, $permit: SignedAuthorization) {
        depositLiquidity(input: $input, authorization: $authorization, permit: $permit) {
          shares creditPool { totalAssets idle totalShares } transactionHash } }`,
      { input, ...(await signedPair("depositLiquidity", "DepositLiquidityInput", input)) },
    );
    expect(body.errors).toBeUndefined();
    const deposited = body.data?.depositLiquidity;
    expect(deposited?.creditPool).toMatchObject({
      totalAssets: parseEther("300").toString(),
      idle: parseEther("300").toString(),
      totalShares: deposited?.shares,
    });

    const withdrawal = { lender: lender.address, shares: deposited?.shares };
    const typed = await gql<{ withdrawLiquidityTypedData: { message: { deadline: number } } }>(
      `query($input: WithdrawLiquidityInput!) { withdrawLiquidityTypedData(input: $input) { ${TYPED} } }`,
      { input: withdrawal },
    );
    const typedData = typed.body.data?.withdrawLiquidityTypedData as unknown as TypedDataDefinition & {
      message: { deadline: number };
    };
    const withdrawn = await gql<{
      withdrawLiquidity: { amount: string; creditPool: Record<string, string> };
    }>(
      `mutation($input: WithdrawLiquidityInput!, $authorization: SignedAuthorization!) {
        withdrawLiquidity(input: $input, authorization: $authorization) { amount creditPool { totalShares idle } } }`,
      {
        input: withdrawal,
        authorization: {
          signature: await lender.signTypedData(typedData),
          deadline: String(typedData.message.deadline),
        },
      },
    );
    expect(withdrawn.body.errors).toBeUndefined();
    expect(withdrawn.body.data?.withdrawLiquidity.creditPool.totalShares).toBe("0");
    expect(BigInt(withdrawn.body.data?.withdrawLiquidity.amount ?? 0)).toBeLessThanOrEqual(parseEther("300"));
  });

  it("refuses with typed codes, sending nothing", async () => {
    const sent = await hubTransactions();
    const codeOf = async (query: string, variables: Record<string, unknown> = {}) =>
      (await gql(query, variables)).body.errors?.[0]?.extensions?.code;
    expect(await codeOf(`mutation { claimReward(derivative: "99", metric: ADOPTERS) { paid } }`)).toBe(
      "UNKNOWN_DERIVATIVE",
    );
    expect(
      await codeOf(`mutation($a: Address!) { releaseRevenue(account: $a) { amount } }`, {
        a: lender.address,
      }),
    ).toBe("NOTHING_TO_CLAIM");
    expect(await codeOf(`mutation { declareDefault(creditLine: "1") { principalLost } }`)).toBe(
      "UNKNOWN_CREDIT_LINE",
    );
    expect(
      await codeOf(
        `query($i: WithdrawLiquidityInput!) { withdrawLiquidityTypedData(input: $i) { primaryType } }`,
        {
          i: { lender: lender.address, shares: "1" },
        },
      ),
    ).toBe("INSUFFICIENT_SHARES");
    // Signed by someone else than the funder.
    const input = { funder: lender.address as Address, amount: "1" };
    const typed = await gql<{
      fundRewardPoolTypedData: { typedData: TypedDataDefinition & { message: { deadline: number } } };
    }>(
      `query($input: FundRewardPoolInput!) { fundRewardPoolTypedData(input: $input) { typedData { ${TYPED} } } }`,
      { input },
    );
    const typedData = typed.body.data?.fundRewardPoolTypedData.typedData as TypedDataDefinition & {
      message: { deadline: number };
    };
    const forged = await privateKeyToAccount(ANVIL_DEV_KEYS[7]).signTypedData(typedData);
    expect(
      await codeOf(
        `mutation($input: FundRewardPoolInput!, $authorization: SignedAuthorization!) {
          fundRewardPool(input: $input, authorization: $authorization) { amount } }`,
        { input, authorization: { signature: forged, deadline: String(typedData.message.deadline) } },
      ),
    ).toBe("NOT_AUTHORIZED");
    expect(await hubTransactions()).toBe(sent);
  });
});

import postgres from "postgres";
import { maxUint256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditVaultAbi, derivativeMarketAbi, eraTokenAbi } from "../../contracts/generated/abis.js";
import { utilisationSql } from "../../resolvers/utilisationSql.js";
import { signedActionTypedData } from "../../usecases/circulation/signedActionTypedData.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

/**
 * The circulation read side on the real stack: the DerivativeMarket and CreditVault that `caldera up` deploys are
 * indexed by ponder from the manifest, their constructors' seed events land in the views, and the subgraph and
 * the gateway serve them; an analyst reads the same numbers, the utilisation rate by the README's statement.
 * (The signed flows — licence, adoption, claim, credit — are the circulation end-to-end tests'.)
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
}, 600_000);

afterAll(async () => {
  await stack?.teardown();
});

describe("circulation: seeds indexed and served", () => {
  it("the manifest names the market and the vault; their seed rules and rates are in the views and in GraphQL", async () => {
    expect(stack.deployment.contracts.DerivativeMarket?.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(stack.deployment.contracts.CreditVault?.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const query = `{ rewardPool { balance totalFunded totalClaimed shareBps }
      creditPool { totalAssets idle outstandingPrincipal totalLosses totalShares interestRateBps termSeconds }
      utilisation { certifiedCores coresWithDerivativeInUse rate }
      creditLines(first: 5) { totalCount edges { node { id } } } }`;
    type Reads = {
      rewardPool: { shareBps: number };
      creditPool: unknown;
      utilisation: { certifiedCores: number; coresWithDerivativeInUse: number; rate: number };
      creditLines: { totalCount: number };
    };
    // The stack is up once the indexer reached the deploy blocks; allow it a generous while under load.
    let result = await graphql<Reads>(stack.gatewayUrl, query);
    for (let tries = 0; tries < 120 && result.data?.rewardPool.shareBps !== 1000; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      result = await graphql<Reads>(stack.gatewayUrl, query);
    }
    expect(result.errors).toBeUndefined();
    expect(result.data?.rewardPool).toEqual({
      balance: "0",
      totalFunded: "0",
      totalClaimed: "0",
      shareBps: 1000,
    });
    expect(result.data?.creditPool).toEqual({
      totalAssets: "0",
      idle: "0",
      outstandingPrincipal: "0",
      totalLosses: "0",
      totalShares: "0",
      interestRateBps: 800,
      termSeconds: String(90 * 86_400),
    });
    expect(result.data?.creditLines.totalCount).toBe(0);

    const analyst = postgres(stack.analystUrl as string, { max: 1, onnotice: () => {} });
    try {
      const rules =
        await analyst`select kind, metric, threshold, amount::text from caldera.reward_rule order by kind`;
      expect(rules.map((r) => ({ ...r }))).toEqual([
        { kind: 1, metric: 1, threshold: 10, amount: (500n * 10n ** 18n).toString() },
        { kind: 3, metric: 2, threshold: 3, amount: (1_200n * 10n ** 18n).toString() },
      ]);
      const bases = await analyst`select domain, base::text from caldera.credit_domain_base order by domain`;
      expect(bases.map((r) => ({ ...r }))).toEqual([
        { domain: 1, base: (1_000n * 10n ** 18n).toString() },
        { domain: 2, base: (2_000n * 10n ** 18n).toString() },
      ]);
      const [utilisation] = await analyst.unsafe(utilisationSql("caldera"));
      expect({
        certifiedCores: utilisation?.certified_cores,
        coresWithDerivativeInUse: utilisation?.cores_with_derivative_in_use,
        rate: utilisation?.rate,
      }).toEqual(result.data?.utilisation);
    } finally {
      await analyst.end();
    }
  });

  it("funding the reward pool and depositing into the credit pool (signed actions sent straight to the contracts)", async () => {
    const { walletClient, publicClient } = stack.hub;
    const account = walletClient.account;
    const chainId = stack.deployment.chainId;
    const market = stack.deployment.contracts.DerivativeMarket?.address as `0x${string}`;
    const vault = stack.deployment.contracts.CreditVault?.address as `0x${string}`;
    const era = stack.deployment.contracts.EraToken.address;
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const noPermit = {
      value: 0n,
      deadline: 0n,
      v: 0,
      r: `0x${"0".repeat(64)}`,
      s: `0x${"0".repeat(64)}`,
    } as const;
    const send = async (request: Parameters<typeof walletClient.writeContract>[0]) => {
      const hash = await walletClient.writeContract(request);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
    };
    for (const spender of [market, vault])
      await send({
        address: era,
        abi: eraTokenAbi,
        functionName: "approve",
        args: [spender, maxUint256],
        account,
        chain: walletClient.chain,
      });

    const funding = {
      funder: account.address,
      amount: 300n * 10n ** 18n,
      nonce: await publicClient.readContract({
        address: market,
        abi: derivativeMarketAbi,
        functionName: "nonces",
        args: [account.address],
      }),
      deadline,
    };
    // The hub's typed data for the action (a test in usecases/circulation checks it against the type strings).
    const fundingSignature = await walletClient.signTypedData({
      account,
      ...signedActionTypedData({
        chainId,
        verifyingContract: market,
        action: "PoolFunding",
        message: funding,
      }),
    });
    await send({
      address: market,
      abi: derivativeMarketAbi,
      functionName: "fundPool",
      args: [funding, fundingSignature, noPermit],
      account,
      chain: walletClient.chain,
    });

    const deposit = {
      lender: account.address,
      amount: 1_000n * 10n ** 18n,
      nonce: await publicClient.readContract({
        address: vault,
        abi: creditVaultAbi,
        functionName: "nonces",
        args: [account.address],
      }),
      deadline,
    };
    const depositSignature = await walletClient.signTypedData({
      account,
      ...signedActionTypedData({ chainId, verifyingContract: vault, action: "Deposit", message: deposit }),
    });
    await send({
      address: vault,
      abi: creditVaultAbi,
      functionName: "deposit",
      args: [deposit, depositSignature, noPermit],
      account,
      chain: walletClient.chain,
    });
    const shares = await publicClient.readContract({
      address: vault,
      abi: creditVaultAbi,
      functionName: "totalShares",
    });

    const query = `{ rewardPool { balance totalFunded totalClaimed }
      creditPool { totalAssets idle outstandingPrincipal totalShares } }`;
    type Pools = {
      rewardPool: { balance: string; totalFunded: string; totalClaimed: string };
      creditPool: { totalAssets: string; idle: string; outstandingPrincipal: string; totalShares: string };
    };
    let result = await graphql<Pools>(stack.gatewayUrl, query);
    for (let tries = 0; tries < 120 && result.data?.creditPool.totalShares === "0"; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      result = await graphql<Pools>(stack.gatewayUrl, query);
    }
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      rewardPool: {
        balance: funding.amount.toString(),
        totalFunded: funding.amount.toString(),
        totalClaimed: "0",
      },
      creditPool: {
        totalAssets: deposit.amount.toString(),
        idle: deposit.amount.toString(),
        outstandingPrincipal: "0",
        totalShares: shares.toString(),
      },
    });
    const analyst = postgres(stack.analystUrl as string, { max: 1, onnotice: () => {} });
    try {
      const [position] = await analyst`
        select shares::text, deposited::text from caldera.lender_position where lender = ${account.address.toLowerCase()}`;
      expect({ ...position }).toEqual({ shares: shares.toString(), deposited: deposit.amount.toString() });
      const fundings = await analyst`select funder, amount::text from caldera.pool_funding`;
      expect(fundings.map((r) => ({ ...r }))).toEqual([
        { funder: account.address.toLowerCase(), amount: funding.amount.toString() },
      ]);
    } finally {
      await analyst.end();
    }
  });
});

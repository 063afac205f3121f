import postgres from "postgres";
import { getAddress, maxUint256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eraTokenAbi, marginVaultAbi } from "../../contracts/generated/abis.js";
import { signedActionTypedData } from "../../usecases/circulation/signedActionTypedData.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

/**
 * The cross-domain risk read side on the real stack: the EcosystemRegistry, RiskFeatureRegistry and MarginVault that
 * `caldera up` deploys are indexed by ponder from the manifest (indexer/ponder.config.ts), their constructors' events
 * land in the views (Caldera as ecosystem 1, the vault's and the registry's parameters), and a margin locked, assigned
 * its ecosystems and partly queued with signed actions sent straight to the vault is served through the gateway with
 * its requirement. (The whole story — features, freeze, votes, disposal — is test/e2e/risk.test.ts'.)
 */
const ERA = 10n ** 18n;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
}, 600_000);

afterAll(async () => {
  await stack?.teardown();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let tries = 0; tries < 240 && !done(value); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    value = await read();
  }
  return value;
}

describe("cross-domain risk: constructor events indexed, a margin served", () => {
  it("Caldera is ecosystem 1, operated by the hub; the lists are empty; the parameters are in the views", async () => {
    const signer = stack.hub.walletClient.account.address;
    type Reads = {
      ecosystems: { totalCount: number; edges: { node: Record<string, unknown> }[] };
      riskFeatures: { totalCount: number };
      cases: { totalCount: number };
      disposals: { totalCount: number };
    };
    const query = `{ ecosystems(first: 5) { totalCount edges { node { id name operator subgraphUrl active admittedAt } } }
      riskFeatures(first: 5) { totalCount } cases(first: 5) { totalCount } disposals(first: 5) { totalCount } }`;
    const result = await until(
      () => graphql<Reads>(stack.gatewayUrl, query),
      (r) => (r.data?.ecosystems.totalCount ?? 0) > 0,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.ecosystems.edges.map((e) => e.node)).toEqual([
      {
        id: "1",
        name: "Caldera",
        operator: getAddress(signer),
        subgraphUrl: null,
        active: true,
        admittedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect([
      result.data?.riskFeatures.totalCount,
      result.data?.cases.totalCount,
      result.data?.disposals.totalCount,
    ]).toEqual([0, 0, 0]);

    const analyst = postgres(stack.analystUrl as string, { max: 1, onnotice: () => {} });
    try {
      const [vault] = await analyst`select min_margin::text, per_ecosystem_margin::text, freeze_deposit::text,
        review_window::text, unlock_delay::text, case_quorum_bps, reserve::text from caldera.margin_vault`;
      expect({ ...vault }).toEqual({
        min_margin: String(20_000n * ERA),
        per_ecosystem_margin: String(20_000n * ERA),
        freeze_deposit: String(1_000n * ERA),
        review_window: String(3 * 86_400),
        unlock_delay: String(4 * 86_400),
        case_quorum_bps: 4000,
        reserve: "0",
      });
      const [setting] = await analyst`select attestation_quorum, min_attester_stake::text
        from caldera.risk_registry_setting`;
      expect({ ...setting }).toEqual({ attestation_quorum: 2, min_attester_stake: String(10_000n * ERA) });
    } finally {
      await analyst.end();
    }
  });

  it("lock, serve Caldera, queue part: Provider.margin with its requirement, and margins", async () => {
    const { walletClient, publicClient } = stack.hub;
    const account = walletClient.account;
    const chainId = stack.deployment.chainId;
    const vault = stack.deployment.contracts.MarginVault?.address as `0x${string}`;
    expect(vault).toMatch(/^0x[0-9a-fA-F]{40}$/);
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
    const nonce = () =>
      publicClient.readContract({
        address: vault,
        abi: marginVaultAbi,
        functionName: "nonces",
        args: [account.address],
      });
    type TypedData = Omit<Parameters<typeof walletClient.signTypedData>[0], "account">;
    const sign = async (action: "LockMargin" | "SetServedEcosystems" | "RequestUnlock", message: object) =>
      walletClient.signTypedData({
        account,
        ...(signedActionTypedData({
          chainId,
          verifyingContract: vault,
          action,
          message: message as never,
        }) as unknown as TypedData),
      });
    const chain = walletClient.chain;
    await send({
      address: stack.deployment.contracts.EraToken.address,
      abi: eraTokenAbi,
      functionName: "approve",
      args: [vault, maxUint256],
      account,
      chain,
    });
    const lock = { provider: account.address, amount: 25_000n * ERA, nonce: await nonce(), deadline };
    await send({
      address: vault,
      abi: marginVaultAbi,
      functionName: "lockMargin",
      args: [lock.provider, lock.amount, deadline, await sign("LockMargin", lock), noPermit],
      account,
      chain,
    });
    const serve = { provider: account.address, ecosystemIds: [1], nonce: await nonce(), deadline };
    await send({
      address: vault,
      abi: marginVaultAbi,
      functionName: "setServedEcosystems",
      args: [serve.provider, serve.ecosystemIds, deadline, await sign("SetServedEcosystems", serve)],
      account,
      chain,
    });
    const unlock = { provider: account.address, amount: 5_000n * ERA, nonce: await nonce(), deadline };
    await send({
      address: vault,
      abi: marginVaultAbi,
      functionName: "requestUnlock",
      args: [unlock.provider, unlock.amount, deadline, await sign("RequestUnlock", unlock)],
      account,
      chain,
    });
    const onChain = await publicClient.readContract({
      address: vault,
      abi: marginVaultAbi,
      functionName: "margin",
      args: [account.address],
    });

    type Reads = {
      provider: { margin: Record<string, unknown> | null };
      margins: { totalCount: number; edges: { node: { provider: { address: string } } }[] };
    };
    const result = await until(
      () =>
        graphql<Reads>(
          stack.gatewayUrl,
          `query($p: Address!) { provider(address: $p) { margin { locked queued unlockAt required adequate frozen
            frozenBy { id } ecosystemsServed { id name } } }
            margins(first: 5) { totalCount edges { node { provider { address } } } } }`,
          { p: account.address },
        ),
      (r) => r.data?.provider.margin?.queued === String(5_000n * ERA),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.provider.margin).toEqual({
      locked: String(onChain.locked),
      queued: String(onChain.queued),
      unlockAt: new Date(Number(onChain.unlockAt) * 1000).toISOString().replace(".000Z", "Z"),
      // max(20,000, 20,000 × 1 ecosystem), as the vault's requiredMargin says.
      required: String(
        await publicClient.readContract({
          address: vault,
          abi: marginVaultAbi,
          functionName: "requiredMargin",
          args: [account.address],
        }),
      ),
      adequate: true,
      frozen: false,
      frozenBy: null,
      ecosystemsServed: [{ id: "1", name: "Caldera" }],
    });
    expect(onChain.locked).toBe(20_000n * ERA);
    expect(result.data?.margins.totalCount).toBe(1);
    expect(result.data?.margins.edges[0]?.node.provider.address).toBe(getAddress(account.address));
  });
});

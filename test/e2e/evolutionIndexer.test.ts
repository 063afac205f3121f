import { hexToString, maxUint256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { componentRegistryAbi, eraTokenAbi, evolutionPoolAbi } from "../../contracts/generated/abis.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

/**
 * The capability evolution read side on the real stack: the ComponentRegistry and EvolutionPool that `caldera up`
 * deploys (with the hub's own components registered) are indexed by ponder from the manifest
 * (indexer/ponder.config.ts; the pool's genesis and epoch length read by its setup handler), and served through the
 * gateway exactly as the chain holds them; funding the pool moves its totals. (Reports, absorptions and settlements
 * through the whole flow are test/e2e/evolution.test.ts'.)
 */
const ERA = 10n ** 18n;
const KINDS = ["NONE", "COMPUTE", "DATA", "RULES", "SERVICE"];
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

type Pool = {
  balance: string;
  totalFunded: string;
  totalSlashed: string;
  totalRewarded: string;
  currentEpoch: number;
  epochLength: number;
};
const POOL = "{ evolutionPool { balance totalFunded totalSlashed totalRewarded currentEpoch epochLength } }";

describe("capability evolution: the registry's components and the pool, indexed", () => {
  it("components through the gateway are the registry's, field by field", async () => {
    const registry = stack.deployment.contracts.ComponentRegistry?.address as `0x${string}`;
    expect(registry).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const { publicClient } = stack.hub;
    const count = Number(
      await publicClient.readContract({
        address: registry,
        abi: componentRegistryAbi,
        functionName: "componentCount",
      }),
    );
    // The deploy registered the hub's own components (services/hubComponents.ts).
    expect(count).toBeGreaterThanOrEqual(Object.keys(stack.deployment.components ?? {}).length);
    expect(count).toBeGreaterThan(0);
    type Node = Record<string, unknown> & { id: string };
    const result = await until(
      () =>
        graphql<{ components: { totalCount: number; edges: { node: Node }[] } }>(
          stack.gatewayUrl,
          `{ components(first: 100) { totalCount edges { node { id name kind provider { address } pledge price logicHash
            version } } } }`,
        ),
      (r) => (r.data?.components.totalCount ?? 0) >= count,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.components.totalCount).toBe(count);
    for (const { node } of result.data?.components.edges ?? []) {
      const onChain = await publicClient.readContract({
        address: registry,
        abi: componentRegistryAbi,
        functionName: "component",
        args: [BigInt(node.id)],
      });
      expect(node).toEqual({
        id: node.id,
        name: hexToString(onChain.name, { size: 32 }),
        kind: KINDS[onChain.kind],
        provider: { address: onChain.provider },
        pledge: String(onChain.pledge),
        price: String(onChain.price),
        logicHash: onChain.logicHash,
        version: onChain.version,
      });
    }
    // Every hub component's manifest id is a listed component.
    for (const id of Object.values(stack.deployment.components ?? {}))
      expect(result.data?.components.edges.map((e) => e.node.id)).toContain(String(id));
  });

  it("the pool: epoch length and current epoch as the contract says; funding moves the totals", async () => {
    const pool = stack.deployment.contracts.EvolutionPool?.address as `0x${string}`;
    const { walletClient, publicClient } = stack.hub;
    const read = (functionName: "epochLength" | "currentEpoch" | "totalFunded" | "balance") =>
      publicClient.readContract({ address: pool, abi: evolutionPoolAbi, functionName });
    const before = await until(
      () => graphql<{ evolutionPool: Pool }>(stack.gatewayUrl, POOL),
      (r) => r.data !== undefined,
    );
    expect(before.errors).toBeUndefined();
    expect(before.data?.evolutionPool.epochLength).toBe(Number(await read("epochLength")));
    expect(before.data?.evolutionPool.currentEpoch).toBe(Number(await read("currentEpoch")));

    const account = walletClient.account;
    const chain = walletClient.chain;
    const send = async (request: Parameters<typeof walletClient.writeContract>[0]) => {
      const hash = await walletClient.writeContract(request);
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
    };
    const amount = 1_234n * ERA;
    const noPermit = {
      value: 0n,
      deadline: 0n,
      v: 0,
      r: `0x${"0".repeat(64)}`,
      s: `0x${"0".repeat(64)}`,
    } as const;
    await send({
      address: stack.deployment.contracts.EraToken.address,
      abi: eraTokenAbi,
      functionName: "approve",
      args: [pool, maxUint256],
      account,
      chain,
    });
    await send({
      address: pool,
      abi: evolutionPoolAbi,
      functionName: "fund",
      args: [amount, noPermit],
      account,
      chain,
    });
    const funded = String(await read("totalFunded"));
    const after = await until(
      () => graphql<{ evolutionPool: Pool }>(stack.gatewayUrl, POOL),
      (r) => r.data?.evolutionPool.totalFunded === funded,
    );
    expect(after.data?.evolutionPool).toMatchObject({
      totalFunded: funded,
      balance: String(await read("balance")),
      totalRewarded: "0",
    });
    expect(BigInt(funded) - BigInt(before.data?.evolutionPool.totalFunded ?? "0")).toBe(amount);
  });
});

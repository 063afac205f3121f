import postgres from "postgres";
import {
  type Address,
  createWalletClient,
  type Hex,
  http,
  parseEther,
  stringToHex,
  type TypedDataDefinition,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { componentRegistryAbi, eraTokenAbi } from "../contracts/generated/abis.js";
import { canonicalHash } from "../models/canonicalJson.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { DEV_NODE_KEYS } from "../stack/setUpDevNodes.js";
import { startTestStack, type TestStack } from "../test/support/startTestStack.js";
import { eraPermitTypedData } from "../usecases/circulation/eraPermitTypedData.js";
import { evolutionActionTypedData } from "../usecases/evolution/evolutionSignedActions.js";
import agriculturalGapFilling from "../usecases/evolution/logic/modules/agriculturalGapFilling.json" with {
  type: "json",
};
import industrialConditioning from "../usecases/evolution/logic/modules/industrialConditioning.json" with {
  type: "json",
};
import { sampleMachineDay } from "../usecases/evolution/logic/sampleMachineDay.js";

/**
 * The seed's absorption story through the real stack (gateway, subgraph, anvil with the deployed ComponentRegistry,
 * ponder, the hub's Postgres): two data components of different providers — the agricultural one's logic is the
 * gap-filling module, the industrial one's its own conditioning pipeline — the industrial one absorbs the gap
 * filling (both providers sign, its provider escrows 800 ERA with a permit), two dev nodes approve, the agricultural
 * provider's ERA rises by exactly 800 ERA, and the industrial component's accuracy on machine data with gaps, as its
 * telemetry records it, rises. The attacks come back typed with nothing sent and nothing paid.
 */

let stack: TestStack;
let sql: postgres.Sql;
const agriProvider = privateKeyToAccount(ANVIL_DEV_KEYS[6] as Hex);
const industrialProvider = privateKeyToAccount(ANVIL_DEV_KEYS[7] as Hex);
const [node1, node2] = DEV_NODE_KEYS.map((key) => privateKeyToAccount(key as Hex));
const AGRI = canonicalHash(agriculturalGapFilling);
const INDUSTRIAL = canonicalHash(industrialConditioning);
const TYPED = "domain types primaryType message";
const COMPENSATION = parseEther("800");

type Account = ReturnType<typeof privateKeyToAccount>;
type Typed = TypedDataDefinition & { message: { deadline: number } };
type Response<T> = { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };

async function gql<T>(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(stack.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "absorption-stack-test" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Response<T>;
}

async function ok<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const body = await gql<T>(query, variables);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as T;
}

const chainMark = async () => [
  await stack.hub.publicClient.getTransactionCount({ address: stack.hub.walletClient.account.address }),
  await stack.hub.publicClient.getBlockNumber({ cacheTime: 0 }),
];

/** A refusal's extensions; the hub sent nothing (its nonce and the block number unchanged). */
async function refusedWith(query: string, variables: Record<string, unknown> = {}) {
  const before = await chainMark();
  const body = await gql(query, variables);
  expect(await chainMark()).toEqual(before);
  return body.errors?.[0]?.extensions ?? {};
}

const registry = () =>
  (stack.deployment.contracts as unknown as Record<string, { address: Address } | undefined>)
    .ComponentRegistry?.address as Address;
const era = () => stack.deployment.contracts.EraToken.address;
const balanceOf = (owner: Address) =>
  stack.hub.publicClient.readContract({
    address: era(),
    abi: eraTokenAbi,
    functionName: "balanceOf",
    args: [owner],
  });
const sign = async (account: Account, typedData: Typed) => ({
  signature: await account.signTypedData(typedData),
  deadline: String(typedData.message.deadline),
});

/** A DATA component registered by `provider` itself (its signature, its permit of the minimum pledge, its gas). */
async function registerDataComponent(provider: Account, name: string, logicHash: Hex): Promise<string> {
  const { publicClient } = stack.hub;
  const address = registry();
  const [nonce, pledge, eraNonce, block] = await Promise.all([
    publicClient.readContract({
      address,
      abi: componentRegistryAbi,
      functionName: "nonces",
      args: [provider.address],
    }),
    publicClient.readContract({ address, abi: componentRegistryAbi, functionName: "minPledge" }),
    publicClient.readContract({
      address: era(),
      abi: eraTokenAbi,
      functionName: "nonces",
      args: [provider.address],
    }),
    publicClient.getBlock(),
  ]);
  const deadline = block.timestamp + 3_600n;
  const message = {
    provider: provider.address,
    kind: 2,
    name: stringToHex(name, { size: 32 }),
    price: 0n,
    pledge,
    logicHash,
    nonce,
    deadline,
  };
  const signature = await provider.signTypedData(
    evolutionActionTypedData({
      chainId: stack.deployment.chainId,
      verifyingContract: address,
      action: "RegisterComponent",
      message,
    }) as never,
  );
  const permit = await provider.signTypedData(
    eraPermitTypedData({
      chainId: stack.deployment.chainId,
      token: era(),
      owner: provider.address,
      spender: address,
      value: pledge,
      nonce: eraNonce,
      deadline,
    }) as never,
  );
  const r = `0x${permit.slice(2, 66)}` as Hex;
  const s = `0x${permit.slice(66, 130)}` as Hex;
  const v = Number.parseInt(permit.slice(130, 132), 16);
  const wallet = createWalletClient({
    account: provider,
    chain: { ...foundry, id: stack.deployment.chainId },
    transport: http(stack.rpcUrl),
  });
  const hash = await wallet.writeContract({
    address,
    abi: componentRegistryAbi,
    functionName: "registerComponent",
    args: [
      provider.address,
      2,
      message.name,
      0n,
      pledge,
      logicHash,
      deadline,
      signature,
      { value: pledge, deadline, v, r, s },
    ],
  });
  await publicClient.waitForTransactionReceipt({ hash });
  const count = await publicClient.readContract({
    address,
    abi: componentRegistryAbi,
    functionName: "componentCount",
  });
  return count.toString();
}

let agriId: string;
let industrialId: string;

beforeAll(async () => {
  stack = await startTestStack();
  sql = postgres(stack.postgresUrl, { max: 1, onnotice: () => {} });
  // The treasury (the hub's dev signer) pays both providers their ERA: a pledge each and the compensation.
  for (const provider of [agriProvider, industrialProvider]) {
    const hash = await stack.hub.walletClient.writeContract({
      address: era(),
      abi: eraTokenAbi,
      functionName: "transfer",
      args: [provider.address, parseEther("5000")],
      chain: stack.hub.walletClient.chain,
    });
    await stack.hub.publicClient.waitForTransactionReceipt({ hash });
  }
  agriId = await registerDataComponent(agriProvider, "test-agricultural-data", AGRI);
  industrialId = await registerDataComponent(industrialProvider, "test-industrial-data", INDUSTRIAL);
}, 300_000);

afterAll(async () => {
  await sql?.end();
  await stack?.teardown();
});

const RUN = `mutation($c: ID!, $i: JSON!, $m: [Bytes32!]) {
  runComponentLogic(component: $c, input: $i, modules: $m) { accuracy modules { hash role } } }`;
type RunPayload = { runComponentLogic: { accuracy: number; modules: { hash: Hex; role: string }[] } };

/** The industrial component's logic-run accuracies, oldest first, as its telemetry recorded them. */
async function recordedAccuracies(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const rows = await sql<{ accuracy: number }[]>`
      select accuracy from caldera_hub.component_invocation
      where component_id = ${industrialId} and success and accuracy is not null order by at, id`;
    if (rows.length >= count) return rows.map((row) => row.accuracy);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the telemetry rows did not arrive");
}

describe("capability absorption through the gateway", () => {
  const { reported, truth } = sampleMachineDay();
  let before: number;
  let absorptionId: string;

  it("publishes both modules content-addressed; the industrial component runs only its own", async () => {
    for (const [module, hash] of [
      [agriculturalGapFilling, AGRI],
      [industrialConditioning, INDUSTRIAL],
    ] as const) {
      const published = await ok<{ publishLogicModule: { hash: Hex } }>(
        "mutation($m: JSON!) { publishLogicModule(module: $m) { hash } }",
        { m: module },
      );
      expect(published.publishLogicModule.hash).toBe(hash);
    }
    const run = await ok<RunPayload>(RUN, { c: industrialId, i: { ...reported, truth } });
    expect(run.runComponentLogic.modules).toEqual([{ hash: INDUSTRIAL, role: "own" }]);
    before = run.runComponentLogic.accuracy;
    expect(before).toBeLessThan(0.9);
  });

  it("refuses an unapproved module and a hash-mismatched request, sending nothing", async () => {
    expect(await refusedWith(RUN, { c: industrialId, i: reported, m: [AGRI] })).toMatchObject({
      code: "ABSORPTION_NOT_APPROVED",
    });
    const input = { absorber: industrialId, source: agriId, moduleHash: INDUSTRIAL };
    expect(
      await refusedWith(
        "query($i: RequestAbsorptionInput!) { requestAbsorptionTypedData(input: $i) { compensation } }",
        { i: input },
      ),
    ).toMatchObject({ code: "MODULE_HASH_MISMATCH" });
  });

  it("both providers sign, the absorber's provider escrows 800 ERA with a permit", async () => {
    const input = { absorber: industrialId, source: agriId, moduleHash: AGRI };
    const prepared = await ok<{
      requestAbsorptionTypedData: {
        absorberTypedData: Typed;
        sourceTypedData: Typed;
        permitTypedData: Typed;
        compensation: string;
      };
    }>(
      `query($i: RequestAbsorptionInput!) { requestAbsorptionTypedData(input: $i) {
        absorberTypedData { ${TYPED} } sourceTypedData { ${TYPED} } permitTypedData { ${TYPED} } compensation } }`,
      { i: input },
    );
    const typed = prepared.requestAbsorptionTypedData;
    expect(typed.compensation).toBe(COMPENSATION.toString());
    const payerBefore = await balanceOf(industrialProvider.address);
    const requested = await ok<{
      requestAbsorption: { absorptionId: string; absorption: { status: string } | null };
    }>(
      `mutation($i: RequestAbsorptionInput!, $a: SignedAuthorization!, $s: SignedAuthorization!, $p: SignedAuthorization) {
        requestAbsorption(input: $i, absorberAuthorization: $a, sourceAuthorization: $s, permit: $p) {
          absorptionId compensation absorption { status moduleHash } } }`,
      {
        i: input,
        a: await sign(industrialProvider, typed.absorberTypedData),
        s: await sign(agriProvider, typed.sourceTypedData),
        p: await sign(industrialProvider, typed.permitTypedData),
      },
    );
    absorptionId = requested.requestAbsorption.absorptionId;
    expect(requested.requestAbsorption.absorption?.status).toBe("REQUESTED");
    expect(payerBefore - (await balanceOf(industrialProvider.address))).toBe(COMPENSATION);
  });

  it("refuses reclaiming before the window ends, sending nothing", async () => {
    expect(
      await refusedWith(`mutation($id: ID!) { reclaimAbsorption(absorptionId: $id) { compensation } }`, {
        id: absorptionId,
      }),
    ).toMatchObject({ code: "ABSORPTION_WINDOW_OPEN" });
  });

  it("two dev nodes approve: the source's provider receives exactly 800 ERA; approving twice is refused", async () => {
    const prepared = await ok<{ approveAbsorptionTypedData: { typedData: Typed } }>(
      `query($id: ID!) { approveAbsorptionTypedData(absorptionId: $id) { typedData { ${TYPED} } } }`,
      { id: absorptionId },
    );
    const typedData = prepared.approveAbsorptionTypedData.typedData;
    const attestations = await Promise.all(
      [node1, node2].map(async (node) => ({
        node: (node as Account).address,
        ...(await sign(node as Account, typedData)),
      })),
    );
    const paidBefore = await balanceOf(agriProvider.address);
    const approved = await ok<{
      approveAbsorption: {
        paidTo: Address;
        compensation: string;
        approvedBy: Address[];
        absorption: { status: string; approvedBy: Address[] } | null;
      };
    }>(
      `mutation($id: ID!, $a: [NodeAttestationInput!]!) {
        approveAbsorption(absorptionId: $id, attestations: $a) {
          paidTo compensation approvedBy logicHash absorption { status approvedBy } } }`,
      { id: absorptionId, a: attestations },
    );
    expect(approved.approveAbsorption.paidTo).toBe(agriProvider.address);
    expect(approved.approveAbsorption.compensation).toBe(COMPENSATION.toString());
    // In ascending address order, as the hub sends them (how the registry counts a node once).
    const ascending = [node1?.address as string, node2?.address as string].sort((a, b) =>
      BigInt(a) < BigInt(b) ? -1 : 1,
    );
    expect(approved.approveAbsorption.approvedBy).toEqual(ascending);
    expect(approved.approveAbsorption.absorption?.status).toBe("APPROVED");
    expect((await balanceOf(agriProvider.address)) - paidBefore).toBe(COMPENSATION);

    const paidAfter = await balanceOf(agriProvider.address);
    expect(
      await refusedWith(
        `mutation($id: ID!, $a: [NodeAttestationInput!]!) { approveAbsorption(absorptionId: $id, attestations: $a) { paidTo } }`,
        { id: absorptionId, a: attestations },
      ),
    ).toMatchObject({ code: "ABSORPTION_NOT_PENDING" });
    expect(await balanceOf(agriProvider.address)).toBe(paidAfter);
  });

  it("the industrial component now runs the absorbed gap filling: its recorded accuracy rises", async () => {
    const run = await ok<RunPayload>(RUN, { c: industrialId, i: { ...reported, truth } });
    expect(run.runComponentLogic.modules).toEqual([
      { hash: INDUSTRIAL, role: "own" },
      { hash: AGRI, role: "absorbed" },
    ]);
    const after = run.runComponentLogic.accuracy;
    expect(after).toBeGreaterThan(before);
    const recorded = await recordedAccuracies(2);
    expect(recorded[0]).toBeCloseTo(before, 9);
    expect(recorded.at(-1)).toBeCloseTo(after, 9);
  });
});

import postgres from "postgres";
import { type Address, type Hex, keccak256, parseEther, stringToHex, type TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { startTestStack, type TestStack } from "../test/support/startTestStack.js";
import { publishHubEvolutionReport } from "../usecases/evolution/publishEvolutionReport.js";

/**
 * Capability evolution's writes through the real stack — gateway, subgraph, mutation guard, anvil with the deployed
 * ComponentRegistry and EvolutionPool (the hub's own components registered by the deploy), ponder indexing them, the
 * hub's telemetry table: an outside caller pays for the market model and gets its forecast (the fee split between
 * the pool and the provider, the invocation metered with the caller and the on-chain id); a provider registers a
 * data component, prices it, adds to its pledge and publishes an evolution report; the hub publishes one for its
 * own prover; the pool is funded from the treasury. Every refusal comes back typed with nothing sent (the hub's
 * nonce and the block number unchanged).
 */

let stack: TestStack;
let sql: postgres.Sql;
const hubKey = privateKeyToAccount(ANVIL_DEV_KEYS[0] as Hex); // the hub's dev signer and treasury
const provider = privateKeyToAccount(ANVIL_DEV_KEYS[6] as Hex);
const caller = privateKeyToAccount(ANVIL_DEV_KEYS[7] as Hex);
const penniless = privateKeyToAccount(ANVIL_DEV_KEYS[8] as Hex);
const TYPED = "domain types primaryType message";

type Account = ReturnType<typeof privateKeyToAccount>;
type Response<T> = {
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown } }[];
};
type Typed = TypedDataDefinition & { message: { deadline: number } };

async function gql<T>(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(stack.gatewayUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "evolution-stack-test" },
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

async function refusedWith(query: string, variables: Record<string, unknown> = {}) {
  const before = await chainMark();
  const body = await gql(query, variables);
  expect(await chainMark()).toEqual(before);
  return body.errors?.[0]?.extensions ?? {};
}

const authorization = async (account: Account, typedData: Typed) => ({
  signature: await account.signTypedData(typedData),
  deadline: String(typedData.message.deadline),
});

/** `<name>TypedData(input)` → the signer's authorization (and permit, when the query returns one). */
async function signed(name: string, inputType: string, input: unknown, signer: Account, withPermit = false) {
  const selection = withPermit ? `{ typedData { ${TYPED} } permitTypedData { ${TYPED} } }` : `{ ${TYPED} }`;
  const data = await ok<Record<string, Typed | { typedData: Typed; permitTypedData: Typed }>>(
    `query($input: ${inputType}!) { ${name}TypedData(input: $input) ${selection} }`,
    { input },
  );
  const prepared = data[`${name}TypedData`];
  if (!withPermit) return { authorization: await authorization(signer, prepared as Typed) };
  const pair = prepared as { typedData: Typed; permitTypedData: Typed };
  return {
    authorization: await authorization(signer, pair.typedData),
    permit: await authorization(signer, pair.permitTypedData),
  };
}

async function transferEra(to: Address, amount: bigint) {
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
    args: [to, amount],
    chain: stack.hub.walletClient.chain,
  });
  await stack.hub.publicClient.waitForTransactionReceipt({ hash });
}

/** A market-forecast input: three seasons of a seasonal price, so the model back-tests its last season. */
const marketInput = {
  series: Array.from({ length: 36 }, (_, i) => 10 + 2 * Math.sin((2 * Math.PI * i) / 12) + i * 0.05),
  seasonLength: 12,
  horizon: 3,
  seasonality: "additive",
};

const INVOKE = `mutation($input: InvokeComponentInput!, $authorization: SignedAuthorization!, $permit: SignedAuthorization) {
  invokeComponent(input: $input, authorization: $authorization, permit: $permit) {
    invocation { id onchainId caller fee toPool toProvider } component { id name kind } output latencyMs transactionHash } }`;

beforeAll(async () => {
  stack = await startTestStack();
  sql = postgres(stack.postgresUrl, { max: 2, onnotice: () => {} });
  await transferEra(provider.address, parseEther("5000"));
  await transferEra(caller.address, parseEther("10"));
}, 300_000);

afterAll(async () => {
  await sql?.end();
  await stack?.teardown();
});

describe("capability evolution mutations through the gateway", () => {
  let marketModel: string;
  let dataComponent: string;

  it("the deploy registered the hub's components; their ids are in the manifest and the hub", () => {
    const components = stack.hub.components ?? {};
    expect(Object.keys(components).sort()).toEqual(
      [
        "agricultural-validator",
        "binding-prover",
        "core-prover",
        "derivation-rules",
        "fault-model",
        "industrial-validator",
        "market-model",
        "planting-model",
      ].sort(),
    );
    marketModel = String(components["market-model"]);
  });

  it("refuses bad invocations with their codes, sending nothing", async () => {
    const input = {
      caller: caller.address,
      component: marketModel,
      maxPrice: parseEther("1").toString(),
      input: marketInput,
    };
    const dummy = {
      signature: `0x${"11".repeat(65)}`,
      deadline: String(Math.floor(Date.now() / 1000) + 600),
    };
    expect(
      (await refusedWith(INVOKE, { input: { ...input, component: "999" }, authorization: dummy })).code,
    ).toBe("UNKNOWN_COMPONENT");
    expect(
      (await refusedWith(INVOKE, { input: { ...input, maxPrice: "1" }, authorization: dummy })).code,
    ).toBe("PRICE_CHANGED");
    expect(
      (
        await refusedWith(INVOKE, {
          input: { ...input, input: { series: [1], seasonLength: 12, horizon: 3 } },
          authorization: dummy,
        })
      ).code,
    ).toBe("MODEL_INPUT_INVALID");
    const core = String(stack.hub.components?.["core-prover"]);
    expect(
      (await refusedWith(INVOKE, { input: { ...input, component: core }, authorization: dummy })).code,
    ).toBe("BAD_USER_INPUT");
    // Properly signed, but the caller holds no ERA.
    const poor = { ...input, caller: penniless.address };
    const signedPoor = await signed("invokeComponent", "InvokeComponentInput", poor, penniless, true);
    const refusal = await refusedWith(INVOKE, { input: poor, ...signedPoor });
    expect(refusal).toMatchObject({ code: "INSUFFICIENT_FUNDS", of: "balance" });
    // A signature over another input (the request hash differs).
    const other = await signed("invokeComponent", "InvokeComponentInput", input, caller, true);
    expect(
      (await refusedWith(INVOKE, { input: { ...input, input: { ...marketInput, horizon: 4 } }, ...other }))
        .code,
    ).toBe("NOT_AUTHORIZED");
  });

  it("a paid invocation of the market model: the fee split 20/80, the forecast returned, the run metered", async () => {
    const input = {
      caller: caller.address,
      component: marketModel,
      maxPrice: parseEther("1").toString(),
      input: marketInput,
    };
    const paid = await ok<{
      invokeComponent: {
        invocation: {
          id: string;
          onchainId: string;
          caller: string;
          fee: string;
          toPool: string;
          toProvider: string;
        };
        component: { id: string; name: string; kind: string };
        output: { backtest?: unknown };
      };
    }>(INVOKE, { input, ...(await signed("invokeComponent", "InvokeComponentInput", input, caller, true)) });
    const { invocation, component, output } = paid.invokeComponent;
    expect(invocation).toMatchObject({
      caller: caller.address,
      fee: parseEther("1").toString(),
      toPool: parseEther("0.2").toString(),
      toProvider: parseEther("0.8").toString(),
    });
    expect(component).toEqual({ id: marketModel, name: "market-model", kind: "SERVICE" });
    expect(output.backtest).toBeTruthy();
    // The telemetry row: buffered, then flushed within the recorder's interval.
    await stack.hub.telemetry?.flush();
    const [row] = await sql<
      { caller: string; scenario: string; success: boolean; accuracy: number | null }[]
    >`
      select caller, scenario, success, accuracy from caldera_hub.component_invocation
      where onchain_invocation_id = ${invocation.onchainId}`;
    expect(row).toMatchObject({
      caller: caller.address.toLowerCase(),
      scenario: "kind:MARKET_FORECAST",
      success: true,
    });
    expect(row?.accuracy).toBeGreaterThan(0);
  });

  it("a provider registers a data component, prices it, adds to its pledge; PLEDGE_TOO_LOW and NOT_AUTHORIZED first", async () => {
    const register = `mutation($input: RegisterComponentInput!, $authorization: SignedAuthorization!, $permit: SignedAuthorization) {
      registerComponent(input: $input, authorization: $authorization, permit: $permit) {
        component { id name kind price pledge version provider { address } } transactionHash } }`;
    const input = {
      provider: provider.address,
      kind: "DATA",
      name: "orchard-gap-filler",
      price: "0",
      pledge: parseEther("1000").toString(),
      logicHash: keccak256(stringToHex("orchard-gap-filler v1")),
    };
    const low = { ...input, pledge: parseEther("999").toString() };
    const dummy = {
      signature: `0x${"11".repeat(65)}`,
      deadline: String(Math.floor(Date.now() / 1000) + 600),
    };
    expect((await refusedWith(register, { input: low, authorization: dummy })).code).toBe("PLEDGE_TOO_LOW");

    const registered = await ok<{
      registerComponent: {
        component: { id: string; name: string; kind: string; pledge: string; version: number };
      };
    }>(register, {
      input,
      ...(await signed("registerComponent", "RegisterComponentInput", input, provider, true)),
    });
    expect(registered.registerComponent.component).toMatchObject({
      name: "orchard-gap-filler",
      kind: "DATA",
      pledge: input.pledge,
      version: 1,
    });
    dataComponent = registered.registerComponent.component.id;

    const price = {
      provider: provider.address,
      component: dataComponent,
      price: parseEther("0.5").toString(),
    };
    const setPrice = `mutation($input: SetComponentPriceInput!, $authorization: SignedAuthorization!) {
      setComponentPrice(input: $input, authorization: $authorization) { component { price } } }`;
    // Someone else's component: refused before anything is signed over.
    expect(
      (
        await refusedWith(setPrice, {
          input: { ...price, component: marketModel },
          authorization: dummy,
        })
      ).code,
    ).toBe("NOT_AUTHORIZED");
    const priced = await ok<{ setComponentPrice: { component: { price: string } } }>(setPrice, {
      input: price,
      ...(await signed("setComponentPrice", "SetComponentPriceInput", price, provider)),
    });
    expect(priced.setComponentPrice.component.price).toBe(price.price);

    const pledge = {
      provider: provider.address,
      component: dataComponent,
      amount: parseEther("100").toString(),
    };
    const added = await ok<{ addComponentPledge: { component: { pledge: string }; amount: string } }>(
      `mutation($input: AddComponentPledgeInput!, $authorization: SignedAuthorization!, $permit: SignedAuthorization) {
        addComponentPledge(input: $input, authorization: $authorization, permit: $permit) { component { pledge } amount } }`,
      {
        input: pledge,
        ...(await signed("addComponentPledge", "AddComponentPledgeInput", pledge, provider, true)),
      },
    );
    expect(added.addComponentPledge).toEqual({
      component: { pledge: parseEther("1100").toString() },
      amount: pledge.amount,
    });
  });

  it("the provider publishes an evolution report (nested Metrics signed); inconsistent figures are refused", async () => {
    const metrics = (p50: number) => ({
      p50LatencyMicros: String(p50),
      p95LatencyMicros: String(p50 * 2),
      accuracyBps: 9_100,
      complianceBps: 10_000,
      invocations: 40,
    });
    const input = {
      provider: provider.address,
      component: dataComponent,
      before: metrics(2_000),
      after: metrics(1_500),
      efficiencyImprovementBps: 2_500,
      evidenceHash: keccak256(stringToHex("windows")),
      decisionLogHash: keccak256(stringToHex("decisions")),
      logicHash: keccak256(stringToHex("orchard-gap-filler v2")),
    };
    const publish = `mutation($input: PublishEvolutionReportInput!, $authorization: SignedAuthorization!) {
      publishEvolutionReport(input: $input, authorization: $authorization) {
        reportId efficiencyImprovementBps logicHash component { version logicHash } } }`;
    const dummy = {
      signature: `0x${"11".repeat(65)}`,
      deadline: String(Math.floor(Date.now() / 1000) + 600),
    };
    expect(
      await refusedWith(publish, {
        input: { ...input, efficiencyImprovementBps: 3_000 },
        authorization: dummy,
      }),
    ).toMatchObject({ code: "BAD_USER_INPUT" });
    const published = await ok<{
      publishEvolutionReport: {
        efficiencyImprovementBps: number;
        component: { version: number; logicHash: string };
      };
    }>(publish, {
      input,
      ...(await signed("publishEvolutionReport", "PublishEvolutionReportInput", input, provider)),
    });
    expect(published.publishEvolutionReport).toMatchObject({
      efficiencyImprovementBps: 2_500,
      component: { version: 2, logicHash: input.logicHash },
    });
  });

  it("a paid invocation of the provider's data component runs its logic modules and is metered as it", async () => {
    const windowStart = 1_780_002_000;
    const series = {
      slotSeconds: 3_600,
      windowStart,
      points: Array.from({ length: 6 }, (_, i) => ({
        t: windowStart + i * 3_600,
        values: { temperature: 20 + i },
      })),
    };
    const input = {
      caller: caller.address,
      component: dataComponent,
      maxPrice: parseEther("0.5").toString(),
      input: series,
    };
    const paid = await ok<{
      invokeComponent: {
        invocation: { onchainId: string; fee: string; toPool: string; toProvider: string };
        component: { kind: string };
        output: { series: typeof series; modules: unknown[] };
      };
    }>(INVOKE, { input, ...(await signed("invokeComponent", "InvokeComponentInput", input, caller, true)) });
    const { invocation, component, output } = paid.invokeComponent;
    expect(invocation).toMatchObject({
      fee: parseEther("0.5").toString(),
      toPool: parseEther("0.1").toString(),
      toProvider: parseEther("0.4").toString(),
    });
    expect(component.kind).toBe("DATA");
    // No module of its own is published in this hub and it absorbed none: the series comes back as it went in.
    expect(output).toMatchObject({ series, modules: [] });
    await stack.hub.telemetry?.flush();
    const [row] = await sql<{ component: string; caller: string; success: boolean }[]>`
      select component, caller, success from caldera_hub.component_invocation
      where onchain_invocation_id = ${invocation.onchainId}`;
    expect(row).toEqual({
      component: `component-${dataComponent}`,
      caller: caller.address.toLowerCase(),
      success: true,
    });
  });

  it("the hub publishes a report for its own prover with its own key (what the tuned prover's onImprovement calls)", async () => {
    const report = {
      before: { p50LatencyMs: 2_800, accuracy: 1, complianceRate: 1, invocations: 20 },
      after: { p50LatencyMs: 1_850.5, accuracy: 1, complianceRate: 1, invocations: 20 },
      efficiencyImprovementBps: 3_391,
      evidenceHash: keccak256(stringToHex("prover windows")) as `0x${string}`,
    };
    const result = await publishHubEvolutionReport(stack.hub, {
      component: "core-prover",
      report,
      decisionLogHash: keccak256(stringToHex("kernel log")),
      configuration: { circuit: "coreQuality", host: "process", witness: "reused" },
    });
    expect(result).toMatchObject({
      componentId: String(stack.hub.components?.["core-prover"]),
      efficiencyImprovementBps: 3_391,
    });
  });

  it("funds the pool from the treasury on the treasury's permit; anyone else's permit is NOT_AUTHORIZED", async () => {
    const amount = parseEther("500").toString();
    const prepared = await ok<{ fundEvolutionPoolTypedData: { funder: string; permitTypedData: Typed } }>(
      `query($input: FundEvolutionPoolInput!) { fundEvolutionPoolTypedData(input: $input) { funder permitTypedData { ${TYPED} } } }`,
      { input: { amount } },
    );
    expect(prepared.fundEvolutionPoolTypedData.funder).toBe(hubKey.address);
    const fund = `mutation($input: FundEvolutionPoolInput!, $permit: SignedAuthorization!) {
      fundEvolutionPool(input: $input, permit: $permit) { funder amount transactionHash } }`;
    const forged = await authorization(caller, prepared.fundEvolutionPoolTypedData.permitTypedData);
    expect((await refusedWith(fund, { input: { amount }, permit: forged })).code).toBe("NOT_AUTHORIZED");
    const funded = await ok<{ fundEvolutionPool: { funder: string; amount: string } }>(fund, {
      input: { amount },
      permit: await authorization(hubKey, prepared.fundEvolutionPoolTypedData.permitTypedData),
    });
    expect(funded.fundEvolutionPool).toMatchObject({ funder: hubKey.address, amount });
  });
});

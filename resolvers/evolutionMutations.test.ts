import { graphql } from "graphql";
import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  getAbiItem,
  type Hex,
  keccak256,
  stringToHex,
  verifyTypedData,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { componentRegistryAbi } from "../contracts/generated/abis.js";
import type { BaseError } from "../errors/BaseError.js";
import type { TelemetryEntry } from "../services/createTelemetryRecorder.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { tableHub } from "../test/support/tableHub.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/**
 * The GraphQL side of capability evolution's writes: every action of the shared design is a typed-data query and a
 * mutation with those argument names; each refusal carries the use case's code with nothing sent; a paid invocation
 * runs the model after the registry's ComponentInvoked and meters it with the caller and the on-chain id. The hub
 * stands in for the chain with a table of reads and a sender that "mines" invokeComponent into a receipt. The real
 * registry, indexer and gateway are exercised by evolutionMutations.stack.test.ts.
 */

const schema = createSubgraphSchema();
const registry: Address = "0x9A676e781A523b5d0C0e43731313A708CB607508";
const NOW = BigInt(Math.floor(Date.now() / 1000));
const txHash: Hex = keccak256(stringToHex("the invocation"));
const hubSigner = privateKeyToAccount(ANVIL_DEV_KEYS[0] as Hex);
const provider = privateKeyToAccount(ANVIL_DEV_KEYS[6] as Hex);
const caller = privateKeyToAccount(ANVIL_DEV_KEYS[7] as Hex);
const ERA = 10n ** 18n;
const MARKET_MODEL_ID = 8n;

/** A market-forecast input: three seasons of a seasonal price, so the model back-tests its last season. */
const marketInput = {
  series: Array.from({ length: 36 }, (_, i) => 10 + 2 * Math.sin((2 * Math.PI * i) / 12) + i * 0.05),
  seasonLength: 12,
  horizon: 3,
  seasonality: "additive",
};

function invokedReceipt() {
  const event = getAbiItem({ abi: componentRegistryAbi, name: "ComponentInvoked" });
  const topics = encodeEventTopics({
    abi: [event],
    eventName: "ComponentInvoked",
    args: { invocationId: 5n, componentId: MARKET_MODEL_ID, caller: caller.address },
  });
  const data = encodeAbiParameters(
    event.inputs.filter((input) => !input.indexed),
    [keccak256(stringToHex("request")), ERA, ERA / 5n, ERA - ERA / 5n],
  );
  return {
    status: "success",
    transactionHash: txHash,
    blockHash: keccak256(stringToHex("block")),
    blockNumber: 12n,
    gasUsed: 120_000n,
    logs: [{ address: registry, topics, data, logIndex: 0, transactionHash: txHash, blockNumber: 12n }],
  };
}

type Chain = {
  price?: bigint;
  balance?: bigint;
  allowance?: bigint;
  kind?: number;
  componentProvider?: Address;
};

function contextWith(chain: Chain = {}) {
  const component = {
    provider: chain.componentProvider ?? hubSigner.address,
    kind: chain.kind ?? 4,
    version: 1,
    registeredAt: 1n,
    name: stringToHex("market-model", { size: 32 }),
    price: chain.price ?? ERA,
    pledge: 1_000n * ERA,
    logicHash: keccak256(stringToHex("logic")),
  };
  const reads: Record<string, (...args: never[]) => unknown> = {
    componentCount: () => 8n,
    component: () => component,
    minPledge: () => 1_000n * ERA,
    nonces: () => 0n,
    balanceOf: () => chain.balance ?? 0n,
    allowance: () => chain.allowance ?? 0n,
  };
  const { hub, sent } = tableHub({
    contracts: {
      EraToken: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      ComponentRegistry: { address: registry },
      EvolutionPool: { address: "0x0B306BF915C4d645ff596e518fAf3F9669b97016" },
    },
    reads,
    receipt: invokedReceipt,
    now: NOW,
  });
  const entries: TelemetryEntry[] = [];
  Object.assign(hub, {
    walletClient: { account: hubSigner },
    components: { "market-model": MARKET_MODEL_ID, "derivation-rules": 5n },
    telemetry: {
      record: (entry: TelemetryEntry) => entries.push(entry),
      flush: async () => {},
      close: async () => {},
      stats: () => ({ recorded: 0, written: 0, dropped: 0, failedWrites: 0, buffered: 0 }),
    },
  });
  Object.assign(hub.publicClient, {
    verifyTypedData: ({
      mode: _mode,
      ...parameters
    }: Parameters<typeof verifyTypedData>[0] & { mode?: string }) => verifyTypedData(parameters),
  });
  const cleared: string[] = [];
  const loaders = {
    componentById: {
      clear: (id: string) => cleared.push(id),
      load: async (id: string) => ({ id, name: "market-model", kind: 4 }),
    },
  };
  return {
    context: { hub, loaders, caller: {} } as unknown as SubgraphContext,
    sent,
    cleared,
    entries,
  };
}

const codeOf = (result: Awaited<ReturnType<typeof graphql>>) =>
  (result.errors?.[0]?.originalError as BaseError | undefined)?.code;

const run = (context: SubgraphContext, source: string, variableValues: Record<string, unknown>) =>
  graphql({ schema, source, variableValues, contextValue: context });

const TYPED = "domain types primaryType message";

/** Signs the typed data the query returned, as a wallet would. */
async function signedInvocation(context: SubgraphContext, input: Record<string, unknown>) {
  const result = await run(
    context,
    `query($input: InvokeComponentInput!) { invokeComponentTypedData(input: $input) {
      typedData { ${TYPED} } permitTypedData { ${TYPED} } price requestHash } }`,
    { input },
  );
  expect(result.errors).toBeUndefined();
  const prepared = result.data?.invokeComponentTypedData as {
    typedData: Parameters<typeof caller.signTypedData>[0] & { message: { deadline: number } };
    permitTypedData: Parameters<typeof caller.signTypedData>[0] & { message: { deadline: number } };
  };
  return {
    authorization: {
      signature: await caller.signTypedData(prepared.typedData),
      deadline: String(prepared.typedData.message.deadline),
    },
    permit: {
      signature: await caller.signTypedData(prepared.permitTypedData),
      deadline: String(prepared.permitTypedData.message.deadline),
    },
  };
}

const INVOKE = `mutation($input: InvokeComponentInput!, $authorization: SignedAuthorization!, $permit: SignedAuthorization) {
  invokeComponent(input: $input, authorization: $authorization, permit: $permit) {
    invocation { id onchainId caller fee toPool toProvider } output latencyMs transactionHash gasUsed } }`;

describe("evolution mutations (schema)", () => {
  it("has every action of the design: a typed-data query and a mutation with authorization (and permit)", () => {
    const queries = schema.getQueryType()?.getFields() ?? {};
    const mutations = schema.getMutationType()?.getFields() ?? {};
    const withPermit = ["registerComponent", "addComponentPledge", "invokeComponent"];
    for (const name of [
      "registerComponent",
      "setComponentPrice",
      "addComponentPledge",
      "invokeComponent",
      "publishEvolutionReport",
    ]) {
      expect(
        queries[`${name}TypedData`]?.args.map((a) => a.name),
        name,
      ).toEqual(["input", "deadline"]);
      expect(
        mutations[name]?.args.map((a) => a.name),
        name,
      ).toEqual(
        withPermit.includes(name) ? ["input", "authorization", "permit"] : ["input", "authorization"],
      );
    }
    expect(mutations.fundEvolutionPool?.args.map((a) => `${a.name}: ${a.type}`)).toEqual([
      "input: FundEvolutionPoolInput!",
      "permit: SignedAuthorization!",
    ]);
    expect(String(queries.invokeComponentTypedData?.type)).toBe("InvokeComponentTypedData!");
  });
});

describe("evolution mutations (refusals: typed, nothing sent)", () => {
  const input = { caller: caller.address, component: "8", maxPrice: String(ERA), input: marketInput };
  const dummy = { signature: `0x${"11".repeat(65)}`, deadline: String(NOW + 600n) };

  it("invokeComponent: UNKNOWN_COMPONENT, PRICE_CHANGED, BAD_USER_INPUT (not a model service), MODEL_INPUT_INVALID", async () => {
    const { context, sent } = contextWith();
    const cases: [Record<string, unknown>, string, Chain?][] = [
      [{ ...input, component: "9" }, "UNKNOWN_COMPONENT"],
      [{ ...input, maxPrice: String(ERA - 1n) }, "PRICE_CHANGED"],
      [{ ...input, input: [1, 2] }, "BAD_USER_INPUT"],
      [{ ...input, input: { series: [1, 2], seasonLength: 12, horizon: 3 } }, "MODEL_INPUT_INVALID"],
      [{ ...input, input: "a string" }, "BAD_USER_INPUT"],
    ];
    for (const [variables, code] of cases) {
      const result = await run(context, INVOKE, { input: variables, authorization: dummy });
      expect(codeOf(result), code).toBe(code);
    }
    // A component the hub does not run for outside callers (here: the rules component's id).
    const rules = await run(context, INVOKE, { input: { ...input, component: "5" }, authorization: dummy });
    expect(codeOf(rules)).toBe("BAD_USER_INPUT");
    // A data component takes a time series: anything else is refused by the logic's own parser.
    const data = contextWith({ kind: 2 });
    const notSeries = await run(data.context, INVOKE, { input, authorization: dummy });
    expect(codeOf(notSeries)).toBe("INVALID_MODULE");
    expect([sent, data.sent]).toEqual([[], []]);
  });

  it("invokeComponent: a signature by anyone else is NOT_AUTHORIZED; too little ERA is INSUFFICIENT_FUNDS", async () => {
    const { context, sent } = contextWith({ balance: ERA / 2n });
    const signed = await signedInvocation(context, input);
    const forged = await run(context, INVOKE, { input: { ...input, maxPrice: String(2n * ERA) }, ...signed });
    expect(codeOf(forged)).toBe("NOT_AUTHORIZED");
    const poor = await run(context, INVOKE, { input, ...signed });
    expect(codeOf(poor)).toBe("INSUFFICIENT_FUNDS");
    expect((poor.errors?.[0]?.originalError as BaseError | undefined)?.details.of).toBe("balance");
    expect(sent).toEqual([]);
  });

  it("registerComponent: PLEDGE_TOO_LOW and an over-long name (BAD_USER_INPUT)", async () => {
    const { context, sent } = contextWith();
    const register = `mutation($input: RegisterComponentInput!, $authorization: SignedAuthorization!) {
      registerComponent(input: $input, authorization: $authorization) { transactionHash } }`;
    const base = {
      provider: provider.address,
      kind: "DATA",
      name: "soil-cleaner",
      price: "0",
      pledge: String(999n * ERA),
      logicHash: keccak256(stringToHex("x")),
    };
    expect(codeOf(await run(context, register, { input: base, authorization: dummy }))).toBe(
      "PLEDGE_TOO_LOW",
    );
    expect(
      codeOf(
        await run(context, register, {
          input: { ...base, pledge: String(1_000n * ERA), name: "x".repeat(33) },
          authorization: dummy,
        }),
      ),
    ).toBe("BAD_USER_INPUT");
    expect(sent).toEqual([]);
  });

  it("setComponentPrice and addComponentPledge: UNKNOWN_COMPONENT, NOT_AUTHORIZED for another provider", async () => {
    const { context, sent } = contextWith();
    const price = `mutation($input: SetComponentPriceInput!, $authorization: SignedAuthorization!) {
      setComponentPrice(input: $input, authorization: $authorization) { transactionHash } }`;
    const pledge = `mutation($input: AddComponentPledgeInput!, $authorization: SignedAuthorization!) {
      addComponentPledge(input: $input, authorization: $authorization) { transactionHash } }`;
    expect(
      codeOf(
        await run(context, price, {
          input: { provider: provider.address, component: "0", price: "1" },
          authorization: dummy,
        }),
      ),
    ).toBe("BAD_USER_INPUT");
    expect(
      codeOf(
        await run(context, price, {
          input: { provider: provider.address, component: "12", price: "1" },
          authorization: dummy,
        }),
      ),
    ).toBe("UNKNOWN_COMPONENT");
    expect(
      codeOf(
        await run(context, price, {
          input: { provider: provider.address, component: "8", price: "1" },
          authorization: dummy,
        }),
      ),
    ).toBe("NOT_AUTHORIZED");
    expect(
      codeOf(
        await run(context, pledge, {
          input: { provider: provider.address, component: "8", amount: "1" },
          authorization: dummy,
        }),
      ),
    ).toBe("NOT_AUTHORIZED");
    expect(sent).toEqual([]);
  });

  it("publishEvolutionReport: no improvement, figures that do not add up, bps out of range: BAD_USER_INPUT", async () => {
    const { context, sent } = contextWith();
    const publish = `mutation($input: PublishEvolutionReportInput!, $authorization: SignedAuthorization!) {
      publishEvolutionReport(input: $input, authorization: $authorization) { reportId } }`;
    const metrics = (p50: number) => ({
      p50LatencyMicros: String(p50),
      p95LatencyMicros: String(p50 * 2),
      accuracyBps: 9_000,
      complianceBps: 10_000,
      invocations: 20,
    });
    const base = {
      provider: hubSigner.address,
      component: "8",
      before: metrics(2_800_000),
      after: metrics(1_800_000),
      efficiencyImprovementBps: 3_571,
      evidenceHash: keccak256(stringToHex("evidence")),
      decisionLogHash: keccak256(stringToHex("log")),
      logicHash: keccak256(stringToHex("logic 2")),
    };
    for (const [variables, field] of [
      [{ ...base, efficiencyImprovementBps: 3_000 }, "efficiencyImprovementBps"],
      [{ ...base, after: metrics(2_800_000), efficiencyImprovementBps: 0 }, "efficiencyImprovementBps"],
      [{ ...base, before: { ...metrics(2_800_000), accuracyBps: 10_001 } }, "before.accuracyBps"],
      [{ ...base, after: { ...metrics(1_800_000), p95LatencyMicros: "1" } }, "after.p95LatencyMicros"],
    ] as const) {
      const result = await run(context, publish, { input: variables, authorization: dummy });
      expect(codeOf(result), field).toBe("BAD_USER_INPUT");
      expect((result.errors?.[0]?.originalError as BaseError | undefined)?.details.field, field).toBe(field);
    }
    // Consistent figures from someone who is not the provider.
    const notProvider = await run(context, publish, {
      input: { ...base, provider: provider.address },
      authorization: dummy,
    });
    expect(codeOf(notProvider)).toBe("NOT_AUTHORIZED");
    expect(sent).toEqual([]);
  });

  it("fundEvolutionPool: a permit not signed with the hub's treasury key is NOT_AUTHORIZED", async () => {
    const { context, sent } = contextWith({ balance: 10n * ERA });
    const prepared = await run(
      context,
      `query { fundEvolutionPoolTypedData(input: { amount: "1000" }) { funder permitTypedData { ${TYPED} } } }`,
      {},
    );
    expect(prepared.errors).toBeUndefined();
    const data = prepared.data?.fundEvolutionPoolTypedData as {
      funder: string;
      permitTypedData: Parameters<typeof caller.signTypedData>[0] & { message: { deadline: number } };
    };
    expect(data.funder).toBe(hubSigner.address);
    const permit = {
      signature: await caller.signTypedData(data.permitTypedData),
      deadline: String(data.permitTypedData.message.deadline),
    };
    const result = await run(
      context,
      `mutation($permit: SignedAuthorization!) { fundEvolutionPool(input: { amount: "1000" }, permit: $permit) { amount } }`,
      { permit },
    );
    expect(codeOf(result)).toBe("NOT_AUTHORIZED");
    expect(sent).toEqual([]);
  });
});

describe("evolution mutations (a paid invocation)", () => {
  it("sends invokeComponent, runs the model on the input, meters it with the caller and the on-chain id", async () => {
    const { context, sent, cleared, entries } = contextWith({ balance: 5n * ERA });
    const input = { caller: caller.address, component: "8", maxPrice: String(ERA), input: marketInput };
    const signed = await signedInvocation(context, input);
    const result = await run(context, INVOKE, { input, ...signed });
    expect(result.errors).toBeUndefined();
    const paid = result.data?.invokeComponent as {
      invocation: Record<string, unknown>;
      output: { forecast?: unknown; backtest?: unknown };
      transactionHash: string;
    };
    expect(paid.invocation).toEqual({
      id: "5",
      onchainId: "5",
      caller: caller.address,
      fee: String(ERA),
      toPool: String(ERA / 5n),
      toProvider: String(ERA - ERA / 5n),
    });
    expect(paid.output.backtest).toBeTruthy();
    expect([sent, cleared]).toEqual([["invokeComponent"], ["8"]]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      componentId: MARKET_MODEL_ID,
      component: "market-model",
      success: true,
      compliant: true,
      scenario: "kind:MARKET_FORECAST",
      caller: caller.address,
      onchainInvocationId: 5n,
    });
    // The market model back-tests its last season: that is the ground truth its accuracy comes from.
    expect(entries[0]?.accuracy).toBeGreaterThan(0);
    expect(entries[0]?.accuracy).toBeLessThanOrEqual(1);
  });
});

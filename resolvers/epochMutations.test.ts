import { graphql } from "graphql";
import postgres from "postgres";
import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  getAbiItem,
  type Hex,
  keccak256,
  parseEther,
  stringToHex,
  type TypedDataDefinition,
  verifyTypedData,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evolutionPoolAbi } from "../contracts/generated/abis.js";
import type { BaseError } from "../errors/BaseError.js";
import { canonicalHash } from "../models/canonicalJson.js";
import { createTelemetryRecorder } from "../services/createTelemetryRecorder.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { tableHub } from "../test/support/tableHub.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/**
 * The GraphQL side of evolution epochs: the figures come from the hub's telemetry (real Postgres, rows the test
 * records), never from the caller; every refusal carries its code with nothing sent; a settlement on a quorum of staked
 * nodes' signatures over exactly those figures sends `settleEpoch` and returns the settlement the indexer has. The
 * chain is a table of reads (test/support/tableHub.ts); the real pool is exercised by test/e2e/evolution.test.ts.
 */

const schema = createSubgraphSchema();
const pool: Address = "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318";
const NOW = BigInt(Math.floor(Date.now() / 1000));
const WEEK = 604_800n;
/** Epoch 1 ended a week ago, epoch 2 ends now, epoch 3 in a week. */
const GENESIS = NOW - 3n * WEEK;
const txHash: Hex = keccak256(stringToHex("the settlement"));
const [node1, node2, stranger] = [1, 2, 25].map((n) => privateKeyToAccount(ANVIL_DEV_KEYS[n % 10] as Hex));
/** Stake per node: 1 and 2 are staked dev nodes; the stranger (account 5 here) has none. */
const stakes = new Map<string, bigint>([
  [(node1 as { address: Address }).address, parseEther("50000")],
  [(node2 as { address: Address }).address, parseEther("50000")],
]);

let pg: TestPostgres;
let sql: postgres.Sql;

const at = (epoch: bigint, second: number) => new Date(Number(GENESIS + epoch * WEEK) * 1000 + second * 1000);

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  const recorder = await createTelemetryRecorder({ sql, flushIntervalMs: 60_000 });
  const rows: [bigint, number, number][] = [
    [0n, 1, 2800],
    [0n, 2, 2700],
    [0n, 3, 2900],
    [1n, 1, 1800],
    [1n, 2, 1850],
    [1n, 3, 1750],
  ];
  for (const [epoch, second, latencyMs] of rows)
    recorder.record({
      componentId: 1n,
      component: "core-prover",
      at: at(epoch, second),
      latencyMs,
      success: true,
      compliant: true,
      scenario: "circuit:coreQuality",
    });
  await recorder.close();
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

/** A receipt of settleEpoch(1, 1): one EpochSettled log, REWARDED 1,000 ERA. */
function settledReceipt() {
  const event = getAbiItem({ abi: evolutionPoolAbi, name: "EpochSettled" });
  const topics = encodeEventTopics({
    abi: [event],
    eventName: "EpochSettled",
    args: { epoch: 1n, componentId: 1n },
  });
  const data = encodeAbiParameters(
    event.inputs.filter((input) => !input.indexed),
    [1, parseEther("1000"), 3571, 0, `0x${"ab".repeat(32)}`, []],
  );
  return {
    status: "success",
    transactionHash: txHash,
    blockHash: keccak256(stringToHex("block")),
    blockNumber: 12n,
    gasUsed: 90_000n,
    logs: [{ address: pool, topics, data, logIndex: 0, transactionHash: txHash, blockNumber: 12n }],
  };
}

function contextWith({ settled = false, balance = parseEther("5000") } = {}) {
  const reads: Record<string, (...args: never[]) => unknown> = {
    componentCount: () => 2n,
    component: () => ({ provider: node1?.address, pledge: parseEther("1000") }),
    genesis: () => GENESIS,
    epochLength: () => WEEK,
    settlement: () => ({ outcome: settled ? 1 : 0, amount: 0n }),
    // The default curve: ≥ 2,000 bps → 700 ERA, ≥ 3,000 → 1,000 ERA; scenario range +3 → 700 ERA.
    rewardFor: ((bps: number, range: number) =>
      bps >= 3000 ? parseEther("1000") : bps >= 2000 || range >= 3 ? parseEther("700") : 0n) as never,
    slashBps: () => 500,
    balance: () => balance,
    attestationQuorum: () => 2,
    minAttesterStake: () => parseEther("10000"),
    getVotes: ((node: Address) => stakes.get(node) ?? 0n) as never,
  };
  const { hub, sent } = tableHub({
    contracts: {
      EraToken: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      NodeStaking: { address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
      ComponentRegistry: { address: "0x0165878A594ca255338adfa4d48449f69242Eb8F" },
      EvolutionPool: { address: pool },
    },
    reads,
    receipt: settledReceipt,
    now: NOW,
  });
  Object.assign(hub.publicClient, { verifyTypedData });
  hub.telemetrySql = sql;
  const settlement = {
    epoch: 1,
    componentId: "1",
    outcome: "REWARDED",
    amount: parseEther("1000").toString(),
    efficiencyImprovementBps: 3571,
    scenarioRangeDelta: 0,
    evidenceHash: `0x${"ab".repeat(32)}`,
    nodes: [],
    eventId: "x",
    settledAt: String(NOW),
  };
  const loaders = {
    componentById: {
      load: async (id: string) => (id === "1" ? { id: "1", name: "core-prover" } : undefined),
    },
    settlementsByComponent: {
      clear: () => {},
      load: async (id: string) => (id === "1" ? [settlement] : []),
    },
  };
  return { context: { hub, loaders, caller: {} } as unknown as SubgraphContext, sent };
}

const TYPED = `query($input: SettleEvolutionEpochInput!) { settleEvolutionEpochTypedData(input: $input) {
  typedData { domain types primaryType message } epoch component { id } outcome amount
  figures { efficiencyImprovementBps scenarioRangeDelta newScenarios evidenceHash
    before { from to invocations successes p50LatencyMs } after { from invocations p50LatencyMs } } } }`;
const SETTLE = `mutation($input: SettleEvolutionEpochInput!, $attestations: [NodeAttestationInput!]!) {
  settleEvolutionEpoch(input: $input, attestations: $attestations) {
    settlement { epoch outcome amount } figures { efficiencyImprovementBps } transactionHash gasUsed } }`;

type Prepared = {
  typedData: { message: Record<string, unknown> & { deadline: number } } & Record<string, unknown>;
  figures: { efficiencyImprovementBps: number; evidenceHash: Hex } & Record<string, unknown>;
} & Record<string, unknown>;

async function prepare(context: SubgraphContext, input: Record<string, unknown>) {
  const result = await graphql({ schema, source: TYPED, variableValues: { input }, contextValue: context });
  return {
    code: (result.errors?.[0]?.originalError as BaseError | undefined)?.code,
    prepared: (result.data?.settleEvolutionEpochTypedData ?? undefined) as Prepared | undefined,
    errors: result.errors,
  };
}

async function settle(context: SubgraphContext, input: Record<string, unknown>, attestations: unknown[]) {
  const result = await graphql({
    schema,
    source: SETTLE,
    variableValues: { input, attestations },
    contextValue: context,
  });
  return { code: (result.errors?.[0]?.originalError as BaseError | undefined)?.code, data: result.data };
}

const signAs = async (account: typeof node1, typedData: Prepared["typedData"]) => ({
  node: account?.address,
  signature: await account?.signTypedData(typedData as unknown as TypedDataDefinition),
  deadline: String(typedData.message.deadline),
});

describe("evolution epoch mutations", () => {
  it("has the design's pair: settleEvolutionEpochTypedData(input, deadline), settleEvolutionEpoch(input, attestations)", () => {
    expect(
      schema
        .getQueryType()
        ?.getFields()
        .settleEvolutionEpochTypedData?.args.map((a) => a.name),
    ).toEqual(["input", "deadline"]);
    expect(
      schema
        .getMutationType()
        ?.getFields()
        .settleEvolutionEpoch?.args.map((a) => a.name),
    ).toEqual(["input", "attestations"]);
  });

  it("computes the figures from telemetry and hands out the EpochFigures typed data", async () => {
    const { context } = contextWith();
    const { prepared, errors } = await prepare(context, { epoch: 1, component: "1" });
    expect(errors).toBeUndefined();
    const evidence = (latencies: number[]) =>
      latencies.map((latencyMs) => ({ latencyMs, scenario: "circuit:coreQuality", success: true }));
    // (2800 − 1800) / 2800 → 3571 bps: 1,000 ERA under the default curve.
    expect(prepared?.figures).toMatchObject({
      efficiencyImprovementBps: 3571,
      scenarioRangeDelta: 0,
      newScenarios: [],
      evidenceHash: canonicalHash({
        after: evidence([1800, 1850, 1750]),
        before: evidence([2800, 2700, 2900]),
      }),
      before: { invocations: 3, successes: 3, p50LatencyMs: 2800 },
      after: { invocations: 3, p50LatencyMs: 1800 },
    });
    expect(prepared).toMatchObject({
      epoch: 1,
      component: { id: "1" },
      outcome: "REWARDED",
      amount: parseEther("1000").toString(),
    });
    expect(prepared?.typedData).toMatchObject({
      domain: { name: "Caldera Evolution", version: "1", chainId: 31337, verifyingContract: pool },
      primaryType: "EpochFigures",
      message: { epoch: 1, componentId: 1, efficiencyImprovementBps: 3571, scenarioRangeDelta: 0 },
    });
  });

  it("refuses before anyone signs: UNKNOWN_COMPONENT, EPOCH_NOT_OVER, EPOCH_ALREADY_SETTLED, NO_TELEMETRY", async () => {
    const { context } = contextWith();
    expect((await prepare(context, { epoch: 1, component: "3" })).code).toBe("UNKNOWN_COMPONENT");
    expect((await prepare(context, { epoch: 3, component: "1" })).code).toBe("EPOCH_NOT_OVER");
    expect((await prepare(context, { epoch: 0, component: "2" })).code).toBe("NO_TELEMETRY");
    expect((await prepare(contextWith({ settled: true }).context, { epoch: 1, component: "1" })).code).toBe(
      "EPOCH_ALREADY_SETTLED",
    );
  });

  it("unattested or self-reported figures count for nothing; a quorum of staked nodes settles", async () => {
    const { context, sent } = contextWith();
    const input = { epoch: 1, component: "1" };
    const { prepared } = await prepare(context, input);
    const typedData = prepared?.typedData as Prepared["typedData"];
    const [a1, a2, aStranger] = await Promise.all([node1, node2, stranger].map((n) => signAs(n, typedData)));
    expect((await settle(context, input, [])).code).toBe("ATTESTATION_QUORUM_NOT_MET");
    expect((await settle(context, input, [a1])).code).toBe("ATTESTATION_QUORUM_NOT_MET");
    expect((await settle(context, input, [a1, aStranger])).code).toBe("NOT_ATTESTER");
    expect((await settle(context, input, [a1, a1])).code).toBe("BAD_USER_INPUT");
    // Figures the provider would like (a 60% improvement), signed by the nodes: not the telemetry's, refused.
    const inflated = { ...typedData, message: { ...typedData.message, efficiencyImprovementBps: 6000 } };
    const forged = await Promise.all([node1, node2].map((n) => signAs(n, inflated)));
    expect((await settle(context, input, forged)).code).toBe("NOT_AUTHORIZED");
    expect((await settle(contextWith({ balance: parseEther("999") }).context, input, [a1, a2])).code).toBe(
      "EVOLUTION_POOL_INSUFFICIENT",
    );
    expect(sent).toEqual([]);

    const { data } = await settle(context, input, [a2, a1]);
    expect(data?.settleEvolutionEpoch).toEqual({
      settlement: { epoch: 1, outcome: "REWARDED", amount: parseEther("1000").toString() },
      figures: { efficiencyImprovementBps: 3571 },
      transactionHash: txHash,
      gasUsed: "90000",
    });
    expect(sent).toEqual(["settleEpoch"]);
  });
});

import { type Address, type Hex, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoDataset, machineDatasets, priceDataset, weatherDatasets } from "../../cli/demoDatasets.js";
import { type EvolutionActions, evolutionActions } from "../../cli/evolutionActions.js";
import { BaseError } from "../../errors/BaseError.js";
import { canonicalHash } from "../../models/canonicalJson.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { createTunedProver, type TunedProverPool } from "../../usecases/evolution/createTunedProver.js";
import industrialConditioning from "../../usecases/evolution/logic/modules/industrialConditioning.json" with {
  type: "json",
};
import { sampleMachineDay } from "../../usecases/evolution/logic/sampleMachineDay.js";
import { publishHubEvolutionReport } from "../../usecases/evolution/publishEvolutionReport.js";
import type { WithChainClockReturnType } from "../../usecases/evolution/withChainClock.js";
import { certifyAs, registerProviderAs } from "../support/certifyAs.js";
import { startTestStackWithSql, type TestStackWithSql } from "../support/startTestStackWithSql.js";

/**
 * Capability evolution end to end, through the gateway (the evolution demo's story, cli/evolutionDemo.ts): core
 * proofs of certifications sent to the gateway run through the hub's tuned prover → each is one telemetry row with
 * the kernel's decision → the kernel settles and the hub publishes an evolution report on-chain → a week later (the dev
 * chain's clock), the prover runs tuned → once the epoch is over, two staked nodes sign the figures the hub computes
 * from telemetry, and the pool settles: the agricultural validator rewarded for three new scenarios, a provider's
 * data component slashed 5% of its pledge, the core prover paid or slashed exactly as its figures say. Unattested,
 * self-reported and repeated settlements are refused with their codes, sending nothing.
 *
 * The kernel is the hub's (createTunedProver, on the hub's prover pool and telemetry), narrowed for a short run: two
 * configurations (worker thread vs process host, the knob that matters) and 2 proofs of evidence per arm, as the test
 * stack leaves caldera.config.json `evolution.tuneProver` off.
 */

const NODES = [1, 2];
/** Never staked. */
const STRANGER = 25;
/** Certifies the machine data of the first epoch, and provides a data component. */
const FACTORY = 9;
/** Certifies the agricultural data of the second epoch. */
const FARM = 8;
const MAX_EXPLORING_PROOFS = 30;
const TUNED_PROOFS = 3;

let stack: TestStackWithSql;
let act: EvolutionActions;
let tuned: TunedProverPool;
let published: Promise<unknown> | undefined;
let ids: { core: string; agriValidator: string; industrialValidator: string; dataComponent: string };
let epoch: number;
const machine = machineDatasets({ seed: 11, windows: MAX_EXPLORING_PROOFS });

const key = (n: number) => ANVIL_DEV_KEYS[n] as Hex;

/** One soil-moisture window: 96 readings of 15 minutes, every one on time. */
function soilMoistureDataset(): DemoDataset {
  const start = Date.parse("2026-07-01T00:00:00Z") / 1000;
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z");
  return {
    schema: "soil-moisture",
    domain: "AGRICULTURAL",
    windowStart: iso(start),
    slotSeconds: 900,
    deadlineSeconds: 900,
    readings: Array.from({ length: 96 }, (_, i) => ({
      observedAt: iso(start + i * 900 + 30),
      deliveredAt: iso(start + i * 900 + 90),
      channels: [{ name: "value", value: Math.round((31 + 4 * Math.sin(i / 9)) * 1000) / 1000 }],
    })),
  };
}

/** What a refusal must leave untouched: the hub signer's nonce and the chain head. */
async function untouched() {
  const client = stack.hub.publicClient;
  return Promise.all([
    client.getTransactionCount({ address: stack.hub.walletClient.account.address }),
    client.getBlockNumber({ cacheTime: 0 }),
  ]);
}

/** The refusal's typed code, checked to have sent nothing. */
async function refused(attempt: () => Promise<unknown>): Promise<string> {
  const before = await untouched();
  const error = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the action was accepted").toBeInstanceOf(BaseError);
  expect(await untouched()).toEqual(before);
  return (error as BaseError).code;
}

/** Moves the dev chain's clock and makes the hub read it before the next telemetry row (it does every second). */
async function passToEpoch(n: number) {
  await act.passToEpoch(n);
  await (stack.hub.telemetry as WithChainClockReturnType).refresh();
}

beforeAll(async () => {
  stack = await startTestStackWithSql();
  const c = stack.deployment.contracts as unknown as Record<string, { address: Address } | undefined>;
  const { EraToken, DerivativeMarket, CreditVault, EvolutionPool, ComponentRegistry } = c;
  if (!EraToken || !DerivativeMarket || !CreditVault || !EvolutionPool || !ComponentRegistry)
    throw new Error("the test stack deployed no capability-evolution contracts");
  act = evolutionActions({
    gatewayUrl: stack.gatewayUrl,
    rpcUrl: stack.rpcUrl,
    chainId: stack.deployment.chainId,
    contracts: {
      EraToken: EraToken.address,
      DerivativeMarket: DerivativeMarket.address,
      CreditVault: CreditVault.address,
      EvolutionPool: EvolutionPool.address,
      ComponentRegistry: ComponentRegistry.address,
    },
  });
  const components = (stack.deployment as { components?: Record<string, string> }).components ?? {};
  ids = {
    core: components["core-prover"] ?? "",
    agriValidator: components["agricultural-validator"] ?? "",
    industrialValidator: components["industrial-validator"] ?? "",
    dataComponent: "",
  };
  for (const [n, name] of [
    [FARM, "Highland Weather Co-op"],
    [FACTORY, "Northgate Machine Data"],
  ] as const)
    expect((await registerProviderAs(stack.gatewayUrl, key(n), name)).errors).toBeUndefined();
  await act.payFromTreasury(act.address(FACTORY), parseEther("2000"));
  // The hub's kernel on the hub's own pool and telemetry, its improvements published as the hub.
  tuned = await createTunedProver({
    pool: stack.hub.prover,
    telemetry: stack.hub.telemetry,
    components: { coreQuality: { componentId: BigInt(ids.core), name: "core-prover" } },
    seed: 7,
    // A short run on a busy machine: close at 80% confidence, configurations within 20% count as equally good.
    kernel: {
      tunables: { host: ["thread", "process"], witness: ["perProof"], schedule: ["sequential"] },
      minEvidence: 2,
      confidenceToClose: 0.8,
      indifference: 0.2,
    },
    onImprovement: (improvement) => {
      published = publishHubEvolutionReport(stack.hub, improvement);
      return published;
    },
  });
  stack.hub.prover = tuned;
  epoch = (await act.epochClock()).current + 1;
}, 900_000);

afterAll(async () => {
  await stack?.teardown();
});

describe("capability evolution end to end through the gateway (the evolution demo's story)", {
  timeout: 900_000,
}, () => {
  it("certifications' core proofs run through the tuned prover: telemetry with the kernel's decisions until it settles", async () => {
    expect(ids.core).not.toBe("");
    let proofs = 0;
    while (tuned.kernel("coreQuality")?.exploring() && proofs < MAX_EXPLORING_PROOFS) {
      await certifyAs(stack, key(FACTORY), {
        provider: act.address(FACTORY),
        ...(machine[proofs] as DemoDataset),
      });
      proofs++;
    }
    await stack.hub.telemetry?.flush();
    const rows = await act.invocations(ids.core, 50);
    const seen = rows.map(
      (r) => `${(r.configuration as { host: string }).host} ${Math.round(r.latencyMs)} ms`,
    );
    expect(tuned.kernel("coreQuality")?.exploring(), `still exploring after ${proofs} proofs: ${seen}`).toBe(
      false,
    );
    expect(rows).toHaveLength(proofs);
    expect(rows.every((r) => r.success && r.scenario === "circuit:coreQuality")).toBe(true);
    // Every proof is one decision of the kernel: the configuration it chose, explore until it closed.
    expect(new Set(rows.map((r) => r.decisionMode))).toEqual(new Set(["explore"]));
    const hosts = new Set(rows.map((r) => (r.configuration as { host: string }).host));
    expect(hosts).toEqual(new Set(["thread", "process"]));
  });

  it("the kernel's improvement is an evolution report on-chain, readable with the component's metrics", async () => {
    const incumbent = tuned.kernel("coreQuality")?.currentConfig();
    // The kernel reports an incumbent that beats the default it replaced; none when the default stayed best.
    if (published === undefined) {
      expect(incumbent).toEqual({ host: "thread", witness: "perProof", schedule: "sequential" });
      return;
    }
    await published;
    const [report] = await act.evolutionReports(ids.core, 1);
    expect(report).toBeDefined();
    expect(report?.efficiencyImprovementBps).toBeGreaterThan(0);
    expect(report?.after.p50LatencyMs).toBeLessThan(report?.before.p50LatencyMs ?? 0);
    expect(report?.logicHash).toBe(canonicalHash({ component: "core-prover", configuration: incumbent }));
    const { component } = await act.request<{
      component: {
        version: number;
        logicHash: Hex;
        metrics: { events: { kind: string; reportId: string | null }[] };
      };
    }>(
      `query($id: ID!, $w: MetricsWindowInput!) { component(id: $id) { version logicHash
        metrics(window: $w, bucket: HOUR) { events { kind reportId } } } }`,
      {
        id: ids.core,
        w: {
          from: new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, "Z"),
          to: new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, "Z"),
        },
      },
    );
    expect(component.logicHash).toBe(report?.logicHash);
    expect(component.version).toBe(2);
    expect(component.metrics.events).toContainEqual({ kind: "EVOLUTION_REPORT", reportId: report?.id });
  });

  it("a week later the prover runs tuned while the farm certifies three kinds of data it never sent", async () => {
    await passToEpoch(epoch);
    const farm = [weatherDatasets({ seed: 5, windows: 1 })[0], priceDataset(), soilMoistureDataset()];
    for (const dataset of farm.slice(0, TUNED_PROOFS))
      await certifyAs(stack, key(FARM), { provider: act.address(FARM), ...(dataset as DemoDataset) });
    await stack.hub.telemetry?.flush();
    const rows = await act.invocations(ids.core, TUNED_PROOFS);
    expect(rows.map((r) => r.decisionMode)).toEqual(Array(TUNED_PROOFS).fill("incumbent"));
  });

  it("a provider's own data component runs once this week (its first: nothing to improve on)", async () => {
    const module = await act.publishLogicModule(industrialConditioning);
    const component = await act.registerDataComponent(
      FACTORY,
      "Northgate machine data",
      module,
      parseEther("1000"),
    );
    ids.dataComponent = component.id;
    const { reported, truth } = sampleMachineDay();
    expect((await act.runComponentLogic(component.id, { ...reported, truth })).modules).toHaveLength(1);
    await stack.hub.telemetry?.flush();
  });

  it("before the epoch ends, and without telemetry, nothing is settled", async () => {
    expect(await refused(() => act.epochFigures(ids.core, epoch))).toBe("EPOCH_NOT_OVER");
    await act.passToEpoch(epoch + 1);
    // The industrial validator served nothing this epoch.
    expect(await refused(() => act.epochFigures(ids.industrialValidator, epoch))).toBe("NO_TELEMETRY");
    expect(await refused(() => act.settleEvolutionEpoch(ids.agriValidator, epoch, NODES))).toBe(
      "EVOLUTION_POOL_INSUFFICIENT",
    );
    await act.fundEvolutionPool(parseEther("3000"));
  });

  it("unattested or self-reported figures count for nothing", async () => {
    const settle =
      (nodes: number[], tamper?: Parameters<EvolutionActions["settleEvolutionEpoch"]>[3]) => () =>
        act.settleEvolutionEpoch(ids.agriValidator, epoch, nodes, tamper);
    expect(await refused(settle([]))).toBe("ATTESTATION_QUORUM_NOT_MET");
    expect(await refused(settle([NODES[0] as number]))).toBe("ATTESTATION_QUORUM_NOT_MET");
    expect(await refused(settle([NODES[0] as number, STRANGER]))).toBe("NOT_ATTESTER");
    // The nodes' signatures over figures the telemetry does not give (a provider's claim of +60%).
    const inflated = {
      tamper: (typedData: Record<string, unknown> & { message: Record<string, unknown> }) => ({
        ...typedData,
        message: { ...typedData.message, efficiencyImprovementBps: 6000 },
      }),
    };
    expect(await refused(settle(NODES, inflated as never))).toBe("NOT_AUTHORIZED");
  });

  it("the pool settles on two nodes' signatures: three new scenarios rewarded, a flat week slashed 5%, the prover by its figures", async () => {
    const hub = act.address(0);
    const pool = async () => BigInt((await act.evolutionPool()).balance);

    // The agricultural validator: weather, prices and soil moisture, none validated before: +3 → 700 ERA.
    let [hubBefore, poolBefore] = [await act.eraOf(hub), await pool()];
    const agri = await act.settleEvolutionEpoch(ids.agriValidator, epoch, NODES);
    expect(agri.prepared.figures).toMatchObject({
      scenarioRangeDelta: 3,
      newScenarios: ["schema:agri-market-price", "schema:agri-weather-daily", "schema:soil-moisture"],
    });
    expect(agri.settled.settlement).toMatchObject({
      epoch,
      outcome: "REWARDED",
      amount: parseEther("700").toString(),
    });
    expect((await act.eraOf(hub)) - hubBefore).toBe(parseEther("700"));
    expect(poolBefore - (await pool())).toBe(parseEther("700"));

    // The core prover: this week's p50 against the exploring week's, from the telemetry the gateway shows.
    [hubBefore, poolBefore] = [await act.eraOf(hub), await pool()];
    const core = await act.settleEvolutionEpoch(ids.core, epoch, NODES);
    const figures = core.prepared.figures;
    const rows = await act.invocations(ids.core, 50);
    const median = (values: number[]) => {
      const s = [...values].sort((a, b) => a - b);
      const m = Math.floor(s.length / 2);
      return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
    };
    const inEpoch = (from: string, to: string) =>
      rows
        .filter((r) => Date.parse(r.at) >= Date.parse(from) && Date.parse(r.at) < Date.parse(to))
        .map((r) => r.latencyMs);
    const [before, after] = [
      median(inEpoch(figures.before.from, figures.before.to)),
      median(inEpoch(figures.after.from, figures.after.to)),
    ];
    expect([figures.before.p50LatencyMs, figures.after.p50LatencyMs]).toEqual([before, after]);
    const bps = Math.floor(
      ((Math.round(before * 1000) - Math.round(after * 1000)) * 10_000) / Math.round(before * 1000),
    );
    expect(figures.efficiencyImprovementBps).toBe(bps);
    const expected =
      bps >= 5000
        ? ["REWARDED", parseEther("1500")]
        : bps >= 3000
          ? ["REWARDED", parseEther("1000")]
          : bps >= 2000
            ? ["REWARDED", parseEther("700")]
            : ["SLASHED", parseEther("50")];
    expect(core.settled.settlement, `p50 ${before} → ${after} ms`).toMatchObject({
      outcome: expected[0],
      amount: String(expected[1]),
    });
    if (expected[0] === "REWARDED") expect((await act.eraOf(hub)) - hubBefore).toBe(expected[1]);
    else expect((await pool()) - poolBefore).toBe(expected[1]);

    // The data component: one run, its first week — nothing improved, 5% of its 1,000 ERA pledge slashed.
    poolBefore = await pool();
    const data = await act.settleEvolutionEpoch(ids.dataComponent, epoch, NODES);
    expect(data.prepared.figures).toMatchObject({ efficiencyImprovementBps: 0, scenarioRangeDelta: 1 });
    expect(data.settled.settlement).toMatchObject({
      outcome: "SLASHED",
      amount: parseEther("50").toString(),
    });
    expect((await act.componentNamed("Northgate machine data"))?.pledge).toBe(parseEther("950").toString());
    expect((await pool()) - poolBefore).toBe(parseEther("50"));

    // Settled once: the same epoch again is refused, the typed-data query first.
    expect(await refused(() => act.settleEvolutionEpoch(ids.core, epoch, NODES))).toBe(
      "EPOCH_ALREADY_SETTLED",
    );

    // The reads: the epoch's settlements, each component's, and the pool's books.
    const { epochSettlements, evolutionPool } = await act.request<{
      epochSettlements: {
        edges: { node: { component: { id: string }; outcome: string; attestedBy: string[] } }[];
      };
      evolutionPool: { balance: string; totalFunded: string; totalSlashed: string; totalRewarded: string };
    }>(
      `query($e: Int!) { epochSettlements(epoch: $e) { edges { node { component { id } outcome attestedBy } } }
        evolutionPool { balance totalFunded totalSlashed totalRewarded } }`,
      { e: epoch },
    );
    expect(epochSettlements.edges.map((e) => e.node.component.id).sort()).toEqual(
      [ids.core, ids.agriValidator, ids.dataComponent].sort(),
    );
    for (const { node } of epochSettlements.edges) expect(node.attestedBy).toHaveLength(2);
    const p = Object.fromEntries(Object.entries(evolutionPool).map(([k, v]) => [k, BigInt(v)]));
    expect(p.balance).toBe((p.totalFunded ?? 0n) + (p.totalSlashed ?? 0n) - (p.totalRewarded ?? 0n));
  });
});

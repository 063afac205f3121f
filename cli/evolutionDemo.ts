import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, formatEther, type Hex, parseEther } from "viem";
import { BaseError } from "../errors/BaseError.js";
import { canonicalHash } from "../models/canonicalJson.js";
import { median } from "../models/median.js";
import type { DeploymentManifest } from "../services/deployment.js";
import { PROVER_KERNEL_OPTIONS } from "../usecases/evolution/createTunedProver.js";
import agriculturalGapFilling from "../usecases/evolution/logic/modules/agriculturalGapFilling.json" with {
  type: "json",
};
import industrialConditioning from "../usecases/evolution/logic/modules/industrialConditioning.json" with {
  type: "json",
};
import { sampleMachineDay } from "../usecases/evolution/logic/sampleMachineDay.js";
import { patiently } from "./circulationActions.js";
import { register } from "./demoCommand.js";
import { weatherDatasets } from "./demoDatasets.js";
import { type EvolutionActions, evolutionActions, type InvocationSummary } from "./evolutionActions.js";
import { runningStack } from "./gatewayRequest.js";
import { isCode } from "./riskActions.js";
import { stackLocation } from "./stackLocation.js";

/**
 * The cast (after the other demos': 0 treasury, hub signer and provider of the hub's own components, 1–3 nodes):
 * the weather co-op (account 8) certifies the datasets whose proofs make the burst and provides the agricultural data
 * component; the machine-data firm (account 9) provides the industrial one.
 */
const NODES = [1, 2];
const AGRI = 8;
const INDUSTRIAL = 9;
const AGRI_COMPONENT = "Highland weather data";
const INDUSTRIAL_COMPONENT = "Northgate machine data";
/** The burst ends once the kernel ran its incumbent this many times in a row (or after MAX_PROOFS). */
const SETTLED_AFTER = 3;
const MAX_PROOFS = 48;
/** Proofs in the epoch before the one settled: a fresh kernel run's baseline (PROVER_KERNEL_OPTIONS.baseline). */
const BASELINE_PROOFS = PROVER_KERNEL_OPTIONS.baseline?.steps ?? 4;

const say = (line = "") => process.stdout.write(`${line}\n`);
const era = (wei: bigint | string) =>
  `${Number(formatEther(BigInt(wei))).toLocaleString("en-US", { maximumFractionDigits: 4 })} ERA`;
const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${Math.round(value).toLocaleString("en-US")} ms`;
const configOf = (row: InvocationSummary | undefined) => {
  const c = (row?.configuration ?? {}) as { host?: string; witness?: string; schedule?: string };
  return `host=${c.host ?? "?"}, witness=${c.witness ?? "?"}, schedule=${c.schedule ?? "?"}`;
};

/**
 * `caldera demo evolution`: capability evolution (module 2) on the running dev stack, through the gateway as a
 * frontend would, every action signed by a dev account and relayed by the hub: (1) a burst of core proofs through
 * the hub's tuned prover — the kernel exploring the prover's configurations and settling, per proof its
 * configuration, mode and latency; (2) the evolution report the hub published on-chain, read back with the
 * component's metrics; (3) an absorption: two data components of different providers, both sign, two nodes approve,
 * 800 ERA to the source's provider, the absorber's accuracy before and after; (4) an epoch: the pool funded if
 * needed, the dev chain's clock moved past the epoch's end, two nodes attest the figures the hub computes from
 * telemetry, one component rewarded, another slashed 5% of its pledge, balances before and after. Safe to run again:
 * what exists is reused, and each run settles a new epoch.
 */
export async function evolutionDemo(): Promise<number> {
  const run = runningStack();
  if (run.chainId !== 31337)
    throw new BaseError(
      `the demo signs with public dev keys and runs on chain 31337 only, not ${run.chainId}`,
      {
        code: "SIGNER_MISCONFIGURED",
      },
    );
  const { dataDir } = stackLocation();
  const deployment = JSON.parse(readFileSync(join(dataDir, "deployment.json"), "utf8")) as DeploymentManifest;
  const contracts = deployment.contracts as Partial<Record<string, { address: Address }>>;
  const [EraToken, DerivativeMarket, CreditVault, EvolutionPool, ComponentRegistry] = [
    "EraToken",
    "DerivativeMarket",
    "CreditVault",
    "EvolutionPool",
    "ComponentRegistry",
  ].map((name) => contracts[name]?.address);
  if (!EraToken || !DerivativeMarket || !CreditVault || !EvolutionPool || !ComponentRegistry)
    throw new BaseError(
      "this stack's contracts have no ComponentRegistry/EvolutionPool: it was deployed before capability evolution — stop it and `npm start` again (a new bytecode redeploys)",
      { code: "CHAIN_REJECTED" },
    );
  const act = evolutionActions({
    gatewayUrl: run.gatewayUrl,
    rpcUrl: run.rpcUrl,
    chainId: run.chainId,
    contracts: { EraToken, DerivativeMarket, CreditVault, EvolutionPool, ComponentRegistry },
    out: (line) => say(`   ${line}`),
  });
  const core = await act.componentNamed("core-prover");
  if (core === undefined)
    throw new BaseError("the hub's core prover is not a registered component (the manifest names none)", {
      code: "UNKNOWN_COMPONENT",
    });
  say("Caldera demo — capability evolution (module 2)\n");

  say(
    "1. A burst of core proofs through the hub's tuned prover: the kernel picks each proof's configuration",
  );
  say(`   (the core prover is component ${core.id}; every proof is one invocation in its telemetry)`);
  await patiently(() => register(AGRI, "Highland Weather Co-op"));
  const clock = await act.epochClock();
  const epoch = clock.current + 1;
  const burst = await proofBurst(act, core.id, epoch);

  say(
    "\n2. The evolution report the hub published on-chain when the kernel settled, read back through the gateway",
  );
  await showReport(act, core.id, burst.startedAt);

  say("\n3. Absorption: the industrial data component takes in the agricultural gap filling and pays for it");
  const industrial = await absorption(act);

  say(
    `\n4. Epoch ${epoch}: the nodes attest the figures the hub computes from telemetry; the pool pays or slashes`,
  );
  await settleEpoch(act, epoch, [
    { id: core.id, name: "core prover", provider: core.provider.address },
    { id: industrial.id, name: INDUSTRIAL_COMPONENT, provider: industrial.provider.address },
  ]);

  say("\nLook at it through the gateway:");
  say(`  ${run.gatewayUrl}`);
  say(
    `  { component(id: "${core.id}") { name version logicHash evolutionReports(first: 3) { edges { node { efficiencyImprovementBps before { p50LatencyMs } after { p50LatencyMs } } } } settlements { epoch outcome amount } adaptationCycles { scenario cycleSeconds } } }`,
  );
  say(
    `  { component(id: "${core.id}") { invocations(first: 10) { totalCount edges { node { at latencyMs configuration decisionMode } } } } }`,
  );
  say(
    `  { epochSettlements(epoch: ${epoch}) { edges { node { component { name } outcome amount efficiencyImprovementBps scenarioRangeDelta attestedBy } } } evolutionPool { balance totalFunded totalSlashed totalRewarded currentEpoch } }`,
  );
  return 0;
}

/**
 * Certifies fresh weather windows (each a core proof): BASELINE_PROOFS in the epoch before `epoch` — on a fresh kernel
 * run these are its measured baseline, the configuration that landed —, then the dev chain's clock moves a week to
 * `epoch` and proofs go on until the kernel has run its incumbent SETTLED_AFTER times in a row (or MAX_PROOFS).
 */
async function proofBurst(act: EvolutionActions, coreId: string, epoch: number) {
  const startedAt = new Date(Number((await act.epochClock()).now) * 1000).toISOString();
  // Windows no earlier run certified: a run-specific seed.
  const seedBase = Math.floor(Date.now() / 1000) % 1_000_000;
  let proofs = 0;
  let incumbentRun = 0;
  let lastRow = (await act.invocations(coreId, 1))[0]?.id;
  const latencies = { before: [] as number[], during: [] as number[] };
  const prove = async (into: number[]) => {
    const [dataset] = weatherDatasets({ seed: seedBase * 64 + proofs, windows: 1, startDate: "2026-06-01" });
    proofs++;
    try {
      await certify(act, dataset as unknown as Record<string, unknown>);
    } catch (error) {
      if (isCode(error, "ALREADY_CERTIFIED")) return undefined;
      throw error;
    }
    // The hub writes telemetry in batches (every 250 ms): wait for this proof's row.
    let [row] = await act.invocations(coreId, 1);
    for (let i = 0; i < 20 && row !== undefined && row.id === lastRow; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      [row] = await act.invocations(coreId, 1);
    }
    lastRow = row?.id;
    into.push(row?.latencyMs ?? 0);
    say(
      `   proof ${String(proofs).padStart(2)}: ${configOf(row)}, ${row?.decisionMode ?? "untuned"}, ${ms(row?.latencyMs)}`,
    );
    return row;
  };
  say(
    "   first, the epoch before: a fresh kernel run proves on the configuration that landed (its baseline)",
  );
  while (latencies.before.length < BASELINE_PROOFS && proofs < MAX_PROOFS) await prove(latencies.before);
  await act.passToEpoch(epoch);
  // The hub stamps telemetry in the chain's clock, which it reads every second.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  say(
    `   — a week passes on the dev chain: epoch ${epoch} begins, the kernel explores (unless it settled before) —`,
  );
  while (proofs < MAX_PROOFS) {
    const row = await prove(latencies.during);
    if (row === undefined) continue;
    // A hub whose prover is not tuned (caldera.config.json `evolution.tuneProver` off) proves as it always did.
    if (row.decisionMode === null) {
      if (latencies.during.length >= BASELINE_PROOFS) break;
      continue;
    }
    incumbentRun = row.decisionMode === "incumbent" ? incumbentRun + 1 : 0;
    if (incumbentRun >= SETTLED_AFTER) {
      say(`   the kernel settled: ${configOf(row)} ran ${incumbentRun} times in a row as the incumbent`);
      break;
    }
  }
  if (incumbentRun < SETTLED_AFTER && proofs >= MAX_PROOFS)
    say(
      `   after ${proofs} proofs the kernel is still exploring (latencies on a busy machine are noisy); it goes on with the hub's next proofs`,
    );
  say(
    `   p50 of the proofs: ${ms(median(latencies.before))} in the epoch before, ${ms(median(latencies.during))} in epoch ${epoch} (${proofs} proofs)`,
  );
  return { startedAt };
}

async function certify(act: EvolutionActions, dataset: Record<string, unknown>) {
  const input = { provider: act.address(AGRI), ...dataset };
  const { certifyCoreTypedData: typedData } = await act.request<{
    certifyCoreTypedData: {
      domain: { chainId: number };
      message: { deadline: number } & Record<string, unknown>;
    };
  }>(
    `query($input: CertifyCoreInput!) { certifyCoreTypedData(input: $input) { domain types primaryType message } }`,
    { input },
  );
  const signature = await act.sign(AGRI, typedData);
  await act.request(
    `mutation($input: CertifyCoreInput!, $a: SignedAuthorization!) { certifyCore(input: $input, authorization: $a) { certificate { id } } }`,
    { input, a: { signature, deadline: typedData.message.deadline } },
  );
}

async function showReport(act: EvolutionActions, coreId: string, since: string) {
  const deadline = Date.now() + 60_000;
  let [report] = await act.evolutionReports(coreId, 1);
  // The hub publishes off the proof's path: give it a moment.
  while ((report === undefined || report.publishedAt < since) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    [report] = await act.evolutionReports(coreId, 1);
  }
  if (report === undefined) {
    say(
      "   no evolution report yet: the kernel has not settled on a configuration faster than the one it reported",
    );
    return;
  }
  const fresh = report.publishedAt >= since;
  say(
    `   report ${report.id}${fresh ? "" : " (published on an earlier run)"}: p50 ${ms(report.before.p50LatencyMs)} → ${ms(report.after.p50LatencyMs)}, p95 ${ms(report.before.p95LatencyMs)} → ${ms(report.after.p95LatencyMs)} — ${report.efficiencyImprovementBps / 100}% faster`,
  );
  say(
    `   over ${report.before.invocations} → ${report.after.invocations} proofs, compliance ${report.before.complianceRate * 100}% → ${report.after.complianceRate * 100}%`,
  );
  say(`   evidence ${report.evidenceHash} (the telemetry windows), decision log ${report.decisionLogHash}`);
  say(`   the core prover's logic hash is now ${report.logicHash} (transaction ${report.transactionHash})`);
  const { component } = await act.request<{
    component: {
      metrics: {
        points: { bucketStart: string; invocations: number; p50LatencyMs: number | null }[];
        events: { kind: string; at: string }[];
      };
    };
  }>(
    `query($id: ID!, $w: MetricsWindowInput!) { component(id: $id) { metrics(window: $w, bucket: HOUR) {
      points { bucketStart invocations p50LatencyMs } events { kind at } } } }`,
    {
      id: coreId,
      w: {
        from: new Date(Date.parse(since) - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
        to: new Date(Date.parse(since) + 9 * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z"),
      },
    },
  );
  const points = component.metrics.points.filter((p) => p.invocations > 0);
  say(
    `   metrics (hourly, chain time): ${points.map((p) => `${p.bucketStart.slice(5, 16)} ${p.invocations} proofs p50 ${ms(p.p50LatencyMs)}`).join("; ")}`,
  );
  say(
    `   events on the same timeline: ${component.metrics.events.map((e) => `${e.kind} ${e.at.slice(5, 16)}`).join(", ") || "none"}`,
  );
}

async function ensureEra(act: EvolutionActions, n: number, amount: bigint) {
  const held = await act.eraOf(act.address(n));
  if (held < amount) await act.payFromTreasury(act.address(n), amount - held);
}

async function ensureDataComponent(act: EvolutionActions, n: number, name: string, module: unknown) {
  const hash = await act.publishLogicModule(module);
  const existing = (await act.components()).find(
    (c) => c.name === name && c.provider.address.toLowerCase() === act.address(n).toLowerCase(),
  );
  if (existing !== undefined) {
    say(`   ${name} is component ${existing.id} (registered on an earlier run)`);
    return existing;
  }
  await ensureEra(act, n, parseEther("1000"));
  const registered = await act.registerDataComponent(n, name, hash as Hex, parseEther("1000"));
  say(
    `   ${name}: component ${registered.id}, provider account ${n}, pledge ${era(registered.pledge)}, logic ${hash.slice(0, 10)}… (signed, ERA permit)`,
  );
  return registered;
}

async function absorption(act: EvolutionActions) {
  const agri = await ensureDataComponent(act, AGRI, AGRI_COMPONENT, agriculturalGapFilling);
  const industrial = await ensureDataComponent(act, INDUSTRIAL, INDUSTRIAL_COMPONENT, industrialConditioning);
  const moduleHash = canonicalHash(agriculturalGapFilling) as Hex;
  const { reported, truth } = sampleMachineDay();
  const input = { ...reported, truth, tolerance: 0.5 };
  const before = await act.runComponentLogic(industrial.id, input);
  say(
    `   the industrial component on a machine day with 18 missing readings: accuracy ${pct(before.accuracy)} (modules: ${before.modules.map((m) => `${m.name} (${m.role})`).join(", ")})`,
  );
  if (before.modules.some((m) => m.hash === moduleHash)) {
    say("   it absorbed the gap filling on an earlier run: nothing to request");
    return industrial;
  }
  const sourceProvider = act.address(AGRI);
  const paidBefore = await act.eraOf(sourceProvider);
  await ensureEra(act, INDUSTRIAL, parseEther("800"));
  const requested = await act.requestAbsorption(
    { id: industrial.id, n: INDUSTRIAL },
    { id: agri.id, n: AGRI },
    moduleHash,
  );
  say(
    `   absorption ${requested.absorptionId} requested: both providers signed; ${era(requested.compensation)} escrowed from account ${INDUSTRIAL} (permit)`,
  );
  const approved = await act.approveAbsorption(requested.absorptionId, NODES);
  const paid = (await act.eraOf(sourceProvider)) - paidBefore;
  say(
    `   nodes ${NODES.join(" and ")} approved it: ${era(approved.compensation)} paid to ${approved.paidTo} (account ${AGRI}'s ERA +${era(paid)})`,
  );
  const after = await act.runComponentLogic(industrial.id, input);
  say(
    `   the same machine day now: accuracy ${pct(after.accuracy)} (modules: ${after.modules.map((m) => `${m.name} (${m.role})`).join(", ")})`,
  );
  return industrial;
}

const pct = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(1)}%`);

async function settleEpoch(
  act: EvolutionActions,
  epoch: number,
  components: { id: string; name: string; provider: Address }[],
) {
  const pool = await act.evolutionPool();
  if (BigInt(pool.balance) < parseEther("1500")) {
    const funded = await act.fundEvolutionPool(parseEther("2000"));
    say(`   the treasury funded the pool with ${era(funded.amount)} (permit signed by the hub's key)`);
  } else say(`   the pool holds ${era(pool.balance)}: enough for the largest reward`);
  const clock = await act.epochClock();
  const endsAt = clock.startOf(epoch + 1);
  if (clock.now < endsAt) {
    await act.passTime(Number(endsAt - clock.now) + 1);
    say(
      `   dev chain: the clock moved to ${new Date(Number(endsAt) * 1000).toISOString()}, past epoch ${epoch}'s end`,
    );
  }
  const before = new Map<string, bigint>();
  for (const c of components) before.set(c.id, await act.eraOf(c.provider));
  const poolBefore = BigInt((await act.evolutionPool()).balance);
  const pledgeBefore = new Map((await act.components()).map((c) => [c.id, BigInt(c.pledge)]));
  for (const c of components) {
    const settlement = await act.settlementOf(epoch, c.id);
    if (settlement.outcome !== 0) {
      say(
        `   ${c.name}: settled for epoch ${epoch} already (${settlement.outcome === 1 ? "rewarded" : "slashed"} ${era(settlement.amount)})`,
      );
      continue;
    }
    try {
      if (c === components[0])
        await refusal("figures no node attested", () => act.settleEvolutionEpoch(c.id, epoch, []));
      const { prepared, settled } = await act.settleEvolutionEpoch(c.id, epoch, NODES);
      const f = prepared.figures;
      say(
        `   ${c.name} (component ${c.id}): p50 ${ms(f.before.p50LatencyMs)} (epoch ${epoch - 1}, ${f.before.invocations} invocations) → ${ms(f.after.p50LatencyMs)} (epoch ${epoch}, ${f.after.invocations}): ${f.efficiencyImprovementBps / 100}%; new scenarios +${f.scenarioRangeDelta}${f.newScenarios.length ? ` (${f.newScenarios.join(", ")})` : ""}`,
      );
      say(
        `      nodes ${NODES.join(" and ")} signed these figures (evidence ${f.evidenceHash.slice(0, 10)}…): ${settled.settlement.outcome} ${era(settled.settlement.amount)} (${settled.gasUsed} gas)`,
      );
    } catch (error) {
      if (!isCode(error, "NO_TELEMETRY", "EPOCH_ALREADY_SETTLED")) throw error;
      say(`   ${c.name}: ${error.message}`);
    }
  }
  say("\n   ERA before → after");
  for (const c of components) {
    const x = await act.eraOf(c.provider);
    say(`   ${`${c.name} provider`.padEnd(32)} ${era(before.get(c.id) ?? 0n).padStart(18)} → ${era(x)}`);
  }
  const pledgeAfter = new Map((await act.components()).map((c) => [c.id, BigInt(c.pledge)]));
  for (const c of components)
    say(
      `   ${`${c.name} pledge`.padEnd(32)} ${era(pledgeBefore.get(c.id) ?? 0n).padStart(18)} → ${era(pledgeAfter.get(c.id) ?? 0n)}`,
    );
  say(
    `   ${"evolution pool".padEnd(32)} ${era(poolBefore).padStart(18)} → ${era((await act.evolutionPool()).balance)}`,
  );
  say(`   (a slash is 5% of the pledge, rounded up to the wei, into the pool; a reward comes out of it)`);
  const [first] = components;
  if (first !== undefined)
    await refusal(`${first.name} settled twice for epoch ${epoch}`, () =>
      act.settleEvolutionEpoch(first.id, epoch, NODES),
    );
}

/** An attempt that must be refused: its typed code, printed. */
async function refusal(what: string, attempt: () => Promise<unknown>) {
  try {
    await attempt();
    say(`   ${what}: accepted — this is a bug`);
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    say(`   ${what}: refused, ${error.code}`);
  }
}

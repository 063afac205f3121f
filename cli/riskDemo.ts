import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, formatEther, type Hex, keccak256, parseEther, stringToBytes } from "viem";
import { BaseError } from "../errors/BaseError.js";
import type { DeploymentManifest } from "../services/deployment.js";
import { patiently } from "./circulationActions.js";
import { certifyAll, derive, register } from "./demoCommand.js";
import { weatherDatasets } from "./demoDatasets.js";
import { isAlive, runningStack } from "./gatewayRequest.js";
import { type DisposalContribution, isCode, type RiskActions, riskActions } from "./riskActions.js";
import { stackLocation } from "./stackLocation.js";

/**
 * The cast (after the derivation and circulation demos': 0 treasury, hub signer and Caldera's operator, 1–3 nodes):
 * the provider is the circulation demo's second farm, the lender its lender; the partner L2 and the agricultural
 * platform are operated by accounts 23 and 24 (from anvil's mnemonic; they only sign, the hub relays).
 */
const TREASURY = 0;
const NODES = [1, 2, 3];
const PROVIDER = 6;
const LENDER = 7;
const PARTNER_OPERATOR = 23;
const PLATFORM_OPERATOR = 24;

const PARTNER_NAME = "Lumen L2";
const PLATFORM_NAME = "Mekong Agri Platform";
/** The example partner subgraph's port on this machine (its URL is what the nodes admit on-chain). */
export const PARTNER_PORT = 4310;
const CLAIM = parseEther("30000");

const say = (line = "") => process.stdout.write(`${line}\n`);
const era = (wei: bigint) =>
  `${Number(formatEther(wei)).toLocaleString("en-US", { maximumFractionDigits: 4 })} ERA`;

/** The seed's disposal, as README "Collaborative disposal" documents it: 40% / 25% / 35%. */
export function seedContributions(ids: {
  caldera: string;
  partner: string;
  platform: string;
}): DisposalContribution[] {
  return [
    // Caldera warned 6 h ahead (its verified DEFAULT_RATE feature); measures on the warning cut the loss by 60%.
    { ecosystem: ids.caldera, leadTimeHours: 6, lossReductionBps: 6000, locatedSource: false },
    // The partner L2 read the feature, froze its exposure 3 h before the loss and cut its loss by 70%.
    { ecosystem: ids.partner, leadTimeHours: 3, lossReductionBps: 7000, locatedSource: false },
    // The agricultural platform located the false data source 6 h ahead, stopping half of what remained.
    { ecosystem: ids.platform, leadTimeHours: 6, lossReductionBps: 5000, locatedSource: true },
  ];
}

/** The one request that shows Caldera's fields and the partner's together, resolved by the gateway. */
export const JOINED_QUERY = `query Joined($provider: Address!) {
  provider(address: $provider) {
    address
    name
    margin { locked required adequate frozen }
    riskFeatures(filter: { kind: DEFAULT_RATE }, first: 1) {
      edges { node { id kind category severity bucket { lowBps highBps } recordCount verified attestations ecosystem { name } } }
    }
    partnerExposure
    partnerDefaults
    partnerRiskGrade
  }
}`;

/**
 * `caldera demo risk`: cross-domain risk on the running dev stack, through the gateway as a frontend would, every
 * action signed by a dev account and relayed by the hub. The example partner subgraph starts and the nodes admit
 * its L2 (and an agricultural platform) as ecosystems; the provider locks margin for the three ecosystems it serves
 * and defaults on a Caldera credit line; the hub proves and publishes Caldera's DEFAULT_RATE feature and two nodes
 * attest it; the partner reads it joined with its own data; the partner files a freeze, the nodes uphold it, the
 * disposal is shared by Shapley value (40% / 35% / 25%), settled on node signatures and claimed. Safe to run again:
 * what exists is found and reused, and each skipped step says why.
 */
export async function riskDemo(): Promise<number> {
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
  const [EraToken, DerivativeMarket, CreditVault, MarginVault, EcosystemRegistry] = [
    "EraToken",
    "DerivativeMarket",
    "CreditVault",
    "MarginVault",
    "EcosystemRegistry",
  ].map((name) => contracts[name]?.address);
  if (!EraToken || !DerivativeMarket || !CreditVault || !MarginVault || !EcosystemRegistry)
    throw new BaseError(
      "this stack's contracts have no MarginVault/EcosystemRegistry: it was deployed before cross-domain risk — stop it and `npm start` again (a new bytecode redeploys)",
      { code: "CHAIN_REJECTED" },
    );
  const act = riskActions({
    gatewayUrl: run.gatewayUrl,
    rpcUrl: run.rpcUrl,
    chainId: run.chainId,
    contracts: { EraToken, DerivativeMarket, CreditVault, MarginVault, EcosystemRegistry },
    out: (line) => say(`   ${line}`),
  });
  const a = act.address;
  const provider = a(PROVIDER);
  say("Caldera demo — cross-domain risk (module 3)\n");

  const groups: [string, Address][] = [
    ["Caldera (account 0)", a(TREASURY)],
    [`provider (account ${PROVIDER})`, provider],
    [`${PARTNER_NAME} operator`, a(PARTNER_OPERATOR)],
    [`${PLATFORM_NAME} operator`, a(PLATFORM_OPERATOR)],
    [`lender (account ${LENDER})`, a(LENDER)],
    ["MarginVault", MarginVault],
    ["CreditVault", CreditVault],
  ];
  const before = await balances(act, groups);

  say("1. The example partner subgraph starts, and the nodes admit the partners as ecosystems");
  const partnerUrl = await ensurePartnerSubgraph(dataDir, provider);
  const partner = await ensureEcosystem(act, PARTNER_NAME, PARTNER_OPERATOR, partnerUrl);
  const platform = await ensureEcosystem(act, PLATFORM_NAME, PLATFORM_OPERATOR, "");
  const caldera = (await act.ecosystems()).find((e) => e.id === "1");
  if (caldera === undefined) throw new Error("Caldera (ecosystem 1) is not registered");
  say(`   ecosystems: 1 ${caldera.name}, ${partner.id} ${partner.name}, ${platform.id} ${platform.name}`);

  say("\n2. The provider locks cross-domain margin for the three ecosystems it serves (20,000 ERA each)");
  await ensureMargin(act, [caldera.id, partner.id, platform.id]);

  say("\n3. The provider defaults at Caldera: a credit line past its 90-day term is declared in default");
  await ensureDefault(act);

  say(
    "\n4. Caldera proves its DEFAULT_RATE feature about the provider in zero knowledge and two nodes attest it",
  );
  const featureId = await ensureFeature(act, provider);

  say(
    `\n5. ${PARTNER_NAME} queries the feature through the gateway, joined with its own data (one request):`,
  );
  say(JOINED_QUERY.replace(/^/gm, "   "));
  const answer = await joinedAnswer(act, provider);
  say(`   variables: { "provider": "${provider}" }`);
  say(JSON.stringify(answer, null, 2).replace(/^/gm, "   "));

  say(`\n6. ${PARTNER_NAME} files a freeze of the provider's margin; the nodes vote to uphold it`);
  const caseId = await ensureUpheldCase(act, partner, featureId);

  say("\n7. The disposal: contributions assessed, Shapley shares computed, settled on node signatures");
  await ensureDisposal(
    act,
    caseId,
    seedContributions({ caldera: caldera.id, partner: partner.id, platform: platform.id }),
  );

  say("\n8. Each ecosystem's operator claims its payout (pull)");
  for (const [operator, ecosystem] of [
    [TREASURY, caldera],
    [PARTNER_OPERATOR, partner],
    [PLATFORM_OPERATOR, platform],
  ] as const) {
    try {
      const claimed = await act.claimDisposalPayout(operator, caseId, ecosystem.id);
      say(
        `   ${ecosystem.name} claimed ${era(BigInt(String(claimed.data.amount)))} (${claimed.gasUsed} gas)`,
      );
    } catch (error) {
      if (!isCode(error, "NOTHING_TO_CLAIM")) throw error;
      say(`   ${ecosystem.name}: nothing to claim (${error.message})`);
    }
  }

  const after = await balances(act, groups);
  say("\nERA balances before → after");
  let sumBefore = 0n;
  let sumAfter = 0n;
  for (const [name] of groups) {
    const b = before.get(name) ?? 0n;
    const x = after.get(name) ?? 0n;
    sumBefore += b;
    sumAfter += x;
    say(`   ${name.padEnd(30)} ${era(b).padStart(20)} → ${era(x)}`);
  }
  say(`   ${"Σ (conserved)".padEnd(30)} ${era(sumBefore).padStart(20)} → ${era(sumAfter)}`);
  say(`   (the vault's reserve holds ${era(await act.reserve())} of unassigned bps and rounding dust)`);

  say("\nLook at it through the gateway:");
  say(`  ${run.gatewayUrl}`);
  say(
    `  { riskFeatures(filter: { subject: "${provider}" }) { totalCount edges { node { id severity verified attestedBy } } } }`,
  );
  say(
    `  { case(id: "${caseId}") { status seized timeline { kind at actor verdict amount } disposal { assigned dust shares { ecosystem { name } shareBps amount claimed contribution { leadTimeHours lossReductionBps locatedSource shapleyValue } } } } }`,
  );
  say(
    "  { margins(first: 5) { totalCount edges { node { provider { address } locked required frozen } } } }",
  );
  say(
    `The example partner subgraph keeps running at ${partnerUrl} (stop it: kill $(cat '${partnerPidFile(dataDir)}'))`,
  );
  return 0;
}

async function balances(act: RiskActions, groups: [string, Address][]) {
  const out = new Map<string, bigint>();
  for (const [name, who] of groups) out.set(name, await act.eraOf(who));
  return out;
}

const partnerPidFile = (dataDir: string) => join(dataDir, "partner-risk-subgraph.pid");

/**
 * The example partner subgraph (examples/partner-risk-subgraph/), started in the background with its own script and
 * left running so the gateway keeps composing it after the demo; reused when it already answers.
 */
async function ensurePartnerSubgraph(dataDir: string, provider: Address): Promise<string> {
  const url = `http://127.0.0.1:${PARTNER_PORT}/graphql`;
  if (await answers(url)) {
    say(`   the example partner subgraph answers at ${url} already: reused`);
    return url;
  }
  const pidFile = partnerPidFile(dataDir);
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8"));
    if (isAlive(pid)) throw new Error(`the partner subgraph (pid ${pid}) runs but does not answer at ${url}`);
  }
  // The example's own server code, in its own process, with the demo provider in the partner's data.
  const script = fileURLToPath(new URL("./startDemoPartner.ts", import.meta.url));
  mkdirSync(join(dataDir, "logs"), { recursive: true });
  const log = openSync(join(dataDir, "logs", "partner-risk-subgraph.log"), "a");
  const args = ["--port", String(PARTNER_PORT), "--name", "lumen-l2", "--provider", provider];
  // tsx by its resolved URL, so the demo runs from any folder.
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), script, ...args], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  const deadline = Date.now() + 60_000;
  while (!(await answers(url))) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new BaseError(
        `the example partner subgraph did not start at ${url} (see ${join(dataDir, "logs", "partner-risk-subgraph.log")})`,
        { code: "STACK_NOT_RUNNING" },
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  say(`   started the example partner subgraph at ${url} (pid ${child.pid}, its own process)`);
  return url;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ _service { sdl } }" }),
      signal: AbortSignal.timeout(2000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

async function ensureEcosystem(act: RiskActions, name: string, operator: number, subgraphUrl: string) {
  const found = await act.ecosystemNamed(name);
  if (found !== undefined) {
    say(`   ${name} is ecosystem ${found.id} (admitted on an earlier run)`);
    return found;
  }
  await act.admitEcosystem(
    { name, operator: act.address(operator), subgraphUrl },
    `Admit ${name} as a cross-domain risk partner (demo run ${new Date().toISOString()})`,
  );
  const admitted = await act.ecosystemNamed(name);
  if (admitted === undefined) throw new Error(`${name} was voted in but is not listed`);
  say(
    `   ${name} admitted as ecosystem ${admitted.id}, operator ${admitted.operator}${subgraphUrl ? `, subgraph ${subgraphUrl}` : ""}`,
  );
  return admitted;
}

async function ensureMargin(act: RiskActions, ecosystemIds: string[]) {
  const provider = act.address(PROVIDER);
  const { provider: current } = await act.request<{
    provider: { margin: { ecosystemsServed: { id: string }[] } | null } | null;
  }>(`query($p: Address!) { provider(address: $p) { margin { ecosystemsServed { id } } } }`, { p: provider });
  const servedNow = (current?.margin?.ecosystemsServed ?? []).map((e) => e.id).sort();
  if (servedNow.join() === [...ecosystemIds].sort().join())
    say(`   serves ecosystems ${ecosystemIds.join(", ")} (declared on an earlier run)`);
  else {
    const served = await act.setServedEcosystems(PROVIDER, ecosystemIds);
    say(`   declared it serves ecosystems ${ecosystemIds.join(", ")} (signed; ${served.gasUsed} gas)`);
  }
  const required = await act.requiredMargin(provider);
  const margin = await act.margin(provider);
  if (margin.frozenBy !== 0n)
    return say(
      `   its margin (${era(margin.locked)}) is frozen by open case ${margin.frozenBy} (an earlier run)`,
    );
  if (margin.locked >= required)
    return say(`   required ${era(required)}; ${era(margin.locked)} locked already (an earlier run)`);
  const missing = required - margin.locked;
  const held = await act.eraOf(provider);
  if (held < missing) await act.payFromTreasury(provider, missing - held);
  const locked = await act.lockMargin(PROVIDER, missing);
  say(
    `   required ${era(required)}: locked ${era(missing)}${margin.locked > 0n ? " more (topping up after an earlier seizure)" : ""} — signed with an ERA permit; still the provider's, but freezable (${locked.gasUsed} gas)`,
  );
}

async function ensureDefault(act: RiskActions) {
  const provider = act.address(PROVIDER);
  const { creditLines } = await act.request<{ creditLines: { edges: { node: { id: string } }[] } }>(
    `query($b: Address!) { creditLines(filter: { borrower: $b, status: DEFAULTED }, first: 1) { edges { node { id } } } }`,
    { b: provider },
  );
  const defaulted = creditLines.edges[0]?.node;
  if (defaulted !== undefined)
    return say(
      `   credit line ${defaulted.id} of the provider is DEFAULTED already (an earlier run): reused`,
    );
  await patiently(() => register(PROVIDER, "Riverside Smallholders"));
  const weather = await patiently(() => certifyAll(PROVIDER, weatherDatasets({ seed: 21 }), "daily weather"));
  const plan = await patiently(() =>
    derive(PROVIDER, weather, "PLANTING_PLAN", {
      station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
      crop: "maize",
      soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
      nutrients: { targetYieldTPerHa: 8, soilTest: { n: 40, p2o5: 30, k2o: 115 } },
    }),
  );
  if ((await act.idleAssets()) < parseEther("1200")) {
    if ((await act.eraOf(act.address(LENDER))) < parseEther("10000"))
      await act.payFromTreasury(act.address(LENDER), parseEther("10000"));
    await act.depositLiquidity(LENDER, parseEther("10000"));
    say("   a lender deposited 10,000 ERA into the credit pool");
  }
  let line = (await act.lineOf(plan)).toString();
  if (line === "0") {
    await act.pledgeDerivative(PROVIDER, plan);
    line = (await act.lineOf(plan)).toString();
    await act.borrowCredit(PROVIDER, line, parseEther("1200"));
    say(`   the provider pledged its planting plan ${plan} (credit line ${line}) and borrowed 1,200 ERA`);
  } else say(`   plan ${plan} is pledged already on credit line ${line}`);
  const { dueAt } = await act.creditLine(line);
  const { timestamp } = await act.publicClient.getBlock();
  if (timestamp <= dueAt) {
    await act.passTime(Number(dueAt - timestamp) + 86_400);
    say(
      `   dev chain: the clock moved ${Math.ceil(Number(dueAt - timestamp) / 86_400)} days ahead, past the term`,
    );
  }
  const declared = await act.declareDefault(line);
  say(`   default declared on line ${line}: CreditDefaulted emitted (${declared.gasUsed} gas)`);
}

async function ensureFeature(act: RiskActions, provider: Address): Promise<string> {
  let featureId: string;
  try {
    const published = await act.publishCalderaRiskFeature(provider, "DEFAULT_RATE");
    featureId = published.feature.id;
    say(
      `   feature ${featureId}: ${published.feature.severity} (${published.feature.bucket.lowBps}–${published.feature.bucket.highBps} bps of ${published.feature.recordCount} obligations defaulted), proof verified on-chain (${published.gasUsed} gas)`,
    );
  } catch (error) {
    if (!isCode(error, "FEATURE_ALREADY_PUBLISHED")) throw error;
    featureId = String(error.details.featureId);
    say(`   feature ${featureId} was published on an earlier run over the same records: reused`);
  }
  for (const node of NODES.slice(0, 2)) {
    try {
      const attested = await act.attestRiskFeature(node, featureId);
      say(`   node ${node} attested feature ${featureId} (${attested.gasUsed} gas)`);
    } catch (error) {
      if (!isCode(error, "ALREADY_ATTESTED")) throw error;
      say(`   node ${node} attested feature ${featureId} on an earlier run`);
    }
  }
  const { riskFeature } = await act.request<{ riskFeature: { verified: boolean; attestations: number } }>(
    `query($id: ID!) { riskFeature(id: $id) { verified attestations } }`,
    { id: featureId },
  );
  say(
    `   feature ${featureId}: ${riskFeature.attestations} attestations, verified = ${riskFeature.verified}`,
  );
  return featureId;
}

/**
 * The joined answer, once the gateway composes the partner (it re-reads the registry on every poll). If it has not
 * within 90 s, Caldera's half of the query is answered alone and the demo says so: a partner that is not composed
 * never stops Caldera's own fields.
 */
async function joinedAnswer(act: RiskActions, provider: Address): Promise<unknown> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const data = await act.request<{ provider: Record<string, unknown> }>(JOINED_QUERY, { provider });
      if (data.provider.partnerRiskGrade !== null && data.provider.partnerRiskGrade !== undefined)
        return data;
    } catch (error) {
      // Before the gateway composed the partner, its fields do not exist yet (GRAPHQL_VALIDATION_FAILED).
      if (!isCode(error, "GRAPHQL_VALIDATION_FAILED")) throw error;
    }
    if (Date.now() > deadline) {
      say(
        "   (the gateway has not composed the partner's subgraph within 90 s — see its `/ready` answer; Caldera's",
      );
      say("    fields answer alone:)");
      return act.request(JOINED_QUERY.replace(/\n\s*partner\w+/g, ""), { provider });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

type CaseNode = { id: string; status: string; disposal: { assigned: string } | null };

async function ensureUpheldCase(
  act: RiskActions,
  partner: { id: string; name: string },
  featureId: string,
): Promise<string> {
  const provider = act.address(PROVIDER);
  const { cases } = await act.request<{ cases: { edges: { node: CaseNode }[] } }>(
    `query($p: Address!, $e: ID!) { cases(filter: { provider: $p, ecosystem: $e }, first: 10) {
      edges { node { id status disposal { assigned } } } } }`,
    { p: provider, e: partner.id },
  );
  let current = cases.edges.map((e) => e.node).find((c) => c.status === "OPEN" || c.status === "UPHELD");
  if (current?.status === "UPHELD") {
    say(`   case ${current.id} was filed and upheld on an earlier run: reused`);
    return current.id;
  }
  if (current === undefined) {
    const operator = act.address(PARTNER_OPERATOR);
    if ((await act.eraOf(operator)) < parseEther("1000"))
      await act.payFromTreasury(operator, parseEther("1000"));
    const evidenceHash: Hex = keccak256(
      stringToBytes(
        `${partner.name}: provider ${provider} defaulted here too; Caldera risk feature ${featureId}`,
      ),
    );
    const filed = await act.fileFreeze(PARTNER_OPERATOR, {
      provider,
      ecosystem: partner.id,
      claimAmount: CLAIM,
      evidenceHash,
    });
    current = (filed.data.case as CaseNode | undefined) ?? undefined;
    if (current === undefined) throw new Error("fileFreeze returned no case");
    say(
      `   case ${current.id}: ${partner.name} claims ${era(CLAIM)} (deposit 1,000 ERA by permit, evidence ${evidenceHash.slice(0, 10)}…); the margin froze at once (${filed.gasUsed} gas)`,
    );
  } else say(`   case ${current.id} is open already (an earlier run stopped here): continuing`);
  const caseId = current.id;
  for (const node of NODES) {
    try {
      await act.castCaseVote(node, caseId, "UPHOLD");
      say(`   node ${node} voted UPHOLD (its stake at the snapshot block counts)`);
    } catch (error) {
      if (!isCode(error, "ALREADY_VOTED")) throw error;
      say(`   node ${node} voted on an earlier run`);
    }
  }
  try {
    const resolved = await act.resolveCase(caseId);
    say(
      `   case ${caseId} ${resolved.case.status}: ${era(BigInt(resolved.case.seized))} seized into the disposal (${resolved.gasUsed} gas)`,
    );
  } catch (error) {
    // Before more than half of the snapshot stake agrees, resolving waits for the review window's end.
    if (!isCode(error, "VOTING_OPEN")) throw error;
    const { voteEnd } = await act.freezeCase(caseId);
    const { timestamp } = await act.publicClient.getBlock();
    if (timestamp <= voteEnd) await act.passTime(Number(voteEnd - timestamp) + 60);
    const resolved = await act.resolveCase(caseId);
    say(
      `   past the review window: case ${caseId} ${resolved.case.status}, ${era(BigInt(resolved.case.seized))} seized`,
    );
  }
  return caseId;
}

async function ensureDisposal(act: RiskActions, caseId: string, contributions: DisposalContribution[]) {
  const disposal = await act.disposal(caseId);
  if (disposal.settled) {
    say(
      `   the disposal of case ${caseId} was settled on an earlier run (${era(disposal.seized - disposal.dust)} assigned, ${era(disposal.dust)} to the reserve)`,
    );
    return;
  }
  for (const c of contributions)
    say(
      `   ecosystem ${c.ecosystem}: warned/acted ${c.leadTimeHours} h ahead, loss reduced ${c.lossReductionBps / 100}%${c.locatedSource ? ", located the false data source" : ""}`,
    );
  const { prepared, settled } = await act.settleDisposal(caseId, contributions, NODES.slice(0, 2));
  for (const share of prepared.shares)
    say(
      `   → ${share.ecosystem.name}: ${share.shareBps / 100}% (Shapley value ${share.shapleyValue} ERA wei)`,
    );
  say(
    `   dust ${prepared.dustBps} bps; inputsHash ${prepared.inputsHash} (the hub stores the assessment under it)`,
  );
  say(
    `   settled with the signatures of nodes ${NODES.slice(0, 2).join(" and ")}: ${era(BigInt(settled.disposal.assigned))} assigned, ${era(BigInt(settled.disposal.dust))} to the reserve (${settled.gasUsed} gas)`,
  );
}

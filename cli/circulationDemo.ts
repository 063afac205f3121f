import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Address, formatEther, parseEther } from "viem";
import { BaseError } from "../errors/BaseError.js";
import type { DeploymentManifest } from "../services/deployment.js";
import { type CirculationActions, circulationActions, patiently } from "./circulationActions.js";
import { certifyAll, demoCommand, derive, FACTORY, FARM, register } from "./demoCommand.js";
import { weatherDatasets } from "./demoDatasets.js";
import { gatewayRequest, runningStack } from "./gatewayRequest.js";
import { stackLocation } from "./stackLocation.js";

/**
 * The cast after the derivation demo's (0 treasury and hub signer, 1–3 nodes, 4 farm, 5 factory): a second farm, a
 * lender, three enterprises (8–10) and ten farmers (11–20; past anvil's ten accounts, from the same mnemonic). They
 * only sign: the hub relays and pays the gas, so the accounts past 9 need no ETH.
 */
const TREASURY = 0;
const SECOND_FARM = 6;
const LENDER = 7;
const ENTERPRISES = [8, 9, 10];
const FARMERS = Array.from({ length: 10 }, (_, i) => 11 + i);

const PLAN_TERMS = { price: parseEther("5"), mode: "PER_USE", quantity: 1n };
const FAULT_TERMS = { price: parseEther("40"), mode: "PER_USE", quantity: 5n };
const PLANTING_PARAMETERS = {
  station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
  crop: "maize",
  soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
  nutrients: { targetYieldTPerHa: 8, soilTest: { n: 40, p2o5: 30, k2o: 115 } },
};

const say = (line = "") => process.stdout.write(`${line}\n`);
const era = (wei: bigint) =>
  `${Number(formatEther(wei)).toLocaleString("en-US", { maximumFractionDigits: 4 })} ERA`;

/**
 * `caldera demo circulation`: ERA circulation on the running dev stack, continuing the derivation demo (run first
 * when its planting plan or fault model is missing). Through the gateway as a frontend would, every action signed
 * by a dev account: the treasury funds the cast and the reward pool; the nodes vote the farmers and enterprises in
 * (only admitted accounts count toward rewards); ten farmers licence and adopt the farm's plan, and the farm claims
 * 500 ERA; three enterprises licence and invoke the factory's fault model, and the factory claims 1,200 ERA; a
 * lender funds the credit pool; the farm pledges its plan, borrows, repays and unpledges; a second farm pledges,
 * borrows, lets the term pass and is declared in default. Safe to run again: what exists is found and reused.
 */
export async function circulationDemo(): Promise<number> {
  const run = runningStack();
  if (run.chainId !== 31337)
    throw new BaseError(
      `the demo signs with public dev keys and runs on chain 31337 only, not ${run.chainId}`,
      {
        code: "SIGNER_MISCONFIGURED",
      },
    );
  const deployment = JSON.parse(
    readFileSync(join(stackLocation().dataDir, "deployment.json"), "utf8"),
  ) as DeploymentManifest;
  const { DerivativeMarket, CreditVault, EraToken } = deployment.contracts;
  if (DerivativeMarket === undefined || CreditVault === undefined)
    throw new BaseError(
      "this stack's contracts have no DerivativeMarket/CreditVault: it was deployed before ERA circulation — stop it and `npm start` again (a new bytecode redeploys)",
      { code: "CHAIN_REJECTED" },
    );
  const actions = circulationActions({
    gatewayUrl: run.gatewayUrl,
    rpcUrl: run.rpcUrl,
    chainId: run.chainId,
    contracts: {
      EraToken: EraToken.address,
      DerivativeMarket: DerivativeMarket.address,
      CreditVault: CreditVault.address,
    },
    out: (line) => say(`   ${line}`),
  });
  const a = actions.address;
  say("Caldera demo — ERA circulation (module 1, second half)\n");

  let plan = await findDerivative(a(FARM), "PLANTING_PLAN");
  let fault = await findDerivative(a(FACTORY), "FAULT_WARNING_MODEL");
  if (plan === undefined || fault === undefined) {
    say(
      "0. The farm's planting plan or the factory's fault model is missing: the derivation demo runs first\n",
    );
    if ((await patiently(() => demoCommand(["derivation"]))) !== 0) return 1;
    say("");
    plan = await findDerivative(a(FARM), "PLANTING_PLAN");
    fault = await findDerivative(a(FACTORY), "FAULT_WARNING_MODEL");
    if (plan === undefined || fault === undefined)
      throw new Error("the derivation demo left no plan or model");
  }
  say(
    `The farm's planting plan is derivative ${plan}, the factory's fault-warning model derivative ${fault}.`,
  );

  const groups: [string, number[]][] = [
    ["treasury (account 0)", [TREASURY]],
    ["farm (Green Valley)", [FARM]],
    ["factory (Northgate)", [FACTORY]],
    ["farmers (10)", FARMERS],
    ["enterprises (3)", ENTERPRISES],
    ["second farm", [SECOND_FARM]],
    ["lender", [LENDER]],
  ];
  const before = await balances(actions, groups);

  say("\n1. The treasury (dev account 0) pays the cast in ERA and funds the reward pool");
  const topUps: [number, bigint][] = [
    ...FARMERS.map((n): [number, bigint] => [n, parseEther("20")]),
    ...ENTERPRISES.map((n): [number, bigint] => [n, parseEther("200")]),
    [LENDER, parseEther("20000")],
    [FARM, parseEther("100")],
    [SECOND_FARM, parseEther("100")],
  ];
  let paid = 0;
  for (const [n, target] of topUps) {
    const held = await actions.balanceOf(a(n));
    if (held >= target / 2n) continue;
    await actions.payFromTreasury(a(n), target - held);
    paid++;
  }
  say(
    paid === 0
      ? "   everyone holds enough ERA already (an earlier run paid them)"
      : `   ${paid} ERC-20 transfers from the treasury's wallet: each farmer 20 ERA, each enterprise 200, the lender 20,000, the farms 100`,
  );
  const pool = await actions.poolBalance();
  const poolTarget = parseEther("5000");
  if (pool < parseEther("1700")) {
    const funded = await actions.fundRewardPool(TREASURY, poolTarget - pool);
    say(
      `   the treasury signed a pool funding of ${era(poolTarget - pool)} with an ERA permit; the hub relayed it (${funded.gasUsed} gas)`,
    );
  } else say(`   the reward pool holds ${era(pool)} already`);

  say(
    "\n2. The nodes vote the ten farmers and three enterprises in: only admitted accounts count toward rewards",
  );
  const cast = [...FARMERS, ...ENTERPRISES].map(a);
  const notYet: Address[] = [];
  for (const account of cast) if (!(await actions.isAdmitted(account))) notYet.push(account);
  if (notYet.length === 0) say("   all thirteen were admitted by a vote on an earlier run");
  else
    await actions.passVote(
      { admitAccounts: { accounts: notYet, admitted: true } },
      `Admit the Green Valley cooperative's farmers and the Northgate enterprises (demo run ${new Date().toISOString()})`,
    );

  say(
    "\n3. The providers set licence terms (signed; revenue is paid by pull, 10% of each fee feeds the reward pool)",
  );
  await ensureTerms(actions, FARM, plan, PLAN_TERMS, "the farm: planting plan");
  await ensureTerms(actions, FACTORY, fault, FAULT_TERMS, "the factory: fault-warning model");

  say("\n4. Ten farmers licence the plan (ERA permit + purchase in one relayed call) and adopt it");
  let adopted = 0;
  for (const n of FARMERS) {
    if (await actions.hasAdopted(plan, a(n))) continue;
    if (!(await actions.hasValidLicence(plan, a(n)))) await actions.buyLicence(n, plan, PLAN_TERMS.price);
    await actions.adoptDerivative(n, plan);
    adopted++;
  }
  say(
    adopted === 0
      ? "   all ten adopted it on an earlier run"
      : `   ${adopted} farmer(s) bought a licence and adopted the plan (10 distinct admitted adopters)`,
  );
  await claim(actions, plan, "ADOPTERS", "the farm", "500 ERA for 10 distinct adopters");

  say(
    "\n5. Three enterprises licence the fault model and invoke it on their press readings (the hub runs the model)",
  );
  for (const [i, n] of ENTERPRISES.entries()) {
    if (!(await actions.hasValidLicence(fault, a(n)))) await actions.buyLicence(n, fault, FAULT_TERMS.price);
    const result = await actions.invokeFaultModel(n, fault, pressReadings(i));
    say(
      `   enterprise ${n} (${a(n)}): P(fault) ${Number(result.data.probability).toFixed(3)}${result.data.warning ? " — WARNING" : ""} (${result.gasUsed} gas)`,
    );
  }
  await claim(actions, fault, "ENTERPRISES", "the factory", "1,200 ERA for 3 distinct invoking enterprises");
  for (const [n, who] of [
    [FARM, "the farm"],
    [FACTORY, "the factory"],
  ] as const) {
    try {
      await actions.releaseRevenue(a(n));
      say(`   ${who}'s licence revenue released to it (pull payment)`);
    } catch (error) {
      if (!(error instanceof BaseError && error.code === "NOTHING_TO_CLAIM")) throw error;
    }
  }

  say("\n6. A lender deposits liquidity into the credit pool");
  if ((await actions.idleAssets()) < parseEther("5000")) {
    const deposit = await actions.depositLiquidity(LENDER, parseEther("10000"));
    say(`   the lender deposited 10,000 ERA (signed, with an ERA permit; ${deposit.gasUsed} gas)`);
  } else say(`   the pool holds ${era(await actions.idleAssets())} idle already`);

  say(
    "\n7. The farm pledges its plan for credit (limit = agricultural base 1,000 ERA × weight 1.5), borrows, repays, unpledges",
  );
  let line = (await actions.lineOf(plan)).toString();
  if (line === "0") {
    const pledged = await actions.pledgeDerivative(FARM, plan);
    line = (await actions.lineOf(plan)).toString();
    say(
      `   pledged: credit line ${line}, limit ${era((await actions.creditLine(line)).limit)} (${pledged.gasUsed} gas)`,
    );
  } else
    say(`   the plan is pledged already on credit line ${line} (an interrupted run): continuing with it`);
  const borrowed = await actions.borrowCredit(FARM, line, parseEther("1000"));
  say(`   borrowed 1,000 ERA (${borrowed.gasUsed} gas)`);
  await actions.passTime(30 * 86_400);
  const debt = await actions.debtOf(line);
  // A repayment above the debt pulls only the debt; the margin covers the interest of the block it lands in.
  const repaid = await actions.repayCredit(FARM, line, debt + parseEther("1"));
  say(
    `   a month later it repaid ${era(debt)} and change (principal + 8%/yr simple interest; ${repaid.gasUsed} gas)`,
  );
  const unpledged = await actions.unpledgeDerivative(FARM, line);
  say(`   unpledged: the plan is back with the farm, line ${line} CLOSED (${unpledged.gasUsed} gas)`);

  say("\n8. A second farm derives its own plan, pledges it, borrows — and misses the term");
  await patiently(() => register(SECOND_FARM, "Riverside Smallholders"));
  const weather = await patiently(() =>
    certifyAll(SECOND_FARM, weatherDatasets({ seed: 21 }), "daily weather"),
  );
  const plan2 = await patiently(() => derive(SECOND_FARM, weather, "PLANTING_PLAN", PLANTING_PARAMETERS));
  const seized = await gatewayRequest<{ creditLines: { edges: { node: { id: string; status: string } }[] } }>(
    `query($d: ID!) { creditLines(filter: { derivative: $d, status: DEFAULTED }, first: 1) { edges { node { id status } } } }`,
    { d: plan2 },
  );
  const defaulted = seized.creditLines.edges[0]?.node;
  if (defaulted !== undefined)
    say(
      `   its plan ${plan2} was seized on an earlier run (credit line ${defaulted.id} DEFAULTED): nothing to do`,
    );
  else {
    let line2 = (await actions.lineOf(plan2)).toString();
    if (line2 === "0") {
      await actions.pledgeDerivative(SECOND_FARM, plan2);
      line2 = (await actions.lineOf(plan2)).toString();
      await actions.borrowCredit(SECOND_FARM, line2, parseEther("1200"));
      say(`   pledged plan ${plan2} on credit line ${line2} and borrowed 1,200 ERA`);
    } else say(`   plan ${plan2} is pledged already on credit line ${line2}`);
    const { dueAt } = await actions.creditLine(line2);
    const { timestamp } = await actions.publicClient.getBlock();
    if (timestamp <= dueAt) {
      await actions.passTime(Number(dueAt - timestamp) + 86_400);
      say(
        `   dev chain: the clock moved ${Math.ceil(Number(dueAt - timestamp) / 86_400)} days ahead (evm_increaseTime + mine), past the 90-day term`,
      );
    }
    const declared = await actions.declareDefault(line2);
    say(
      `   anyone may declare the default: line ${line2} ${(declared.data.creditLine as { status: string }).status}; the vault keeps the plan, the loss is booked, CreditDefaulted emitted (${declared.gasUsed} gas)`,
    );
  }

  const after = await balances(actions, groups);
  say("\nERA balances before → after");
  for (const [name, value] of after)
    say(`   ${name.padEnd(22)} ${era(before.get(name) ?? 0n).padStart(16)} → ${era(value)}`);

  say("\nLook at it through the gateway:");
  say(`  ${run.gatewayUrl}`);
  say(
    `  { derivative(id: "${plan}") { licenceTerms { price mode quantity } adoptions(first: 3) { totalCount } rewards { metric threshold countedAccounts amount paid claimable } } }`,
  );
  say(`  { derivative(id: "${fault}") { invocations(first: 3) { totalCount } rewards { metric paid } } }`);
  say(
    `  { creditLines(first: 5) { totalCount edges { node { id borrower { address } limit principal status } } } }`,
  );
  say(
    `  { rewardPool { balance totalFunded totalClaimed shareBps } creditPool { totalAssets idle totalLosses } utilisation { rate } }`,
  );
  return 0;
}

async function findDerivative(owner: Address, kind: string): Promise<string | undefined> {
  const { derivatives } = await gatewayRequest<{ derivatives: { edges: { node: { id: string } }[] } }>(
    `query($o: Address!, $k: DerivationKind!) { derivatives(filter: { owner: $o, kind: $k }, first: 1) { edges { node { id } } } }`,
    { o: owner, k: kind },
  );
  return derivatives.edges[0]?.node.id;
}

async function balances(actions: CirculationActions, groups: [string, number[]][]) {
  const out = new Map<string, bigint>();
  for (const [name, members] of groups) {
    let sum = 0n;
    for (const n of members) sum += await actions.balanceOf(actions.address(n));
    out.set(name, sum);
  }
  out.set("reward pool", await actions.poolBalance());
  out.set("credit pool (idle)", await actions.idleAssets());
  return out;
}

async function ensureTerms(
  actions: CirculationActions,
  n: number,
  derivative: string,
  terms: { price: bigint; mode: string; quantity: bigint },
  what: string,
) {
  const { derivative: current } = await gatewayRequest<{
    derivative: { licenceTerms: { price: string; mode: string; quantity: string; active: boolean } | null };
  }>(`query($id: ID!) { derivative(id: $id) { licenceTerms { price mode quantity active } } }`, {
    id: derivative,
  });
  const t = current.licenceTerms;
  if (
    t?.active &&
    BigInt(t.price) === terms.price &&
    t.mode === terms.mode &&
    BigInt(t.quantity) === terms.quantity
  )
    return say(
      `   ${what}: ${era(terms.price)} per licence, ${terms.quantity} use(s) — set on an earlier run`,
    );
  const result = await actions.setLicenceTerms(n, derivative, terms);
  say(`   ${what}: ${era(terms.price)} per licence of ${terms.quantity} use(s) (${result.gasUsed} gas)`);
}

async function claim(
  actions: CirculationActions,
  derivative: string,
  metric: "ADOPTERS" | "ENTERPRISES",
  who: string,
  what: string,
) {
  try {
    const claimed = await actions.claimReward(derivative, metric);
    const debt = BigInt(String(claimed.data.debt ?? 0));
    say(
      `   ${who} claims its reward — ${what}: paid ${era(BigInt(String(claimed.data.paid)))}${debt > 0n ? `, ${era(debt)} still owed by the pool` : ""} (unsigned: the ERA only goes to the payee; ${claimed.gasUsed} gas)`,
    );
  } catch (error) {
    if (!(error instanceof BaseError && error.code === "NOTHING_TO_CLAIM")) throw error;
    say(`   ${who}'s reward (${what}) was paid on an earlier run: the threshold pays once`);
  }
}

/** Six hourly press temperatures per enterprise: the third runs hot and unsteady. */
function pressReadings(i: number): { at: string; temperatureC: number }[] {
  const start = Date.parse("2026-06-01T00:00:00Z") / 1000;
  const base = [61, 64, 66][i] ?? 62;
  const swing = [0.4, 1.1, 4.5][i] ?? 1;
  return Array.from({ length: 6 }, (_, h) => ({
    at: new Date((start + h * 3600) * 1000).toISOString(),
    temperatureC: Math.round((base + h * swing * (h % 2 === 0 ? 1 : -0.6)) * 10) / 10,
  }));
}

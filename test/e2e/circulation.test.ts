import { type Address, parseEther, type TypedDataDefinition } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CirculationActions, circulationActions } from "../../cli/circulationActions.js";
import { type DemoDataset, machineDatasets, weatherDatasets } from "../../cli/demoDatasets.js";
import { eraTokenAbi } from "../../contracts/generated/abis.js";
import { BaseError } from "../../errors/BaseError.js";
import { utilisationDefinitionSql } from "../../resolvers/utilisationDefinitionSql.js";
import { utilisationSql } from "../../resolvers/utilisationSql.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { certifyAs, registerProviderAs } from "../support/certifyAs.js";
import { evolutionHolders } from "../support/evolutionHolders.js";
import { graphql } from "../support/startTestStack.js";
import { startTestStackWithSql, type TestStackWithSql } from "../support/startTestStackWithSql.js";

/**
 * ERA circulation end to end through the gateway, every action signed by a dev account and relayed by the hub:
 * licence → adopt ×10 → claim 500 ERA (first from a pool too small, then refilled); invoke ×3 → 1,200 ERA;
 * pledge → borrow → repay → unpledge; a default past the term. Each step is read back in GraphQL and in SQL (the
 * views schema analysts use); each refusal has its typed code, sends no transaction and moves no ERA.
 */

const FARM = 4;
const FACTORY = 5;
const SECOND_FARM = 6;
const LENDER = 7;
const ENTERPRISES = [8, 9, 10];
const FARMERS = Array.from({ length: 10 }, (_, i) => 11 + i);
/** Admitted like the farmers, but never buys a licence. */
const UNLICENSED = 21;
/** Never admitted: a fresh address an attacker controls. */
const SYBIL = 22;
const PLAN_PRICE = parseEther("5");
const FAULT_PRICE = parseEther("40");

const planting = {
  station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
  crop: "maize",
  soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
  nutrients: { targetYieldTPerHa: 8, soilTest: { n: 40, p2o5: 30, k2o: 115 } },
};

let stack: TestStackWithSql;
let act: CirculationActions;
let plan: string;
let fault: string;
let plan2: string;
let holders: Address[];

const DERIVE_TYPED = `query($input: DeriveValueInput!) { deriveValueTypedData(input: $input) { typedData { domain types primaryType message } } }`;
const DERIVE = `mutation($input: DeriveValueInput!, $authorization: SignedAuthorization!) {
  deriveValue(input: $input, authorization: $authorization) { derivative { id } } }`;

async function derive(
  n: number,
  certificateIds: string[],
  kind: string,
  parameters: unknown,
): Promise<string> {
  const input = { certificateIds, kind, parameters };
  const typed = await act.request<{
    deriveValueTypedData: { typedData: { message: { deadline: number } } };
  }>(DERIVE_TYPED, { input });
  const typedData = typed.deriveValueTypedData.typedData;
  const { privateKeyToAccount } = await import("viem/accounts");
  const signature = await privateKeyToAccount(ANVIL_DEV_KEYS[n] as `0x${string}`).signTypedData(
    typedData as unknown as TypedDataDefinition,
  );
  const { deriveValue } = await act.request<{ deriveValue: { derivative: { id: string } } }>(DERIVE, {
    input,
    authorization: { signature, deadline: typedData.message.deadline },
  });
  return deriveValue.derivative.id;
}

async function certifyAll(n: number, datasets: DemoDataset[]) {
  const ids: string[] = [];
  for (const d of datasets)
    ids.push(
      await certifyAs(stack, ANVIL_DEV_KEYS[n] as `0x${string}`, d as unknown as Record<string, unknown>),
    );
  return ids;
}

/** What a refusal must leave untouched: the hub signer's nonce, the chain head and every holder's ERA. */
async function untouched() {
  const client = stack.hub.publicClient;
  const [nonce, block, balances] = await Promise.all([
    client.getTransactionCount({ address: stack.hub.walletClient.account.address }),
    client.getBlockNumber({ cacheTime: 0 }),
    Promise.all(holders.map((h) => act.balanceOf(h))),
  ]);
  return { nonce, block, balances: balances.map(String) };
}

/** The refusal's typed code, checked to have sent nothing and moved no ERA. */
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

/** ERA is conserved: every holder the flows touch (and the contracts) add up to the fixed supply. */
async function expectEraConserved() {
  const supply = await stack.hub.publicClient.readContract({
    address: stack.deployment.contracts.EraToken.address,
    abi: eraTokenAbi,
    functionName: "totalSupply",
  });
  let sum = 0n;
  for (const h of holders) sum += await act.balanceOf(h);
  expect(sum).toBe(supply);
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await graphql<T>(stack.gatewayUrl, query, variables);
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

const REWARDS = `query($id: ID!) { derivative(id: $id) {
  rewards { metric threshold countedAccounts amount owed paid claimable }
  adoptions(first: 20) { totalCount edges { node { adopter } } }
  invocations(first: 20) { totalCount }
  licences(first: 20) { totalCount } } }`;
type Rewards = {
  derivative: {
    rewards: {
      metric: string;
      countedAccounts: number;
      amount: string;
      owed: string;
      paid: string;
      claimable: string;
    }[];
    adoptions: { totalCount: number };
    invocations: { totalCount: number };
    licences: { totalCount: number };
  };
};
const rewardOf = async (id: string, metric: string) =>
  (await gql<Rewards>(REWARDS, { id })).derivative.rewards.find((r) => r.metric === metric);

beforeAll(async () => {
  stack = await startTestStackWithSql();
  const { EraToken, DerivativeMarket, CreditVault } = stack.deployment.contracts;
  if (DerivativeMarket === undefined || CreditVault === undefined)
    throw new Error("no circulation contracts");
  act = circulationActions({
    gatewayUrl: stack.gatewayUrl,
    rpcUrl: stack.rpcUrl,
    chainId: stack.deployment.chainId,
    contracts: {
      EraToken: EraToken.address,
      DerivativeMarket: DerivativeMarket.address,
      CreditVault: CreditVault.address,
    },
  });
  const c = stack.deployment.contracts;
  holders = [
    ...Array.from({ length: 23 }, (_, n) => act.address(n)),
    DerivativeMarket.address,
    CreditVault.address,
    c.NodeStaking.address,
    c.TimelockController.address,
    c.CalderaGovernor.address,
    // The hub's own components' pledges (capability evolution) and the evolution pool.
    ...evolutionHolders(stack.deployment),
  ];

  for (const [n, name] of [
    [FARM, "Green Valley Farm"],
    [FACTORY, "Northgate Stamping Works"],
    [SECOND_FARM, "Riverside Smallholders"],
  ] as const) {
    const registered = await registerProviderAs(stack.gatewayUrl, ANVIL_DEV_KEYS[n] as `0x${string}`, name);
    expect(registered.errors).toBeUndefined();
  }
  plan = await derive(FARM, await certifyAll(FARM, weatherDatasets()), "PLANTING_PLAN", planting);
  fault = await derive(FACTORY, await certifyAll(FACTORY, machineDatasets()), "FAULT_WARNING_MODEL", {
    machineId: "press-7",
    windowHours: 6,
    horizonHours: 12,
  });
  plan2 = await derive(
    SECOND_FARM,
    await certifyAll(SECOND_FARM, weatherDatasets({ seed: 21 })),
    "PLANTING_PLAN",
    planting,
  );

  for (const n of [...FARMERS, UNLICENSED, SYBIL])
    await act.payFromTreasury(act.address(n), parseEther("20"));
  for (const n of ENTERPRISES) await act.payFromTreasury(act.address(n), parseEther("200"));
  for (const n of [FARM, SECOND_FARM]) await act.payFromTreasury(act.address(n), parseEther("100"));
  await act.payFromTreasury(act.address(LENDER), parseEther("20000"));
  await act.passVote(
    {
      admitAccounts: { accounts: [...FARMERS, ...ENTERPRISES, UNLICENSED].map(act.address), admitted: true },
    },
    "Admit the cooperative's farmers and the enterprises",
  );
}, 900_000);

afterAll(async () => {
  await stack?.teardown();
});

// Dozens of relayed transactions per test, each returning once indexed: minutes on a busy machine.
describe("ERA circulation end to end through the gateway", { timeout: 600_000 }, () => {
  it("admits accounts only by a passed vote, visible in GraphQL and SQL", async () => {
    for (const n of [...FARMERS, ...ENTERPRISES]) expect(await act.isAdmitted(act.address(n))).toBe(true);
    const { proposals } = await gql<{
      proposals: {
        edges: {
          node: { state: string; actions: { decoded: { contract: string; functionName: string } }[] };
        }[];
      };
    }>(`{ proposals(first: 1) { edges { node { state actions { decoded { contract functionName } } } } } }`);
    expect(proposals.edges[0]?.node).toEqual({
      state: "EXECUTED",
      actions: [{ decoded: { contract: "DerivativeMarket", functionName: "setAdmitted" } }],
    });
    const [row] = await stack.sql<{ admitted: number }[]>`
      select count(*)::int as admitted from caldera.market_admission where admitted`;
    expect(row?.admitted).toBe(14);

    // A change the contract would revert is refused when the proposal is prepared, naming the field.
    const bad = await graphql(
      stack.gatewayUrl,
      `query($input: ProposeRuleChangeInput!) { proposeRuleChangeTypedData(input: $input) { proposalId } }`,
      { input: { proposer: act.address(1), setPoolShare: { shareBps: 10_001 } } },
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "setPoolShare.shareBps",
    });
  });

  it("licence → adopt ×10 → claim 500 ERA: partly from a small pool (debt recorded), the rest after a refill", async () => {
    await act.setLicenceTerms(FARM, plan, { price: PLAN_PRICE, mode: "PER_USE", quantity: 1n });
    const { derivative } = await gql<{ derivative: { licenceTerms: Record<string, unknown> } }>(
      `query($id: ID!) { derivative(id: $id) { licenceTerms { price mode quantity active } } }`,
      { id: plan },
    );
    expect(derivative.licenceTerms).toEqual({
      price: PLAN_PRICE.toString(),
      mode: "PER_USE",
      quantity: "1",
      active: true,
    });

    for (const n of FARMERS) {
      await act.buyLicence(n, plan, PLAN_PRICE);
      await act.adoptDerivative(n, plan);
    }
    const read = await gql<Rewards>(REWARDS, { id: plan });
    expect(read.derivative.licences.totalCount).toBe(10);
    expect(read.derivative.adoptions.totalCount).toBe(10);
    const earned = await rewardOf(plan, "ADOPTERS");
    expect(earned).toMatchObject({ countedAccounts: 10, owed: parseEther("500").toString(), paid: "0" });

    // The pool holds only the licence shares (10% of 10 × 5 ERA): the claim pays what it holds, the rest is debt.
    const pool = await act.poolBalance();
    expect(pool).toBe(parseEther("5"));
    const farmBefore = await act.balanceOf(act.address(FARM));
    await act.claimReward(plan, "ADOPTERS");
    expect((await act.balanceOf(act.address(FARM))) - farmBefore).toBe(pool);
    expect(await rewardOf(plan, "ADOPTERS")).toMatchObject({
      paid: pool.toString(),
      claimable: (parseEther("500") - pool).toString(),
    });
    // Drained: a claim now is refused before anything is sent.
    expect(await refused(() => act.claimReward(plan, "ADOPTERS"))).toBe("POOL_EMPTY");

    await act.fundRewardPool(0, parseEther("3000"));
    await act.claimReward(plan, "ADOPTERS");
    expect((await act.balanceOf(act.address(FARM))) - farmBefore).toBe(parseEther("500"));
    expect(await rewardOf(plan, "ADOPTERS")).toMatchObject({
      paid: parseEther("500").toString(),
      claimable: "0",
    });
    // The threshold pays once.
    expect(await refused(() => act.claimReward(plan, "ADOPTERS"))).toBe("NOTHING_TO_CLAIM");

    const rows = await stack.sql<{ licences: number; adopters: number; counted: number; paid: string }[]>`
      select (select count(*)::int from caldera.licence where derivative_id = ${plan}) as licences,
             (select count(distinct adopter)::int from caldera.adoption where derivative_id = ${plan}) as adopters,
             (select count(*)::int from caldera.adoption where derivative_id = ${plan} and counted) as counted,
             (select paid::text from caldera.reward where derivative_id = ${plan} and metric = 1) as paid`;
    expect(rows[0]).toEqual({ licences: 10, adopters: 10, counted: 10, paid: parseEther("500").toString() });
    await expectEraConserved();
  });

  it("sybil: a fresh, unadmitted address pays for its licence, its adoption is recorded but never counts", async () => {
    const before = await rewardOf(plan, "ADOPTERS");
    const spent = await act.balanceOf(act.address(SYBIL));
    await act.buyLicence(SYBIL, plan, PLAN_PRICE);
    await act.adoptDerivative(SYBIL, plan);
    expect(spent - (await act.balanceOf(act.address(SYBIL)))).toBe(PLAN_PRICE);
    expect(await rewardOf(plan, "ADOPTERS")).toEqual(before);
    const [row] = await stack.sql<{ counted: boolean }[]>`
      select counted from caldera.adoption where derivative_id = ${plan} and adopter = ${act.address(SYBIL).toLowerCase()}`;
    expect(row).toEqual({ counted: false });
    await expectEraConserved();
  });

  it("refuses adoption without a licence and a second adoption, sending nothing", async () => {
    expect(await refused(() => act.adoptDerivative(UNLICENSED, plan))).toBe("LICENCE_REQUIRED");
    expect(await refused(() => act.adoptDerivative(FARMERS[0] as number, plan))).toBe("ALREADY_ADOPTED");
    // Invoking a planting plan is the wrong use.
    expect(
      await refused(() =>
        act.invokeFaultModel(FARMERS[0] as number, plan, [{ at: "2026-06-01T00:00:00Z", temperatureC: 60 }]),
      ),
    ).toMatch(/WRONG_USAGE_KIND|LICENCE_REQUIRED/);
    await expectEraConserved();
  });

  it("invoke ×3 by licensed enterprises → the factory claims 1,200 ERA", async () => {
    await act.setLicenceTerms(FACTORY, fault, { price: FAULT_PRICE, mode: "PER_USE", quantity: 5n });
    for (const [i, n] of ENTERPRISES.entries()) {
      await act.buyLicence(n, fault, FAULT_PRICE);
      const readings = Array.from({ length: 6 }, (_, h) => ({
        at: new Date(Date.UTC(2026, 5, 1, h)).toISOString(),
        temperatureC: 60 + i * 2 + (h % 2) * (i + 1),
      }));
      const result = await act.invokeFaultModel(n, fault, readings);
      expect(Number(result.data.probability)).toBeGreaterThanOrEqual(0);
      expect(Number(result.data.probability)).toBeLessThanOrEqual(1);
      expect(typeof result.data.warning).toBe("boolean");
    }
    // A second invocation by the same enterprise is recorded but counts once.
    await act.invokeFaultModel(ENTERPRISES[0] as number, fault, [
      { at: "2026-06-02T00:00:00Z", temperatureC: 61 },
    ]);
    const read = await gql<Rewards>(REWARDS, { id: fault });
    expect(read.derivative.invocations.totalCount).toBe(4);
    expect(await rewardOf(fault, "ENTERPRISES")).toMatchObject({
      countedAccounts: 3,
      owed: parseEther("1200").toString(),
    });
    const before = await act.balanceOf(act.address(FACTORY));
    await act.claimReward(fault, "ENTERPRISES");
    expect((await act.balanceOf(act.address(FACTORY))) - before).toBe(parseEther("1200"));
    expect(await refused(() => act.claimReward(fault, "ENTERPRISES"))).toBe("NOTHING_TO_CLAIM");

    const [row] = await stack.sql<{ invocations: number; enterprises: number }[]>`
      select count(*)::int as invocations, count(distinct enterprise)::int as enterprises
      from caldera.invocation where derivative_id = ${fault}`;
    expect(row).toEqual({ invocations: 4, enterprises: 3 });
    await expectEraConserved();

    // The headline metric: the indexer's running counts (what the API serves) = the definition over the views.
    const { utilisation } = await gql<{
      utilisation: { certifiedCores: number; coresWithDerivativeInUse: number; rate: number };
    }>("{ utilisation { certifiedCores coresWithDerivativeInUse rate } }");
    const [counted] = await stack.sql.unsafe(utilisationSql("caldera"));
    const [defined] = await stack.sql.unsafe(utilisationDefinitionSql("caldera"));
    expect(counted).toEqual(defined);
    expect(utilisation).toEqual({
      certifiedCores: defined?.certified_cores,
      coresWithDerivativeInUse: defined?.cores_with_derivative_in_use,
      rate: defined?.rate,
    });
    // The plan's and the fault model's cores are in use.
    expect(utilisation.coresWithDerivativeInUse).toBeGreaterThan(0);
  });

  it("pledge → borrow → repay → unpledge; borrowing above the limit and unpledging with debt are refused", async () => {
    await act.depositLiquidity(LENDER, parseEther("10000"));
    await act.pledgeDerivative(FARM, plan);
    const line = (await act.lineOf(plan)).toString();
    expect(line).not.toBe("0");
    const { creditLine } = await gql<{
      creditLine: { limit: string; status: string; borrower: { address: string }; weightBps: number };
    }>(`query($id: ID!) { creditLine(id: $id) { limit status weightBps borrower { address } } }`, {
      id: line,
    });
    // Agricultural base 1,000 ERA × the planting rule's weight 1.5 → 1,500 ERA.
    expect(creditLine).toMatchObject({
      limit: parseEther("1500").toString(),
      status: "OPEN",
      weightBps: 15000,
    });
    expect(creditLine.borrower.address.toLowerCase()).toBe(act.address(FARM).toLowerCase());

    expect(await refused(() => act.borrowCredit(FARM, line, parseEther("1500.000001")))).toBe(
      "CREDIT_LIMIT_EXCEEDED",
    );
    // Pledged twice: the vault holds the unit.
    expect(await refused(() => act.pledgeDerivative(FARM, plan))).toMatch(/ALREADY_PLEDGED|NOT_AUTHORIZED/);
    await act.borrowCredit(FARM, line, parseEther("1000"));
    expect(await refused(() => act.unpledgeDerivative(FARM, line))).toBe("DEBT_OUTSTANDING");

    await act.passTime(30 * 86_400);
    const debt = await act.debtOf(line);
    expect(debt).toBeGreaterThan(parseEther("1000"));
    await act.repayCredit(FARM, line, debt + parseEther("1"));
    expect(await act.debtOf(line)).toBe(0n);
    await act.unpledgeDerivative(FARM, line);
    const closed = await gql<{ creditLine: { status: string; principal: string; interest: string } }>(
      `query($id: ID!) { creditLine(id: $id) { status principal interest } }`,
      { id: line },
    );
    expect(closed.creditLine).toEqual({ status: "CLOSED", principal: "0", interest: "0" });
    const [row] = await stack.sql<{ status: string; events: number }[]>`
      select l.status, (select count(*)::int from caldera.credit_event e where e.line_id = l.id) as events
      from caldera.credit_line l where l.id = ${line}`;
    expect(row?.status).toBe("CLOSED");
    expect(row?.events).toBeGreaterThanOrEqual(4); // opened, borrowed, repaid, unpledged
    await expectEraConserved();
  });

  it("a second farm defaults past the term: anyone declares it, the loss is booked, CreditDefaulted is visible", async () => {
    await act.pledgeDerivative(SECOND_FARM, plan2);
    const line = (await act.lineOf(plan2)).toString();
    await act.borrowCredit(SECOND_FARM, line, parseEther("1200"));
    expect(await refused(() => act.declareDefault(line))).toBe("NOT_YET_DUE");
    const { dueAt } = await act.creditLine(line);
    const { timestamp } = await stack.hub.publicClient.getBlock();
    await act.passTime(Number(dueAt - timestamp) + 1);
    expect(await refused(() => act.borrowCredit(SECOND_FARM, line, 1n))).toBe("CREDIT_LINE_OVERDUE");
    const declared = await act.declareDefault(line);
    expect(declared.data.creditLine).toEqual({ id: line, status: "DEFAULTED" });
    expect(await refused(() => act.declareDefault(line))).toBe("CREDIT_LINE_NOT_OPEN");

    const { creditLines, creditPool } = await gql<{
      creditLines: { totalCount: number; edges: { node: { id: string } }[] };
      creditPool: { totalLosses: string };
    }>(
      `query($b: Address!) { creditLines(filter: { borrower: $b, status: DEFAULTED }, first: 5) { totalCount edges { node { id } } }
         creditPool { totalLosses } }`,
      { b: act.address(SECOND_FARM) },
    );
    expect(creditLines).toEqual({ totalCount: 1, edges: [{ node: { id: line } }] });
    expect(BigInt(creditPool.totalLosses)).toBe(parseEther("1200"));
    const [row] = await stack.sql<{ status: string; lost: string; defaults: number }[]>`
      select l.status, l.principal_lost::text as lost,
             (select count(*)::int from caldera.credit_event e where e.line_id = l.id and e.kind = 'DEFAULTED') as defaults
      from caldera.credit_line l where l.id = ${line}`;
    expect(row).toEqual({ status: "DEFAULTED", lost: parseEther("1200").toString(), defaults: 1 });
    await expectEraConserved();
  });
});

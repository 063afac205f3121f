import postgres from "postgres";
import { type Address, type Hex, keccak256, parseEther, stringToBytes, type TypedDataDefinition } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CirculationActions } from "../../cli/circulationActions.js";
import { weatherDatasets } from "../../cli/demoDatasets.js";
import { type RiskActions, riskActions } from "../../cli/riskActions.js";
import { JOINED_QUERY, seedContributions } from "../../cli/riskDemo.js";
import { eraTokenAbi } from "../../contracts/generated/abis.js";
import { BaseError } from "../../errors/BaseError.js";
import {
  type PartnerRiskSubgraph,
  seededDataset,
  startPartnerRiskSubgraph,
} from "../../examples/partner-risk-subgraph/main.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { startRiskPublisher } from "../../stack/startRiskPublisher.js";
import { certifyAs, registerProviderAs } from "../support/certifyAs.js";
import { evolutionHolders } from "../support/evolutionHolders.js";
import { startTestStackWithSql, type TestStackWithSql } from "../support/startTestStackWithSql.js";

/**
 * The risk demo's story end to end through the gateway (cli/riskDemo.ts), every action signed by a dev account and
 * relayed by the hub: the nodes admit a partner L2 (with its own subgraph) and an agricultural platform; a provider
 * locks margin for the three ecosystems it serves and defaults on a Caldera credit line; the hub proves and publishes
 * Caldera's DEFAULT_RATE feature and two nodes attest it; the partner reads it joined with its own fields in one
 * request; the partner files a freeze, the nodes uphold it; the disposal is shared by Shapley value (the seed's
 * 40% / 35% / 25%), settled on node signatures and claimed. Each refusal has its typed code, sends no transaction and
 * moves no ERA; ERA is conserved to the wei.
 */

const NODES = [1, 2, 3];
const PROVIDER = 6;
const LENDER = 7;
const PARTNER_OPERATOR = 23;
const PLATFORM_OPERATOR = 24;
/** Never admitted, never staked. */
const STRANGER = 25;
const CLAIM = parseEther("30000");

const planting = {
  station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
  crop: "maize",
  soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
  nutrients: { targetYieldTPerHa: 8, soilTest: { n: 40, p2o5: 30, k2o: 115 } },
};

let stack: TestStackWithSql;
let partnerSubgraph: PartnerRiskSubgraph;
let act: RiskActions;
let holders: Address[];
let provider: Address;
const ids = { caldera: "1", partner: "", platform: "" };
let featureId: string;
let caseId: string;

/** What a refusal must leave untouched: the hub signer's nonce, the chain head and every holder's ERA. */
async function untouched() {
  const client = stack.hub.publicClient;
  const [nonce, block, balances] = await Promise.all([
    client.getTransactionCount({ address: stack.hub.walletClient.account.address }),
    client.getBlockNumber({ cacheTime: 0 }),
    Promise.all(holders.map((h) => act.eraOf(h))),
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

/** Every holder the flows touch, the contracts included, adds up to ERA's fixed supply. */
async function expectEraConserved() {
  const supply = await stack.hub.publicClient.readContract({
    address: stack.deployment.contracts.EraToken.address,
    abi: eraTokenAbi,
    functionName: "totalSupply",
  });
  let sum = 0n;
  for (const h of holders) sum += await act.eraOf(h);
  expect(sum).toBe(supply);
}

/** The provider defaults at Caldera as in the circulation demo: certify, derive, pledge, borrow, miss the term. */
async function defaultAtCaldera(base: CirculationActions) {
  const key = ANVIL_DEV_KEYS[PROVIDER] as Hex;
  expect((await registerProviderAs(stack.gatewayUrl, key, "Riverside Smallholders")).errors).toBeUndefined();
  const certificates: string[] = [];
  for (const dataset of weatherDatasets({ seed: 21 }))
    certificates.push(await certifyAs(stack, key, dataset as unknown as Record<string, unknown>));
  const input = { certificateIds: certificates, kind: "PLANTING_PLAN", parameters: planting };
  const typed = await base.request<{
    deriveValueTypedData: { typedData: { message: { deadline: number } } };
  }>(
    `query($input: DeriveValueInput!) { deriveValueTypedData(input: $input) { typedData { domain types primaryType message } } }`,
    { input },
  );
  const typedData = typed.deriveValueTypedData.typedData;
  const signature = await act.account(PROVIDER).signTypedData(typedData as unknown as TypedDataDefinition);
  const { deriveValue } = await base.request<{ deriveValue: { derivative: { id: string } } }>(
    `mutation($input: DeriveValueInput!, $authorization: SignedAuthorization!) {
      deriveValue(input: $input, authorization: $authorization) { derivative { id } } }`,
    { input, authorization: { signature, deadline: typedData.message.deadline } },
  );
  const plan = deriveValue.derivative.id;
  await base.depositLiquidity(LENDER, parseEther("10000"));
  await base.pledgeDerivative(PROVIDER, plan);
  const line = (await base.lineOf(plan)).toString();
  await base.borrowCredit(PROVIDER, line, parseEther("1200"));
  const { dueAt } = await base.creditLine(line);
  const { timestamp } = await base.publicClient.getBlock();
  await base.passTime(Number(dueAt - timestamp) + 86_400);
  await base.declareDefault(line);
}

beforeAll(async () => {
  stack = await startTestStackWithSql();
  const c = stack.deployment.contracts as typeof stack.deployment.contracts &
    Partial<Record<"MarginVault" | "EcosystemRegistry" | "RiskFeatureRegistry", { address: Address }>>;
  const { EraToken, DerivativeMarket, CreditVault, MarginVault, EcosystemRegistry, RiskFeatureRegistry } = c;
  if (!DerivativeMarket || !CreditVault || !MarginVault || !EcosystemRegistry || !RiskFeatureRegistry)
    throw new Error("the test stack deployed no cross-domain risk contracts");
  act = riskActions({
    gatewayUrl: stack.gatewayUrl,
    rpcUrl: stack.rpcUrl,
    chainId: stack.deployment.chainId,
    contracts: {
      EraToken: EraToken.address,
      DerivativeMarket: DerivativeMarket.address,
      CreditVault: CreditVault.address,
      MarginVault: MarginVault.address,
      EcosystemRegistry: EcosystemRegistry.address,
    },
  });
  provider = act.address(PROVIDER);
  holders = [
    ...Array.from({ length: 26 }, (_, n) => act.address(n)),
    DerivativeMarket.address,
    CreditVault.address,
    MarginVault.address,
    EcosystemRegistry.address,
    RiskFeatureRegistry.address,
    c.NodeStaking.address,
    c.TimelockController.address,
    c.CalderaGovernor.address,
    // The hub's own components' pledges (capability evolution) and the evolution pool.
    ...evolutionHolders(stack.deployment),
  ];
  // The partner L2's own subgraph: it knows the provider (it lent to it, and it defaulted there too).
  partnerSubgraph = await startPartnerRiskSubgraph({
    port: 0,
    name: "lumen-l2",
    dataset: new Map([
      ...seededDataset,
      [provider.toLowerCase(), { exposureWei: parseEther("12000"), defaults: 2, watchlisted: true }],
    ]),
  });
  await act.payFromTreasury(act.address(LENDER), parseEther("10000"));
  await defaultAtCaldera(act);
  await act.payFromTreasury(provider, parseEther("60000"));
  for (const n of [PARTNER_OPERATOR, PLATFORM_OPERATOR, STRANGER])
    await act.payFromTreasury(act.address(n), parseEther("2000"));
}, 900_000);

afterAll(async () => {
  await partnerSubgraph?.stop();
  await stack?.teardown();
});

describe("cross-domain risk end to end through the gateway (the risk demo's story)", {
  timeout: 900_000,
}, () => {
  it("the nodes admit the partners; the gateway composes the partner's subgraph from the registry", async () => {
    await act.admitEcosystem(
      { name: "Lumen L2", operator: act.address(PARTNER_OPERATOR), subgraphUrl: partnerSubgraph.url },
      "Admit Lumen L2",
    );
    await act.admitEcosystem(
      { name: "Mekong Agri Platform", operator: act.address(PLATFORM_OPERATOR), subgraphUrl: "" },
      "Admit Mekong Agri Platform",
    );
    const ecosystems = await act.ecosystems();
    ids.partner = ecosystems.find((e) => e.name === "Lumen L2")?.id ?? "";
    ids.platform = ecosystems.find((e) => e.name === "Mekong Agri Platform")?.id ?? "";
    expect(ecosystems.find((e) => e.id === "1")?.name).toBe("Caldera");
    expect(ids.partner).not.toBe("");
    expect(ids.platform).not.toBe("");
    // The gateway re-reads the registry on its poll: the partner's fields appear without any config change.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const data = await act
        .request<{ partnerRiskSubgraph: { name: string } }>("{ partnerRiskSubgraph { name } }")
        .catch(() => undefined);
      if (data?.partnerRiskSubgraph.name === "lumen-l2") break;
      if (Date.now() > deadline) {
        // The gateway's readiness answer says where each partner stands (composed, down, refused and why).
        const ready = await fetch(new URL("/ready", stack.gatewayUrl)).then((r) => r.text());
        expect.fail(`the gateway never composed the partner: ${ready}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });

  it("the provider locks margin for the three ecosystems it serves: required 60,000 ERA", async () => {
    await act.setServedEcosystems(PROVIDER, [ids.caldera, ids.partner, ids.platform]);
    expect(await act.requiredMargin(provider)).toBe(parseEther("60000"));
    // It holds 61,200 ERA (60,000 from the treasury and the 1,200 it borrowed and never repaid).
    expect(await refused(() => act.lockMargin(PROVIDER, parseEther("61200.000001")))).toBe(
      "INSUFFICIENT_FUNDS",
    );
    await act.lockMargin(PROVIDER, parseEther("60000"));
    const { provider: read } = await act.request<{
      provider: { margin: { locked: string; required: string; adequate: boolean; frozen: boolean } };
    }>(`query($p: Address!) { provider(address: $p) { margin { locked required adequate frozen } } }`, {
      p: provider,
    });
    expect(read.margin).toEqual({
      locked: parseEther("60000").toString(),
      required: parseEther("60000").toString(),
      adequate: true,
      frozen: false,
    });
    await expectEraConserved();
  });

  it("Caldera proves its DEFAULT_RATE feature from the default it saw; two staked nodes attest it: verified", async () => {
    // The stack's publisher (on under `npm start`) sees the DEFAULTED line and publishes without being asked.
    // On a pool configured as the stack's own (camel-case rows), which the loaders expect.
    const hubSql = postgres(stack.postgresUrl, { transform: postgres.camel, max: 2, onnotice: () => {} });
    const publisher = startRiskPublisher({
      hub: stack.hub,
      sql: hubSql,
      viewsSchema: "caldera",
      intervalMs: 3_600_000,
      log: () => {},
    });
    try {
      expect(await publisher.runOnce()).toBe(1);
      // Nothing new: the same default is not published twice.
      expect(await publisher.runOnce()).toBe(0);
    } finally {
      await publisher.stop();
      await hubSql.end();
    }
    const { riskFeatures } = await act.request<{
      riskFeatures: { edges: { node: { id: string; severity: string; bucket: unknown; kind: string } }[] };
    }>(
      `query($s: Address!) { riskFeatures(filter: { subject: $s, ecosystem: "1" }) {
        edges { node { id severity kind bucket { lowBps highBps } } } } }`,
      { s: provider },
    );
    expect(riskFeatures.edges).toHaveLength(1);
    const published = riskFeatures.edges[0]?.node as {
      id: string;
      severity: string;
      bucket: unknown;
      kind: string;
    };
    featureId = published.id;
    // One credit line, defaulted: 10,000 bps, the top bucket (inclusive), CRITICAL.
    expect(published.kind).toBe("DEFAULT_RATE");
    expect(published.severity).toBe("CRITICAL");
    expect(published.bucket).toEqual({ lowBps: 5000, highBps: 10000 });
    // Asking for it again through the API: the same records were published, nothing is sent.
    expect(await refused(() => act.publishCalderaRiskFeature(provider, "DEFAULT_RATE"))).toBe(
      "FEATURE_ALREADY_PUBLISHED",
    );
    expect(await refused(() => act.attestRiskFeature(STRANGER, featureId))).toBe("NOT_ATTESTER");
    await act.attestRiskFeature(NODES[0] as number, featureId);
    expect(await refused(() => act.attestRiskFeature(NODES[0] as number, featureId))).toBe(
      "ALREADY_ATTESTED",
    );
    await act.attestRiskFeature(NODES[1] as number, featureId);
    const { riskFeature } = await act.request<{
      riskFeature: { verified: boolean; attestations: number; ecosystem: { id: string }; kind: string };
    }>(`query($id: ID!) { riskFeature(id: $id) { verified attestations ecosystem { id } kind } }`, {
      id: featureId,
    });
    expect(riskFeature).toEqual({
      verified: true,
      attestations: 2,
      ecosystem: { id: "1" },
      kind: "DEFAULT_RATE",
    });
  });

  it("the partner reads Caldera's feature joined with its own data in one request", async () => {
    const { provider: joined } = await act.request<{
      provider: {
        riskFeatures: { edges: { node: { id: string; verified: boolean; severity: string } }[] };
        partnerExposure: string | null;
        partnerDefaults: number | null;
        partnerRiskGrade: string | null;
      };
    }>(JOINED_QUERY, { provider });
    expect(joined.riskFeatures.edges[0]?.node).toMatchObject({
      id: featureId,
      verified: true,
      severity: "CRITICAL",
    });
    expect(joined.partnerExposure).toBe(parseEther("12000").toString());
    expect(joined.partnerDefaults).toBe(2);
    expect(joined.partnerRiskGrade).toBe("C");
  });

  it("the partner files a freeze: the margin freezes at once; a second case, an unregistered applicant and an escape by unlocking are refused", async () => {
    const evidenceHash = keccak256(stringToBytes(`Lumen L2 evidence: feature ${featureId}`));
    const freeze = (n: number, ecosystem: string) =>
      act.fileFreeze(n, { provider, ecosystem, claimAmount: CLAIM, evidenceHash });
    expect(await refused(() => freeze(STRANGER, "99"))).toBe("UNKNOWN_ECOSYSTEM");
    expect(await refused(() => freeze(STRANGER, ids.partner))).toBe("NOT_AUTHORIZED");
    const filed = await freeze(PARTNER_OPERATOR, ids.partner);
    caseId = (filed.data.case as { id: string }).id;
    expect((filed.data.case as { status: string }).status).toBe("OPEN");
    expect((await act.margin(provider)).frozenBy).toBe(BigInt(caseId));
    expect(await refused(() => freeze(PLATFORM_OPERATOR, ids.platform))).toBe("MARGIN_FROZEN");
    expect(await refused(() => act.requestMarginUnlock(PROVIDER, parseEther("1")))).toBe("MARGIN_FROZEN");
    await expectEraConserved();
  });

  it("the nodes uphold the case at the snapshot: the claim is seized, the deposit refunded", async () => {
    const depositBefore = await act.eraOf(act.address(PARTNER_OPERATOR));
    expect(await refused(() => act.castCaseVote(STRANGER, caseId, "UPHOLD"))).toBe("NO_VOTING_POWER");
    for (const node of NODES) await act.castCaseVote(node, caseId, "UPHOLD");
    expect(await refused(() => act.castCaseVote(NODES[0] as number, caseId, "REJECT"))).toBe("ALREADY_VOTED");
    const resolved = await act.resolveCase(caseId);
    expect(resolved.case).toEqual({ status: "UPHELD", seized: CLAIM.toString() });
    expect((await act.eraOf(act.address(PARTNER_OPERATOR))) - depositBefore).toBe(parseEther("1000"));
    expect((await act.margin(provider)).locked).toBe(parseEther("30000"));
    await expectEraConserved();
  });

  it("the disposal: the seed's Shapley shares (40% / 35% / 25%) settled on two node signatures, paid by pull claims", async () => {
    const contributions = seedContributions(ids);
    expect(await refused(() => act.settleDisposal(caseId, contributions, [NODES[0] as number]))).toBe(
      "ATTESTATION_QUORUM_NOT_MET",
    );
    expect(
      await refused(() => act.settleDisposal(caseId, contributions, [NODES[0] as number, STRANGER])),
    ).toMatch(/NOT_ATTESTER|ATTESTATION_QUORUM_NOT_MET|NOT_AUTHORIZED/);
    const { prepared } = await act.settleDisposal(caseId, contributions, NODES.slice(0, 2));
    const bps = Object.fromEntries(prepared.shares.map((s) => [s.ecosystem.id, s.shareBps]));
    expect(bps).toEqual({ [ids.caldera]: 4000, [ids.partner]: 3500, [ids.platform]: 2500 });
    expect(prepared.dustBps).toBe(0);
    expect(await refused(() => act.settleDisposal(caseId, contributions, NODES.slice(0, 2)))).toBe(
      "DISPOSAL_ALREADY_SETTLED",
    );

    // The hub keeps the assessment under the inputs hash settled on-chain.
    const disposal = await act.disposal(caseId);
    expect(disposal.inputsHash).toBe(prepared.inputsHash);
    const [row] = await stack.sql`select document from caldera_hub.risk_assessment
      where inputs_hash = ${prepared.inputsHash}`;
    expect(row?.document).toMatchObject({ caseId, characteristicFunction: "caldera-disposal/v1" });

    const operators: [number, string][] = [
      [0, ids.caldera],
      [PARTNER_OPERATOR, ids.partner],
      [PLATFORM_OPERATOR, ids.platform],
    ];
    let paid = 0n;
    for (const [operator, ecosystem] of operators) {
      const before = await act.eraOf(act.address(operator));
      const claimed = await act.claimDisposalPayout(operator, caseId, ecosystem);
      const amount = BigInt(String(claimed.data.amount));
      expect((await act.eraOf(act.address(operator))) - before).toBe(amount);
      expect(amount).toBe((CLAIM * BigInt(bps[ecosystem] ?? 0)) / 10_000n);
      paid += amount;
    }
    expect(await refused(() => act.claimDisposalPayout(PARTNER_OPERATOR, caseId, ids.partner))).toBe(
      "NOTHING_TO_CLAIM",
    );
    // Σ payouts + dust = seized, to the wei.
    expect(paid + (await act.disposal(caseId)).dust).toBe(CLAIM);
    await expectEraConserved();

    const { case: read } = await act.request<{
      case: {
        status: string;
        timeline: { kind: string }[];
        disposal: {
          shares: {
            ecosystem: { id: string };
            shareBps: number;
            claimed: boolean;
            contribution: { leadTimeHours: number; lossReductionBps: number; locatedSource: boolean } | null;
          }[];
        };
      };
    }>(
      `query($id: ID!) { case(id: $id) { status timeline { kind } disposal { shares { ecosystem { id } shareBps claimed
        contribution { leadTimeHours lossReductionBps locatedSource } } } } }`,
      { id: caseId },
    );
    expect(read.status).toBe("UPHELD");
    expect(read.timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["FILED", "VOTED", "RESOLVED", "DISPOSAL_SETTLED", "PAYOUT_CLAIMED"]),
    );
    const platformShare = read.disposal.shares.find((s) => s.ecosystem.id === ids.platform);
    expect(platformShare).toMatchObject({
      shareBps: 2500,
      claimed: true,
      contribution: { leadTimeHours: 6, lossReductionBps: 5000, locatedSource: true },
    });
  });
});

import { type Address, decodeFunctionData, parseEther } from "viem";
import { describe, expect, it } from "vitest";
import {
  componentRegistryAbi,
  creditVaultAbi,
  derivativeMarketAbi,
  ecosystemRegistryAbi,
  evolutionPoolAbi,
  marginVaultAbi,
  riskFeatureRegistryAbi,
} from "../../contracts/generated/abis.js";
import { BadUserInputError } from "../errors.js";
import {
  type ComponentParameters,
  decodeGovernanceAction,
  encodeRuleChange,
  type GovernedTargets,
  type MarginParameters,
  type RuleChangeInput,
  type RuleReader,
} from "./ruleChanges.js";

const targets = {
  derivationRules: "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853" as Address,
  derivativeMarket: "0x0165878A594ca255338adfa4d48449f69242Eb8F" as Address,
  creditVault: "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6" as Address,
};
const governor = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707" as Address;
const farmers = [
  "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
  "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
] as const;

/** The circulation kinds never read DerivationRules: a reader that fails proves it. */
const noReads: RuleReader = {
  rule: () => Promise.reject(new Error("read a rule")),
  floors: () => Promise.reject(new Error("read floors")),
};

const encode = (change: RuleChangeInput, to: GovernedTargets = targets) =>
  encodeRuleChange(change, to, noReads);

async function refusal(change: RuleChangeInput, to: GovernedTargets = targets): Promise<BadUserInputError> {
  const error = await encode(change, to).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BadUserInputError);
  return error as BadUserInputError;
}

describe("circulation proposal kinds", () => {
  it("encodes a reward rule as DerivativeMarket.setRewardRule and decodes it back with a summary", async () => {
    const encoded = await encode({
      setRewardRule: { kind: "PLANTING_PLAN", metric: "ADOPTERS", threshold: 12, amount: parseEther("600") },
    });
    expect(encoded.target).toBe(targets.derivativeMarket);
    expect(encoded.summary).toBe("Set the PLANTING_PLAN reward: 12 distinct admitted adopters → 600 ERA");
    expect(decodeFunctionData({ abi: derivativeMarketAbi, data: encoded.calldata })).toMatchObject({
      functionName: "setRewardRule",
      args: [1, 1, 12, parseEther("600")],
    });
    expect(
      decodeGovernanceAction(
        { target: encoded.target, calldata: encoded.calldata },
        { ...targets, governor },
      ),
    ).toMatchObject({
      contract: "DerivativeMarket",
      signature: "setRewardRule(uint8,uint8,uint32,uint256)",
      summary: "PLANTING_PLAN reward: 12 distinct admitted adopters → 600 ERA",
    });
  });

  it("takes the amount as GraphQL's BigInt string and a zero threshold as switching the reward off", async () => {
    const encoded = await encode({
      setRewardRule: { kind: "FAULT_WARNING_MODEL", metric: "ENTERPRISES", threshold: 0, amount: "0" },
    });
    expect(encoded.summary).toBe("Set the FAULT_WARNING_MODEL reward: off");
    expect(decodeFunctionData({ abi: derivativeMarketAbi, data: encoded.calldata }).args).toEqual([
      3,
      2,
      0,
      0n,
    ]);
  });

  it("encodes the pool share, admissions, credit base, interest rate and term", async () => {
    const cases: [RuleChangeInput, Address, string, readonly unknown[], string][] = [
      [{ setPoolShare: { shareBps: 1_500 } }, targets.derivativeMarket, "setPoolShare", [1_500], "15%"],
      [
        { admitAccounts: { accounts: farmers, admitted: true } },
        targets.derivativeMarket,
        "setAdmitted",
        [farmers, true],
        "Admit 4 accounts",
      ],
      [
        { setCreditBase: { domain: "INDUSTRIAL", base: "2500000000000000000000" } },
        targets.creditVault,
        "setDomainBase",
        [2, parseEther("2500")],
        "INDUSTRIAL units: 2,500 ERA",
      ],
      [{ setInterestRate: { rateBps: 650 } }, targets.creditVault, "setInterestRate", [650], "6.5% a year"],
      [{ setCreditTerm: { seconds: 30 * 86_400 } }, targets.creditVault, "setTerm", [2_592_000n], "30 days"],
    ];
    for (const [change, target, functionName, args, summary] of cases) {
      const encoded = await encode(change);
      expect(encoded.target).toBe(target);
      expect(encoded.summary).toContain(summary);
      const abi = target === targets.creditVault ? creditVaultAbi : derivativeMarketAbi;
      expect(decodeFunctionData({ abi, data: encoded.calldata })).toMatchObject({ functionName, args });
      const decoded = decodeGovernanceAction(encoded, { ...targets, governor });
      expect(decoded?.contract).toBe(target === targets.creditVault ? "CreditVault" : "DerivativeMarket");
      expect(decoded?.summary).toBeTruthy();
    }
  });

  it("refuses what the contracts would revert, naming the field", async () => {
    expect((await refusal({ setPoolShare: { shareBps: 10_001 } })).details).toMatchObject({
      field: "setPoolShare.shareBps",
    });
    expect((await refusal({ setInterestRate: { rateBps: -1 } })).details).toMatchObject({
      field: "setInterestRate.rateBps",
    });
    expect((await refusal({ setCreditTerm: { seconds: 0 } })).details).toMatchObject({
      field: "setCreditTerm.seconds",
    });
    expect((await refusal({ setCreditTerm: { seconds: "2e9" } })).details).toMatchObject({
      field: "setCreditTerm.seconds",
    });
    expect(
      (
        await refusal({
          setRewardRule: { kind: "PLANTING_PLAN", metric: "ADOPTERS", threshold: 2 ** 32, amount: 1n },
        })
      ).details,
    ).toMatchObject({ field: "setRewardRule.threshold" });
    expect(
      (
        await refusal({
          setRewardRule: { kind: "PLANTING_PLAN", metric: "ADOPTERS", threshold: 1, amount: "-5" },
        })
      ).details,
    ).toMatchObject({ field: "setRewardRule.amount" });
    expect(
      (await refusal({ setCreditBase: { domain: "AGRICULTURAL", base: 2n ** 256n } })).details,
    ).toMatchObject({
      field: "setCreditBase.base",
    });
  });

  it("refuses an admission naming nobody, an account twice or something that is not an address", async () => {
    expect((await refusal({ admitAccounts: { accounts: [], admitted: true } })).message).toMatch(/1 to 200/);
    expect(
      (await refusal({ admitAccounts: { accounts: [farmers[0], farmers[0].toLowerCase()], admitted: true } }))
        .message,
    ).toMatch(/named twice/);
    expect((await refusal({ admitAccounts: { accounts: ["0x1234"], admitted: false } })).message).toMatch(
      /not an address/,
    );
  });

  it("refuses circulation changes on a hub without the market or the vault", async () => {
    const rulesOnly = { derivationRules: targets.derivationRules };
    expect((await refusal({ setPoolShare: { shareBps: 100 } }, rulesOnly)).message).toMatch(
      /no DerivativeMarket/,
    );
    expect((await refusal({ setInterestRate: { rateBps: 100 } }, rulesOnly)).message).toMatch(
      /no CreditVault/,
    );
  });

  it("still takes exactly one change, now among fifteen kinds", async () => {
    const error = await refusal({ setPoolShare: { shareBps: 1 }, setInterestRate: { rateBps: 1 } });
    expect(error.message).toMatch(
      /exactly one of .*setCreditTerm, admitEcosystem, .*setMinAttesterStake, .*\(got setPoolShare, setInterestRate\)/,
    );
    expect((await refusal({})).message).toMatch(/got none/);
  });

  it("does not decode a call to a contract the hub did not deploy", () => {
    expect(
      decodeGovernanceAction(
        { target: targets.derivativeMarket, calldata: "0x12345678" },
        { derivationRules: targets.derivationRules, governor },
      ),
    ).toBe(undefined);
  });
});

describe("cross-domain risk proposal kinds", () => {
  const riskTargets: GovernedTargets = {
    ...targets,
    ecosystemRegistry: "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318" as Address,
    riskFeatureRegistry: "0x610178dA211FEF7D417bC0e6FeD39F05609AD788" as Address,
    marginVault: "0xB7f8BC63BbcaD18155201308C8f3540b07f84F5e" as Address,
  };
  const current: MarginParameters = {
    minMargin: parseEther("20000"),
    perEcosystemMargin: parseEther("20000"),
    freezeDeposit: parseEther("1000"),
    reviewWindow: 3n * 86_400n,
    unlockDelay: 4n * 86_400n,
    caseQuorumBps: 4_000,
  };
  const operators = new Map<string, number>([[farmers[0].toLowerCase(), 2]]);
  const riskReads: RuleReader = {
    ...noReads,
    marginParameters: async () => current,
    ecosystemCount: async () => 2,
    ecosystemOf: async (operator) => operators.get(operator.toLowerCase()) ?? 0,
  };
  const encodeRisk = (change: RuleChangeInput, to: GovernedTargets = riskTargets) =>
    encodeRuleChange(change, to, riskReads);
  async function riskRefusal(change: RuleChangeInput, to: GovernedTargets = riskTargets) {
    const error = await encodeRisk(change, to).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadUserInputError);
    return error as BadUserInputError;
  }

  it("admits an ecosystem through EcosystemRegistry.admitEcosystem and decodes it back with a summary", async () => {
    const encoded = await encodeRisk({
      admitEcosystem: {
        name: "Partner L2",
        operator: farmers[1],
        subgraphUrl: "http://127.0.0.1:4100/graphql",
      },
    });
    expect(encoded.target).toBe(riskTargets.ecosystemRegistry);
    expect(decodeFunctionData({ abi: ecosystemRegistryAbi, data: encoded.calldata })).toMatchObject({
      functionName: "admitEcosystem",
      args: ["Partner L2", farmers[1], "http://127.0.0.1:4100/graphql"],
    });
    expect(encoded.summary).toBe(
      `Admit ecosystem "Partner L2" (operator ${farmers[1]}, subgraph http://127.0.0.1:4100/graphql)`,
    );
    expect(decodeGovernanceAction(encoded, { ...riskTargets, governor })).toMatchObject({
      contract: "EcosystemRegistry",
      signature: "admitEcosystem(string,address,string)",
      summary: encoded.summary,
    });
    const withoutSubgraph = await encodeRisk({ admitEcosystem: { name: "Platform", operator: farmers[2] } });
    expect(decodeFunctionData({ abi: ecosystemRegistryAbi, data: withoutSubgraph.calldata }).args?.[2]).toBe(
      "",
    );
  });

  it("refuses an admission the registry would revert: a taken operator, a bad name, URL or address", async () => {
    expect(
      (await riskRefusal({ admitEcosystem: { name: "Again", operator: farmers[0] } })).message,
    ).toContain("already operates ecosystem 2");
    expect(
      (await riskRefusal({ admitEcosystem: { name: "x".repeat(65), operator: farmers[1] } })).details.field,
    ).toBe("admitEcosystem.name");
    expect((await riskRefusal({ admitEcosystem: { name: " ", operator: farmers[1] } })).details.field).toBe(
      "admitEcosystem.name",
    );
    expect(
      (await riskRefusal({ admitEcosystem: { name: "P", operator: farmers[1], subgraphUrl: "ftp://x" } }))
        .details.field,
    ).toBe("admitEcosystem.subgraphUrl");
    expect(
      (
        await riskRefusal({
          admitEcosystem: { name: "P", operator: "0x0000000000000000000000000000000000000000" },
        })
      ).details.field,
    ).toBe("admitEcosystem.operator");
    expect(
      (await riskRefusal({ admitEcosystem: { name: "P", operator: farmers[1] } }, targets)).message,
    ).toContain("no EcosystemRegistry deployed");
  });

  it("suspends and reinstates existing ecosystems only", async () => {
    const encoded = await encodeRisk({ setEcosystemActive: { ecosystemId: "2", active: false } });
    expect(decodeFunctionData({ abi: ecosystemRegistryAbi, data: encoded.calldata })).toMatchObject({
      functionName: "setEcosystemActive",
      args: [2, false],
    });
    expect(encoded.summary).toBe("Suspend ecosystem 2");
    expect(decodeGovernanceAction(encoded, { ...riskTargets, governor })?.summary).toBe(
      "ecosystem 2 suspended",
    );
    expect((await riskRefusal({ setEcosystemActive: { ecosystemId: "3", active: true } })).message).toContain(
      "3 is not an ecosystem",
    );
  });

  it("sets the margin parameters, keeping the ones left out, as MarginVault checks them", async () => {
    const encoded = await encodeRisk({
      setMarginParameters: { perEcosystemMargin: parseEther("25000"), unlockDelaySeconds: 5 * 86_400 },
    });
    expect(encoded.target).toBe(riskTargets.marginVault);
    expect(decodeFunctionData({ abi: marginVaultAbi, data: encoded.calldata })).toMatchObject({
      functionName: "setMarginParameters",
      args: [parseEther("20000"), parseEther("25000"), parseEther("1000"), 3n * 86_400n, 5n * 86_400n, 4_000],
    });
    expect(encoded.summary).toBe(
      "Set the margin parameters: minimum margin 20,000 ERA, 25,000 ERA per ecosystem served, freeze deposit 1,000 ERA, review window 3 days, unlock delay 5 days, case quorum 40% of the snapshot stake",
    );
    expect(decodeGovernanceAction(encoded, { ...riskTargets, governor })).toMatchObject({
      contract: "MarginVault",
      signature: "setMarginParameters(uint256,uint256,uint256,uint64,uint64,uint16)",
    });
    // An unlock delay below the review window would let a provider withdraw before its case is decided.
    expect((await riskRefusal({ setMarginParameters: { unlockDelaySeconds: 86_400 } })).details.field).toBe(
      "setMarginParameters.unlockDelaySeconds",
    );
    expect((await riskRefusal({ setMarginParameters: { reviewWindowSeconds: 60 } })).details.field).toBe(
      "setMarginParameters.reviewWindowSeconds",
    );
    expect((await riskRefusal({ setMarginParameters: { caseQuorumBps: 0 } })).details.field).toBe(
      "setMarginParameters.caseQuorumBps",
    );
    expect((await riskRefusal({ setMarginParameters: { minMargin: "-1" } })).details.field).toBe(
      "setMarginParameters.minMargin",
    );
  });

  it("sets the attestation quorum (≥ 1) and the attester stake on RiskFeatureRegistry", async () => {
    const quorum = await encodeRisk({ setAttestationQuorum: { quorum: 3 } });
    expect(quorum.target).toBe(riskTargets.riskFeatureRegistry);
    expect(decodeFunctionData({ abi: riskFeatureRegistryAbi, data: quorum.calldata })).toMatchObject({
      functionName: "setAttestationQuorum",
      args: [3],
    });
    expect(quorum.summary).toBe("Risk features and disposals need 3 node attestations");
    const stake = await encodeRisk({ setMinAttesterStake: { amount: parseEther("15000") } });
    expect(decodeFunctionData({ abi: riskFeatureRegistryAbi, data: stake.calldata })).toMatchObject({
      functionName: "setMinAttesterStake",
      args: [parseEther("15000")],
    });
    expect(decodeGovernanceAction(stake, { ...riskTargets, governor })?.summary).toBe(
      "attester stake 15,000 ERA",
    );
    expect((await riskRefusal({ setAttestationQuorum: { quorum: 0 } })).details.field).toBe(
      "setAttestationQuorum.quorum",
    );
    expect(
      (await riskRefusal({ setAttestationQuorum: { quorum: 1 }, setMinAttesterStake: { amount: "1" } }))
        .message,
    ).toContain("exactly one of");
  });
});

describe("capability evolution proposal kinds", () => {
  const evolutionTargets: GovernedTargets = {
    ...targets,
    componentRegistry: "0x0DCd1Bf9A1b36cE34237eEaFef220932846BCD82" as Address,
    evolutionPool: "0x9A676e781A523b5d0C0e43731313A708CB607508" as Address,
  };
  const current: ComponentParameters = {
    poolShareBps: 2_000,
    minPledge: parseEther("1000"),
    absorptionCompensation: parseEther("800"),
    absorptionWindow: 7n * 86_400n,
    attestationQuorum: 2,
    minAttesterStake: parseEther("10000"),
  };
  const reads: RuleReader = { ...noReads, componentParameters: async () => current };
  const encodeEvolution = (change: RuleChangeInput, to: GovernedTargets = evolutionTargets) =>
    encodeRuleChange(change, to, reads);
  async function evolutionRefusal(change: RuleChangeInput, to: GovernedTargets = evolutionTargets) {
    const error = await encodeRuleChange(change, to, reads).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadUserInputError);
    return error as BadUserInputError;
  }
  const seedTiers = [
    { minImprovementBps: 2_000, reward: parseEther("700") },
    { minImprovementBps: 3_000, reward: parseEther("1000") },
    { minImprovementBps: 5_000, reward: parseEther("1500") },
  ];

  it("sets the component parameters, keeping the terms left out, and decodes them back", async () => {
    const encoded = await encodeEvolution({
      setComponentParameters: { poolShareBps: 2_500, absorptionCompensation: parseEther("900").toString() },
    });
    expect(encoded.target).toBe(evolutionTargets.componentRegistry);
    expect(decodeFunctionData({ abi: componentRegistryAbi, data: encoded.calldata })).toMatchObject({
      functionName: "setComponentParameters",
      args: [2_500, parseEther("1000"), parseEther("900"), 7n * 86_400n],
    });
    expect(encoded.summary).toBe(
      "Set the component parameters: 25% of each paid invocation fee to the evolution pool, minimum pledge 1,000 ERA, absorption compensation 900 ERA, absorption window 7 days",
    );
    expect(decodeGovernanceAction(encoded, { ...evolutionTargets, governor })).toMatchObject({
      contract: "ComponentRegistry",
      signature: "setComponentParameters(uint16,uint256,uint256,uint64)",
      summary:
        "25% of each paid invocation fee to the evolution pool, minimum pledge 1,000 ERA, absorption compensation 900 ERA, absorption window 7 days",
    });
  });

  it("sets the evolution attestation through ComponentRegistry.setAttestationParameters", async () => {
    const encoded = await encodeEvolution({ setEvolutionAttestation: { quorum: 3 } });
    expect(encoded.target).toBe(evolutionTargets.componentRegistry);
    expect(decodeFunctionData({ abi: componentRegistryAbi, data: encoded.calldata })).toMatchObject({
      functionName: "setAttestationParameters",
      args: [3, parseEther("10000")],
    });
    expect(encoded.summary).toBe(
      "Absorptions and evolution epochs need 3 node attestations (each node staking at least 10,000 ERA)",
    );
    expect(decodeGovernanceAction(encoded, { ...evolutionTargets, governor })?.summary).toBe(
      "3 node attestations (each node staking at least 10,000 ERA)",
    );
  });

  it("sets the reward curve and the slash rate on EvolutionPool and decodes them back", async () => {
    const curve = await encodeEvolution({
      setRewardCurve: { tiers: seedTiers, scenarioRangeStep: 3, scenarioReward: parseEther("700") },
    });
    expect(curve.target).toBe(evolutionTargets.evolutionPool);
    expect(decodeFunctionData({ abi: evolutionPoolAbi, data: curve.calldata })).toMatchObject({
      functionName: "setRewardCurve",
      args: [seedTiers, 3, parseEther("700")],
    });
    expect(curve.summary).toBe(
      "Evolution rewards: ≥ 20% faster → 700 ERA, ≥ 30% faster → 1,000 ERA, ≥ 50% faster → 1,500 ERA; scenario range +3 → 700 ERA",
    );
    expect(decodeGovernanceAction(curve, { ...evolutionTargets, governor })).toMatchObject({
      contract: "EvolutionPool",
      signature: "setRewardCurve((uint16,uint256)[],uint16,uint256)",
      summary: curve.summary.replace("Evolution rewards: ", ""),
    });

    const slash = await encodeEvolution({ setSlashBps: { slashBps: 750 } });
    expect(slash.target).toBe(evolutionTargets.evolutionPool);
    expect(decodeFunctionData({ abi: evolutionPoolAbi, data: slash.calldata })).toMatchObject({
      functionName: "setSlashBps",
      args: [750],
    });
    expect(slash.summary).toBe(
      "A component missing the evolution standard loses 7.5% of the pledge (rounded up)",
    );
    expect(decodeGovernanceAction(slash, { ...evolutionTargets, governor })?.summary).toBe(
      "evolution slash 7.5% of the pledge (rounded up)",
    );
  });

  it("refuses what the contracts would revert, naming the field", async () => {
    const field = async (change: RuleChangeInput) => (await evolutionRefusal(change)).details?.field;
    expect(await field({ setComponentParameters: { poolShareBps: 10_001 } })).toBe(
      "setComponentParameters.poolShareBps",
    );
    expect(await field({ setComponentParameters: { minPledge: "-1" } })).toBe(
      "setComponentParameters.minPledge",
    );
    expect(await field({ setComponentParameters: { absorptionWindowSeconds: 2n ** 64n } })).toBe(
      "setComponentParameters.absorptionWindowSeconds",
    );
    expect(await field({ setEvolutionAttestation: { quorum: 0 } })).toBe("setEvolutionAttestation.quorum");
    expect(await field({ setSlashBps: { slashBps: 0 } })).toBe("setSlashBps.slashBps");
    expect(await field({ setSlashBps: { slashBps: 10_001 } })).toBe("setSlashBps.slashBps");
    const curve = (tiers: { minImprovementBps: number; reward: bigint }[], step = 3) => ({
      setRewardCurve: { tiers, scenarioRangeStep: step, scenarioReward: parseEther("700") },
    });
    expect(await field(curve(seedTiers, 0))).toBe("setRewardCurve.scenarioRangeStep");
    expect(await field(curve([{ minImprovementBps: 0, reward: 1n }]))).toBe(
      "setRewardCurve.tiers.0.minImprovementBps",
    );
    expect(await field(curve([{ minImprovementBps: 100, reward: 0n }]))).toBe(
      "setRewardCurve.tiers.0.reward",
    );
    expect(await field(curve([seedTiers[1], seedTiers[0]] as typeof seedTiers))).toBe(
      "setRewardCurve.tiers.1.minImprovementBps",
    );
    expect(
      await field(
        curve([
          { minImprovementBps: 100, reward: 5n },
          { minImprovementBps: 200, reward: 5n },
        ]),
      ),
    ).toBe("setRewardCurve.tiers.1.reward");
    expect(
      await field(
        curve(Array.from({ length: 17 }, (_, i) => ({ minImprovementBps: i + 1, reward: BigInt(i + 1) }))),
      ),
    ).toBe("setRewardCurve.tiers");
    // An empty curve is allowed: only the scenario step then earns a reward.
    expect((await encodeEvolution(curve([]))).summary).toBe(
      "Evolution rewards: no efficiency tiers; scenario range +3 → 700 ERA",
    );
  });

  it("refuses on a hub without the evolution group or without a parameter reader", async () => {
    expect((await evolutionRefusal({ setSlashBps: { slashBps: 500 } }, targets)).message).toMatch(
      /no EvolutionPool deployed/,
    );
    expect((await evolutionRefusal({ setEvolutionAttestation: { quorum: 2 } }, targets)).message).toMatch(
      /no ComponentRegistry deployed/,
    );
    const error = await encodeRuleChange(
      { setComponentParameters: { poolShareBps: 1 } },
      evolutionTargets,
      noReads,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadUserInputError);
  });
});

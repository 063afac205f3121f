import {
  type Address,
  decodeFunctionData,
  encodeFunctionData,
  formatUnits,
  type Hex,
  isAddress,
  toFunctionSignature,
} from "viem";
import {
  calderaGovernorAbi,
  channelSchemaRegistryAbi,
  componentRegistryAbi,
  creditVaultAbi,
  derivationRulesAbi,
  derivativeMarketAbi,
  ecosystemRegistryAbi,
  evolutionPoolAbi,
  marginVaultAbi,
  riskFeatureRegistryAbi,
} from "../../contracts/generated/abis.js";
import type { ChannelSchema } from "../../prover/channelSchema.js";
import { CORE_DOMAINS } from "../../prover/coreDataset.js";
import { type DerivationKindName, derivationKinds } from "../buildModelInput.js";
import { BadUserInputError } from "../errors.js";
import { describeSchemaExtension, encodeSchemaExtensionChange } from "../evolution/schemaExtensionChange.js";

/** DerivationRules' quality attributes, by the names GraphQL uses. */
export const qualityAttributes = { INTEGRITY: 1, TIMELINESS: 2, CONTINUITY: 3 } as const;
export type QualityAttributeName = keyof typeof qualityAttributes;
export type DomainName = keyof typeof CORE_DOMAINS;

const invert = <T extends Record<string, number>>(o: T) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [v, k])) as Record<number, keyof T>;
export const attributeNames = invert(qualityAttributes);
export const domainNames = invert(CORE_DOMAINS);
export const kindNames = invert(
  Object.fromEntries(Object.entries(derivationKinds).map(([name, spec]) => [name, spec.kind])) as Record<
    DerivationKindName,
    number
  >,
);

/** DerivativeMarket's reward metrics, by the names GraphQL uses (RewardMetric). */
export const rewardMetrics = { ADOPTERS: 1, ENTERPRISES: 2 } as const;
export type RewardMetricName = keyof typeof rewardMetrics;
export const metricNames = invert(rewardMetrics);

/** DerivationRules.MAX_BPS and MAX_WEIGHT_BPS. */
export const MAX_BPS = 10_000;
export const MAX_WEIGHT_BPS = 100_000;
/** Most accounts one admission proposal names: the timelock runs it in one transaction. */
export const MAX_ADMITTED_PER_PROPOSAL = 200;
const MAX_UINT32 = 4_294_967_295;
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;

/**
 * What a rule-change proposal does: exactly one of these, each one call to a governed contract (DerivationRules,
 * or for ERA circulation DerivativeMarket and CreditVault, whose parameters only the timelock may change).
 */
export type RuleChangeInput = {
  /** setRule: new terms for an existing rule; a term left out keeps its current value. */
  setRule?: {
    ruleId: string | bigint;
    attribute?: QualityAttributeName | null | undefined;
    thresholdBps?: number | null | undefined;
    weightBps?: number | null | undefined;
  } | null;
  /** addRule: a new active rule for a domain and kind that has none active. */
  addRule?: {
    domain: DomainName;
    kind: DerivationKindName;
    attribute: QualityAttributeName;
    thresholdBps: number;
    weightBps: number;
  } | null;
  /** setRuleActive: switch a rule on or off. */
  setRuleActive?: { ruleId: string | bigint; active: boolean } | null;
  /** setFloors: a domain's certification floors; a floor left out keeps its current value. */
  setFloors?: {
    domain: DomainName;
    minIntegrityBps?: number | null | undefined;
    minTimelinessBps?: number | null | undefined;
    minContinuityBps?: number | null | undefined;
    maxGapSlots?: number | null | undefined;
  } | null;
  /** setRewardRule (DerivativeMarket): derivatives of `kind` reaching `threshold` counted accounts earn `amount`. */
  setRewardRule?: {
    kind: DerivationKindName;
    metric: RewardMetricName;
    /** Distinct admitted, licensed accounts; 0 switches the reward off. */
    threshold: number;
    /** ERA wei. */
    amount: bigint | string;
  } | null;
  /** setPoolShare (DerivativeMarket): the share of each licence fee paid into the reward pool. */
  setPoolShare?: { shareBps: number } | null;
  /** setAdmitted (DerivativeMarket): accounts whose adoptions and invocations count toward rewards (sybil resistance). */
  admitAccounts?: { accounts: readonly string[]; admitted: boolean } | null;
  /** setDomainBase (CreditVault): a domain's credit base in ERA wei (limit = base × the unit's weight); 0 = no credit. */
  setCreditBase?: { domain: DomainName; base: bigint | string } | null;
  /** setInterestRate (CreditVault): simple annual interest on credit lines. */
  setInterestRate?: { rateBps: number } | null;
  /** setTerm (CreditVault): how long after the pledge a credit line falls due. */
  setCreditTerm?: { seconds: number | bigint | string } | null;
  /** admitEcosystem (EcosystemRegistry): a partner ecosystem joins the cross-domain risk network. */
  admitEcosystem?: { name: string; operator: string; subgraphUrl?: string | null | undefined } | null;
  /** setEcosystemActive (EcosystemRegistry): suspend or reinstate an ecosystem. */
  setEcosystemActive?: { ecosystemId: string | number; active: boolean } | null;
  /** setMarginParameters (MarginVault): a parameter left out keeps its current value. */
  setMarginParameters?: {
    /** ERA wei. */
    minMargin?: bigint | string | null | undefined;
    perEcosystemMargin?: bigint | string | null | undefined;
    freezeDeposit?: bigint | string | null | undefined;
    reviewWindowSeconds?: bigint | string | number | null | undefined;
    unlockDelaySeconds?: bigint | string | number | null | undefined;
    caseQuorumBps?: number | null | undefined;
  } | null;
  /** setAttestationQuorum (RiskFeatureRegistry; MarginVault's disposals use it too): node attestations needed. */
  setAttestationQuorum?: { quorum: number } | null;
  /** setMinAttesterStake (RiskFeatureRegistry): the stake (ERA wei) an attesting node needs at the snapshot. */
  setMinAttesterStake?: { amount: bigint | string } | null;
  /** setComponentParameters (ComponentRegistry): a parameter left out keeps its current value. */
  setComponentParameters?: {
    /** The share of each paid invocation fee that goes to the evolution pool. */
    poolShareBps?: number | null | undefined;
    /** ERA wei. */
    minPledge?: bigint | string | null | undefined;
    /** ERA wei, escrowed by the absorbing provider and paid to the source's on approval. */
    absorptionCompensation?: bigint | string | null | undefined;
    absorptionWindowSeconds?: bigint | string | number | null | undefined;
  } | null;
  /**
   * setAttestationParameters (ComponentRegistry; EvolutionPool's epoch settlements read it too): node approvals
   * needed and the stake (ERA wei) each node needs at the snapshot; a term left out keeps its current value.
   */
  setEvolutionAttestation?: {
    quorum?: number | null | undefined;
    minAttesterStake?: bigint | string | null | undefined;
  } | null;
  /** setRewardCurve (EvolutionPool): the whole curve, tiers strictly rising in threshold and reward. */
  setRewardCurve?: {
    tiers: readonly { minImprovementBps: number; reward: bigint | string }[];
    /** A scenario range growth of at least this many earns `scenarioReward`. */
    scenarioRangeStep: number;
    /** ERA wei. */
    scenarioReward: bigint | string;
  } | null;
  /** setSlashBps (EvolutionPool): the share of its pledge a component missing the standard loses, rounded up. */
  setSlashBps?: { slashBps: number } | null;
  /**
   * approveExtension (ChannelSchemaRegistry): nodes approve a channel schema extension — the base and extended
   * schema hashes, the extended id and its canonical JSON, checked against each other before proposing.
   */
  approveSchemaExtension?: {
    baseSchemaHash: string;
    extendedSchemaHash: string;
    schemaId: string;
    definition: string;
  } | null;
};

/** The contracts a proposal may call; the circulation ones are absent on a hub deployed without derivatives. */
export type GovernedTargets = {
  derivationRules: Address;
  derivativeMarket?: Address | undefined;
  creditVault?: Address | undefined;
  /** Cross-domain risk's contracts, deployed with circulation. */
  ecosystemRegistry?: Address | undefined;
  riskFeatureRegistry?: Address | undefined;
  marginVault?: Address | undefined;
  /** Capability evolution's schema extensions (the "evolution" contract group). */
  channelSchemaRegistry?: Address | undefined;
  /** Capability evolution's components and reward pool (the "evolution" contract group). */
  componentRegistry?: Address | undefined;
  evolutionPool?: Address | undefined;
};

const CHANGE_KEYS = [
  "setRule",
  "addRule",
  "setRuleActive",
  "setFloors",
  "setRewardRule",
  "setPoolShare",
  "admitAccounts",
  "setCreditBase",
  "setInterestRate",
  "setCreditTerm",
  "admitEcosystem",
  "setEcosystemActive",
  "setMarginParameters",
  "setAttestationQuorum",
  "setMinAttesterStake",
  "setComponentParameters",
  "setEvolutionAttestation",
  "setRewardCurve",
  "setSlashBps",
  "approveSchemaExtension",
] as const;

export type CurrentRule = {
  domain: number;
  kind: number;
  attribute: number;
  thresholdBps: number;
  weightBps: number;
  active: boolean;
};
export type CurrentFloors = {
  minIntegrityBps: number;
  minTimelinessBps: number;
  minContinuityBps: number;
  maxGapSlots: number;
};

/** Where the current values of the terms a change leaves out come from (the chain, in the use case). */
export type RuleReader = {
  rule: (ruleId: bigint) => Promise<CurrentRule | undefined>;
  floors: (domain: number) => Promise<CurrentFloors>;
  /** MarginVault's current parameters (for setMarginParameters' terms left out). */
  marginParameters?: (() => Promise<MarginParameters>) | undefined;
  /** ComponentRegistry's current parameters (for setComponentParameters' and setEvolutionAttestation's). */
  componentParameters?: (() => Promise<ComponentParameters>) | undefined;
  /** Channel schema extensions the hub accepts (an extension may extend one approved before). */
  schemaExtensions?:
    | (() => Promise<readonly { schema: ChannelSchema; extendedSchemaHash: string }[]>)
    | undefined;
  /** EcosystemRegistry: how many ecosystems exist (ids 1..count), and the ecosystem an operator runs (0: none). */
  ecosystemCount?: (() => Promise<number>) | undefined;
  ecosystemOf?: ((operator: Address) => Promise<number>) | undefined;
};

/** MarginVault's governed parameters (ERA wei and seconds). */
export type MarginParameters = {
  minMargin: bigint;
  perEcosystemMargin: bigint;
  freezeDeposit: bigint;
  reviewWindow: bigint;
  unlockDelay: bigint;
  caseQuorumBps: number;
};

/** ComponentRegistry's governed parameters (ERA wei and seconds). */
export type ComponentParameters = {
  poolShareBps: number;
  minPledge: bigint;
  absorptionCompensation: bigint;
  absorptionWindow: bigint;
  attestationQuorum: number;
  minAttesterStake: bigint;
};

/** EvolutionPool.MAX_REWARD_TIERS. */
export const MAX_REWARD_TIERS = 16;

/** MarginVault.MIN_REVIEW_WINDOW and MAX_REVIEW_WINDOW; EcosystemRegistry's field limits. */
export const MIN_REVIEW_WINDOW_SECONDS = 3_600n;
export const MAX_REVIEW_WINDOW_SECONDS = 30n * 86_400n;
export const MAX_ECOSYSTEM_NAME_BYTES = 64;
export const MAX_SUBGRAPH_URL_BYTES = 256;

export type EncodedRuleChange = { target: Address; calldata: Hex; summary: string };

function checkInt(field: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new BadUserInputError(field, `must be an integer from ${min} to ${max}, got ${value}`);
}

function ruleIdOf(field: string, value: string | bigint): bigint {
  if (typeof value === "bigint") return value;
  if (!/^\d{1,20}$/.test(value)) throw new BadUserInputError(field, "must be a rule id (a positive integer)");
  return BigInt(value);
}

function uintOf(field: string, value: bigint | string | number, max: bigint): bigint {
  const parsed =
    typeof value === "bigint"
      ? value
      : typeof value === "number" && Number.isSafeInteger(value)
        ? BigInt(value)
        : typeof value === "string" && /^\d{1,78}$/.test(value)
          ? BigInt(value)
          : undefined;
  if (parsed === undefined || parsed < 0n || parsed > max)
    throw new BadUserInputError(field, `must be a whole number from 0 to ${max}, got ${String(value)}`);
  return parsed;
}

/** "1,200 ERA", "0.5 ERA". */
export const eraText = (wei: bigint) => {
  const [whole = "0", fraction] = formatUnits(wei, 18).split(".");
  return `${BigInt(whole).toLocaleString("en-US")}${fraction ? `.${fraction}` : ""} ERA`;
};

function durationText(seconds: bigint): string {
  const days = seconds / 86_400n;
  const rest = seconds % 86_400n;
  if (rest === 0n) return `${days} day${days === 1n ? "" : "s"}`;
  return `${seconds.toLocaleString("en-US")} s`;
}

const percent = (bps: number) => `${(bps / 100).toFixed(2).replace(/\.?0+$/, "")}%`;
const weight = (bps: number) => `${(bps / 10_000).toFixed(4).replace(/\.?0+$/, "")}x`;

/**
 * One line a person reads: "rule 2 (AGRICULTURAL MARKET_FORECAST): TIMELINESS ≥ 80%, weight 1.2x"; without an id,
 * "a new rule (…)".
 */
export function describeRule(ruleId: bigint | string | undefined, rule: Omit<CurrentRule, "active">): string {
  return `${ruleId === undefined ? "a new rule" : `rule ${ruleId}`} (${domainNames[rule.domain] ?? rule.domain} ${kindNames[rule.kind] ?? rule.kind}): ${
    attributeNames[rule.attribute] ?? rule.attribute
  } ≥ ${percent(rule.thresholdBps)}, weight ${weight(rule.weightBps)}`;
}

/**
 * A rule change → the one DerivationRules call it proposes, after checking it as DerivationRules will (so a
 * proposal that could never execute is refused up front with BAD_USER_INPUT naming the field).
 */
export async function encodeRuleChange(
  change: RuleChangeInput,
  targets: GovernedTargets,
  reader: RuleReader,
): Promise<EncodedRuleChange> {
  const given = CHANGE_KEYS.filter((key) => change[key] !== undefined && change[key] !== null);
  if (given.length !== 1)
    throw new BadUserInputError(
      "input",
      `must give exactly one of ${CHANGE_KEYS.join(", ")} (got ${given.length === 0 ? "none" : given.join(", ")})`,
    );
  const circulation = encodeCirculationChange(change, targets);
  if (circulation !== undefined) return circulation;
  const risk = await encodeRiskChange(change, targets, reader);
  if (risk !== undefined) return risk;
  const evolution = await encodeEvolutionChange(change, targets, reader);
  if (evolution !== undefined) return evolution;
  const schemaExtension = await encodeSchemaExtensionChange(change, targets, reader);
  if (schemaExtension !== undefined) return schemaExtension;
  const { derivationRules } = targets;
  const call = (functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi: derivationRulesAbi, functionName, args } as never) as Hex;

  if (change.setRule) {
    const ruleId = ruleIdOf("setRule.ruleId", change.setRule.ruleId);
    const current = await reader.rule(ruleId);
    if (current === undefined) throw new BadUserInputError("setRule.ruleId", `${ruleId} is not a rule`);
    const attribute =
      change.setRule.attribute === undefined || change.setRule.attribute === null
        ? current.attribute
        : qualityAttributes[change.setRule.attribute];
    const thresholdBps = change.setRule.thresholdBps ?? current.thresholdBps;
    const weightBps = change.setRule.weightBps ?? current.weightBps;
    checkInt("setRule.thresholdBps", thresholdBps, 0, MAX_BPS);
    checkInt("setRule.weightBps", weightBps, 1, MAX_WEIGHT_BPS);
    return {
      target: derivationRules,
      calldata: call("setRule", [ruleId, attribute, thresholdBps, weightBps]),
      summary: `Set ${describeRule(ruleId, { ...current, attribute, thresholdBps, weightBps })} (was ${
        attributeNames[current.attribute]
      } ≥ ${percent(current.thresholdBps)}, weight ${weight(current.weightBps)})`,
    };
  }
  if (change.addRule) {
    const { domain, kind, attribute, thresholdBps, weightBps } = change.addRule;
    checkInt("addRule.thresholdBps", thresholdBps, 0, MAX_BPS);
    checkInt("addRule.weightBps", weightBps, 1, MAX_WEIGHT_BPS);
    const terms = {
      domain: CORE_DOMAINS[domain],
      kind: derivationKinds[kind].kind,
      attribute: qualityAttributes[attribute],
      thresholdBps,
      weightBps,
    };
    return {
      target: derivationRules,
      calldata: call("addRule", [terms.domain, terms.kind, terms.attribute, thresholdBps, weightBps]),
      summary: `Add ${describeRule(undefined, terms)}`,
    };
  }
  if (change.setRuleActive) {
    const ruleId = ruleIdOf("setRuleActive.ruleId", change.setRuleActive.ruleId);
    const current = await reader.rule(ruleId);
    if (current === undefined) throw new BadUserInputError("setRuleActive.ruleId", `${ruleId} is not a rule`);
    return {
      target: derivationRules,
      calldata: call("setRuleActive", [ruleId, change.setRuleActive.active]),
      summary: `${change.setRuleActive.active ? "Activate" : "Deactivate"} ${describeRule(ruleId, current)}`,
    };
  }
  const floorsChange = change.setFloors as NonNullable<RuleChangeInput["setFloors"]>;
  const domain = CORE_DOMAINS[floorsChange.domain];
  const current = await reader.floors(domain);
  const floors = {
    minIntegrityBps: floorsChange.minIntegrityBps ?? current.minIntegrityBps,
    minTimelinessBps: floorsChange.minTimelinessBps ?? current.minTimelinessBps,
    minContinuityBps: floorsChange.minContinuityBps ?? current.minContinuityBps,
    maxGapSlots: floorsChange.maxGapSlots ?? current.maxGapSlots,
  };
  checkInt("setFloors.minIntegrityBps", floors.minIntegrityBps, 0, MAX_BPS);
  checkInt("setFloors.minTimelinessBps", floors.minTimelinessBps, 0, MAX_BPS);
  checkInt("setFloors.minContinuityBps", floors.minContinuityBps, 0, MAX_BPS);
  checkInt("setFloors.maxGapSlots", floors.maxGapSlots, 0, 65_535);
  return {
    target: derivationRules,
    calldata: call("setFloors", [domain, floors]),
    summary: `Set ${floorsChange.domain} certification floors: integrity ≥ ${percent(
      floors.minIntegrityBps,
    )}, timeliness ≥ ${percent(floors.minTimelinessBps)}, continuity ≥ ${percent(
      floors.minContinuityBps,
    )}, longest gap ≤ ${floors.maxGapSlots} slots`,
  };
}

/**
 * The circulation parameters (DerivativeMarket's reward rules, pool share and admissions; CreditVault's bases, rate
 * and term), checked as the contracts check them; undefined when the change is a DerivationRules one.
 */
function encodeCirculationChange(
  change: RuleChangeInput,
  targets: GovernedTargets,
): EncodedRuleChange | undefined {
  const market = (field: string) => {
    if (targets.derivativeMarket === undefined)
      throw new BadUserInputError(field, "this hub has no DerivativeMarket deployed");
    return targets.derivativeMarket;
  };
  const vault = (field: string) => {
    if (targets.creditVault === undefined)
      throw new BadUserInputError(field, "this hub has no CreditVault deployed");
    return targets.creditVault;
  };
  const marketCall = (functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi: derivativeMarketAbi, functionName, args } as never) as Hex;
  const vaultCall = (functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi: creditVaultAbi, functionName, args } as never) as Hex;

  if (change.setRewardRule) {
    const { kind, metric, threshold } = change.setRewardRule;
    const kindNumber = derivationKinds[kind]?.kind;
    if (kindNumber === undefined)
      throw new BadUserInputError("setRewardRule.kind", `${kind} is not a derivation kind`);
    const metricNumber = rewardMetrics[metric];
    if (metricNumber === undefined)
      throw new BadUserInputError("setRewardRule.metric", `${metric} is not ADOPTERS or ENTERPRISES`);
    checkInt("setRewardRule.threshold", threshold, 0, MAX_UINT32);
    const amount = uintOf("setRewardRule.amount", change.setRewardRule.amount, MAX_UINT256);
    return {
      target: market("setRewardRule"),
      calldata: marketCall("setRewardRule", [kindNumber, metricNumber, threshold, amount]),
      summary: `Set the ${kind} reward: ${describeReward(metricNumber, threshold, amount)}`,
    };
  }
  if (change.setPoolShare) {
    checkInt("setPoolShare.shareBps", change.setPoolShare.shareBps, 0, MAX_BPS);
    return {
      target: market("setPoolShare"),
      calldata: marketCall("setPoolShare", [change.setPoolShare.shareBps]),
      summary: `Pay ${percent(change.setPoolShare.shareBps)} of each licence fee into the reward pool`,
    };
  }
  if (change.admitAccounts) {
    const { accounts, admitted } = change.admitAccounts;
    if (accounts.length === 0 || accounts.length > MAX_ADMITTED_PER_PROPOSAL)
      throw new BadUserInputError(
        "admitAccounts.accounts",
        `must name 1 to ${MAX_ADMITTED_PER_PROPOSAL} accounts, got ${accounts.length}`,
      );
    const seen = new Set<string>();
    for (const account of accounts) {
      if (!isAddress(account, { strict: false }))
        throw new BadUserInputError("admitAccounts.accounts", `${account} is not an address`);
      if (seen.has(account.toLowerCase()))
        throw new BadUserInputError("admitAccounts.accounts", `${account} is named twice`);
      seen.add(account.toLowerCase());
    }
    return {
      target: market("admitAccounts"),
      calldata: marketCall("setAdmitted", [accounts, admitted]),
      summary: describeAdmission(accounts, admitted),
    };
  }
  if (change.setCreditBase) {
    const domain = CORE_DOMAINS[change.setCreditBase.domain];
    if (domain === undefined)
      throw new BadUserInputError("setCreditBase.domain", `${change.setCreditBase.domain} is not a domain`);
    const base = uintOf("setCreditBase.base", change.setCreditBase.base, MAX_UINT256);
    return {
      target: vault("setCreditBase"),
      calldata: vaultCall("setDomainBase", [domain, base]),
      summary: describeCreditBase(domain, base),
    };
  }
  if (change.setInterestRate) {
    checkInt("setInterestRate.rateBps", change.setInterestRate.rateBps, 0, MAX_BPS);
    return {
      target: vault("setInterestRate"),
      calldata: vaultCall("setInterestRate", [change.setInterestRate.rateBps]),
      summary: `Charge ${percent(change.setInterestRate.rateBps)} a year (simple interest) on credit lines`,
    };
  }
  if (change.setCreditTerm) {
    const seconds = uintOf("setCreditTerm.seconds", change.setCreditTerm.seconds, MAX_UINT64);
    // A zero term would make every new line overdue at once: default-able in the block it opens.
    if (seconds === 0n) throw new BadUserInputError("setCreditTerm.seconds", "must be above 0");
    return {
      target: vault("setCreditTerm"),
      calldata: vaultCall("setTerm", [seconds]),
      summary: `Credit lines fall due ${durationText(seconds)} after the pledge`,
    };
  }
  return undefined;
}

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

function needReader<T>(value: T | undefined, field: string): T {
  if (value === undefined)
    throw new BadUserInputError(field, "cannot be checked: this hub reads no risk contracts");
  return value;
}

const describeMargin = (p: MarginParameters) =>
  `minimum margin ${eraText(p.minMargin)}, ${eraText(p.perEcosystemMargin)} per ecosystem served, freeze deposit ${eraText(
    p.freezeDeposit,
  )}, review window ${durationText(p.reviewWindow)}, unlock delay ${durationText(p.unlockDelay)}, case quorum ${percent(
    p.caseQuorumBps,
  )} of the snapshot stake`;

/**
 * The cross-domain risk parameters (EcosystemRegistry admissions and suspensions, MarginVault's parameters,
 * RiskFeatureRegistry's attestation quorum and attester stake), checked as the contracts check them; undefined when
 * the change is not one of them.
 */
async function encodeRiskChange(
  change: RuleChangeInput,
  targets: GovernedTargets,
  reader: RuleReader,
): Promise<EncodedRuleChange | undefined> {
  const deployedAt = (address: Address | undefined, contract: string, field: string) => {
    if (address === undefined) throw new BadUserInputError(field, `this hub has no ${contract} deployed`);
    return address;
  };
  const call = (abi: readonly unknown[], functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi, functionName, args } as never) as Hex;

  if (change.admitEcosystem) {
    const { name, operator } = change.admitEcosystem;
    const subgraphUrl = change.admitEcosystem.subgraphUrl ?? "";
    const target = deployedAt(targets.ecosystemRegistry, "EcosystemRegistry", "admitEcosystem");
    if (typeof name !== "string" || name.trim() === "" || utf8Bytes(name) > MAX_ECOSYSTEM_NAME_BYTES)
      throw new BadUserInputError("admitEcosystem.name", `must be 1 to ${MAX_ECOSYSTEM_NAME_BYTES} bytes`);
    if (!isAddress(operator, { strict: false }) || BigInt(operator) === 0n)
      throw new BadUserInputError("admitEcosystem.operator", "must be a non-zero address");
    if (utf8Bytes(subgraphUrl) > MAX_SUBGRAPH_URL_BYTES)
      throw new BadUserInputError(
        "admitEcosystem.subgraphUrl",
        `must be at most ${MAX_SUBGRAPH_URL_BYTES} bytes`,
      );
    if (subgraphUrl !== "" && !/^https?:\/\/\S+$/.test(subgraphUrl))
      throw new BadUserInputError("admitEcosystem.subgraphUrl", "must be an http(s) URL, or empty for none");
    const taken = reader.ecosystemOf ? await reader.ecosystemOf(operator as Address) : 0;
    if (taken !== 0)
      throw new BadUserInputError(
        "admitEcosystem.operator",
        `already operates ecosystem ${taken} (one per operator)`,
      );
    return {
      target,
      calldata: call(ecosystemRegistryAbi, "admitEcosystem", [name, operator, subgraphUrl]),
      summary: describeAdmitEcosystem(name, operator, subgraphUrl),
    };
  }
  if (change.setEcosystemActive) {
    const target = deployedAt(targets.ecosystemRegistry, "EcosystemRegistry", "setEcosystemActive");
    const id = uintOf(
      "setEcosystemActive.ecosystemId",
      change.setEcosystemActive.ecosystemId,
      BigInt(MAX_UINT32),
    );
    const count = await needReader(reader.ecosystemCount, "setEcosystemActive.ecosystemId")();
    if (id < 1n || id > BigInt(count))
      throw new BadUserInputError("setEcosystemActive.ecosystemId", `${id} is not an ecosystem`);
    return {
      target,
      calldata: call(ecosystemRegistryAbi, "setEcosystemActive", [
        Number(id),
        change.setEcosystemActive.active,
      ]),
      summary: `${change.setEcosystemActive.active ? "Reinstate" : "Suspend"} ecosystem ${id}`,
    };
  }
  if (change.setMarginParameters) {
    const given = change.setMarginParameters;
    const target = deployedAt(targets.marginVault, "MarginVault", "setMarginParameters");
    const current = await needReader(reader.marginParameters, "setMarginParameters")();
    const pick = (field: keyof typeof given, now: bigint, max: bigint) => {
      const value = given[field];
      return value === undefined || value === null
        ? now
        : uintOf(`setMarginParameters.${field}`, value as bigint | string | number, max);
    };
    const next: MarginParameters = {
      minMargin: pick("minMargin", current.minMargin, MAX_UINT256),
      perEcosystemMargin: pick("perEcosystemMargin", current.perEcosystemMargin, MAX_UINT256),
      freezeDeposit: pick("freezeDeposit", current.freezeDeposit, MAX_UINT256),
      reviewWindow: pick("reviewWindowSeconds", current.reviewWindow, MAX_UINT64),
      unlockDelay: pick("unlockDelaySeconds", current.unlockDelay, MAX_UINT64),
      caseQuorumBps: given.caseQuorumBps ?? current.caseQuorumBps,
    };
    if (next.reviewWindow < MIN_REVIEW_WINDOW_SECONDS || next.reviewWindow > MAX_REVIEW_WINDOW_SECONDS)
      throw new BadUserInputError(
        "setMarginParameters.reviewWindowSeconds",
        `must be from ${MIN_REVIEW_WINDOW_SECONDS} (1 hour) to ${MAX_REVIEW_WINDOW_SECONDS} (30 days), got ${next.reviewWindow}`,
      );
    // A shorter delay would let a provider withdraw before a case filed against it could be decided.
    if (next.unlockDelay < next.reviewWindow)
      throw new BadUserInputError(
        "setMarginParameters.unlockDelaySeconds",
        `must be at least the review window (${next.reviewWindow} s), got ${next.unlockDelay}`,
      );
    checkInt("setMarginParameters.caseQuorumBps", next.caseQuorumBps, 1, MAX_BPS);
    return {
      target,
      calldata: call(marginVaultAbi, "setMarginParameters", [
        next.minMargin,
        next.perEcosystemMargin,
        next.freezeDeposit,
        next.reviewWindow,
        next.unlockDelay,
        next.caseQuorumBps,
      ]),
      summary: `Set the margin parameters: ${describeMargin(next)}`,
    };
  }
  if (change.setAttestationQuorum) {
    const target = deployedAt(targets.riskFeatureRegistry, "RiskFeatureRegistry", "setAttestationQuorum");
    checkInt("setAttestationQuorum.quorum", change.setAttestationQuorum.quorum, 1, 65_535);
    return {
      target,
      calldata: call(riskFeatureRegistryAbi, "setAttestationQuorum", [change.setAttestationQuorum.quorum]),
      summary: `Risk features and disposals need ${change.setAttestationQuorum.quorum} node attestation${
        change.setAttestationQuorum.quorum === 1 ? "" : "s"
      }`,
    };
  }
  if (change.setMinAttesterStake) {
    const target = deployedAt(targets.riskFeatureRegistry, "RiskFeatureRegistry", "setMinAttesterStake");
    const amount = uintOf("setMinAttesterStake.amount", change.setMinAttesterStake.amount, MAX_UINT256);
    return {
      target,
      calldata: call(riskFeatureRegistryAbi, "setMinAttesterStake", [amount]),
      summary: `An attesting node needs ${eraText(amount)} of stake`,
    };
  }
  return undefined;
}

const describeComponentParameters = (
  p: Omit<ComponentParameters, "attestationQuorum" | "minAttesterStake">,
) =>
  `${percent(p.poolShareBps)} of each paid invocation fee to the evolution pool, minimum pledge ${eraText(
    p.minPledge,
  )}, absorption compensation ${eraText(p.absorptionCompensation)}, absorption window ${durationText(
    p.absorptionWindow,
  )}`;

const describeEvolutionAttestation = (quorum: number, minStake: bigint) =>
  `${quorum} node attestation${quorum === 1 ? "" : "s"} (each node staking at least ${eraText(minStake)})`;

const describeRewardCurve = (
  tiers: readonly { minImprovementBps: number; reward: bigint }[],
  step: number,
  scenarioReward: bigint,
) =>
  `${
    tiers.length === 0
      ? "no efficiency tiers"
      : tiers.map((t) => `≥ ${percent(t.minImprovementBps)} faster → ${eraText(t.reward)}`).join(", ")
  }; scenario range +${step} → ${eraText(scenarioReward)}`;

const describeSlash = (bps: number) => `${percent(bps)} of the pledge (rounded up)`;

/**
 * Capability evolution's parameters (ComponentRegistry's component and attestation parameters, EvolutionPool's
 * reward curve and slash rate), checked as the contracts check them; undefined when the change is not one of them.
 */
async function encodeEvolutionChange(
  change: RuleChangeInput,
  targets: GovernedTargets,
  reader: RuleReader,
): Promise<EncodedRuleChange | undefined> {
  const deployedAt = (address: Address | undefined, contract: string, field: string) => {
    if (address === undefined) throw new BadUserInputError(field, `this hub has no ${contract} deployed`);
    return address;
  };
  const call = (abi: readonly unknown[], functionName: string, args: readonly unknown[]) =>
    encodeFunctionData({ abi, functionName, args } as never) as Hex;
  const current = (field: string) => {
    if (reader.componentParameters === undefined)
      throw new BadUserInputError(field, "cannot be checked: this hub reads no ComponentRegistry");
    return reader.componentParameters();
  };

  if (change.setComponentParameters) {
    const given = change.setComponentParameters;
    const target = deployedAt(targets.componentRegistry, "ComponentRegistry", "setComponentParameters");
    const now = await current("setComponentParameters");
    const pick = (field: keyof typeof given, was: bigint, max: bigint) => {
      const value = given[field];
      return value === undefined || value === null
        ? was
        : uintOf(`setComponentParameters.${field}`, value as bigint | string | number, max);
    };
    const next = {
      poolShareBps: given.poolShareBps ?? now.poolShareBps,
      minPledge: pick("minPledge", now.minPledge, MAX_UINT256),
      absorptionCompensation: pick("absorptionCompensation", now.absorptionCompensation, MAX_UINT256),
      absorptionWindow: pick("absorptionWindowSeconds", now.absorptionWindow, MAX_UINT64),
    };
    checkInt("setComponentParameters.poolShareBps", next.poolShareBps, 0, MAX_BPS);
    return {
      target,
      calldata: call(componentRegistryAbi, "setComponentParameters", [
        next.poolShareBps,
        next.minPledge,
        next.absorptionCompensation,
        next.absorptionWindow,
      ]),
      summary: `Set the component parameters: ${describeComponentParameters(next)}`,
    };
  }
  if (change.setEvolutionAttestation) {
    const given = change.setEvolutionAttestation;
    const target = deployedAt(targets.componentRegistry, "ComponentRegistry", "setEvolutionAttestation");
    const now = await current("setEvolutionAttestation");
    const quorum = given.quorum ?? now.attestationQuorum;
    checkInt("setEvolutionAttestation.quorum", quorum, 1, 65_535);
    const minStake =
      given.minAttesterStake === undefined || given.minAttesterStake === null
        ? now.minAttesterStake
        : uintOf("setEvolutionAttestation.minAttesterStake", given.minAttesterStake, MAX_UINT256);
    return {
      target,
      calldata: call(componentRegistryAbi, "setAttestationParameters", [quorum, minStake]),
      summary: `Absorptions and evolution epochs need ${describeEvolutionAttestation(quorum, minStake)}`,
    };
  }
  if (change.setRewardCurve) {
    const { scenarioRangeStep } = change.setRewardCurve;
    const target = deployedAt(targets.evolutionPool, "EvolutionPool", "setRewardCurve");
    const given = change.setRewardCurve.tiers;
    if (!Array.isArray(given) || given.length > MAX_REWARD_TIERS)
      throw new BadUserInputError(
        "setRewardCurve.tiers",
        `must be a list of at most ${MAX_REWARD_TIERS} tiers`,
      );
    const tiers = given.map((tier, i) => {
      checkInt(`setRewardCurve.tiers.${i}.minImprovementBps`, tier.minImprovementBps, 1, MAX_BPS);
      return {
        minImprovementBps: tier.minImprovementBps,
        reward: uintOf(`setRewardCurve.tiers.${i}.reward`, tier.reward, MAX_UINT256),
      };
    });
    for (const [i, tier] of tiers.entries()) {
      const before = tiers[i - 1];
      if (tier.reward === 0n)
        throw new BadUserInputError(`setRewardCurve.tiers.${i}.reward`, "must be above 0");
      if (before !== undefined && tier.minImprovementBps <= before.minImprovementBps)
        throw new BadUserInputError(
          `setRewardCurve.tiers.${i}.minImprovementBps`,
          `must be above the previous tier's ${before.minImprovementBps}`,
        );
      if (before !== undefined && tier.reward <= before.reward)
        throw new BadUserInputError(
          `setRewardCurve.tiers.${i}.reward`,
          `must be above the previous tier's ${before.reward}`,
        );
    }
    checkInt("setRewardCurve.scenarioRangeStep", scenarioRangeStep, 1, 65_535);
    const scenarioReward = uintOf(
      "setRewardCurve.scenarioReward",
      change.setRewardCurve.scenarioReward,
      MAX_UINT256,
    );
    return {
      target,
      calldata: call(evolutionPoolAbi, "setRewardCurve", [tiers, scenarioRangeStep, scenarioReward]),
      summary: `Evolution rewards: ${describeRewardCurve(tiers, scenarioRangeStep, scenarioReward)}`,
    };
  }
  if (change.setSlashBps) {
    const target = deployedAt(targets.evolutionPool, "EvolutionPool", "setSlashBps");
    checkInt("setSlashBps.slashBps", change.setSlashBps.slashBps, 1, MAX_BPS);
    return {
      target,
      calldata: call(evolutionPoolAbi, "setSlashBps", [change.setSlashBps.slashBps]),
      summary: `A component missing the evolution standard loses ${describeSlash(change.setSlashBps.slashBps)}`,
    };
  }
  return undefined;
}

function summariseEvolutionCall(functionName: string, args: readonly unknown[]): string | null {
  switch (functionName) {
    case "setComponentParameters":
      return describeComponentParameters({
        poolShareBps: Number(args[0]),
        minPledge: args[1] as bigint,
        absorptionCompensation: args[2] as bigint,
        absorptionWindow: args[3] as bigint,
      });
    case "setAttestationParameters":
      return describeEvolutionAttestation(Number(args[0]), args[1] as bigint);
    case "setRewardCurve":
      return describeRewardCurve(
        (args[0] as readonly { minImprovementBps: number; reward: bigint }[]).map((t) => ({
          minImprovementBps: Number(t.minImprovementBps),
          reward: t.reward,
        })),
        Number(args[1]),
        args[2] as bigint,
      );
    case "setSlashBps":
      return `evolution slash ${describeSlash(Number(args[0]))}`;
    default:
      return null;
  }
}

const describeAdmitEcosystem = (name: string, operator: string, subgraphUrl: string) =>
  `Admit ecosystem "${name}" (operator ${operator}${subgraphUrl ? `, subgraph ${subgraphUrl}` : ", no subgraph"})`;

function summariseRiskCall(functionName: string, args: readonly unknown[]): string | null {
  switch (functionName) {
    case "admitEcosystem":
      return describeAdmitEcosystem(String(args[0]), String(args[1]), String(args[2] ?? ""));
    case "setEcosystemActive":
      return `ecosystem ${args[0]} ${args[1] ? "active" : "suspended"}`;
    case "setMarginParameters":
      return describeMargin({
        minMargin: args[0] as bigint,
        perEcosystemMargin: args[1] as bigint,
        freezeDeposit: args[2] as bigint,
        reviewWindow: args[3] as bigint,
        unlockDelay: args[4] as bigint,
        caseQuorumBps: Number(args[5]),
      });
    case "setAttestationQuorum":
      return `attestation quorum ${args[0]}`;
    case "setMinAttesterStake":
      return `attester stake ${eraText(args[0] as bigint)}`;
    case "approveExtension":
      return describeSchemaExtension(String(args[2]), String(args[3]));
    default:
      return null;
  }
}

function describeReward(metric: number, threshold: number, amount: bigint): string {
  if (threshold === 0) return "off";
  const who =
    metric === rewardMetrics.ADOPTERS
      ? "adopters"
      : metric === rewardMetrics.ENTERPRISES
        ? "invoking enterprises"
        : `accounts (metric ${metric})`;
  return `${threshold} distinct admitted ${who} → ${eraText(amount)}`;
}

function describeAdmission(accounts: readonly string[], admitted: boolean): string {
  const shown = accounts.slice(0, 3).join(", ");
  const more = accounts.length > 3 ? ` and ${accounts.length - 3} more` : "";
  return `${admitted ? "Admit" : "Remove"} ${accounts.length} account${accounts.length === 1 ? "" : "s"} (${shown}${more}) ${
    admitted ? "to" : "from"
  } the accounts whose adoptions and invocations count toward rewards`;
}

const describeCreditBase = (domain: number, base: bigint) =>
  base === 0n
    ? `No credit against ${domainNames[domain] ?? domain} units`
    : `Credit base for ${domainNames[domain] ?? domain} units: ${eraText(base)} × the unit's weight`;

export type DecodedAction = {
  /** The contract's name (DerivationRules, CalderaGovernor, DerivativeMarket, CreditVault, EcosystemRegistry, …). */
  contract: string;
  functionName: string;
  /** The function's signature, e.g. setRule(uint256,uint8,uint16,uint32). */
  signature: string;
  args: { name: string; type: string; value: string }[];
  /** What it does, for a person; null for calls without a summary. */
  summary: string | null;
};

const argText = (value: unknown): string =>
  typeof value === "bigint"
    ? value.toString()
    : typeof value === "object" && value !== null
      ? JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v))
      : String(value);

/**
 * Decodes a proposal action's calldata when its target is one of the hub's governed contracts (DerivationRules,
 * the governor's own settings, DerivativeMarket, CreditVault); undefined for any other target or for calldata that does not decode.
 */
export function decodeGovernanceAction(
  { target, calldata }: { target: string; calldata: Hex },
  contracts: GovernedTargets & { governor: Address },
): DecodedAction | undefined {
  const known = [
    { name: "DerivationRules", address: contracts.derivationRules, abi: derivationRulesAbi },
    { name: "CalderaGovernor", address: contracts.governor, abi: calderaGovernorAbi },
    { name: "DerivativeMarket", address: contracts.derivativeMarket, abi: derivativeMarketAbi },
    { name: "CreditVault", address: contracts.creditVault, abi: creditVaultAbi },
    { name: "EcosystemRegistry", address: contracts.ecosystemRegistry, abi: ecosystemRegistryAbi },
    { name: "RiskFeatureRegistry", address: contracts.riskFeatureRegistry, abi: riskFeatureRegistryAbi },
    { name: "MarginVault", address: contracts.marginVault, abi: marginVaultAbi },
    {
      name: "ChannelSchemaRegistry",
      address: contracts.channelSchemaRegistry,
      abi: channelSchemaRegistryAbi,
    },
    { name: "ComponentRegistry", address: contracts.componentRegistry, abi: componentRegistryAbi },
    { name: "EvolutionPool", address: contracts.evolutionPool, abi: evolutionPoolAbi },
  ].find((c) => c.address !== undefined && c.address.toLowerCase() === target.toLowerCase());
  if (known === undefined) return undefined;
  let decoded: { functionName: string; args?: readonly unknown[] | undefined };
  try {
    decoded = decodeFunctionData({ abi: known.abi, data: calldata }) as typeof decoded;
  } catch {
    return undefined;
  }
  const item = (
    known.abi as readonly {
      type: string;
      name?: string;
      inputs?: readonly { name: string; type: string }[];
    }[]
  ).find((entry) => entry.type === "function" && entry.name === decoded.functionName);
  const inputs = item?.inputs ?? [];
  const args = (decoded.args ?? []).map((value, i) => ({
    name: inputs[i]?.name ?? `arg${i}`,
    type: inputs[i]?.type ?? "unknown",
    value: argText(value),
  }));
  return {
    contract: known.name,
    functionName: decoded.functionName,
    // toFunctionSignature spells tuples out (setRewardCurve((uint16,uint256)[],uint16,uint256)), not "tuple[]".
    signature:
      item === undefined
        ? `${decoded.functionName}()`
        : toFunctionSignature(item as Parameters<typeof toFunctionSignature>[0]),
    args,
    summary:
      known.name === "DerivationRules"
        ? summariseRulesCall(decoded.functionName, decoded.args ?? [])
        : known.name === "CalderaGovernor"
          ? null
          : known.name === "DerivativeMarket" || known.name === "CreditVault"
            ? summariseCirculationCall(decoded.functionName, decoded.args ?? [])
            : known.name === "ComponentRegistry" || known.name === "EvolutionPool"
              ? summariseEvolutionCall(decoded.functionName, decoded.args ?? [])
              : summariseRiskCall(decoded.functionName, decoded.args ?? []),
  };
}

function summariseCirculationCall(functionName: string, args: readonly unknown[]): string | null {
  const n = (value: unknown) => Number(value);
  switch (functionName) {
    case "setRewardRule":
      return `${kindNames[n(args[0])] ?? `kind ${args[0]}`} reward: ${describeReward(n(args[1]), n(args[2]), args[3] as bigint)}`;
    case "setPoolShare":
      return `reward pool share ${percent(n(args[0]))} of each licence fee`;
    case "setAdmitted":
      return describeAdmission(args[0] as readonly string[], args[1] as boolean);
    case "setDomainBase":
      return describeCreditBase(n(args[0]), args[1] as bigint);
    case "setInterestRate":
      return `credit interest ${percent(n(args[0]))} a year`;
    case "setTerm":
      return `credit term ${durationText(args[0] as bigint)}`;
    default:
      return null;
  }
}

function summariseRulesCall(functionName: string, args: readonly unknown[]): string | null {
  const n = (value: unknown) => Number(value);
  switch (functionName) {
    case "setRule":
      return `rule ${args[0]}: ${attributeNames[n(args[1])] ?? args[1]} ≥ ${percent(n(args[2]))}, weight ${weight(n(args[3]))}`;
    case "addRule":
      return describeRule(undefined, {
        domain: n(args[0]),
        kind: n(args[1]),
        attribute: n(args[2]),
        thresholdBps: n(args[3]),
        weightBps: n(args[4]),
      });
    case "setRuleActive":
      return `rule ${args[0]} ${args[1] ? "active" : "inactive"}`;
    case "setFloors": {
      const floors = args[1] as CurrentFloors;
      return `${domainNames[n(args[0])] ?? args[0]} floors: integrity ≥ ${percent(n(floors.minIntegrityBps))}, timeliness ≥ ${percent(
        n(floors.minTimelinessBps),
      )}, continuity ≥ ${percent(n(floors.minContinuityBps))}, longest gap ≤ ${floors.maxGapSlots} slots`;
    }
    default:
      return null;
  }
}

import { type Address, decodeFunctionData, encodeFunctionData, type Hex } from "viem";
import { calderaGovernorAbi, derivationRulesAbi } from "../../contracts/generated/abis.js";
import { CORE_DOMAINS } from "../../prover/coreDataset.js";
import { type DerivationKindName, derivationKinds } from "../buildModelInput.js";
import { BadUserInputError } from "../errors.js";

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

/** DerivationRules.MAX_BPS and MAX_WEIGHT_BPS. */
export const MAX_BPS = 10_000;
export const MAX_WEIGHT_BPS = 100_000;

/** What a rule-change proposal does: exactly one of these, each a call to DerivationRules. */
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
};

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
};

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
  derivationRules: Address,
  reader: RuleReader,
): Promise<EncodedRuleChange> {
  const given = (["setRule", "addRule", "setRuleActive", "setFloors"] as const).filter(
    (key) => change[key] !== undefined && change[key] !== null,
  );
  if (given.length !== 1)
    throw new BadUserInputError(
      "input",
      `must give exactly one of setRule, addRule, setRuleActive, setFloors (got ${given.length === 0 ? "none" : given.join(", ")})`,
    );
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

export type DecodedAction = {
  /** The contract's name (DerivationRules, CalderaGovernor). */
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
 * the governor's own settings); undefined for any other target or for calldata that does not decode.
 */
export function decodeGovernanceAction(
  { target, calldata }: { target: string; calldata: Hex },
  contracts: { derivationRules: Address; governor: Address },
): DecodedAction | undefined {
  const known = [
    { name: "DerivationRules", address: contracts.derivationRules, abi: derivationRulesAbi },
    { name: "CalderaGovernor", address: contracts.governor, abi: calderaGovernorAbi },
  ].find((c) => c.address.toLowerCase() === target.toLowerCase());
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
    signature: `${decoded.functionName}(${inputs.map((input) => input.type).join(",")})`,
    args,
    summary:
      known.name === "DerivationRules" ? summariseRulesCall(decoded.functionName, decoded.args ?? []) : null,
  };
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

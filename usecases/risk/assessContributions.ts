import type { Hex } from "viem";
import { type AssessmentContribution, assessmentInputsHash } from "../../services/assessmentInputsHash.js";
import type { AssessmentDocument } from "../../services/createAssessmentStore.js";
import { BadUserInputError } from "../errors.js";
import {
  add,
  compare,
  div,
  formatRational,
  max,
  min,
  mul,
  ONE,
  type Rational,
  rational,
  rationalFromNumber,
  sub,
  ZERO,
} from "./rational.js";
import { MAX_SHAPLEY_PLAYERS, shapleyShares } from "./shapleyShares.js";

/** The characteristic function below, by name and version; hashed into every assessment's inputsHash. */
export const CHARACTERISTIC_FUNCTION = "caldera-disposal/v1";
/** H: the lead time at which a warning counts half, τ(t) = t / (t + H). */
export const LEAD_TIME_HALF_WEIGHT_HOURS = 3;

export type ContributionInput = {
  ecosystemId: string | number | bigint;
  leadTimeHours: number;
  lossReductionBps: number;
  locatedSource: boolean;
  role?: "AFFECTED" | "ASSISTING" | undefined;
};

export type AssessContributionsParameters = {
  caseId: string | bigint;
  /** The loss the contributions are measured against, ERA wei (the seized amount when nothing else is known). */
  lossAmount: string | bigint;
  /** One entry per participating ecosystem, at most ten. */
  contributions: readonly ContributionInput[];
};

export type AssessContributionsReturnType = {
  /** The document the hub stores (`createAssessmentStore`), contributions ordered by ecosystem id. */
  document: AssessmentDocument;
  inputsHash: Hex;
  /** v(N): the loss the participants avoided together, ERA wei, exact ("n" or "n/d"). */
  avoidedLoss: string;
  /** What `MarginVault.settleDisposal` takes: ecosystems with a non-zero share (the vault refuses zero shares). */
  ecosystemIds: number[];
  sharesBps: number[];
  /** Σ sharesBps, and 10,000 − it: the rounding remainder the vault sends to its reserve. */
  assignedBps: number;
  dustBps: number;
};

/**
 * Assesses each participating ecosystem's contribution to an upheld case and computes its share of the seized
 * margin: exact Shapley values of the characteristic function "caldera-disposal/v1", floored to bps, the remainder
 * reported as dust.
 *
 * The characteristic function v(S) is the loss coalition S would have avoided on its own:
 *
 *   τ(t)  = t / (t + 3 h)                      timeliness: 0 for a measure taken as the loss happens, ½ at 3 h,
 *                                               ⅔ at 6 h, → 1 — earlier always helps, with diminishing returns
 *   e_i   = lossReductionBps_i / 10,000 × τ(leadTimeHours_i)
 *   W(S)  = min(1, Σ e_i over i ∈ S that did not locate the source)
 *                                               warnings and the measures taken on them avoid their shares of the
 *                                               loss, together at most all of it
 *   Λ(S)  = max e_i over i ∈ S that located the false data source (0 if none)
 *                                               locating the source stops its share of what the warnings left —
 *                                               a complement, and a second locator of the same source adds nothing
 *   v(S)  = lossAmount × (W(S) + (1 − W(S)) × Λ(S))
 *
 * `role` (affected / assisting) is recorded, not weighted: Shapley credits what an ecosystem did, not who it is.
 *
 * The seed's example, reproduced exactly: Caldera warns 6 h ahead and the measures on its warning cut the loss by
 * 60% (e = 0.6 × ⅔ = 0.4); the affected L2 froze its exposure 3 h ahead, cutting it by 70% (e = 0.7 × ½ = 0.35);
 * the agricultural platform located the false data source 6 h ahead, stopping half of what remained (Λ = 0.5 × ⅔ =
 * ⅓). Then W(N) = 0.75 (the seed's "losses reduced by over 75%"), v(N) = 5/6 of the loss, and the Shapley shares are
 * exactly 40% (Caldera), 25% (platform) and 35% (affected L2), no dust. H = 3 h is the one constant chosen for it.
 */
export function assessContributions({
  caseId,
  lossAmount,
  contributions,
}: AssessContributionsParameters): AssessContributionsReturnType {
  const caseIdText = decimal(caseId, "caseId", 1n);
  const loss = BigInt(decimal(lossAmount, "lossAmount", 1n));
  if (!Array.isArray(contributions) || contributions.length === 0)
    throw new BadUserInputError("contributions", "must name at least one ecosystem");
  if (contributions.length > MAX_SHAPLEY_PLAYERS)
    throw new BadUserInputError(
      "contributions",
      `names ${contributions.length} ecosystems; a disposal is shared among at most ${MAX_SHAPLEY_PLAYERS}`,
    );

  const normalized = contributions
    .map((c, i) => normalize(c, `contributions[${i}]`))
    .sort((a, b) => compareDecimal(a.ecosystemId, b.ecosystemId));
  for (let i = 1; i < normalized.length; i++)
    if (normalized[i]?.ecosystemId === normalized[i - 1]?.ecosystemId)
      throw new BadUserInputError("contributions", `names ecosystem ${normalized[i]?.ecosystemId} twice`);

  const effect = normalized.map((c) => effectiveness(c));
  const located = normalized.map((c) => c.locatedSource);
  const lossRational = rational(loss);
  const value = (coalition: number): Rational => {
    let warned = ZERO;
    let stopped = ZERO;
    for (let i = 0; i < normalized.length; i++) {
      if ((coalition & (1 << i)) === 0) continue;
      if (located[i]) stopped = max(stopped, effect[i] as Rational);
      else warned = add(warned, effect[i] as Rational);
    }
    const w = min(ONE, warned);
    return mul(lossRational, add(w, mul(sub(ONE, w), stopped)));
  };

  const result = shapleyShares({ players: normalized.map((c) => c.ecosystemId), value });
  const inputs = {
    caseId: caseIdText,
    lossAmount: loss.toString(),
    contributions: normalized,
    characteristicFunction: CHARACTERISTIC_FUNCTION,
  };
  const document: AssessmentDocument = {
    ...inputs,
    shares: result.shares.map((share) => ({
      ecosystemId: share.player,
      shareBps: share.shareBps,
      shapleyValue: formatRational(share.shapleyValue),
    })),
  };
  const paid = result.shares.filter((share) => share.shareBps > 0);
  return {
    document,
    inputsHash: assessmentInputsHash(inputs),
    avoidedLoss: formatRational(result.grandValue),
    ecosystemIds: paid.map((share) => Number(share.player)),
    sharesBps: paid.map((share) => share.shareBps),
    assignedBps: result.assignedBps,
    dustBps: result.dustBps,
  };
}

/** e_i = r_i × τ(t_i), τ(t) = t / (t + H), exactly. */
function effectiveness(c: AssessmentContribution): Rational {
  const t = rationalFromNumber(c.leadTimeHours, "leadTimeHours");
  const timeliness =
    compare(t, ZERO) === 0 ? ZERO : div(t, add(t, rational(BigInt(LEAD_TIME_HALF_WEIGHT_HOURS))));
  return mul(rational(BigInt(c.lossReductionBps), 10_000n), timeliness);
}

function normalize(c: ContributionInput, at: string): AssessmentContribution {
  if (typeof c !== "object" || c === null) throw new BadUserInputError(at, "must be an object");
  const ecosystemId = decimal(c.ecosystemId, `${at}.ecosystemId`, 1n, 2n ** 32n - 1n);
  if (typeof c.leadTimeHours !== "number" || !Number.isFinite(c.leadTimeHours) || c.leadTimeHours < 0)
    throw new BadUserInputError(
      `${at}.leadTimeHours`,
      `must be a number of hours ≥ 0, got ${String(c.leadTimeHours)}`,
    );
  if (!Number.isInteger(c.lossReductionBps) || c.lossReductionBps < 0 || c.lossReductionBps > 10_000)
    throw new BadUserInputError(
      `${at}.lossReductionBps`,
      `must be an integer in [0, 10000], got ${String(c.lossReductionBps)}`,
    );
  if (typeof c.locatedSource !== "boolean")
    throw new BadUserInputError(`${at}.locatedSource`, "must be a boolean");
  if (c.role !== undefined && c.role !== "AFFECTED" && c.role !== "ASSISTING")
    throw new BadUserInputError(`${at}.role`, "must be AFFECTED or ASSISTING");
  return {
    ecosystemId,
    // -0 and 0 are one input.
    leadTimeHours: c.leadTimeHours === 0 ? 0 : c.leadTimeHours,
    lossReductionBps: c.lossReductionBps,
    locatedSource: c.locatedSource,
    ...(c.role === undefined ? {} : { role: c.role }),
  };
}

function decimal(
  value: string | number | bigint,
  field: string,
  least: bigint,
  most = 2n ** 256n - 1n,
): string {
  let parsed: bigint;
  try {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new Error();
    if (typeof value === "string" && !/^(0|[1-9][0-9]*)$/.test(value)) throw new Error();
    parsed = BigInt(value);
  } catch {
    throw new BadUserInputError(field, `must be a decimal integer, got ${String(value)}`);
  }
  if (parsed < least || parsed > most)
    throw new BadUserInputError(field, `must be in [${least}, ${most}], got ${parsed}`);
  return parsed.toString();
}

function compareDecimal(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

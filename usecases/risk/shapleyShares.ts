import { BadUserInputError } from "../errors.js";
import { add, compare, div, floor, mul, type Rational, rational, sub, ZERO } from "./rational.js";

/** The most players an exact Shapley computation takes: 2^10 coalitions, and `MarginVault`'s limit of shares. */
export const MAX_SHAPLEY_PLAYERS = 10;
/** A disposal's whole: shares are basis points of the seized margin. */
export const TOTAL_BPS = 10_000;

export type ShapleySharesParameters = {
  /** Player ids, distinct; the position of a player is its bit in a coalition mask. */
  players: readonly string[];
  /**
   * The characteristic function v: the value of the coalition whose members are the set bits of `coalition`
   * (bit i = players[i]); v(∅) must be 0. Called once per coalition.
   */
  value: (coalition: number) => Rational;
};

export type ShapleyShare = {
  player: string;
  /** φ_i, exact. */
  shapleyValue: Rational;
  /** ⌊φ_i / v(N) × 10,000⌋; 0 for every player when v(N) = 0. */
  shareBps: number;
};

export type ShapleySharesReturnType = {
  /** v(N), the grand coalition's value; Σ φ_i = v(N) (efficiency). */
  grandValue: Rational;
  shares: ShapleyShare[];
  /** Σ shareBps. */
  assignedBps: number;
  /** 10,000 − assignedBps: what flooring (or v(N) = 0) leaves unassigned, sent to the reserve on-chain. */
  dustBps: number;
};

/**
 * Exact Shapley values of a cooperative game over at most ten players, and their shares of a disposal in bps.
 *
 * φ_i = Σ_{S ⊆ N∖{i}} |S|!·(n−|S|−1)!/n! · (v(S ∪ {i}) − v(S)), in exact rationals (bigint fractions), so the
 * result depends on nothing but v: no float rounding, no order of summation. Each share is floored to whole bps
 * and the remainder is returned as `dustBps` rather than handed to anyone, which is what `MarginVault.settleDisposal`
 * expects (Σ ≤ 10,000; unassigned bps and wei dust go to the reserve).
 */
export function shapleyShares({ players, value }: ShapleySharesParameters): ShapleySharesReturnType {
  const n = players.length;
  if (n < 1) throw new BadUserInputError("contributions", "must name at least one ecosystem");
  if (n > MAX_SHAPLEY_PLAYERS)
    throw new BadUserInputError(
      "contributions",
      `names ${n} ecosystems; exact Shapley shares are computed for at most ${MAX_SHAPLEY_PLAYERS}`,
    );
  const seen = new Set<string>();
  for (const [index, player] of players.entries()) {
    if (seen.has(player)) throw new BadUserInputError(`contributions[${index}]`, `repeats ${player}`);
    seen.add(player);
  }

  const coalitions = 1 << n;
  const values: Rational[] = new Array(coalitions);
  for (let mask = 0; mask < coalitions; mask++) values[mask] = value(mask);
  if (compare(values[0] as Rational, ZERO) !== 0)
    throw new BadUserInputError("value", "v(∅) must be 0 for the Shapley value to be efficient");

  // weight[s] = s!·(n−s−1)!/n!, the probability that exactly the s players of a given S precede i.
  const factorial = [1n];
  for (let k = 1; k <= n; k++) factorial.push((factorial[k - 1] as bigint) * BigInt(k));
  const weight = Array.from({ length: n }, (_, s) =>
    rational((factorial[s] as bigint) * (factorial[n - s - 1] as bigint), factorial[n] as bigint),
  );

  const phi: Rational[] = players.map(() => ZERO);
  for (let mask = 0; mask < coalitions; mask++) {
    const size = popCount(mask);
    for (let i = 0; i < n; i++) {
      const bit = 1 << i;
      if ((mask & bit) !== 0) continue;
      const marginal = sub(values[mask | bit] as Rational, values[mask] as Rational);
      phi[i] = add(phi[i] as Rational, mul(weight[size] as Rational, marginal));
    }
  }

  const grandValue = values[coalitions - 1] as Rational;
  const positive = compare(grandValue, ZERO) > 0;
  const shares = players.map((player, i): ShapleyShare => {
    const shapleyValue = phi[i] as Rational;
    // A player with a negative Shapley value (possible only for non-monotone v) gets no bps, never a negative share.
    const bps = positive ? floor(mul(div(shapleyValue, grandValue), rational(BigInt(TOTAL_BPS)))) : 0n;
    return { player, shapleyValue, shareBps: Number(bps < 0n ? 0n : bps) };
  });
  const assignedBps = shares.reduce((sum, share) => sum + share.shareBps, 0);
  return { grandValue, shares, assignedBps, dustBps: TOTAL_BPS - assignedBps };
}

function popCount(mask: number): number {
  let count = 0;
  for (let m = mask; m !== 0; m &= m - 1) count++;
  return count;
}

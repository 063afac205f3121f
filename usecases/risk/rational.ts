import { BadUserInputError } from "../errors.js";

/**
 * Exact rational numbers over bigint, always reduced with a positive denominator, so two equal values have one
 * representation (and one printed form). The disposal assessment uses them so that Shapley values are exact: no
 * float rounding can move a basis point between ecosystems, and the same inputs always give the same shares.
 */
export type Rational = { readonly n: bigint; readonly d: bigint };

const abs = (x: bigint) => (x < 0n ? -x : x);
function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [abs(a), abs(b)];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function rational(n: bigint, d = 1n): Rational {
  if (d === 0n) throw new RangeError("rational: zero denominator");
  const sign = d < 0n ? -1n : 1n;
  const g = gcd(n, d) || 1n;
  return { n: (sign * n) / g, d: abs(d) / g };
}

export const ZERO = rational(0n);
export const ONE = rational(1n);
export const add = (a: Rational, b: Rational) => rational(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational) => rational(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational) => rational(a.n * b.n, a.d * b.d);
export const div = (a: Rational, b: Rational) => rational(a.n * b.d, a.d * b.n);
export const compare = (a: Rational, b: Rational) => {
  const x = a.n * b.d - b.n * a.d;
  return x < 0n ? -1 : x > 0n ? 1 : 0;
};
export const min = (a: Rational, b: Rational) => (compare(a, b) <= 0 ? a : b);
export const max = (a: Rational, b: Rational) => (compare(a, b) >= 0 ? a : b);
export const equals = (a: Rational, b: Rational) => a.n === b.n && a.d === b.d;
/** Rounds towards −∞. */
export const floor = (a: Rational) => (a.n >= 0n ? a.n / a.d : -((-a.n + a.d - 1n) / a.d));
/** `n` when the value is an integer, else `n/d` (reduced): the form stored as `shapleyValue`. */
export const formatRational = (a: Rational) => (a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`);

/**
 * The exact value of a JavaScript number, read from its shortest round-trip decimal form (6.5 → 13/2, 0.1 → 1/10),
 * which is what a user who typed it meant. `field` names it in the BAD_USER_INPUT error for non-finite numbers.
 */
export function rationalFromNumber(value: number, field: string): Rational {
  if (!Number.isFinite(value)) throw new BadUserInputError(field, `must be a finite number, got ${value}`);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(value));
  if (match === null) throw new BadUserInputError(field, `cannot be read as a decimal: ${value}`);
  const [, sign = "", whole = "0", fraction = "", exponent = "0"] = match;
  const digits = BigInt(`${sign}${whole}${fraction}`);
  const scale = Number(exponent) - fraction.length;
  return scale >= 0 ? rational(digits * 10n ** BigInt(scale)) : rational(digits, 10n ** BigInt(-scale));
}

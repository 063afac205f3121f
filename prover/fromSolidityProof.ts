import type { Groth16Proof } from "snarkjs";

type Coordinate = bigint | string;

/** A proof as the chain takes it: `toSolidityProof`'s output, or the same numbers read back as decimal strings. */
export type FromSolidityProofParameters = {
  a: readonly Coordinate[];
  b: readonly (readonly Coordinate[])[];
  c: readonly Coordinate[];
};

/**
 * The inverse of `toSolidityProof`, for `groth16.verify` off-chain: swaps each G2 pair back to snarkjs's (real,
 * imaginary) order and restores the projective coordinates the Solidity form drops.
 */
export function fromSolidityProof({ a, b, c }: FromSolidityProofParameters): Groth16Proof {
  const s = (value: Coordinate | undefined) => String(value ?? "");
  return {
    pi_a: [s(a[0]), s(a[1]), "1"],
    pi_b: [
      [s(b[0]?.[1]), s(b[0]?.[0])],
      [s(b[1]?.[1]), s(b[1]?.[0])],
      ["1", "0"],
    ],
    pi_c: [s(c[0]), s(c[1]), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

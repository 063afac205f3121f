import type { Groth16Proof } from "snarkjs";

/** A Groth16 proof in the argument order of snarkjs's Solidity verifiers (`verifyProof(a, b, c, signals)`). */
export type SolidityGroth16Proof = {
  a: readonly [bigint, bigint];
  b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  c: readonly [bigint, bigint];
};

/** Converts snarkjs's proof object: the EVM pairing precompile takes G2 coordinates as (imaginary, real). */
export function toSolidityProof({ pi_a: pa, pi_b: pb, pi_c: pc }: Groth16Proof): SolidityGroth16Proof {
  return {
    a: [BigInt(pa[0]), BigInt(pa[1])],
    b: [
      [BigInt(pb[0][1]), BigInt(pb[0][0])],
      [BigInt(pb[1][1]), BigInt(pb[1][0])],
    ],
    c: [BigInt(pc[0]), BigInt(pc[1])],
  };
}

// snarkjs ships no types; this declares the slice of its API the prover and build scripts use.
declare module "snarkjs" {
  type MemFile = { type: "mem"; data: Uint8Array };
  export type Groth16Proof = {
    pi_a: [string, string, string];
    pi_b: [[string, string], [string, string], [string, string]];
    pi_c: [string, string, string];
    protocol: "groth16";
    curve: "bn128";
  };
  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: string | MemFile,
      zkey: string | MemFile,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    /** Proves from a witness already calculated (a `.wtns` file's bytes). */
    prove(
      zkey: string | MemFile,
      wtns: string | MemFile,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vkey: unknown, publicSignals: string[], proof: Groth16Proof): Promise<boolean>;
  };
  /** ffjavascript's bn128, built once and kept on globalThis (see proverWorker and releaseProver). */
  export const curves: {
    getCurveFromName(name: "bn128", options: { singleThread: boolean }): Promise<unknown>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: string | MemFile, wtns: MemFile | string): Promise<void>;
    /** The witness as field elements: index 0 is the constant 1, then the outputs, then the public inputs. */
    exportJson(wtns: MemFile | string): Promise<bigint[]>;
  };
}

// circom_runtime (snarkjs's dependency): the witness calculator snarkjs compiles for every proof, built once instead.
declare module "circom_runtime" {
  export function WitnessCalculatorBuilder(
    wasm: Uint8Array,
    options: Record<string, unknown>,
  ): Promise<{
    /** The witness in `.wtns` layout, for groth16.prove. */
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck: 0 | 1): Promise<Uint8Array>;
  }>;
}

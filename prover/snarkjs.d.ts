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
    verify(vkey: unknown, publicSignals: string[], proof: Groth16Proof): Promise<boolean>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: string | MemFile, wtns: MemFile | string): Promise<void>;
    /** The witness as field elements: index 0 is the constant 1, then the outputs, then the public inputs. */
    exportJson(wtns: MemFile | string): Promise<bigint[]>;
  };
}

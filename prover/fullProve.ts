import { WitnessCalculatorBuilder } from "circom_runtime";
import { type Groth16Proof, groth16 } from "snarkjs";
import { proveGroth16 } from "./proveGroth16.js";
import type { ProvingSchedule, WitnessMode } from "./proverConfiguration.js";

export type FullProveParameters = {
  /** The circuit's inputs as snarkjs takes them (decimal strings, arrays of them). */
  input: Record<string, unknown>;
  wasm: Uint8Array;
  zkey: Uint8Array;
  /** `"perProof"` (default): snarkjs's fullProve; `"reused"`: this thread's compiled witness calculator. */
  witness?: WitnessMode | undefined;
  /** `"sequential"` (default): snarkjs's groth16.prove; `"overlapped"`: proveGroth16, the zkey kept. */
  schedule?: ProvingSchedule | undefined;
};

export type FullProveReturnType = { proof: Groth16Proof; publicSignals: string[] };

type WitnessCalculator = Awaited<ReturnType<typeof WitnessCalculatorBuilder>>;

/** One compiled witness calculator per circuit wasm (loadCircuitArtifacts keeps the bytes, so the key is stable). */
const calculators = new WeakMap<Uint8Array, Promise<WitnessCalculator>>();

/**
 * A Groth16 proof from a circuit's wasm and zkey. snarkjs's fullProve compiles the witness calculator's wasm for
 * every proof; with `witness: "reused"` it is compiled once per thread and the instance kept. That is safe with
 * proofs in flight together: the calculator writes the inputs and reads the witness without awaiting anything in
 * between, so two calculations never interleave on one instance.
 */
export async function fullProve({
  input,
  wasm,
  zkey,
  witness = "perProof",
  schedule = "sequential",
}: FullProveParameters): Promise<FullProveReturnType> {
  if (witness === "perProof" && schedule === "sequential")
    return groth16.fullProve(input, { type: "mem", data: wasm }, { type: "mem", data: zkey });
  let calculator = witness === "reused" ? calculators.get(wasm) : undefined;
  if (calculator === undefined) {
    // Per proof, as snarkjs's fullProve compiles it; reused, once per thread.
    calculator = WitnessCalculatorBuilder(wasm, {});
    if (witness === "reused") {
      calculator.catch(() => calculators.delete(wasm));
      calculators.set(wasm, calculator);
    }
  }
  // As snarkjs's own witness step does (unstringifyBigInts): decimal strings become field elements.
  const wtns = await (await calculator).calculateWTNSBin(toBigInts(input) as Record<string, unknown>, 0);
  if (schedule === "overlapped") return proveGroth16({ zkey, wtns });
  return groth16.prove({ type: "mem", data: zkey }, { type: "mem", data: wtns });
}

function toBigInts(value: unknown): unknown {
  if (typeof value === "string") return BigInt(value);
  if (typeof value === "number") return BigInt(value);
  if (Array.isArray(value)) return value.map(toBigInts);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toBigInts(v)]));
  return value;
}

/** The proving functions' second parameter: the witness and schedule knobs (default: snarkjs's, as landed). */
export type ProvingOptions = {
  witness?: WitnessMode | undefined;
  schedule?: ProvingSchedule | undefined;
};

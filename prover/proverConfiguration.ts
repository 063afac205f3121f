/**
 * The knobs of the snarkjs/ffjavascript proving path the self-learning kernel tunes (README, "The kernel tunes the
 * prover"). Every combination is one configuration; the default is what the prover did before it was tunable.
 *
 * - `host`: where a proof runs. `"thread"`: a pool worker thread with ffjavascript's single-threaded curve (web-worker
 *   cannot start ffjavascript's own threads inside a worker thread). `"process"`: a child process whose main thread
 *   holds ffjavascript's multi-threaded curve, so the multi-exponentiations and FFTs use every CPU.
 * - `witness`: `"perProof"` compiles the circuit's witness-calculator wasm for every proof (snarkjs's fullProve);
 *   `"reused"` compiles it once per host and reuses the instance.
 */
export const PROVER_TUNABLES = {
  host: ["thread", "process"],
  witness: ["perProof", "reused"],
} as const;

export type ProverHost = (typeof PROVER_TUNABLES.host)[number];
export type WitnessMode = (typeof PROVER_TUNABLES.witness)[number];

export type ProverConfiguration = { host: ProverHost; witness: WitnessMode };

/** What landed before the kernel: pool worker threads, snarkjs's fullProve. */
export const DEFAULT_PROVER_CONFIGURATION: ProverConfiguration = { host: "thread", witness: "perProof" };

/** Options of one proof in the prover pool; absent, the default configuration and no verification. */
export type ProveOptions = {
  configuration?: ProverConfiguration | undefined;
  /** Verify the proof with the circuit's verification key in the host that made it (off the request loop). */
  verify?: boolean | undefined;
};

/** The configuration a kernel's arm names, checked: anything else is not a prover configuration. */
export function toProverConfiguration(config: Record<string, unknown>): ProverConfiguration {
  const { host, witness } = config;
  if (
    !PROVER_TUNABLES.host.includes(host as ProverHost) ||
    !PROVER_TUNABLES.witness.includes(witness as WitnessMode)
  )
    throw new RangeError(`not a prover configuration: ${JSON.stringify(config)}`);
  return { host: host as ProverHost, witness: witness as WitnessMode };
}

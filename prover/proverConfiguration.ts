/**
 * The knobs of the snarkjs/ffjavascript proving path the self-learning kernel tunes (README, "The kernel tunes the
 * prover"). Every combination is one configuration; the default is what the prover did before it was tunable.
 *
 * - `host`: where a proof runs. `"thread"`: a pool worker thread with ffjavascript's single-threaded curve (web-worker
 *   cannot start ffjavascript's own threads inside a worker thread). `"process"`: a child process whose main thread
 *   holds ffjavascript's multi-threaded curve, so the multi-exponentiations and FFTs use every CPU.
 * - `witness`: `"perProof"` compiles the circuit's witness-calculator wasm for every proof (snarkjs's fullProve);
 *   `"reused"` compiles it once per host and reuses the instance.
 * - `schedule`: `"sequential"` is snarkjs's `groth16.prove`: the zkey parsed and copied for every proof, each step
 *   after the previous. `"overlapped"` (proveGroth16.ts) keeps the parsed zkey in the host and queues the four
 *   multi-exponentiations over the witness on the curve's threads before the QAP is evaluated on the host's own
 *   thread, so that serial JavaScript runs while the threads work — a gain only where the curve has threads.
 */
export const PROVER_TUNABLES = {
  host: ["thread", "process"],
  witness: ["perProof", "reused"],
  schedule: ["sequential", "overlapped"],
} as const;

export type ProverHost = (typeof PROVER_TUNABLES.host)[number];
export type WitnessMode = (typeof PROVER_TUNABLES.witness)[number];
export type ProvingSchedule = (typeof PROVER_TUNABLES.schedule)[number];

export type ProverConfiguration = { host: ProverHost; witness: WitnessMode; schedule: ProvingSchedule };

/** What landed before the kernel: pool worker threads, snarkjs's fullProve. */
export const DEFAULT_PROVER_CONFIGURATION: ProverConfiguration = {
  host: "thread",
  witness: "perProof",
  schedule: "sequential",
};

/** Options of one proof in the prover pool; absent, the default configuration and no verification. */
export type ProveOptions = {
  configuration?: ProverConfiguration | undefined;
  /** Verify the proof with the circuit's verification key in the host that made it (off the request loop). */
  verify?: boolean | undefined;
};

/** The configuration a kernel's arm names, checked: anything else is not a prover configuration. */
export function toProverConfiguration(config: Record<string, unknown>): ProverConfiguration {
  const { host, witness, schedule } = config;
  if (
    !PROVER_TUNABLES.host.includes(host as ProverHost) ||
    !PROVER_TUNABLES.witness.includes(witness as WitnessMode) ||
    !PROVER_TUNABLES.schedule.includes(schedule as ProvingSchedule)
  )
    throw new RangeError(`not a prover configuration: ${JSON.stringify(config)}`);
  return { host: host as ProverHost, witness: witness as WitnessMode, schedule: schedule as ProvingSchedule };
}

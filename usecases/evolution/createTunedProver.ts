import type { Hex } from "viem";
import { BaseError } from "../../errors/BaseError.js";
import { canonicalHash } from "../../models/canonicalJson.js";
import {
  type Configuration,
  configKey,
  createKernel,
  type Kernel,
  type KernelOptions,
  type TelemetryRecord,
} from "../../models/kernel/createKernel.js";
import { type EvolutionReport, evolutionReport } from "../../models/kernel/evolutionReport.js";
import { type ReplayRecord, replayKernel } from "../../models/kernel/replayKernel.js";
import type { PooledProof, ProverPool } from "../../prover/createProverPool.js";
import {
  DEFAULT_PROVER_CONFIGURATION,
  PROVER_TUNABLES,
  type ProveOptions,
  type ProverConfiguration,
  toProverConfiguration,
} from "../../prover/proverConfiguration.js";
import type { TelemetryRecorder } from "../../services/createTelemetryRecorder.js";

/** A compute component the kernel tunes: its on-chain id and hub name (`services/hubComponents.ts`). */
export type TunedProverComponent = { componentId: bigint; name: string };

/** The circuits whose proofs are the hub's compute components. */
export type TunedCircuit = "coreQuality" | "derivationBinding";

/** One row of a kernel run's telemetry log, in observation order (what `loadLog` returns). */
export type KernelLogRecord = {
  configKey: string;
  latencyMs: number;
  compliant: boolean;
  decisionStep: number;
  observedAfter: number;
  /** Unix seconds. */
  at: number;
};

export type ProverImprovement = {
  component: string;
  componentId: bigint;
  /** The new incumbent, and the configuration last reported (the default at first). */
  configuration: ProverConfiguration;
  previousConfiguration: ProverConfiguration;
  /** Before = the previous configuration's telemetry in this run, after = the incumbent's. */
  report: EvolutionReport;
  before: readonly TelemetryRecord[];
  after: readonly TelemetryRecord[];
  decisionLogHash: Hex;
};

export type CreateTunedProverParameters = {
  pool: ProverPool;
  /** Where each proof's telemetry goes; absent, the kernel still learns, nothing is stored. */
  telemetry?: TelemetryRecorder | undefined;
  /** The components to tune; a circuit left out is proven as the pool always did. */
  components: Partial<Record<TunedCircuit, TunedProverComponent>>;
  /** The kernels' seed (caldera.config.json `evolution.kernelSeed`). */
  seed: number;
  /** Called once each time exploration closes on an incumbent faster than the configuration last reported. */
  onImprovement?: ((improvement: ProverImprovement) => unknown) | undefined;
  log?: ((line: string) => void) | undefined;
  /** A kernel run's telemetry log so far (the hub reads `caldera_hub.component_invocation`); absent, a fresh run. */
  loadLog?:
    | ((component: TunedProverComponent, kernelRun: string) => Promise<readonly KernelLogRecord[]>)
    | undefined;
  /** Over the prover's kernel options (tests and the bench: a narrower choice, smaller evidence). */
  kernel?: Partial<Omit<KernelOptions, "seed">> | undefined;
  /**
   * Which of several processes serving the hub this is (`caldera subgraph`'s CALDERA_REPLICA_ID), stable across its
   * restarts: each replica's kernels keep a run and a log of their own, so each continues its own after a restart.
   * Two replicas' proofs logged under one run would interleave two kernels' decisions, which no kernel replays.
   * Absent (one process, `caldera up`): the run is the component's alone.
   */
  replica?: string | undefined;
};

/** The pool, tuned; plus each component's kernel and run id, for the bench, the demo and tests. */
export type TunedProverPool = ProverPool & {
  kernel(circuit: TunedCircuit): Kernel | undefined;
  kernelRun(circuit: TunedCircuit): string | undefined;
};

export type CreateTunedProverReturnType = TunedProverPool;

/**
 * The prover's kernel. No ground truth but the proof itself, so accuracy has no floor and compliance (the proof
 * verifies) carries correctness; a configuration that fails is also slow, since its latency includes the fallback
 * proof. Proofs take seconds, so the kernel re-checks every 2 proofs, needs 4 of an arm, closes at 90 % and treats
 * configurations within 10 % of the best as equally good: it settles in tens of proofs, not hundreds. A run starts
 * with 4 proofs on the default configuration, its measured baseline.
 */
export const PROVER_KERNEL_OPTIONS: Omit<KernelOptions, "seed" | "tunables"> = {
  accuracyFloor: 0,
  complianceFloor: 0.5,
  minEvidence: 4,
  refreshEvery: 2,
  confidenceToClose: 0.9,
  indifference: 0.1,
  // The landed configuration first: the first report's "before" (and the epoch before tuning) is what it replaced.
  baseline: { configuration: DEFAULT_PROVER_CONFIGURATION, steps: 4 },
  // A proof's latency varies by a few per cent on a quiet machine, tens under load: 0.05 lets ~20 proofs separate
  // the hosts (simulated over host × witness: median 22, p90 28 proofs to settle, with 2–15 % noise) where 0.5 took
  // ~45. With the schedule knob (8 configurations) the real prover settled in 38 proofs (bench evolution/prover).
  priorLatencySpread: 0.05,
};

/** Telemetry windows of an evolution report: the most recent invocations of each configuration. */
const REPORT_WINDOW = 50;

type ComponentState = {
  component: TunedProverComponent;
  circuit: TunedCircuit;
  kernel: Kernel;
  run: string;
  configs: Map<string, Configuration>;
  /** Observed records per configuration, with the decision step each answered. */
  observed: Map<string, (TelemetryRecord & { step: number })[]>;
  exploring: boolean;
  reportedKey: string;
};

/**
 * Wraps the prover pool so the self-learning kernel chooses each proof's configuration (prover/proverConfiguration:
 * host, witness) from telemetry alone — one kernel per compute component. Each proof: decide → prove with that
 * configuration, verified in its host → record telemetry (latency, success, compliance, configuration, decision
 * step/mode, observedAfter, kernel run) → observe. A configuration that fails a proof is recorded non-compliant and
 * the proof is made again with the incumbent (or the default), so the caller still gets one; the floors keep such a
 * configuration from becoming the incumbent. Bad input, BUSY and shutdown are not the configuration's fault: recorded,
 * not learnt from, passed on. On start each kernel is rebuilt from the seed and its run's log (`replayKernel`), so
 * its decisions continue where they were; drift reopens exploration (the kernel's Page–Hinkley test).
 */
export async function createTunedProver({
  pool,
  telemetry,
  components,
  seed,
  onImprovement,
  log = () => {},
  loadLog,
  kernel: overrides = {},
  replica,
}: CreateTunedProverParameters): Promise<CreateTunedProverReturnType> {
  const options: KernelOptions = { seed, tunables: PROVER_TUNABLES, ...PROVER_KERNEL_OPTIONS, ...overrides };
  const defaultKey = configKey(DEFAULT_PROVER_CONFIGURATION);
  const states = new Map<TunedCircuit, ComponentState>();
  for (const [circuit, component] of Object.entries(components) as [TunedCircuit, TunedProverComponent][]) {
    if (component === undefined) continue;
    // Same component, replica, seed and kernel options: the same run, continued across restarts.
    const owner = replica === undefined ? component.name : `${component.name}@${replica}`;
    const run = `${owner}:${canonicalHash({ options, circuit }).slice(2, 14)}`;
    const records = (await loadLog?.(component, run)) ?? [];
    let kernel: Kernel;
    let runId = run;
    const replay: ReplayRecord[] = records.map((r) => toKernelRecord(run, r));
    try {
      kernel = replayKernel(options, replay);
    } catch (error) {
      // A log this kernel did not write (replicas that share a CALDERA_REPLICA_ID): start a run of our own.
      runId = `${run}:${Date.now().toString(36)}`;
      log(
        `${component.name}: its kernel log does not replay (${(error as Error).message}); new run ${runId}`,
      );
      kernel = createKernel(options);
    }
    const observed = new Map<string, (TelemetryRecord & { step: number })[]>();
    if (runId === run)
      for (const [i, r] of records.entries())
        push(observed, r.configKey, { ...(replay[i] as TelemetryRecord), step: r.decisionStep });
    const closed = !kernel.exploring();
    states.set(circuit, {
      component,
      circuit,
      kernel,
      run: runId,
      configs: new Map(kernel.arms.map((arm) => [arm.key, arm.config])),
      observed,
      exploring: !closed,
      // A run that had settled before this start reported its incumbent then.
      reportedKey: closed
        ? configKey(kernel.currentConfig())
        : kernel.arms.some((arm) => arm.key === defaultKey)
          ? defaultKey
          : (kernel.arms[0]?.key as string),
    });
    if (records.length > 0)
      log(
        `${component.name}: kernel run ${runId} replayed ${records.length} proofs (${closed ? `settled on ${configKey(kernel.currentConfig())}` : "exploring"})`,
      );
  }

  const report = (state: ComponentState) => {
    const { kernel } = state;
    const incumbentKey = configKey(kernel.currentConfig());
    if (incumbentKey === state.reportedKey) return;
    // Since the last drift alarm, when there is evidence from then on: the regime the decision was taken in.
    const since = kernel.driftAlarms().at(-1) ?? 0;
    const windowOf = (key: string) => {
      const all = state.observed.get(key) ?? [];
      const recent = all.filter((r) => r.step >= since);
      return (recent.length > 0 ? recent : all).slice(-REPORT_WINDOW).map(({ step, ...record }) => record);
    };
    const before = windowOf(state.reportedKey);
    const after = windowOf(incumbentKey);
    if (before.length === 0 || after.length === 0) return;
    const evolution = evolutionReport(before, after);
    if (evolution.efficiencyImprovementBps <= 0) return;
    const improvement: ProverImprovement = {
      component: state.component.name,
      componentId: state.component.componentId,
      configuration: toProverConfiguration(kernel.currentConfig()),
      previousConfiguration: toProverConfiguration(JSON.parse(state.reportedKey) as Configuration),
      report: evolution,
      before,
      after,
      decisionLogHash: kernel.decisionTraceHash(),
    };
    state.reportedKey = incumbentKey;
    log(
      `${state.component.name}: settled on ${incumbentKey}, p50 ${evolution.before.p50LatencyMs.toFixed(0)} → ${evolution.after.p50LatencyMs.toFixed(0)} ms (${evolution.efficiencyImprovementBps} bps)`,
    );
    // Publishing (on-chain) must not hold up the proof that closed exploration.
    Promise.resolve()
      .then(() => onImprovement?.(improvement))
      .catch((error: unknown) =>
        log(`${state.component.name}: publishing the improvement failed: ${(error as Error).message}`),
      );
  };

  const tuned = async <P, R extends { proveMs: number; publicSignals: string[] }>(
    circuit: TunedCircuit,
    prove: (parameters: P, options?: ProveOptions) => Promise<PooledProof<R>>,
    parameters: P,
    callerOptions: ProveOptions | undefined,
  ): Promise<PooledProof<R>> => {
    const state = states.get(circuit);
    // Untuned, or the caller chose the configuration itself (the bench's default rounds).
    if (state === undefined || callerOptions?.configuration !== undefined)
      return prove(parameters, callerOptions);
    const { kernel, component } = state;
    const decision = kernel.decide();
    const configuration = toProverConfiguration(state.configs.get(decision.configKey) as Configuration);
    const at = new Date();
    const started = performance.now();
    const entry = {
      componentId: component.componentId,
      component: component.name,
      at,
      accuracy: null,
      configuration,
      configKey: decision.configKey,
      scenario: `circuit:${circuit}`,
      decisionStep: decision.step,
      decisionMode: decision.mode,
    } as const;
    const observe = (latencyMs: number, compliant: boolean) => {
      const observedAfter = kernel.trace().length;
      const record = toKernelRecord(state.run, {
        configKey: decision.configKey,
        latencyMs,
        compliant,
        decisionStep: decision.step,
        observedAfter,
        at: Math.floor(at.getTime() / 1000),
      });
      kernel.observe(record);
      push(state.observed, decision.configKey, { ...record, step: decision.step });
      const exploring = kernel.exploring();
      if (state.exploring && !exploring) report(state);
      state.exploring = exploring;
      return { observedAfter, kernel: state.run };
    };

    let failure: unknown;
    try {
      const result = await prove(parameters, { configuration, verify: true });
      if (result.verified === true) {
        // Learnt from whether or not there is a recorder (`telemetry?.record(…)` would skip its arguments).
        const observed = observe(result.proveMs, true);
        telemetry?.record({
          ...entry,
          latencyMs: result.proveMs,
          success: true,
          compliant: true,
          ...observed,
        });
        return result;
      }
      failure = new Error(`the ${decision.configKey} proof did not verify`);
    } catch (error) {
      if (!configurationFailed(error)) {
        // Not the configuration's doing: recorded (outside the kernel's log), not learnt from.
        telemetry?.record({
          ...entry,
          latencyMs: performance.now() - started,
          success: false,
          compliant: true,
          errorCode: error instanceof BaseError ? error.code : undefined,
        });
        throw error;
      }
      failure = error;
    }
    const attemptMs = performance.now() - started;
    const errorCode = failure instanceof BaseError ? failure.code : "INTERNAL_SERVER_ERROR";
    const incumbent = configKey(kernel.currentConfig());
    const fallbackKey = incumbent !== decision.configKey ? incumbent : defaultKey;
    if (fallbackKey === decision.configKey) {
      const latencyMs = performance.now() - started;
      const observed = observe(latencyMs, false);
      telemetry?.record({
        ...entry,
        latencyMs,
        success: false,
        compliant: false,
        errorCode,
        ...observed,
      });
      throw failure;
    }
    const fallback = toProverConfiguration(state.configs.get(fallbackKey) ?? DEFAULT_PROVER_CONFIGURATION);
    try {
      const result = await prove(parameters, { configuration: fallback, verify: true });
      if (result.verified !== true) throw new Error(`the ${fallbackKey} proof did not verify either`);
      // One invocation, one row: the configuration the kernel chose, which failed; the caller still got a proof,
      // and the time it waited for it is what the choice cost.
      const latencyMs = attemptMs + result.proveMs;
      const observed = observe(latencyMs, false);
      telemetry?.record({
        ...entry,
        latencyMs,
        success: true,
        compliant: false,
        errorCode,
        details: { fallback, attemptMs, error: (failure as Error).message },
        ...observed,
      });
      log(
        `${component.name}: ${decision.configKey} failed (${(failure as Error).message}); proved with ${fallbackKey}`,
      );
      return result;
    } catch (error) {
      const latencyMs = performance.now() - started;
      const observed = observe(latencyMs, false);
      telemetry?.record({
        ...entry,
        latencyMs,
        success: false,
        compliant: false,
        errorCode,
        details: { fallback, attemptMs, error: (failure as Error).message },
        ...observed,
      });
      throw error;
    }
  };

  return {
    proveCoreQuality: (parameters, options) =>
      tuned("coreQuality", pool.proveCoreQuality, parameters, options),
    proveDerivationBinding: (parameters, options) =>
      tuned("derivationBinding", pool.proveDerivationBinding, parameters, options),
    proveRiskFeature: (parameters, options) => pool.proveRiskFeature(parameters, options),
    stats: () => pool.stats(),
    terminate: () => pool.terminate(),
    kernel: (circuit) => states.get(circuit)?.kernel,
    kernelRun: (circuit) => states.get(circuit)?.run,
  };
}

/**
 * What the kernel learns from one proof, the same live and on replay: the prover has no accuracy apart from the
 * proof being right, so accuracy follows compliance.
 */
function toKernelRecord(run: string, r: KernelLogRecord): ReplayRecord {
  return {
    invocationId: `${run}#${r.decisionStep}`,
    configKey: r.configKey,
    latencyMs: r.latencyMs,
    accuracy: r.compliant ? 1 : 0,
    compliant: r.compliant,
    at: r.at,
    decisionStep: r.decisionStep,
    observedAfter: r.observedAfter,
  };
}

/**
 * A failure the configuration is answerable for: its host crashed or could not start, or something untyped went
 * wrong. Bad input (typed, e.g. INVALID_DATASET), BUSY and a stopping pool are not.
 */
function configurationFailed(error: unknown): boolean {
  if (!(error instanceof BaseError)) return true;
  return error.code === "INTERNAL_SERVER_ERROR" && error.details.reason !== "prover stopped";
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

import { canonicalHash, canonicalJson } from "../canonicalJson.js";
import { createPrng } from "../createPrng.js";
import { ModelInputError } from "../ModelInputError.js";

/** One invocation's telemetry, the only thing the kernel learns from. */
export type TelemetryRecord = {
  invocationId: string;
  /** Key of the configuration that served the invocation (`configKey(config)`). */
  configKey: string;
  latencyMs: number;
  /** Share of correct results, 0..1. */
  accuracy: number;
  compliant: boolean;
  /** Unix seconds. */
  at: number;
};

/** Discrete tunables: every combination is one arm, e.g. { witnessThreads: [1, 2, 4], batchSize: [1, 4, 8] }. */
export type Tunables = Record<string, readonly (string | number | boolean)[]>;
export type Configuration = Record<string, string | number | boolean>;

export type KernelOptions = {
  seed: number;
  tunables: Tunables;
  /** Objective: minimise expected latency among configurations meeting both floors. */
  accuracyFloor?: number;
  complianceFloor?: number;
  /** Observations an arm needs before it can become the incumbent. */
  minEvidence?: number;
  /** Exploration closes once the incumbent is best with this posterior probability (default 0.99). */
  confidenceToClose?: number;
  /** Page–Hinkley drift detector on the incumbent's log-latency: tolerance δ and alarm threshold λ. */
  driftTolerance?: number;
  driftThreshold?: number;
  /**
   * While exploring, the incumbent and the closing test are re-evaluated every this many observations (default
   * 25). A component whose invocations take seconds (a prover) asks more often, so it can settle in tens of them.
   */
  refreshEvery?: number;
  /**
   * Relative latency within which the incumbent counts as best when deciding to close (default 0: strictly best).
   * Two configurations a few per cent apart would otherwise keep exploration open for hundreds of invocations,
   * which a component whose invocations take seconds cannot afford; 0.05 closes on one within 5 % of the best.
   */
  indifference?: number;
  /**
   * A measured baseline first: the first `steps` decisions of the run choose `configuration` (mode "explore"), so
   * the configuration a component ran before it learned is in the telemetry the first evolution report compares
   * against. Drawn from no randomness, so replay is unchanged. Default: none.
   */
  baseline?: { configuration: Configuration; steps: number } | undefined;
  /**
   * β of the Inverse-Gamma prior on each arm's log-latency variance (α = 1; default 0.5, i.e. latencies may vary by
   * tens of per cent). A component whose latencies vary by a few per cent (a prover) sets a smaller one, so a handful
   * of observations already separate configurations 30 % apart instead of dozens.
   */
  priorLatencySpread?: number | undefined;
};

export type Decision = {
  step: number;
  configKey: string;
  /** "explore": a Thompson draw chose it; "incumbent": exploration is closed. */
  mode: "explore" | "incumbent";
};

export type Kernel = {
  arms: readonly { key: string; config: Configuration }[];
  /** The configuration to run the next invocation with. */
  decide: () => Decision;
  /** Feeds one invocation's telemetry back. */
  observe: (record: TelemetryRecord) => void;
  /** The incumbent (best configuration with enough evidence), or the first arm before there is one. */
  currentConfig: () => Configuration;
  exploring: () => boolean;
  /** Steps at which drift reopened exploration. */
  driftAlarms: () => number[];
  trace: () => readonly Decision[];
  /** SHA-256 of canonical JSON of the decision trace: equal traces, equal hashes. */
  decisionTraceHash: () => `0x${string}`;
};

type ArmStats = {
  /** Normal–Inverse-Gamma posterior on log-latency: μ | σ² ~ N(m, σ²/κ), σ² ~ InvGamma(α, β). */
  m: number;
  kappa: number;
  alpha: number;
  beta: number;
  /** Beta posteriors: accuracy as fractional successes, compliance as Bernoulli. */
  accA: number;
  accB: number;
  compA: number;
  compB: number;
  n: number;
};

export function configKey(config: Configuration): string {
  return canonicalJson(config);
}

/**
 * The self-learning kernel: Thompson sampling over a component's discrete configurations with conjugate
 * posteriors (log-normal latency through a Normal–Inverse-Gamma posterior on log-latency; Beta posteriors on
 * accuracy and compliance). Each step draws one plausible world per arm and runs the configuration that is best in
 * it: expected latency exp(μ + σ²/2), with arms below the accuracy or compliance floor ranked after every feasible
 * one. Once one arm with enough evidence is best with high posterior probability, exploration closes and the
 * incumbent runs; a Page–Hinkley test on the incumbent's log-latency reopens it (resetting the posteriors) when the
 * latency regime shifts. Everything random comes from the seeded PRNG, so seed + telemetry log fix every decision.
 */
export function createKernel(options: KernelOptions): Kernel {
  const {
    seed,
    tunables,
    accuracyFloor = 0.9,
    complianceFloor = 0.95,
    minEvidence = 20,
    confidenceToClose = 0.99,
    driftTolerance = 0.05,
    driftThreshold = 3,
    refreshEvery = 25,
    indifference = 0,
    baseline,
    priorLatencySpread = 0.5,
  } = options;
  if (!(priorLatencySpread > 0 && Number.isFinite(priorLatencySpread)))
    throw new ModelInputError("$.priorLatencySpread", `must be a positive number, not ${priorLatencySpread}`);
  if (!(indifference >= 0 && indifference < 1))
    throw new ModelInputError("$.indifference", `must lie in [0, 1), not ${indifference}`);
  if (!Number.isSafeInteger(refreshEvery) || refreshEvery < 1)
    throw new ModelInputError("$.refreshEvery", `must be a whole number, 1 or more, not ${refreshEvery}`);
  const arms = enumerate(tunables);
  if (arms.length === 0) throw new ModelInputError("$.tunables", "must define at least one configuration");
  const prng = createPrng(seed);
  const index = new Map(arms.map((arm, i) => [arm.key, i]));
  const baselineKey = baseline === undefined ? undefined : configKey(baseline.configuration);
  if (baselineKey !== undefined && !index.has(baselineKey))
    throw new ModelInputError(
      "$.baseline.configuration",
      `is not one of this kernel's configurations: ${baselineKey}`,
    );
  if (baseline !== undefined && !(Number.isSafeInteger(baseline.steps) && baseline.steps >= 0))
    throw new ModelInputError("$.baseline.steps", `must be a whole number, 0 or more, not ${baseline.steps}`);
  const prior = (): ArmStats => ({
    m: Math.log(100),
    kappa: 0.01,
    alpha: 1,
    beta: priorLatencySpread,
    accA: 1,
    accB: 1,
    compA: 1,
    compB: 1,
    n: 0,
  });
  let stats = arms.map(prior);
  let closed = false;
  let incumbent: number | undefined;
  const decisions: Decision[] = [];
  const alarms: number[] = [];
  let ph = { mean: 0, count: 0, cumulative: 0, minimum: 0 };

  const draw = (s: ArmStats) => {
    const variance = s.beta / prng.gamma(s.alpha); // σ² ~ InvGamma(α, β)
    const mu = s.m + Math.sqrt(variance / s.kappa) * prng.normal();
    const accuracy = prng.beta(s.accA, s.accB);
    const compliance = prng.beta(s.compA, s.compB);
    const latency = Math.exp(mu + variance / 2);
    const feasible = accuracy >= accuracyFloor && compliance >= complianceFloor;
    // Infeasible arms sort after every feasible one, ordered among themselves by latency.
    return feasible ? latency : 1e12 + latency;
  };
  const posteriorMean = (s: ArmStats) => {
    const variance = s.alpha > 1 ? s.beta / (s.alpha - 1) : s.beta;
    const feasible =
      s.accA / (s.accA + s.accB) >= accuracyFloor && s.compA / (s.compA + s.compB) >= complianceFloor;
    return (feasible ? 0 : 1e12) + Math.exp(s.m + variance / 2);
  };
  const argmin = (values: number[]) =>
    values.reduce((best, v, i) => (v < (values[best] as number) ? i : best), 0);

  const refreshIncumbent = () => {
    const eligible = stats.map((s) => (s.n >= minEvidence ? posteriorMean(s) : Number.POSITIVE_INFINITY));
    const best = argmin(eligible);
    incumbent = Number.isFinite(eligible[best] as number) ? best : undefined;
    if (incumbent === undefined) return;
    // P(incumbent is best) by Monte Carlo over posterior draws.
    let wins = 0;
    const draws = 200;
    for (let d = 0; d < draws; d++) {
      const world = stats.map(draw);
      const best = world[argmin(world)] as number;
      const own = world[incumbent] as number;
      // Same side of the feasibility line as the best draw (infeasible values carry 1e12), and within the
      // indifference of its latency; with indifference 0 this is "the incumbent is the argmin".
      const near =
        indifference === 0
          ? argmin(world) === incumbent
          : own >= 1e12 === best >= 1e12 && own % 1e12 <= (best % 1e12) * (1 + indifference);
      if (near) wins += 1;
    }
    if (wins / draws >= confidenceToClose) {
      closed = true;
      ph = { mean: 0, count: 0, cumulative: 0, minimum: 0 };
    }
  };

  const decide = (): Decision => {
    const step = decisions.length;
    const decision: Decision =
      baselineKey !== undefined && step < (baseline?.steps ?? 0)
        ? { step, configKey: baselineKey, mode: "explore" }
        : closed && incumbent !== undefined
          ? { step, configKey: (arms[incumbent] as (typeof arms)[number]).key, mode: "incumbent" }
          : {
              step,
              configKey: (arms[argmin(stats.map(draw))] as (typeof arms)[number]).key,
              mode: "explore",
            };
    decisions.push(decision);
    return decision;
  };

  const observe = (record: TelemetryRecord) => {
    const i = index.get(record.configKey);
    if (i === undefined)
      throw new ModelInputError(
        "$.configKey",
        `is not one of this kernel's configurations: ${record.configKey}`,
      );
    if (!(record.latencyMs > 0) || !Number.isFinite(record.latencyMs))
      throw new ModelInputError("$.latencyMs", `must be a positive finite number, got ${record.latencyMs}`);
    if (!(record.accuracy >= 0 && record.accuracy <= 1))
      throw new ModelInputError("$.accuracy", `must lie in [0, 1], got ${record.accuracy}`);
    const s = stats[i] as ArmStats;
    const x = Math.log(record.latencyMs);
    // Conjugate Normal–Inverse-Gamma update for one observation.
    const kappa = s.kappa + 1;
    const m = (s.kappa * s.m + x) / kappa;
    stats[i] = {
      m,
      kappa,
      alpha: s.alpha + 0.5,
      beta: s.beta + (s.kappa * (x - s.m) ** 2) / (2 * kappa),
      accA: s.accA + record.accuracy,
      accB: s.accB + (1 - record.accuracy),
      compA: s.compA + (record.compliant ? 1 : 0),
      compB: s.compB + (record.compliant ? 0 : 1),
      n: s.n + 1,
    };
    if (closed && i === incumbent) {
      // Page–Hinkley: alarm when log-latency drifts upward by more than the tolerance for long enough.
      ph.count += 1;
      ph.mean += (x - ph.mean) / ph.count;
      ph.cumulative += x - ph.mean - driftTolerance;
      ph.minimum = Math.min(ph.minimum, ph.cumulative);
      if (ph.cumulative - ph.minimum > driftThreshold) {
        alarms.push(decisions.length);
        closed = false;
        stats = arms.map(prior);
      }
      return;
    }
    const total = stats.reduce((sum, a) => sum + a.n, 0);
    if (!closed && total % refreshEvery === 0) refreshIncumbent();
  };

  return {
    arms,
    decide,
    observe,
    currentConfig: () => (arms[incumbent ?? 0] as (typeof arms)[number]).config,
    exploring: () => !closed,
    driftAlarms: () => [...alarms],
    trace: () => decisions,
    decisionTraceHash: () => canonicalHash(decisions),
  };
}

function enumerate(tunables: Tunables): { key: string; config: Configuration }[] {
  let configs: Configuration[] = [{}];
  for (const [name, values] of Object.entries(tunables).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!Array.isArray(values) || values.length === 0)
      throw new ModelInputError(`$.tunables.${name}`, "must list at least one value");
    configs = configs.flatMap((config) => values.map((value) => ({ ...config, [name]: value })));
  }
  return configs.map((config) => ({ key: configKey(config), config }));
}

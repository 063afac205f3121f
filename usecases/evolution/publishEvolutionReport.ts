import type { Address, Hex, TypedDataDefinition } from "viem";
import { canonicalHash } from "../../models/canonicalJson.js";
import type { EvolutionReport as KernelEvolutionReport } from "../../models/kernel/evolutionReport.js";
import { isHubComponentName } from "../../services/hubComponents.js";
import type { SignedAuthorization } from "../certificationTypedData.js";
import { eventOf, parseAccount, parseId } from "../circulation/circulationContracts.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";
import { sendAndWaitIndexed } from "../sendAndWaitIndexed.js";
import {
  assertProvider,
  componentRegistryOf,
  parseBytes32,
  prepareEvolutionAction,
  readComponent,
  verifyEvolutionAction,
} from "./evolutionContracts.js";
import type { OnchainMetrics } from "./evolutionSignedActions.js";

/** IComponentRegistry.Metrics as a caller gives it: latencies in microseconds, rates in basis points. */
export type EvolutionMetricsInput = {
  p50LatencyMicros: bigint | string | number;
  p95LatencyMicros: bigint | string | number;
  accuracyBps: number;
  complianceBps: number;
  invocations: number;
};

export type PublishEvolutionReportInput = {
  provider: Address | string;
  component: bigint | string;
  before: EvolutionMetricsInput;
  after: EvolutionMetricsInput;
  /** (before − after) / before of p50 latency in bps, floored; must be positive and match the two p50s. */
  efficiencyImprovementBps: number;
  /** The telemetry windows' hash (`models/kernel/evolutionReport`). */
  evidenceHash: Hex | string;
  /** The kernel's decision-log hash. */
  decisionLogHash: Hex | string;
  /** The component's logic hash after the improvement. */
  logicHash: Hex | string;
};

const UINT64_MAX = 2n ** 64n - 1n;

function parseUint(value: unknown, field: string, max: bigint): bigint {
  const text = typeof value === "bigint" ? value.toString() : String(value ?? "");
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > max)
    throw new BadUserInputError(field, `must be a non-negative integer up to ${max}`);
  return BigInt(text);
}

function parseMetrics(value: EvolutionMetricsInput | undefined, field: string): OnchainMetrics {
  if (value === undefined || value === null || typeof value !== "object")
    throw new BadUserInputError(
      field,
      "must give p50LatencyMicros, p95LatencyMicros, accuracyBps, complianceBps and invocations",
    );
  const metrics = {
    p50LatencyMicros: parseUint(value.p50LatencyMicros, `${field}.p50LatencyMicros`, UINT64_MAX),
    p95LatencyMicros: parseUint(value.p95LatencyMicros, `${field}.p95LatencyMicros`, UINT64_MAX),
    accuracyBps: Number(parseUint(value.accuracyBps, `${field}.accuracyBps`, 10_000n)),
    complianceBps: Number(parseUint(value.complianceBps, `${field}.complianceBps`, 10_000n)),
    invocations: Number(parseUint(value.invocations, `${field}.invocations`, 2n ** 32n - 1n)),
  };
  if (metrics.p95LatencyMicros < metrics.p50LatencyMicros)
    throw new BadUserInputError(`${field}.p95LatencyMicros`, "must be at least p50LatencyMicros");
  if (metrics.invocations === 0) throw new BadUserInputError(`${field}.invocations`, "must be above zero");
  return metrics;
}

/** The improvement the two windows' p50 latencies give: (before − after) × 10,000 / before, floored. */
export function efficiencyImprovementBpsOf(before: OnchainMetrics, after: OnchainMetrics): number {
  const b = before.p50LatencyMicros;
  const diff = (b - after.p50LatencyMicros) * 10_000n;
  const q = diff / b;
  return Number(diff % b !== 0n && diff < 0n ? q - 1n : q);
}

function checkInput(input: PublishEvolutionReportInput) {
  const before = parseMetrics(input.before, "before");
  const after = parseMetrics(input.after, "after");
  if (before.p50LatencyMicros === 0n)
    throw new BadUserInputError(
      "before.p50LatencyMicros",
      "must be above zero (the improvement divides by it)",
    );
  const bps = input.efficiencyImprovementBps;
  if (!Number.isInteger(bps) || bps < -(2 ** 31) || bps >= 2 ** 31)
    throw new BadUserInputError("efficiencyImprovementBps", "must be an int32");
  // The registry refuses a report that claims no improvement (NoImprovementClaimed): refused here first.
  if (bps <= 0)
    throw new BadUserInputError("efficiencyImprovementBps", `must be positive (an improvement); got ${bps}`);
  // Self-consistent figures only: the claimed bps is what the two p50s give (the epoch figures recompute it).
  const expected = efficiencyImprovementBpsOf(before, after);
  if (bps !== expected)
    throw new BadUserInputError(
      "efficiencyImprovementBps",
      `is ${bps}, but the p50 latencies give ${expected} ((before − after) × 10,000 / before, floored)`,
    );
  return {
    provider: parseAccount(input.provider, "provider"),
    componentId: parseId(input.component, "component"),
    beforeMetrics: before,
    afterMetrics: after,
    efficiencyImprovementBps: bps,
    evidenceHash: parseBytes32(input.evidenceHash, "evidenceHash"),
    decisionLogHash: parseBytes32(input.decisionLogHash, "decisionLogHash"),
    logicHash: parseBytes32(input.logicHash, "logicHash"),
  };
}

/** The PublishEvolutionReport typed data the component's provider signs. UNKNOWN_COMPONENT / NOT_AUTHORIZED first. */
export async function preparePublishEvolutionReport(
  input: PublishEvolutionReportInput,
  hub: HubServices,
  { deadline }: { deadline?: bigint | undefined } = {},
) {
  const content = checkInput(input);
  assertProvider(content.componentId, await readComponent(hub, content.componentId), content.provider);
  return prepareEvolutionAction({
    hub,
    action: "PublishEvolutionReport",
    signer: content.provider,
    content,
    deadline,
  });
}

export type PublishEvolutionReportParameters = PublishEvolutionReportInput & {
  authorization: SignedAuthorization;
};

export type PublishEvolutionReportReturnType = {
  reportId: string;
  componentId: string;
  efficiencyImprovementBps: number;
  logicHash: Hex;
  transactionHash: Hex;
  blockNumber: bigint;
  gasUsed: bigint;
};

/**
 * Publishes an accepted improvement on the component's provider's signature: well-formed, positive and
 * self-consistent figures (BAD_USER_INPUT naming the field), the component exists (UNKNOWN_COMPONENT), the signer
 * is its provider and signed these figures at its next nonce (NOT_AUTHORIZED) — all before sending. The
 * component's logic hash advances to `logicHash`. Returns once indexed.
 */
export async function publishEvolutionReport(
  { authorization, ...input }: PublishEvolutionReportParameters,
  hub: HubServices,
): Promise<PublishEvolutionReportReturnType> {
  const content = checkInput(input);
  assertProvider(content.componentId, await readComponent(hub, content.componentId), content.provider);
  const registry = componentRegistryOf(hub);
  const { request } = await verifyEvolutionAction({
    hub,
    action: "PublishEvolutionReport",
    signer: content.provider,
    content,
    authorization,
    what: `the evolution report of component ${content.componentId}`,
  });
  const { receipt } = await sendAndWaitIndexed({
    hub,
    what: `The evolution report of component ${content.componentId}`,
    call: {
      ...registry,
      functionName: "publishEvolutionReport",
      args: [
        content.componentId,
        content.beforeMetrics,
        content.afterMetrics,
        content.efficiencyImprovementBps,
        content.evidenceHash,
        content.decisionLogHash,
        content.logicHash,
        request.deadline,
        authorization.signature,
      ],
    },
  });
  const { args } = eventOf(receipt, registry.abi, "EvolutionReportPublished");
  return {
    reportId: args.reportId.toString(),
    componentId: args.componentId.toString(),
    efficiencyImprovementBps: args.efficiencyImprovementBps,
    logicHash: args.logicHash,
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
  };
}

/** The kernel's figures (`models/kernel/evolutionReport`; p95 where it gives one, else p50) as on-chain Metrics. */
export function toOnchainMetrics(
  metrics: KernelEvolutionReport["before"] & { p95LatencyMs?: number | undefined },
): OnchainMetrics {
  const micros = (ms: number) => BigInt(Math.max(0, Math.round(ms * 1000)));
  const bps = (rate: number) =>
    Math.min(10_000, Math.max(0, Math.round((Number.isFinite(rate) ? rate : 0) * 10_000)));
  const p50 = micros(metrics.p50LatencyMs);
  const p95 = micros(Math.max(metrics.p95LatencyMs ?? metrics.p50LatencyMs, metrics.p50LatencyMs));
  return {
    p50LatencyMicros: p50,
    p95LatencyMicros: p95,
    accuracyBps: bps(metrics.accuracy),
    complianceBps: bps(metrics.complianceRate),
    invocations: metrics.invocations,
  };
}

export type PublishHubEvolutionReportParameters = {
  /** One of the hub's own components (`manifest.components`). */
  component: string;
  report: KernelEvolutionReport;
  decisionLogHash: Hex;
  /** The configuration the improvement settled on: logicHash = canonicalHash({ component, configuration }). */
  configuration: Record<string, unknown>;
};

/**
 * The hub's own components' reports, signed with the hub's key (it is their provider): the kernel's report
 * converted to on-chain Metrics (latencies in µs, rates in bps), logicHash = canonicalHash of
 * `{ component, configuration }`, then `publishEvolutionReport`. What the tuned prover's `onImprovement` calls.
 * UNKNOWN_COMPONENT when the manifest has no such component.
 */
export async function publishHubEvolutionReport(
  hub: HubServices,
  { component, report, decisionLogHash, configuration }: PublishHubEvolutionReportParameters,
): Promise<PublishEvolutionReportReturnType> {
  const componentId = isHubComponentName(component) ? hub.components?.[component] : undefined;
  if (componentId === undefined)
    throw new BadUserInputError("component", `${component} is not one of this hub's registered components`);
  const provider = hub.walletClient.account.address;
  const input: PublishEvolutionReportInput = {
    provider,
    component: componentId,
    before: toOnchainMetrics(report.before),
    after: toOnchainMetrics(report.after),
    efficiencyImprovementBps: report.efficiencyImprovementBps,
    evidenceHash: report.evidenceHash,
    decisionLogHash,
    logicHash: canonicalHash({ component, configuration }),
  };
  // Rounding to whole microseconds can move the floored bps by one: the on-chain figure is the one recomputed from
  // the on-chain metrics, so it always matches what is published.
  input.efficiencyImprovementBps = efficiencyImprovementBpsOf(
    input.before as OnchainMetrics,
    input.after as OnchainMetrics,
  );
  const { typedData, deadline } = await preparePublishEvolutionReport(input, hub);
  const signature = await hub.walletClient.signTypedData({
    account: hub.walletClient.account,
    ...(typedData as unknown as TypedDataDefinition),
  });
  return publishEvolutionReport({ ...input, authorization: { signature, deadline } }, hub);
}

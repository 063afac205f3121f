import { type Address, type Hex, keccak256 } from "viem";
import { BaseError } from "../../errors/BaseError.js";
import type { RiskRecord } from "../../prover/commitRiskRecords.js";
import { CORE_SLOTS, type CoreDataset, SNARK_SCALAR_FIELD } from "../../prover/coreDataset.js";
import { MAX_RISK_RECORDS, type RiskKindName, riskKind } from "../../prover/riskFeatureStandard.js";
import { BadUserInputError } from "../errors.js";
import type { HubServices } from "../HubServices.js";

/**
 * What Caldera itself has seen of a subject, as the indexer and the hub's stores hold it: the hub reads it through
 * this port (the subgraph implements it over its loaders), so the use case stays free of SQL and GraphQL.
 */
export type CalderaRiskSource = {
  /** The subject's newest credit lines as borrower (at most `limit`), any status. */
  creditLines: (
    subject: Address,
    limit: number,
  ) => Promise<readonly { id: string; status: string; openedAt: number; closedAt: number | null }[]>;
  /** The subject's newest core certificates (at most `limit`): the datasets the hub certified for it. */
  certificates: (
    subject: Address,
    limit: number,
  ) => Promise<readonly { id: string; datasetCommitment: Hex; certifiedAt: number }[]>;
};

/** The kinds Caldera publishes from its own records; it keeps no fluctuation findings or price series (yet). */
export const CALDERA_RISK_KINDS = [
  "DEFAULT_RATE",
  "DELAY_DURATION",
  "TAMPERING_FREQUENCY",
] as const satisfies readonly RiskKindName[];
export type CalderaRiskKind = (typeof CALDERA_RISK_KINDS)[number];

export type GatherCalderaRiskRecordsParameters = {
  hub: Pick<HubServices, "datasets" | "walletClient" | "certificationAttempts">;
  source: CalderaRiskSource;
  subject: Address;
  kind: RiskKindName;
  /** The chain's time: no record is later (the registry refuses a window ending in the future). */
  now: bigint;
};

export type GatherCalderaRiskRecordsReturnType = {
  records: RiskRecord[];
  windowStart: number;
  windowEnd: number;
  threshold: number;
};

/** What a subject without records of a kind lacks, for the refusal's message. */
const NO_RECORDS: Record<CalderaRiskKind, string> = {
  DEFAULT_RATE: "credit lines",
  DELAY_DURATION: "datasets certified by this hub",
  TAMPERING_FREQUENCY: "certification attempts recorded by this hub",
};

/**
 * A salt only the hub can make and makes the same way every time: the hub signer's (deterministic, RFC 6979)
 * signature over the record's key, mod p. Counterparties and scenarios stay hidden from a dictionary attack, yet the
 * same records always commit to the same evidence root — so a feature already published is recognised by its
 * replay key before anything is proven.
 */
async function saltFor(hub: Pick<HubServices, "walletClient">, key: string): Promise<bigint> {
  const signature = await hub.walletClient.signMessage({ message: `caldera risk record salt v1: ${key}` });
  return BigInt(keccak256(signature)) % SNARK_SCALAR_FIELD;
}

/** The longest delay past a dataset's promise (observedAt + deadlineSeconds); a missing reading waits to the window's end. */
function longestDelay(dataset: CoreDataset): { delay: number; windowEnd: number } {
  const windowEnd = dataset.windowStart + CORE_SLOTS * dataset.slotSeconds;
  const bySlot = new Map<number, number>();
  for (const reading of dataset.readings) {
    const slot = Math.floor((reading.observedAt - dataset.windowStart) / dataset.slotSeconds);
    const late = Math.max(0, reading.deliveredAt - reading.observedAt - dataset.deadlineSeconds);
    bySlot.set(slot, Math.min(bySlot.get(slot) ?? late, late));
  }
  let delay = 0;
  for (let slot = 0; slot < CORE_SLOTS; slot++) {
    const late = bySlot.get(slot) ?? windowEnd - (dataset.windowStart + (slot + 1) * dataset.slotSeconds);
    delay = Math.max(delay, late);
  }
  return { delay: Math.min(delay, 2 ** 32 - 1), windowEnd };
}

/**
 * Caldera's own records about `subject` for one kind, ready for prover/commitRiskRecords.ts (newest 32):
 *
 * - DEFAULT_RATE: one record per credit line it borrowed on — value 1 if it defaulted (CreditDefaulted), else 0 —
 *   at the line's default or closing time, else its opening; the counterparty is the credit pool, the scenario the line.
 * - DELAY_DURATION: one record per certified dataset — value = its longest delivery delay past the promised time in
 *   seconds (a missing reading counts as delivered at the window's end) — at the window's end.
 * - TAMPERING_FREQUENCY: one record per certification attempt the subject signed (the hub's attempt store,
 *   `services/createCertificationAttemptStore.ts`) — value 1 if it was rejected (a claim its data does not support,
 *   a proof the registry refused), else 0 — at the attempt's time on the chain's clock; the counterparty is the
 *   dataset, the scenario the attempt. A hub without the store has none.
 *
 * BAD_USER_INPUT (`field` "kind") for a kind Caldera keeps no records of, and (`field` "subject", `reason`
 * "noRecords") when it holds none about the subject.
 */
export async function gatherCalderaRiskRecords({
  hub,
  source,
  subject,
  kind,
  now,
}: GatherCalderaRiskRecordsParameters): Promise<GatherCalderaRiskRecordsReturnType> {
  const definition = riskKind(kind);
  const entries: { timestamp: number; value: number; counterparty: string; scenario: string }[] = [];
  if (definition.name === "DEFAULT_RATE") {
    for (const line of await source.creditLines(subject, MAX_RISK_RECORDS))
      entries.push({
        timestamp: line.closedAt ?? line.openedAt,
        value: line.status === "DEFAULTED" ? 1 : 0,
        counterparty: "caldera:credit-pool",
        scenario: `credit-line:${line.id}`,
      });
  } else if (definition.name === "DELAY_DURATION") {
    for (const certificate of await source.certificates(subject, MAX_RISK_RECORDS)) {
      const stored = await hub.datasets.get(certificate.datasetCommitment);
      if (stored === undefined) continue; // certified by another hub: its readings are not here
      const { delay, windowEnd } = longestDelay(stored.dataset as CoreDataset);
      entries.push({
        timestamp: Math.min(windowEnd, certificate.certifiedAt),
        value: delay,
        counterparty: `caldera:dataset:${stored.commitment}`,
        scenario: `schema:${stored.schemaId}`,
      });
    }
  } else if (definition.name === "TAMPERING_FREQUENCY") {
    for (const attempt of (await hub.certificationAttempts?.recentFor(subject, MAX_RISK_RECORDS)) ?? [])
      entries.push({
        timestamp: attempt.attemptedAt,
        value: attempt.outcome === "REJECTED" ? 1 : 0,
        counterparty: `caldera:dataset:${attempt.datasetCommitment ?? "none"}`,
        scenario: `certification-attempt:${attempt.id}`,
      });
  } else
    throw new BadUserInputError(
      "kind",
      `${definition.name} is not a kind Caldera publishes from its own records (${CALDERA_RISK_KINDS.join(", ")})`,
    );
  const usable = entries.filter((e) => BigInt(e.timestamp) <= now).slice(0, MAX_RISK_RECORDS);
  if (usable.length === 0)
    throw new BaseError(
      `Caldera holds no ${definition.name} records about ${subject} (no ${NO_RECORDS[definition.name as CalderaRiskKind]}): there is nothing to prove`,
      { code: "BAD_USER_INPUT", details: { field: "subject", reason: "noRecords", kind: definition.name } },
    );
  // Oldest first, so the same records always commit in the same order.
  usable.sort((a, b) => a.timestamp - b.timestamp || (a.scenario < b.scenario ? -1 : 1));
  const records: RiskRecord[] = [];
  for (const entry of usable)
    records.push({
      ...entry,
      salt: await saltFor(
        hub,
        `${subject.toLowerCase()}:${definition.name}:${entry.scenario}:${entry.counterparty}`,
      ),
    });
  return {
    records,
    windowStart: records[0]?.timestamp as number,
    windowEnd: records[records.length - 1]?.timestamp as number,
    threshold: definition.defaultThreshold,
  };
}

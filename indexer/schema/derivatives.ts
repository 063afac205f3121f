import { index, onchainTable, primaryKey } from "ponder";

/** Derivative value units (ERC-721, locked to the core provider) and the core certificates each is bound to. */
export const derivative = onchainTable(
  "derivative",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    ruleId: t.bigint().notNull(),
    /** 1 planting plan, 2 market forecast, 3 fault-warning model */
    kind: t.integer().notNull(),
    weightBps: t.integer().notNull(),
    /** The model id as bytes32 (UTF-8, zero-padded) and its version hash. */
    modelId: t.hex().notNull(),
    modelVersionHash: t.hex().notNull(),
    outputHash: t.hex().notNull(),
    /** keccak256 over the per-core feature commitments, in core order. */
    featureCommitment: t.hex().notNull(),
    coreIds: t.json().$type<string[]>().notNull(),
    mintedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  // Keyset pages newest first (id desc) for each filter of `derivatives` and `Provider.derivatives`; the
  // certificate filter pages through derivative_core's (certificate_id, derivative_id) index instead.
  (table) => ({
    ownerIdx: index().on(table.owner, table.id),
    kindIdx: index().on(table.kind, table.id),
    ownerKindIdx: index().on(table.owner, table.kind, table.id),
    outputIdx: index().on(table.outputHash),
  }),
);

/** One row per (derivative, core certificate): `Certificate.derivatives` and the utilisation metrics read it. */
export const derivativeCore = onchainTable(
  "derivative_core",
  (t) => ({
    derivativeId: t.bigint().notNull(),
    certificateId: t.bigint().notNull(),
    position: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.derivativeId, table.certificateId] }),
    certificateIdx: index().on(table.certificateId, table.derivativeId),
  }),
);

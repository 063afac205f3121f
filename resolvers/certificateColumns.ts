import type { GraphQLResolveInfo } from "graphql";
import { type SelectedColumnsReturnType, selectedColumns } from "./selectedColumns.js";

/**
 * The indexer's `certificate` columns each field of `Certificate` reads (certificateResolvers, and the types that
 * extend it: `schema` by its hash, `derivatives` by the id). certificateColumns.test.ts checks every field of the
 * type is here and every column exists.
 */
export const CERTIFICATE_FIELD_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  id: ["id"],
  provider: ["provider"],
  domain: ["domain"],
  datasetCommitment: ["dataset_commitment"],
  schemaHash: ["schema_hash"],
  thresholds: ["min_integrity_bps", "min_timeliness_bps", "min_continuity_bps", "max_gap_slots"],
  window: ["window_start", "slot_seconds", "deadline_seconds"],
  proofHash: ["proof_hash"],
  certifiedAt: ["certified_at"],
  blockNumber: ["block_number"],
  transactionHash: ["transaction_hash"],
  schema: ["schema_hash"],
  derivatives: ["id"],
};

/** Every page's keyset position: its order and its cursors. */
const ALWAYS = ["certified_at", "id"];

/** The certificate columns a `CertificateConnection` field's selection reads (undefined: all of them). */
export function certificateColumns(
  info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">,
): SelectedColumnsReturnType {
  return selectedColumns({
    info,
    path: ["edges", "node"],
    columnsOf: CERTIFICATE_FIELD_COLUMNS,
    always: ALWAYS,
  });
}

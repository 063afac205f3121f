import type { Sql } from "postgres";
import type { Hex } from "viem";
import { BaseError } from "../errors/BaseError.js";
import {
  type AssessmentContribution,
  type AssessmentInputs,
  assessmentInputsHash,
} from "./assessmentInputsHash.js";

export type { AssessmentContribution, AssessmentInputs } from "./assessmentInputsHash.js";

/** One ecosystem's computed share: floor(φ_i / v(N) × 10,000) bps, and φ_i exactly ("n" or "n/d", ERA wei). */
export type AssessmentShare = { ecosystemId: string; shareBps: number; shapleyValue: string };

/** A disposal contribution assessment: its inputs and the shares computed from them. */
export type AssessmentDocument = AssessmentInputs & { shares: readonly AssessmentShare[] };

export type AssessmentStore = {
  /** Creates the table; `put` and `get` also do it once on first use. */
  migrate: () => Promise<void>;
  /**
   * Keeps an assessment under its inputsHash (`assessmentInputsHash`) and returns the hash. Content-addressed:
   * the same inputs twice keep the first document (its shares are a function of the inputs). A malformed document
   * is BAD_USER_INPUT, naming the field.
   */
  put: (document: AssessmentDocument) => Promise<Hex>;
  /** The assessment stored under `inputsHash`, or undefined (also for a malformed hash). */
  get: (inputsHash: Hex) => Promise<AssessmentDocument | undefined>;
};

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const HASH = /^0x[0-9a-f]{64}$/;

/**
 * The off-chain disposal assessments in the hub's own schema (`caldera_hub.risk_assessment`), beside datasets and
 * derivations: the chain keeps only `inputsHash`, the hub keeps the document behind it so `Disposal.shares` can
 * show each ecosystem's contribution and anyone can recompute the shares.
 */
export function createAssessmentStore(
  sql: Sql,
  { schema = "caldera_hub" }: { schema?: string } = {},
): AssessmentStore {
  const table = sql(`${schema}.risk_assessment`);
  let migrated: Promise<void> | undefined;
  const migrate = async () => {
    await sql`create schema if not exists ${sql(schema)}`;
    await sql`create table if not exists ${table} (
      inputs_hash text primary key check (inputs_hash ~ '^0x[0-9a-f]{64}$'),
      case_id numeric(78, 0) not null,
      document jsonb not null,
      stored_at timestamptz not null default now()
    )`;
    await sql`create index if not exists risk_assessment_case_id on ${table} (case_id)`;
  };
  const ready = () => {
    migrated ??= migrate().catch((error) => {
      migrated = undefined;
      throw error;
    });
    return migrated;
  };
  return {
    migrate: () => {
      migrated = migrate();
      return migrated;
    },
    put: async (document) => {
      const checked = checkDocument(document);
      const inputsHash = assessmentInputsHash(checked);
      await ready();
      await sql`insert into ${table} (inputs_hash, case_id, document)
        values (${inputsHash}, ${checked.caseId}, ${sql.json(checked as never)})
        on conflict (inputs_hash) do nothing`;
      return inputsHash;
    },
    get: async (inputsHash) => {
      const key = String(inputsHash).toLowerCase();
      if (!HASH.test(key)) return undefined;
      await ready();
      const [row] = await sql<{ document: AssessmentDocument }[]>`
        select document from ${table} where inputs_hash = ${key}`;
      return row?.document;
    },
  };
}

function bad(field: string, problem: string): never {
  throw new BaseError(`${field} ${problem}`, { code: "BAD_USER_INPUT", details: { field } });
}

/** The document with exactly the known fields (so what is stored is what was hashed), or BAD_USER_INPUT. */
function checkDocument(document: AssessmentDocument): AssessmentDocument {
  const { caseId, lossAmount, contributions, characteristicFunction, shares } = document;
  if (typeof caseId !== "string" || !DECIMAL.test(caseId)) bad("caseId", "must be a decimal integer string");
  if (typeof lossAmount !== "string" || !DECIMAL.test(lossAmount))
    bad("lossAmount", "must be a decimal wei string");
  if (typeof characteristicFunction !== "string" || characteristicFunction.length === 0)
    bad("characteristicFunction", "must name the characteristic function");
  if (!Array.isArray(contributions) || contributions.length === 0) bad("contributions", "must not be empty");
  if (!Array.isArray(shares)) bad("shares", "must be a list");
  return {
    caseId,
    lossAmount,
    characteristicFunction,
    contributions: contributions.map((c, i): AssessmentContribution => {
      const at = `contributions[${i}]`;
      if (typeof c.ecosystemId !== "string" || !DECIMAL.test(c.ecosystemId))
        bad(`${at}.ecosystemId`, "must be decimal");
      if (typeof c.leadTimeHours !== "number" || !Number.isFinite(c.leadTimeHours) || c.leadTimeHours < 0)
        bad(`${at}.leadTimeHours`, "must be a finite number ≥ 0");
      if (!Number.isInteger(c.lossReductionBps) || c.lossReductionBps < 0 || c.lossReductionBps > 10000)
        bad(`${at}.lossReductionBps`, "must be an integer in [0, 10000]");
      if (typeof c.locatedSource !== "boolean") bad(`${at}.locatedSource`, "must be a boolean");
      if (c.role !== undefined && c.role !== "AFFECTED" && c.role !== "ASSISTING")
        bad(`${at}.role`, "must be AFFECTED or ASSISTING");
      return {
        ecosystemId: c.ecosystemId,
        leadTimeHours: c.leadTimeHours,
        lossReductionBps: c.lossReductionBps,
        locatedSource: c.locatedSource,
        ...(c.role === undefined ? {} : { role: c.role }),
      };
    }),
    shares: shares.map((s, i): AssessmentShare => {
      const at = `shares[${i}]`;
      if (typeof s.ecosystemId !== "string" || !DECIMAL.test(s.ecosystemId))
        bad(`${at}.ecosystemId`, "must be decimal");
      if (!Number.isInteger(s.shareBps) || s.shareBps < 0 || s.shareBps > 10000)
        bad(`${at}.shareBps`, "must be an integer in [0, 10000]");
      if (typeof s.shapleyValue !== "string" || !/^-?\d+(\/\d+)?$/.test(s.shapleyValue))
        bad(`${at}.shapleyValue`, 'must be an exact rational ("n" or "n/d")');
      return { ecosystemId: s.ecosystemId, shareBps: s.shareBps, shapleyValue: s.shapleyValue };
    }),
  };
}

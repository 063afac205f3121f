import postgres from "postgres";
import { keccak256, stringToBytes } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "../test/support/startTestPostgres.js";
import { assessmentInputsHash } from "./assessmentInputsHash.js";
import {
  type AssessmentContribution,
  type AssessmentDocument,
  createAssessmentStore,
} from "./createAssessmentStore.js";

let pg: TestPostgres;
let sql: postgres.Sql;

beforeAll(async () => {
  pg = await startTestPostgres();
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await pg?.teardown();
});

const document: AssessmentDocument = {
  caseId: "1",
  lossAmount: "50000000000000000000000",
  contributions: [
    { ecosystemId: "1", leadTimeHours: 6, lossReductionBps: 6000, locatedSource: false, role: "ASSISTING" },
    { ecosystemId: "2", leadTimeHours: 6, lossReductionBps: 5000, locatedSource: true },
  ],
  characteristicFunction: "caldera-disposal/v1",
  shares: [
    { ecosystemId: "1", shareBps: 6000, shapleyValue: "1/3" },
    { ecosystemId: "2", shareBps: 4000, shapleyValue: "2/9" },
  ],
};

describe("createAssessmentStore", () => {
  it("inputsHash is keccak256 of the canonical JSON of the inputs (keys sorted, shares left out)", () => {
    const expected =
      '{"caseId":"1","characteristicFunction":"caldera-disposal/v1","contributions":[' +
      '{"ecosystemId":"1","leadTimeHours":6,"locatedSource":false,"lossReductionBps":6000,"role":"ASSISTING"},' +
      '{"ecosystemId":"2","leadTimeHours":6,"locatedSource":true,"lossReductionBps":5000}],' +
      '"lossAmount":"50000000000000000000000"}';
    expect(assessmentInputsHash(document)).toBe(keccak256(stringToBytes(expected)));
    expect(assessmentInputsHash({ ...document, lossAmount: "1" })).not.toBe(assessmentInputsHash(document));
  });

  it("puts a document under its inputsHash (creating the table on first use), gets it back, first write wins", async () => {
    const store = createAssessmentStore(sql);
    const inputsHash = await store.put(document);
    expect(inputsHash).toBe(assessmentInputsHash(document));
    expect(await store.get(inputsHash)).toEqual(document);
    expect(await store.get(inputsHash.toUpperCase().replace("0X", "0x") as `0x${string}`)).toEqual(document);
    // Same inputs, other shares: content-addressed, the first document stays.
    expect(await store.put({ ...document, shares: [] })).toBe(inputsHash);
    expect((await store.get(inputsHash))?.shares).toEqual(document.shares);
    expect(await store.get(`0x${"cd".repeat(32)}`)).toBeUndefined();
    expect(await store.get("0x1234")).toBeUndefined();
    const [row] = await sql`select case_id::text as case_id from caldera_hub.risk_assessment
      where inputs_hash = ${inputsHash}`;
    expect(row?.case_id).toBe("1");
    await store.migrate(); // idempotent
  });

  it("stores exactly the known fields, so what is stored is what was hashed", async () => {
    const store = createAssessmentStore(sql);
    const extra = { ...document, caseId: "2", secret: "x" } as AssessmentDocument;
    const inputsHash = await store.put(extra);
    expect(await store.get(inputsHash)).toEqual({ ...document, caseId: "2" });
  });

  it("refuses a malformed document with BAD_USER_INPUT naming the field, storing nothing", async () => {
    const store = createAssessmentStore(sql);
    const bad = (field: string) => expect.objectContaining({ code: "BAD_USER_INPUT", details: { field } });
    const [before] = await sql`select count(*)::int as n from caldera_hub.risk_assessment`;
    await expect(store.put({ ...document, caseId: "x" })).rejects.toThrow(bad("caseId"));
    await expect(store.put({ ...document, lossAmount: "-1" })).rejects.toThrow(bad("lossAmount"));
    await expect(store.put({ ...document, contributions: [] })).rejects.toThrow(bad("contributions"));
    await expect(
      store.put({
        ...document,
        contributions: [
          { ...(document.contributions[0] as AssessmentContribution), lossReductionBps: 10001 },
        ],
      }),
    ).rejects.toThrow(bad("contributions[0].lossReductionBps"));
    await expect(
      store.put({ ...document, shares: [{ ecosystemId: "1", shareBps: 1, shapleyValue: "0.5" }] }),
    ).rejects.toThrow(bad("shares[0].shapleyValue"));
    const [after] = await sql`select count(*)::int as n from caldera_hub.risk_assessment`;
    expect(after?.n).toBe(before?.n);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { CERTIFY_COMMITMENT, type CertifiedCommitment, certifyCoreAs } from "../support/certifyAs.js";
import { chainRpc } from "../support/chainRpc.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql } from "../support/startTestStack.js";
import { startTestStackWithSql, type TestStackWithSql } from "../support/startTestStackWithSql.js";

let stack: TestStackWithSql;

beforeAll(async () => {
  stack = await startTestStackWithSql();
});

afterAll(async () => {
  await stack?.teardown();
});

/** Certifies as the dev provider (the hub's own signer); returns the certificate's id and commitment. */
async function certify(offset: number): Promise<{ id: string; commitment: string }> {
  const result = await certifyCoreAs<CertifiedCommitment>(
    stack.gatewayUrl,
    ANVIL_DEV_KEYS[0],
    { domain: "AGRICULTURAL", ...sensorDataset({ offset }) },
    { query: CERTIFY_COMMITMENT },
  );
  const certificate = result.data?.certifyCore.certificate;
  if (certificate === undefined) throw new Error(`certifyCore failed: ${JSON.stringify(result.errors)}`);
  return { id: certificate.id, commitment: certificate.datasetCommitment.toLowerCase() };
}

const rpc = <T = unknown>(method: string, params?: unknown[]) => chainRpc<T>(stack.rpcUrl, method, params);

/** What SQL readers of the views schema see: certificate id → dataset commitment. */
async function inSql(): Promise<Map<string, string>> {
  const rows = await stack.sql<{ id: string; datasetCommitment: string }[]>`
    select id::text as id, dataset_commitment as "datasetCommitment" from caldera.certificate`;
  return new Map(rows.map((r) => [r.id, r.datasetCommitment.toLowerCase()]));
}

/** What GraphQL clients see through the gateway: the list, and each id looked up on its own. */
async function inGraphql(ids: string[]): Promise<{ listed: Map<string, string>; byId: (string | null)[] }> {
  const list = await graphql<{
    certificates: { edges: { node: { id: string; datasetCommitment: string } }[] };
  }>(stack.gatewayUrl, `{ certificates(first: 100) { edges { node { id datasetCommitment } } } }`);
  expect(list.errors).toBeUndefined();
  const byId = await Promise.all(
    ids.map(async (id) => {
      const one = await graphql<{ certificate: { datasetCommitment: string } | null }>(
        stack.gatewayUrl,
        `query($id: ID!) { certificate(id: $id) { datasetCommitment } }`,
        { id },
      );
      expect(one.errors).toBeUndefined();
      return one.data?.certificate?.datasetCommitment.toLowerCase() ?? null;
    }),
  );
  const listed = new Map(
    (list.data?.certificates.edges ?? []).map((e) => [e.node.id, e.node.datasetCommitment.toLowerCase()]),
  );
  return { listed, byId };
}

describe("a 3-block reorg under a running stack", () => {
  it("removes the dropped blocks' certificates from GraphQL and SQL and shows the replacement blocks' ones", async () => {
    // Registers the channel schema (its own transaction) before the blocks that will be reorged.
    const kept = await certify(500);
    const client = stack.hub.publicClient;

    const snapshot = await rpc<string>("evm_snapshot");
    const base = await client.getBlockNumber({ cacheTime: 0 });
    const dropped = [await certify(501), await certify(502), await certify(503)];
    // One certify per block: the three blocks above `base` are the ones the reorg replaces.
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(base + 3n);
    const ids = dropped.map((c) => c.id);
    const before = await inGraphql(ids);
    expect(before.byId).toEqual(dropped.map((c) => c.commitment));

    // Back to `base`, then three new blocks at the same heights, each with another certificate.
    expect(await rpc<boolean>("evm_revert", [snapshot])).toBe(true);
    const replacements = [await certify(511), await certify(512), await certify(513)];
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(base + 3n);
    // The registry numbers certificates in order, so the replacements take the dropped ones' ids.
    expect(replacements.map((c) => c.id)).toEqual(ids);

    const droppedCommitments = dropped.map((c) => c.commitment);
    const sqlView = await inSql();
    for (const c of droppedCommitments) expect([...sqlView.values()]).not.toContain(c);
    for (const c of [kept, ...replacements]) expect(sqlView.get(c.id)).toBe(c.commitment);

    const after = await inGraphql(ids);
    for (const c of droppedCommitments) expect([...after.listed.values()]).not.toContain(c);
    for (const c of [kept, ...replacements]) expect(after.listed.get(c.id)).toBe(c.commitment);
    expect(after.byId).toEqual(replacements.map((c) => c.commitment));
  }, 300_000);
});

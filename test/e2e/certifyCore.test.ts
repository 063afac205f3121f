import postgres from "postgres";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreCertificateRegistryAbi } from "../../contracts/generated/abis.js";
import { channelSchemaHash } from "../../prover/channelSchemaHash.js";
import { loadChannelSchema } from "../../prover/loadChannelSchema.js";
import { startSubgraph } from "../../resolvers/startSubgraph.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

const CERTIFY = /* GraphQL */ `
  mutation Certify($input: CertifyCoreInput!) {
    certifyCore(input: $input) {
      certificate {
        id
        domain
        datasetCommitment
        schemaHash
        provider { address name certificateCount }
        thresholds { integrityBps timelinessBps continuityBps maxGapSlots }
        window { start end slots slotSeconds deadlineSeconds }
        certifiedAt
      }
      quality { presentReadings integrityBps timelinessBps continuityBps longestGapSlots }
      transactionHash
      gasUsed
    }
  }
`;

type CertifyData = {
  certifyCore: {
    certificate: {
      id: string;
      domain: string;
      datasetCommitment: string;
      schemaHash: string;
      provider: { address: string; name: string; certificateCount: number };
      thresholds: Record<string, number>;
      window: Record<string, unknown>;
      certifiedAt: string;
    };
    quality: Record<string, number>;
    transactionHash: string;
    gasUsed: string;
  };
};

const schemaHashOf = (id: string) => channelSchemaHash(loadChannelSchema(id)).schemaHash;

let stack: TestStack;
let sql: postgres.Sql;
let devProvider: `0x${string}`;

beforeAll(async () => {
  stack = await startTestStack();
  sql = postgres(stack.postgresUrl, { max: 2, onnotice: () => {} });
  devProvider = stack.hub.walletClient.account.address;
});

afterAll(async () => {
  await sql?.end();
  await stack?.teardown();
});

/** Nothing may be sent or stored on a rejected request: same signer nonce, same number of certificates. */
async function sideEffects() {
  const nonce = await stack.hub.publicClient.getTransactionCount({ address: devProvider });
  const [{ count }] = (await sql`select count(*)::int as count from caldera.certificate`) as unknown as [
    { count: number },
  ];
  return { nonce, count };
}

describe("certifyCore end to end (anvil + ponder + Postgres + subgraph + gateway)", () => {
  it("certifies a dataset through the gateway and serves it from the gateway and from SQL", async () => {
    const input = {
      provider: devProvider,
      domain: "AGRICULTURAL",
      ...sensorDataset({ missing: [40, 41], late: [7] }),
    };
    const result = await graphql<CertifyData>(stack.gatewayUrl, CERTIFY, { input });
    expect(result.errors).toBeUndefined();
    const payload = result.data?.certifyCore;
    expect(payload?.quality).toEqual({
      presentReadings: 94,
      integrityBps: 9791,
      timelinessBps: 9893,
      continuityBps: 9684,
      longestGapSlots: 2,
    });
    expect(payload?.certificate).toMatchObject({
      id: "1",
      domain: "AGRICULTURAL",
      // No schema named: one value per reading, the soil-moisture layout.
      schemaHash: schemaHashOf("soil-moisture"),
      provider: { address: devProvider, name: "Caldera dev provider", certificateCount: 1 },
      thresholds: { integrityBps: 9791, timelinessBps: 9893, continuityBps: 9684, maxGapSlots: 2 },
      window: {
        start: "2026-06-01T00:00:00Z",
        end: "2026-06-02T00:00:00Z",
        slots: 96,
        slotSeconds: 900,
        deadlineSeconds: 600,
      },
    });
    expect(Number(payload?.gasUsed)).toBeLessThan(350_000);

    const read = await graphql<{
      certificate: { id: string; datasetCommitment: string; provider: { address: string } };
    }>(
      stack.gatewayUrl,
      `query($id: ID!) { certificate(id: $id) { id datasetCommitment provider { address } } }`,
      { id: "1" },
    );
    expect(read.data?.certificate).toEqual({
      id: "1",
      datasetCommitment: payload?.certificate.datasetCommitment,
      provider: { address: devProvider },
    });

    const rows = await sql`
      select id::text, provider, domain, dataset_commitment, schema_hash, min_integrity_bps, transaction_hash
      from caldera.certificate where id = 1`;
    expect(rows).toEqual([
      {
        id: "1",
        provider: devProvider.toLowerCase(),
        domain: 1,
        dataset_commitment: payload?.certificate.datasetCommitment,
        schema_hash: schemaHashOf("soil-moisture"),
        min_integrity_bps: 9791,
        transaction_hash: payload?.transactionHash,
      },
    ]);
  });

  it("pages and filters certificates as a Relay connection", async () => {
    for (const offset of [1, 2]) {
      const input = { provider: devProvider, domain: "INDUSTRIAL", ...sensorDataset({ offset }) };
      const result = await graphql<CertifyData>(stack.gatewayUrl, CERTIFY, { input });
      expect(result.errors).toBeUndefined();
    }
    const page = `query($after: String) {
      certificates(filter: { domain: INDUSTRIAL }, first: 1, after: $after) {
        totalCount
        edges { cursor node { id domain } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }`;
    type Page = {
      certificates: {
        totalCount: number;
        edges: { node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const first = await graphql<Page>(stack.gatewayUrl, page);
    expect(first.data?.certificates.totalCount).toBe(2);
    expect(first.data?.certificates.edges.map((e) => e.node.id)).toEqual(["3"]);
    expect(first.data?.certificates.pageInfo.hasNextPage).toBe(true);
    const second = await graphql<Page>(stack.gatewayUrl, page, {
      after: first.data?.certificates.pageInfo.endCursor,
    });
    expect(second.data?.certificates.edges.map((e) => e.node.id)).toEqual(["2"]);
    expect(second.data?.certificates.pageInfo.hasNextPage).toBe(false);

    const byProvider = await graphql<{
      provider: { certificateCount: number; certificates: { edges: { node: { id: string } }[] } };
    }>(
      stack.gatewayUrl,
      `query($a: Address!) { provider(address: $a) { certificateCount certificates(first: 10) { edges { node { id } } } } }`,
      { a: devProvider },
    );
    expect(byProvider.data?.provider.certificateCount).toBe(3);
    expect(byProvider.data?.provider.certificates.edges.map((e) => e.node.id)).toEqual(["3", "2", "1"]);
  });

  it.each([
    ["too few readings", { readings: sensorDataset().readings.slice(0, 1) }, "INVALID_DATASET"],
    [
      "an out-of-range value",
      { readings: [{ ...sensorDataset().readings[0], value: 1e12 }, ...sensorDataset().readings.slice(1)] },
      "INVALID_DATASET",
    ],
    [
      "a reading outside the window",
      {
        readings: [
          { ...sensorDataset().readings[0], observedAt: "2026-05-31T23:00:00Z" },
          ...sensorDataset().readings.slice(1),
        ],
      },
      "INVALID_DATASET",
    ],
    [
      "a threshold the data does not meet",
      { thresholds: { integrityBps: 10_000 }, ...sensorDataset({ missing: [3] }) },
      "THRESHOLD_NOT_MET",
    ],
    ["an unknown provider", { provider: "0x000000000000000000000000000000000000dEaD" }, "UNKNOWN_PROVIDER"],
    ["an unknown channel schema", { schema: "no-such-schema" }, "INVALID_DATASET"],
    ["single values for a two-channel schema", { schema: "industrial-machine" }, "INVALID_DATASET"],
    ["the same dataset again", {}, "ALREADY_CERTIFIED"],
  ])("rejects %s with a typed error and sends nothing", async (_case, override, code) => {
    const before = await sideEffects();
    const input = {
      provider: devProvider,
      domain: "AGRICULTURAL",
      ...sensorDataset({ missing: [40, 41], late: [7] }),
      ...override,
    };
    const result = await graphql(stack.gatewayUrl, CERTIFY, { input });
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
    expect(await sideEffects()).toEqual(before);
  });

  it("rejects a non-numeric value at the GraphQL layer", async () => {
    const before = await sideEffects();
    const readings = sensorDataset().readings.map((r, i) => (i === 0 ? { ...r, value: "warm" } : r));
    const result = await graphql(stack.gatewayUrl, CERTIFY, {
      input: { provider: devProvider, domain: "AGRICULTURAL", ...sensorDataset(), readings },
    });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await sideEffects()).toEqual(before);
  });

  it("certifies for another provider only after it approves the hub as operator", async () => {
    const providerAccount = privateKeyToAccount(ANVIL_DEV_KEYS[2]);
    const registry = {
      address: stack.deployment.contracts.CoreCertificateRegistry.address,
      abi: coreCertificateRegistryAbi,
    } as const;
    const wallet = createWalletClient({
      account: providerAccount,
      chain: stack.hub.walletClient.chain,
      transport: http(stack.rpcUrl),
    });
    const client = createPublicClient({ transport: http(stack.rpcUrl) });
    await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        ...registry,
        functionName: "registerProvider",
        args: ["Green Valley Farm"],
        chain: wallet.chain,
      }),
    });
    const input = {
      provider: providerAccount.address,
      domain: "AGRICULTURAL",
      ...sensorDataset({ offset: 7 }),
    };

    const before = await sideEffects();
    const refused = await graphql(stack.gatewayUrl, CERTIFY, { input });
    expect(refused.errors?.[0]?.extensions?.code).toBe("NOT_AUTHORIZED");
    expect(await sideEffects()).toEqual(before);

    await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        ...registry,
        functionName: "setOperator",
        args: [devProvider, true],
        chain: wallet.chain,
      }),
    });
    const accepted = await graphql<CertifyData>(stack.gatewayUrl, CERTIFY, { input });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data?.certifyCore.certificate.provider).toMatchObject({
      address: providerAccount.address,
      name: "Green Valley Farm",
    });
  });

  it("certifies a two-channel dataset named by its schema, recording the schema hash on-chain", async () => {
    const base = sensorDataset({ offset: 3, missing: [5] });
    const input = {
      provider: devProvider,
      domain: "INDUSTRIAL",
      ...base,
      schema: "industrial-machine",
      readings: base.readings.map(({ value, ...reading }, i) => ({
        ...reading,
        channels: [
          { name: "temperature", value: value + 40 },
          { name: "faultEvent", value: i % 11 === 0 ? 1 : 0 },
        ],
      })),
    };
    const result = await graphql<CertifyData>(stack.gatewayUrl, CERTIFY, { input });
    expect(result.errors).toBeUndefined();
    const certificate = result.data?.certifyCore.certificate;
    expect(certificate?.schemaHash).toBe(schemaHashOf("industrial-machine"));
    expect(result.data?.certifyCore.quality.presentReadings).toBe(95);
    expect(Number(result.data?.certifyCore.gasUsed)).toBeLessThan(350_000);
    const onChain = await stack.hub.publicClient.readContract({
      address: stack.deployment.contracts.CoreCertificateRegistry.address,
      abi: coreCertificateRegistryAbi,
      functionName: "certificate",
      args: [BigInt(certificate?.id ?? 0)],
    });
    expect(onChain.schemaHash).toBe(schemaHashOf("industrial-machine"));
    expect(onChain.datasetCommitment).toBe(certificate?.datasetCommitment);

    // A reading without one of the schema's channels is refused by name, before anything is sent.
    const before = await sideEffects();
    const partial = input.readings.map((r, i) => (i === 4 ? { ...r, channels: r.channels.slice(0, 1) } : r));
    const refused = await graphql(stack.gatewayUrl, CERTIFY, {
      input: { ...input, readings: partial },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe("INVALID_DATASET");
    expect(refused.errors?.[0]?.message).toContain("readings[4].channels.faultEvent");
    expect(await sideEffects()).toEqual(before);
  });

  it("refuses to register the hub's signer twice, sending nothing", async () => {
    const before = await sideEffects();
    const result = await graphql(
      stack.gatewayUrl,
      `mutation { registerProvider(name: "Again") { address } }`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("PROVIDER_ALREADY_REGISTERED");
    expect(await sideEffects()).toEqual(before);
  });

  it("answers CHAIN_UNAVAILABLE when the chain is down, before proving", async () => {
    const deadRpc = "http://127.0.0.1:9";
    const deadHub = {
      ...stack.hub,
      publicClient: createPublicClient({ transport: http(deadRpc, { retryCount: 0 }) }),
      walletClient: createWalletClient({
        account: stack.hub.walletClient.account,
        transport: http(deadRpc, { retryCount: 0 }),
      }),
    } as typeof stack.hub;
    const isolated = await startSubgraph({
      sql: postgres(stack.postgresUrl, { transform: postgres.camel, max: 1 }),
      viewsSchema: "caldera",
      hub: deadHub,
      port: 0,
    });
    try {
      const before = await sideEffects();
      const result = await graphql(isolated.url, CERTIFY, {
        input: { provider: devProvider, domain: "AGRICULTURAL", ...sensorDataset({ offset: 9 }) },
      });
      expect(result.errors?.[0]?.extensions?.code).toBe("CHAIN_UNAVAILABLE");
      expect(await sideEffects()).toEqual(before);
    } finally {
      await isolated.stop();
    }
  });
});

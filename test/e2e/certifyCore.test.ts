import postgres from "postgres";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreCertificateRegistryAbi } from "../../contracts/generated/abis.js";
import { channelSchemaHash } from "../../prover/channelSchemaHash.js";
import { loadChannelSchema } from "../../prover/loadChannelSchema.js";
import { startSubgraph } from "../../resolvers/startSubgraph.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import {
  type Authorization,
  certificationTypedData,
  certifyCoreAs,
  REGISTER,
  REGISTER_TYPED_DATA,
  registerProviderAs,
  signCertification,
} from "../support/certifyAs.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

const CERTIFY = /* GraphQL */ `
  mutation Certify($input: CertifyCoreInput!, $authorization: SignedAuthorization!) {
    certifyCore(input: $input, authorization: $authorization) {
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

type ErrorExtensions = {
  code?: string;
  reason?: string;
  attribute?: string;
  floor?: number;
  source?: string;
};

const schemaHashOf = (id: string) => channelSchemaHash(loadChannelSchema(id)).schemaHash;
/** The hub's signer, which is also the dev provider `npm start` registers. */
const DEV_KEY = ANVIL_DEV_KEYS[0];
/** Another provider with its own key: it never sends a transaction (accounts 1–3 are the dev nodes). */
const FARM_KEY = ANVIL_DEV_KEYS[6];
const STRANGER_KEY = ANVIL_DEV_KEYS[7];
/** A signature that verifies for nobody: for requests refused before the signature is looked at. */
const NO_SIGNATURE: Authorization = { signature: `0x${"00".repeat(65)}`, deadline: 4_102_444_800 };

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

const registry = () =>
  ({
    address: stack.deployment.contracts.CoreCertificateRegistry.address,
    abi: coreCertificateRegistryAbi,
  }) as const;

/**
 * Nothing may be sent or stored on a rejected request: same hub-signer nonce, same number of certificates, same
 * registry nonce of the provider (no signature used).
 */
async function sideEffects(provider: `0x${string}` = devProvider) {
  const nonce = await stack.hub.publicClient.getTransactionCount({ address: devProvider });
  const registryNonce = await stack.hub.publicClient.readContract({
    ...registry(),
    functionName: "nonces",
    args: [provider],
  });
  const [{ count }] = (await sql`select count(*)::int as count from caldera.certificate`) as unknown as [
    { count: number },
  ];
  return { nonce, count, registryNonce };
}

/** Moves the dev chain's clock forward (the hub reads the time a contract will see from the latest block). */
async function advanceChainTime(seconds: number) {
  const client = stack.hub.publicClient as unknown as {
    request: (args: { method: string; params: unknown[] }) => Promise<unknown>;
  };
  await client.request({ method: "evm_increaseTime", params: [seconds] });
  await client.request({ method: "evm_mine", params: [] });
}

describe("certifyCore end to end (anvil + ponder + Postgres + subgraph + gateway)", () => {
  it("certifies a dataset the provider signed (typed data → signTypedData → mutation) and serves it", async () => {
    const input = {
      provider: devProvider,
      domain: "AGRICULTURAL",
      ...sensorDataset({ missing: [40, 41], late: [7] }),
    };
    // The typed data names the registry, this chain, the claim the hub will submit, nonce 0 and a deadline.
    const typed = await certificationTypedData(stack.gatewayUrl, input);
    expect(typed.errors).toBeUndefined();
    const typedData = typed.data?.certifyCoreTypedData;
    expect(typedData?.primaryType).toBe("Certification");
    expect(typedData?.domain).toEqual({
      name: "Caldera Core Certificates",
      version: "1",
      chainId: 31337,
      verifyingContract: registry().address,
    });
    expect(typedData?.message).toMatchObject({
      provider: devProvider,
      domain: 1,
      minIntegrityBps: 9791,
      minTimelinessBps: 9893,
      minContinuityBps: 9684,
      maxGapSlots: 2,
      slotSeconds: 900,
      deadlineSeconds: 600,
      windowStart: Date.parse("2026-06-01T00:00:00Z") / 1000,
      nonce: 0,
    });
    const now = Math.floor(Date.now() / 1000);
    expect(typedData?.message.deadline).toBeGreaterThan(now + 3_500);
    expect(typedData?.message.deadline).toBeLessThanOrEqual(now + 3_700);

    const result = await certifyCoreAs<CertifyData>(stack.gatewayUrl, DEV_KEY, input, { query: CERTIFY });
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
    expect((await sideEffects()).registryNonce).toBe(1n);

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
      const result = await certifyCoreAs(stack.gatewayUrl, DEV_KEY, input);
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

  /** 10 of 96 readings: integrity 1,041 bps, far below the seed floor of 5,000. */
  const sparse = () => sensorDataset({ offset: 20, missing: Array.from({ length: 86 }, (_, i) => i + 10) });

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
    [
      "an explicit threshold below the floor",
      { thresholds: { integrityBps: 4_999 }, ...sensorDataset({ offset: 21 }) },
      "BELOW_FLOOR",
    ],
    [
      "an explicit gap above the floor's maximum",
      { thresholds: { maxGapSlots: 49 }, ...sensorDataset({ offset: 22 }) },
      "BELOW_FLOOR",
    ],
    ["a dataset of 10 readings out of 96", sparse(), "BELOW_FLOOR"],
    ["an unknown provider", { provider: "0x000000000000000000000000000000000000dEaD" }, "UNKNOWN_PROVIDER"],
    ["an unknown channel schema", { schema: "no-such-schema" }, "INVALID_DATASET"],
    ["single values for a two-channel schema", { schema: "industrial-machine" }, "INVALID_DATASET"],
    ["the same dataset again", {}, "ALREADY_CERTIFIED"],
  ])(
    "refuses %s in the typed data query and in the mutation, sending nothing",
    async (_case, override, code) => {
      const before = await sideEffects();
      const input = {
        provider: devProvider,
        domain: "AGRICULTURAL",
        ...sensorDataset({ missing: [40, 41], late: [7] }),
        ...override,
      };
      const typed = await certificationTypedData(stack.gatewayUrl, input);
      expect(typed.errors?.[0]?.extensions?.code).toBe(code);
      // A client that skips the query meets the same refusal before its signature is even looked at.
      const result = await graphql(stack.gatewayUrl, CERTIFY, { input, authorization: NO_SIGNATURE });
      expect(result.errors?.[0]?.extensions?.code).toBe(code);
      expect(await sideEffects()).toEqual(before);
    },
  );

  it("names the attribute and the floor: requested below it, or achieved below it by the data", async () => {
    const requested = await certificationTypedData(stack.gatewayUrl, {
      provider: devProvider,
      domain: "INDUSTRIAL",
      ...sensorDataset({ offset: 23 }),
      thresholds: { timelinessBps: 1_000 },
    });
    expect(requested.errors?.[0]?.extensions).toMatchObject({
      code: "BELOW_FLOOR",
      attribute: "timelinessBps",
      value: 1_000,
      floor: 5_000,
      source: "requested",
    });
    expect(requested.errors?.[0]?.message).toMatch(
      /thresholds\.timelinessBps is 1000, below the certification floor of 5000/,
    );
    const achieved = await certificationTypedData(stack.gatewayUrl, {
      provider: devProvider,
      domain: "AGRICULTURAL",
      ...sparse(),
    });
    expect(achieved.errors?.[0]?.extensions).toMatchObject({
      code: "BELOW_FLOOR",
      attribute: "integrityBps",
      value: 1_041,
      floor: 5_000,
      source: "data",
    });
    expect(achieved.errors?.[0]?.message).toMatch(
      /the data achieves integrityBps 1041, below the certification floor/,
    );
  });

  it("rejects a non-numeric value at the GraphQL layer", async () => {
    const before = await sideEffects();
    const readings = sensorDataset().readings.map((r, i) => (i === 0 ? { ...r, value: "warm" } : r));
    const result = await graphql(stack.gatewayUrl, CERTIFY, {
      input: { provider: devProvider, domain: "AGRICULTURAL", ...sensorDataset(), readings },
      authorization: NO_SIGNATURE,
    });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await sideEffects()).toEqual(before);
  });

  it("refuses a mutation without an authorization at the GraphQL layer", async () => {
    const result = await graphql(stack.gatewayUrl, CERTIFY, {
      input: { provider: devProvider, domain: "AGRICULTURAL", ...sensorDataset({ offset: 30 }) },
    });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  describe("signatures: NOT_AUTHORIZED, nothing proven, sent or stored", () => {
    const inputFor = (offset: number) => ({
      provider: devProvider,
      domain: "AGRICULTURAL",
      ...sensorDataset({ offset }),
    });

    /** Sends `input` with `authorization`; expects NOT_AUTHORIZED with `reason` and no side effect. */
    async function expectRefused(
      input: Record<string, unknown>,
      authorization: Authorization,
      reason: string,
    ) {
      const before = await sideEffects();
      const result = await graphql<{ certifyCore: unknown }>(stack.gatewayUrl, CERTIFY, {
        input,
        authorization,
      });
      expect(result.errors?.[0]?.extensions as ErrorExtensions).toMatchObject({
        code: "NOT_AUTHORIZED",
        reason,
      });
      expect(await sideEffects()).toEqual(before);
      return result.errors?.[0]?.message ?? "";
    }

    async function signed(signer: `0x${string}`, input: Record<string, unknown>, deadline?: string) {
      const s = await signCertification(stack.gatewayUrl, signer, input, deadline);
      if (!("authorization" in s)) throw new Error(JSON.stringify(s.errors));
      return s.authorization;
    }

    it("refuses a signature by a key that is not the provider's", async () => {
      const input = inputFor(31);
      const message = await expectRefused(input, await signed(STRANGER_KEY, input), "signature");
      expect(message).toContain(`not ${devProvider}'s`);
    });

    it("refuses a signature over another dataset, other thresholds or another deadline", async () => {
      const input = inputFor(32);
      const authorization = await signed(DEV_KEY, input);
      await expectRefused(inputFor(33), authorization, "signature");
      await expectRefused({ ...input, thresholds: { integrityBps: 9_000 } }, authorization, "signature");
      await expectRefused(input, { ...authorization, deadline: authorization.deadline + 1 }, "signature");
      await expectRefused(input, { ...authorization, signature: "0x1234" }, "signature");
    });

    it("refuses an expired signature", async () => {
      const input = inputFor(34);
      const deadline = new Date((Math.floor(Date.now() / 1000) + 30) * 1000)
        .toISOString()
        .replace(".000Z", "Z");
      const authorization = await signed(DEV_KEY, input, deadline);
      await advanceChainTime(120);
      const message = await expectRefused(input, authorization, "expired");
      expect(message).toMatch(/expired/);
    });

    it("refuses a replayed signature: one made for a nonce another certification used", async () => {
      const first = inputFor(35);
      const second = inputFor(36);
      // Both signed for the same nonce; the second one certified first uses it.
      const firstAuthorization = await signed(DEV_KEY, first);
      const secondAuthorization = await signed(DEV_KEY, second);
      const accepted = await graphql(stack.gatewayUrl, CERTIFY, {
        input: second,
        authorization: secondAuthorization,
      });
      expect(accepted.errors).toBeUndefined();
      const message = await expectRefused(first, firstAuthorization, "replayed");
      expect(message).toMatch(/nonce \d+, which .* has used/);
      // Signed again for the next nonce, it goes through.
      expect((await certifyCoreAs(stack.gatewayUrl, DEV_KEY, first)).errors).toBeUndefined();
    });
  });

  it("lets another provider register and certify by signature alone: no operator approval, no transaction of its own", async () => {
    const farm = privateKeyToAccount(FARM_KEY);
    const input = { provider: farm.address, domain: "AGRICULTURAL", ...sensorDataset({ offset: 7 }) };
    // Not registered yet: nothing to sign for.
    expect((await certificationTypedData(stack.gatewayUrl, input)).errors?.[0]?.extensions?.code).toBe(
      "UNKNOWN_PROVIDER",
    );

    const registered = await registerProviderAs(stack.gatewayUrl, farm, "Green Valley Farm");
    expect(registered.errors).toBeUndefined();
    expect(registered.data?.registerProvider).toEqual({ address: farm.address, name: "Green Valley Farm" });
    expect((await sideEffects(farm.address)).registryNonce).toBe(1n);

    // The hub's key cannot speak for the farm.
    const forged = await signCertification(stack.gatewayUrl, DEV_KEY, input);
    if (!("authorization" in forged)) throw new Error(JSON.stringify(forged.errors));
    const before = await sideEffects(farm.address);
    const refused = await graphql(stack.gatewayUrl, CERTIFY, { input, authorization: forged.authorization });
    expect(refused.errors?.[0]?.extensions?.code).toBe("NOT_AUTHORIZED");
    expect(await sideEffects(farm.address)).toEqual(before);

    const accepted = await certifyCoreAs<CertifyData>(stack.gatewayUrl, farm, input, { query: CERTIFY });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data?.certifyCore.certificate.provider).toMatchObject({
      address: farm.address,
      name: "Green Valley Farm",
      certificateCount: 1,
    });
    expect(Number(accepted.data?.certifyCore.gasUsed)).toBeLessThan(350_000);
    expect((await sideEffects(farm.address)).registryNonce).toBe(2n);
    // The hub paid for both; the farm never sent a transaction.
    expect(await stack.hub.publicClient.getTransactionCount({ address: farm.address })).toBe(0);
  });

  it("refuses registrations that are not the provider's, and the hub's signer twice, sending nothing", async () => {
    const stranger = privateKeyToAccount(STRANGER_KEY);
    const typed = await graphql<{
      registerProviderTypedData: Record<string, unknown> & { message: { deadline: number } };
    }>(stack.gatewayUrl, REGISTER_TYPED_DATA, { provider: stranger.address, name: "Stranger farm" });
    const typedData = typed.data?.registerProviderTypedData;
    expect(typedData?.primaryType).toBe("ProviderRegistration");
    const signature = await privateKeyToAccount(FARM_KEY).signTypedData(typedData as never);
    const before = await sideEffects(stranger.address);
    const wrongKey = await graphql(stack.gatewayUrl, REGISTER, {
      provider: stranger.address,
      name: "Stranger farm",
      authorization: { signature, deadline: typedData?.message.deadline },
    });
    expect(wrongKey.errors?.[0]?.extensions).toMatchObject({ code: "NOT_AUTHORIZED", reason: "signature" });
    const ownSignature = await stranger.signTypedData(typedData as never);
    const otherName = await graphql(stack.gatewayUrl, REGISTER, {
      provider: stranger.address,
      name: "Another name",
      authorization: { signature: ownSignature, deadline: typedData?.message.deadline },
    });
    expect(otherName.errors?.[0]?.extensions).toMatchObject({ code: "NOT_AUTHORIZED", reason: "signature" });
    expect(await sideEffects(stranger.address)).toEqual(before);

    const beforeAgain = await sideEffects();
    const again = await registerProviderAs(stack.gatewayUrl, DEV_KEY, "Again");
    expect(again.errors?.[0]?.extensions?.code).toBe("PROVIDER_ALREADY_REGISTERED");
    const direct = await graphql(stack.gatewayUrl, REGISTER, {
      provider: devProvider,
      name: "Again",
      authorization: NO_SIGNATURE,
    });
    expect(direct.errors?.[0]?.extensions?.code).toBe("PROVIDER_ALREADY_REGISTERED");
    expect(await sideEffects()).toEqual(beforeAgain);
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
    const result = await certifyCoreAs<CertifyData>(stack.gatewayUrl, DEV_KEY, input, { query: CERTIFY });
    expect(result.errors).toBeUndefined();
    const certificate = result.data?.certifyCore.certificate;
    expect(certificate?.schemaHash).toBe(schemaHashOf("industrial-machine"));
    expect(result.data?.certifyCore.quality.presentReadings).toBe(95);
    expect(Number(result.data?.certifyCore.gasUsed)).toBeLessThan(350_000);
    const onChain = await stack.hub.publicClient.readContract({
      ...registry(),
      functionName: "certificate",
      args: [BigInt(certificate?.id ?? 0)],
    });
    expect(onChain.schemaHash).toBe(schemaHashOf("industrial-machine"));
    expect(onChain.datasetCommitment).toBe(certificate?.datasetCommitment);

    // A reading without one of the schema's channels is refused by name, before anything is sent.
    const before = await sideEffects();
    const partial = input.readings.map((r, i) => (i === 4 ? { ...r, channels: r.channels.slice(0, 1) } : r));
    const refused = await certifyCoreAs(stack.gatewayUrl, DEV_KEY, { ...input, readings: partial });
    expect(refused.errors?.[0]?.extensions?.code).toBe("INVALID_DATASET");
    expect(refused.errors?.[0]?.message).toContain("readings[4].channels.faultEvent");
    expect(await sideEffects()).toEqual(before);
  });

  it("answers CHAIN_UNAVAILABLE when the chain is down, before proving", async () => {
    const input = { provider: devProvider, domain: "AGRICULTURAL", ...sensorDataset({ offset: 9 }) };
    const signed = await signCertification(stack.gatewayUrl, DEV_KEY, input);
    if (!("authorization" in signed)) throw new Error(JSON.stringify(signed.errors));
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
      const result = await graphql(isolated.url, CERTIFY, { input, authorization: signed.authorization });
      expect(result.errors?.[0]?.extensions?.code).toBe("CHAIN_UNAVAILABLE");
      const typed = await graphql(
        isolated.url,
        `query($input: CertifyCoreInput!) { certifyCoreTypedData(input: $input) { message } }`,
        { input },
      );
      expect(typed.errors?.[0]?.extensions?.code).toBe("CHAIN_UNAVAILABLE");
      expect(await sideEffects()).toEqual(before);
    } finally {
      await isolated.stop();
    }
  });
});

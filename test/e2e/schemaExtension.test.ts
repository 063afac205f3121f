import postgres from "postgres";
import {
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  http,
  type TypedDataDefinition,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccount, signTypedDataAs } from "../../cli/devAccounts.js";
import { calderaGovernorAbi, channelSchemaRegistryAbi } from "../../contracts/generated/abis.js";
import { channelSchemaHash } from "../../prover/channelSchemaHash.js";
import { loadChannelSchema } from "../../prover/loadChannelSchema.js";
import { extendChannelSchema } from "../../usecases/evolution/extendChannelSchema.js";
import { loadSchemaExtensions } from "../../usecases/evolution/loadSchemaExtensions.js";
import { governanceTypedDataFromJson } from "../../usecases/governance/governanceTypedData.js";
import { certificationTypedData, certifyCoreAs, registerProviderAs } from "../support/certifyAs.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

/**
 * Data dimensions end to end, on the real stack with the schema extension watcher on: providers' soil-moisture
 * datasets carry pestIncidenceRate → refused (INVALID_DATASET), metered → the detector sees the channel is
 * consistent → the hub files ONE proposal (approveExtension) → dev nodes vote it through, it is queued and executed →
 * the same kind of dataset certifies under the extended schema with no manual change, and GraphQL and SQL show it.
 */

const PROVIDERS = [devAccount(7), devAccount(8)];
const EXTENDED_ID = "soil-moisture-pest-incidence-rate";
const base = loadChannelSchema("soil-moisture");
const expected = extendChannelSchema({ base, channel: "pestIncidenceRate", decimals: 2 });

let stack: TestStack;
let testClient: ReturnType<typeof createTestClient>;
let submissions = 0;

type ExtensionProposal = {
  id: string;
  schemaId: string;
  baseSchemaHash: string;
  extendedSchemaHash: string;
  consistent: boolean;
  addedChannels: { name: string; unit: string; decimals: number }[];
  proposal: {
    state: string;
    timeline: { voteEnd: string };
    actions: { decoded: { functionName: string } | null }[];
  };
};

const PROPOSALS = `{ schemaExtensionProposals { id schemaId baseSchemaHash extendedSchemaHash consistent
  addedChannels { name unit decimals }
  proposal { state timeline { voteEnd } actions { decoded { functionName } } } } }`;

async function proposals(): Promise<ExtensionProposal[]> {
  const result = await graphql<{ schemaExtensionProposals: ExtensionProposal[] }>(
    stack.gatewayUrl,
    PROPOSALS,
  );
  expect(result.errors).toBeUndefined();
  return result.data?.schemaExtensionProposals ?? [];
}

async function mine(blocks: number) {
  if (blocks > 0) await testClient.mine({ blocks });
  await stack.hub.indexer.waitForBlock(await stack.hub.publicClient.getBlockNumber({ cacheTime: 0 }), 30_000);
}

/** A day of soil moisture whose readings also carry pestIncidenceRate (two decimals), distinct per call. */
function pestDataset() {
  submissions += 1;
  const day = String(submissions).padStart(2, "0");
  const dataset = sensorDataset({ windowStart: `2026-07-${day}T00:00:00Z`, offset: submissions / 10 });
  return {
    domain: "AGRICULTURAL",
    ...dataset,
    readings: dataset.readings.map(({ value, ...reading }, i) => ({
      ...reading,
      channels: [
        { name: "value", value },
        { name: "pestIncidenceRate", value: Math.round((0.1 + (i % 7) / 100) * 100) / 100 },
      ],
    })),
  };
}

async function vote(proposalId: string, n: number) {
  const input = { proposalId, voter: devAccount(n).address, support: "FOR" };
  const typed = await graphql<{ castVoteTypedData: { typedData: Record<string, unknown> } }>(
    stack.gatewayUrl,
    "query($input: CastVoteInput!) { castVoteTypedData(input: $input) { typedData { domain types primaryType message } } }",
    { input },
  );
  expect(typed.errors).toBeUndefined();
  const signature = await signTypedDataAs(
    n,
    governanceTypedDataFromJson(typed.data?.castVoteTypedData.typedData as never) as TypedDataDefinition,
  );
  const cast = await graphql(
    stack.gatewayUrl,
    "mutation($input: CastVoteInput!, $signature: Bytes!) { castVote(input: $input, signature: $signature) { transactionHash } }",
    { input, signature },
  );
  expect(cast.errors).toBeUndefined();
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  stack = await startTestStack([], {
    evolution: { tuneProver: false, kernelSeed: 7, schemaWatcher: { intervalMs: 1_000 } },
  });
  testClient = createTestClient({ mode: "anvil", transport: http(stack.rpcUrl) });
  for (const [i, provider] of PROVIDERS.entries()) {
    const registered = await registerProviderAs(stack.gatewayUrl, provider, `pest sensors ${i + 1}`);
    expect(registered.errors).toBeUndefined();
  }
}, 600_000);

afterAll(async () => {
  await stack?.teardown();
});

describe("schema extensions end to end (validators → telemetry → detector → governance → validators)", () => {
  let proposalId: string;
  let forgedId: string;

  it("refuses datasets with an unknown channel, then files one approveExtension proposal once the channel is consistent", async () => {
    expect(stack.deployment.contracts).toHaveProperty("ChannelSchemaRegistry");
    // Four refusals from two providers: one short of the detector's five.
    for (let i = 0; i < 4; i += 1) {
      const typed = await certificationTypedData(stack.gatewayUrl, {
        provider: PROVIDERS[i % 2]?.address,
        ...pestDataset(),
      });
      expect(typed.errors?.[0]?.extensions?.code).toBe("INVALID_DATASET");
      expect(typed.errors?.[0]?.message).toMatch(/pestIncidenceRate/);
    }
    // Several watcher passes later, still nothing filed.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await proposals()).toEqual([]);

    const fifth = await certifyCoreAs(stack.gatewayUrl, PROVIDERS[0] as never, pestDataset());
    expect(fifth.errors?.[0]?.extensions?.code).toBe("INVALID_DATASET");
    const [filed] = await until("the hub's proposal", async () => {
      const found = await proposals();
      return found.length > 0 ? found : undefined;
    });
    expect(filed).toMatchObject({
      schemaId: EXTENDED_ID,
      baseSchemaHash: channelSchemaHash(base).schemaHash,
      extendedSchemaHash: expected.extendedSchemaHash,
      consistent: true,
      addedChannels: [{ name: "pestIncidenceRate", unit: "unspecified", decimals: 2 }],
      proposal: { actions: [{ decoded: { functionName: "approveExtension" } }] },
    });
    proposalId = filed?.id as string;

    // More refusals and passes: never a second proposal while this one is pending.
    for (let i = 0; i < 2; i += 1)
      await certificationTypedData(stack.gatewayUrl, { provider: PROVIDERS[1]?.address, ...pestDataset() });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await proposals()).map((p) => p.id)).toEqual([proposalId]);
  }, 300_000);

  it("votes, queues and executes it (and, beside it, a forged approval whose definition does not match its hash)", async () => {
    // A node proposes directly on the governor an approval the hub would refuse: a definition hashing elsewhere.
    const forgedSchema = extendChannelSchema({ base, channel: "rogueChannel", decimals: 1 });
    const other = extendChannelSchema({ base, channel: "canopyCover", decimals: 1 });
    const registry = stack.deployment.contracts.ChannelSchemaRegistry?.address as `0x${string}`;
    const node3 = createWalletClient({
      account: devAccount(3),
      chain: stack.hub.walletClient.chain,
      transport: http(stack.rpcUrl),
    });
    const content = {
      targets: [registry],
      values: [0n],
      calldatas: [
        encodeFunctionData({
          abi: channelSchemaRegistryAbi,
          functionName: "approveExtension",
          args: [
            forgedSchema.baseSchemaHash,
            other.extendedSchemaHash,
            forgedSchema.schema.id,
            forgedSchema.definition,
          ],
        }),
      ],
      description: "A forged schema extension: its definition does not hash to its extended hash",
    };
    const governor = {
      address: stack.deployment.contracts.CalderaGovernor.address,
      abi: calderaGovernorAbi,
    } as const;
    const hash = await node3.writeContract({
      ...governor,
      functionName: "propose",
      args: [content.targets, content.values, content.calldatas, content.description],
      chain: node3.chain,
    });
    expect((await stack.hub.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    await mine(1);
    const listed = await proposals();
    expect(listed.map((p) => p.consistent)).toEqual([true, false]);
    forgedId = listed[1]?.id as string;

    for (const id of [proposalId, forgedId]) for (const n of [1, 2]) await vote(id, n);
    const voteEnd = BigInt(listed[1]?.proposal.timeline.voteEnd as string);
    await mine(Number(voteEnd - (await stack.hub.publicClient.getBlockNumber({ cacheTime: 0 }))) + 1);
    for (const id of [proposalId, forgedId]) {
      const queued = await graphql(
        stack.gatewayUrl,
        "mutation($id: ID!) { queueProposal(id: $id) { transactionHash } }",
        {
          id,
        },
      );
      expect(queued.errors).toBeUndefined();
    }
    await testClient.increaseTime({ seconds: 2 * 86_400 });
    await mine(1);
    for (const id of [proposalId, forgedId]) {
      const executed = await graphql<{ executeProposal: { proposal: { state: string } } }>(
        stack.gatewayUrl,
        "mutation($id: ID!) { executeProposal(id: $id) { proposal { state } } }",
        { id },
      );
      expect(executed.errors).toBeUndefined();
      expect(executed.data?.executeProposal.proposal.state).toBe("EXECUTED");
    }
  }, 300_000);

  it("certifies the same kind of dataset under the extended schema, with no manual change", async () => {
    const result = await certifyCoreAs<{ certifyCore: { certificate: { id: string; schemaHash: string } } }>(
      stack.gatewayUrl,
      PROVIDERS[1] as never,
      pestDataset(),
      {
        query: `mutation Certify($input: CertifyCoreInput!, $authorization: SignedAuthorization!) {
          certifyCore(input: $input, authorization: $authorization) { certificate { id schemaHash } } }`,
      },
    );
    expect(result.errors).toBeUndefined();
    const certificate = result.data?.certifyCore.certificate;
    expect(certificate?.schemaHash).toBe(expected.extendedSchemaHash);

    const read = await graphql<{ certificate: { schema: Record<string, unknown> } }>(
      stack.gatewayUrl,
      `query($id: ID!) { certificate(id: $id) { schema { id hash channels { name unit decimals } extendedFrom { id } approvedAt proposal } } }`,
      { id: certificate?.id },
    );
    expect(read.errors).toBeUndefined();
    expect(read.data?.certificate.schema).toMatchObject({
      id: EXTENDED_ID,
      hash: expected.extendedSchemaHash,
      channels: [
        { name: "value", unit: "%", decimals: 3 },
        { name: "pestIncidenceRate", unit: "unspecified", decimals: 2 },
      ],
      extendedFrom: { id: "soil-moisture" },
      proposal: proposalId,
    });
    expect(read.data?.certificate.schema.approvedAt).toEqual(expect.any(String));

    // Still one proposal: executed, the watcher never files it again.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await proposals()).filter((p) => p.schemaId === EXTENDED_ID).map((p) => p.id)).toEqual([
      proposalId,
    ]);
  }, 300_000);

  it("shows the extension in channelSchemas and in SQL; the forged one is refused (logged, ignored) and never crashes", async () => {
    const schemas = await graphql<{
      channelSchemas: { id: string; channels: { name: string }[]; extendedFrom: { id: string } | null }[];
    }>(stack.gatewayUrl, "{ channelSchemas { id channels { name } extendedFrom { id } } }");
    expect(schemas.errors).toBeUndefined();
    expect(schemas.data?.channelSchemas.map((s) => s.id)).toEqual([
      "agri-market-price",
      "agri-weather-daily",
      "industrial-machine",
      "soil-moisture",
      EXTENDED_ID,
    ]);
    expect(schemas.data?.channelSchemas.at(-1)).toEqual({
      id: EXTENDED_ID,
      channels: [{ name: "value" }, { name: "pestIncidenceRate" }],
      extendedFrom: { id: "soil-moisture" },
    });

    const sql = postgres(stack.postgresUrl, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ schema_id: string; channels: { name: string }[] }[]>`
        select schema_id, channels from caldera.channel_schema_extension order by event_id`;
      expect(rows.map((r) => r.schema_id)).toEqual([EXTENDED_ID, "soil-moisture-rogue-channel"]);
      expect(rows[0]?.channels.map((c) => c.name)).toEqual(["value", "pestIncidenceRate"]);
    } finally {
      await sql.end();
    }

    // The hub's loader: the forged approval is logged and ignored; the real one loads.
    const lines: string[] = [];
    const fresh = { ...stack.hub, deployment: { ...stack.hub.deployment } };
    const loaded = await loadSchemaExtensions(fresh, { log: (line) => lines.push(line) });
    expect(loaded.map((e) => e.schema.id)).toEqual([EXTENDED_ID]);
    expect(lines).toEqual([
      expect.stringMatching(
        /^channel schemas: ignoring the approved extension "soil-moisture-rogue-channel" .* the definition hashes to/,
      ),
    ]);
    // A dataset carrying the forged channel is still refused as unknown, not accepted and not a crash.
    const rogue = pestDataset();
    const refused = await certificationTypedData(stack.gatewayUrl, {
      provider: PROVIDERS[0]?.address,
      ...rogue,
      readings: rogue.readings.map((r) => ({
        ...r,
        channels: [r.channels[0], { name: "rogueChannel", value: 1 }],
      })),
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe("INVALID_DATASET");

    // A node proposing such a pair through the hub is refused before anything is signed or sent.
    const forged = extendChannelSchema({ base, channel: "leafWetness", decimals: 1 });
    const typed = await graphql(
      stack.gatewayUrl,
      "query($input: ProposeRuleChangeInput!) { proposeRuleChangeTypedData(input: $input) { proposalId } }",
      {
        input: {
          proposer: devAccount(2).address,
          approveSchemaExtension: {
            baseSchemaHash: forged.baseSchemaHash,
            extendedSchemaHash: extendChannelSchema({ base, channel: "canopyCover", decimals: 1 })
              .extendedSchemaHash,
            schemaId: forged.schema.id,
            definition: forged.definition,
          },
        },
      },
    );
    expect(typed.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(typed.errors?.[0]?.message).toMatch(/approveSchemaExtension.definition the definition hashes to/);
  }, 300_000);
});

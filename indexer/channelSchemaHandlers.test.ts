import { beforeAll, describe, expect, it, vi } from "vitest";
import { createMemoryStore, type Row } from "../test/support/createMemoryStore.js";
import * as schema from "./ponder.schema";

/**
 * The ChannelSchemaRegistry handler (src/ChannelSchemaRegistry.ts) fed SchemaExtensionApproved as the registry emits
 * it, against the in-memory stand-in for ponder's store the other handler tests use: one row per extended hash, the
 * definition kept as emitted and its channels as JSON for SQL (null when the definition is not JSON).
 */

type Handler = (input: { event: unknown; context: unknown }) => Promise<void>;

const handlers = new Map<string, Handler>();
vi.mock("ponder:registry", () => ({
  ponder: { on: (name: string, handler: Handler) => handlers.set(name, handler) },
}));
vi.mock("ponder:schema", () => import("./ponder.schema"));

const hash = (i: number) => `0x${i.toString(16).padStart(64, "0")}` as const;
let sequence = 0;
let store: ReturnType<typeof createMemoryStore>;

async function emit(args: Row) {
  sequence++;
  const handler = handlers.get("ChannelSchemaRegistry:SchemaExtensionApproved");
  if (!handler) throw new Error("no handler for SchemaExtensionApproved");
  await handler({
    event: {
      id: String(sequence).padStart(75, "0"),
      args,
      block: { timestamp: 1_780_000_000n + BigInt(sequence), number: BigInt(100 + sequence) },
      transaction: { hash: hash(1000 + sequence) },
    },
    context: { db: store.db },
  });
}

beforeAll(async () => {
  await import("./src/ChannelSchemaRegistry");
});

describe("ChannelSchemaRegistry handler", () => {
  it("records each approved extension with its channels", async () => {
    store = createMemoryStore();
    const definition =
      '{"channels":[{"decimals":3,"name":"value","unit":"%"},{"decimals":2,"name":"pestIncidenceRate","unit":"unspecified"}],"domain":"AGRICULTURAL","id":"soil-moisture-pest-incidence-rate","slotSeconds":900,"title":"t"}';
    await emit({
      baseSchemaHash: hash(1),
      extendedSchemaHash: hash(2),
      schemaId: "soil-moisture-pest-incidence-rate",
      definition,
    });
    await emit({
      baseSchemaHash: hash(1),
      extendedSchemaHash: hash(3),
      schemaId: "broken",
      definition: "not json",
    });
    expect(store.all(schema.channelSchemaExtension)).toEqual([
      {
        extendedSchemaHash: hash(2),
        baseSchemaHash: hash(1),
        schemaId: "soil-moisture-pest-incidence-rate",
        definition,
        channels: [
          { decimals: 3, name: "value", unit: "%" },
          { decimals: 2, name: "pestIncidenceRate", unit: "unspecified" },
        ],
        approvedAt: 1_780_000_001n,
        blockNumber: 101n,
        transactionHash: hash(1001),
        eventId: "1".padStart(75, "0"),
      },
      expect.objectContaining({ extendedSchemaHash: hash(3), channels: null }),
    ]);
  });
});

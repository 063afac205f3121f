import type { Hex } from "viem";
import { channelSchemaRegistryAbi } from "../../contracts/generated/abis.js";
import type { ChannelSchema } from "../../prover/channelSchema.js";
import { registerChannelSchema } from "../../prover/loadChannelSchema.js";
import { fromChainError } from "../fromChainError.js";
import type { HubServices } from "../HubServices.js";
import { channelSchemaRegistryOf } from "./channelSchemaRegistryOf.js";
import { shippedChannelSchemas } from "./shippedChannelSchemas.js";
import { type ApprovedSchemaExtension, verifySchemaExtensions } from "./verifySchemaExtensions.js";

export type LoadSchemaExtensionsOptions = {
  /** Where a refused extension is reported (once per process and extension); default one line on stderr. */
  log?: ((line: string) => void) | undefined;
};

/** An approved extension the hub checked and loads by id (registered with `registerChannelSchema`). */
export type LoadedSchemaExtension = {
  schema: ChannelSchema;
  base: ChannelSchema;
  baseSchemaHash: Hex;
  extendedSchemaHash: Hex;
};

type ExtensionState = {
  /** `extensionCount()` when last read: the events are read again only when it moved. */
  count: bigint;
  loaded: LoadedSchemaExtension[];
  reported: Set<string>;
  syncing?: Promise<void> | undefined;
};

/** Per hub (per deployment): what the registry had approved when last read. */
const states = new WeakMap<object, ExtensionState>();

/**
 * The approved extensions the hub accepts, in approval order, each registered so `loadChannelSchema` loads it by
 * id in this process. CHAIN_UNAVAILABLE when the registry cannot be read; none where it is not deployed.
 */
export async function loadSchemaExtensions(
  hub: Pick<HubServices, "deployment" | "publicClient">,
  { log = (line) => process.stderr.write(`${line}\n`) }: LoadSchemaExtensionsOptions = {},
): Promise<readonly LoadedSchemaExtension[]> {
  const registry = channelSchemaRegistryOf(hub.deployment);
  if (registry === undefined) return [];
  const key = hub.deployment;
  let state = states.get(key);
  if (state === undefined) {
    state = { count: 0n, loaded: [], reported: new Set() };
    states.set(key, state);
  }
  const s = state;
  s.syncing ??= (async () => {
    const contract = { address: registry.address, abi: channelSchemaRegistryAbi } as const;
    const count = await hub.publicClient.readContract({ ...contract, functionName: "extensionCount" });
    if (count === s.count) return;
    const events = await hub.publicClient.getContractEvents({
      ...contract,
      eventName: "SchemaExtensionApproved",
      fromBlock: BigInt(registry.startBlock),
      toBlock: "latest",
      strict: true,
    });
    const approved: ApprovedSchemaExtension[] = events.map((event) => ({
      baseSchemaHash: event.args.baseSchemaHash,
      extendedSchemaHash: event.args.extendedSchemaHash,
      schemaId: event.args.schemaId,
      definition: event.args.definition,
    }));
    const { verified, rejected } = verifySchemaExtensions(approved, shippedChannelSchemas());
    for (const { extension, reason } of rejected) {
      if (s.reported.has(extension.extendedSchemaHash)) continue;
      s.reported.add(extension.extendedSchemaHash);
      log(
        `channel schemas: ignoring the approved extension "${extension.schemaId}" (${extension.extendedSchemaHash}): ${reason}`,
      );
    }
    const loaded: LoadedSchemaExtension[] = [];
    for (const { extension, schema, base } of verified) {
      let registered: ChannelSchema;
      try {
        registered = registerChannelSchema(schema);
      } catch (error) {
        log(`channel schemas: cannot load "${schema.id}": ${(error as Error).message}`);
        continue;
      }
      // An id this process registered differently before (another stack in the same process) is not this one.
      if (JSON.stringify(registered) !== JSON.stringify(schema)) continue;
      loaded.push({
        schema,
        base,
        baseSchemaHash: extension.baseSchemaHash,
        extendedSchemaHash: extension.extendedSchemaHash,
      });
    }
    s.loaded = loaded;
    s.count = count;
  })()
    .catch((error: unknown) => {
      throw fromChainError(error);
    })
    .finally(() => {
      s.syncing = undefined;
    });
  await s.syncing;
  return s.loaded;
}

import type { LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BaseError } from "../errors/BaseError.js";
import { detectSchemaExtensions } from "../usecases/evolution/detectSchemaExtensions.js";
import {
  type ProposeSchemaExtensionReturnType,
  proposeSchemaExtension,
} from "../usecases/evolution/proposeSchemaExtension.js";
import { fromChain, governorOf, NEXT_BLOCK } from "../usecases/governance/governor.js";
import type { HubServices } from "../usecases/HubServices.js";
import { DEV_CHAIN_ID } from "./resolveSigner.js";
import { DEV_NODE_KEYS } from "./setUpDevNodes.js";

export type StartSchemaExtensionWatcherParameters = {
  hub: HubServices;
  /** Time between passes (caldera.config.json `evolution.schemaWatcher.intervalMs`). */
  intervalMs: number;
  log: (line: string) => void;
  /** Who proposes; default `schemaExtensionProposer` (the hub's signer when staked, else dev node 1 on the dev chain). */
  proposer?: LocalAccount | undefined;
};

export type StartSchemaExtensionWatcherReturnType = {
  /** One pass now (never overlapping the timer's); resolves with what each consistent channel led to. */
  runOnce: () => Promise<ProposeSchemaExtensionReturnType[]>;
  stop: () => Promise<void>;
};

/**
 * The staked account the hub proposes schema extensions as: its own signer when that holds the proposal threshold
 * in stake (a hub operating as a node), else — on the dev chain only, whose keys are public — dev node 1
 * (stack/setUpDevNodes.ts), so a fresh dev stack evolves with no manual step. Undefined elsewhere: nobody can propose.
 */
export async function schemaExtensionProposer(hub: HubServices): Promise<LocalAccount | undefined> {
  const own = hub.walletClient.account;
  const governor = governorOf(hub);
  const head = await fromChain(hub.publicClient.getBlockNumber({ cacheTime: 0 }));
  const [threshold, votes] = await Promise.all([
    fromChain(
      hub.publicClient.readContract({ ...governor, functionName: "proposalThreshold", blockTag: NEXT_BLOCK }),
    ),
    fromChain(
      hub.publicClient.readContract({
        ...governor,
        functionName: "getVotes",
        args: [own.address, head],
        blockTag: NEXT_BLOCK,
      }),
    ),
  ]);
  if (own.type === "local" && votes >= threshold && votes > 0n) return own as LocalAccount;
  if (hub.deployment.chainId === DEV_CHAIN_ID && DEV_NODE_KEYS[0] !== undefined)
    return privateKeyToAccount(DEV_NODE_KEYS[0]);
  return undefined;
}

/**
 * Data dimensions, in the running hub: every `intervalMs` the detector reads the dataset validators' telemetry
 * (`detectSchemaExtensions`: a channel carried by ≥ 5 of the last 50 submissions naming a schema, from ≥ 2
 * providers, ≥ 60% of them) and, for each consistent channel, the hub files the schema extension proposal
 * (`proposeSchemaExtension`: once — never beside a live or executed one). Once the nodes pass it and it is
 * executed, certification resolves the extended schema by itself (usecases/resolveChannelSchema.ts). Passes never
 * overlap; a failing pass (the chain or the database unreachable) is logged in one line and retried at the next tick.
 */
export function startSchemaExtensionWatcher({
  hub,
  intervalMs,
  log,
  proposer,
}: StartSchemaExtensionWatcherParameters): StartSchemaExtensionWatcherReturnType {
  let running: Promise<ProposeSchemaExtensionReturnType[]> | undefined;
  let stopped = false;
  const reported = new Set<string>();

  const pass = async (): Promise<ProposeSchemaExtensionReturnType[]> => {
    const sql = hub.telemetrySql;
    if (sql === undefined) return [];
    const candidates = await detectSchemaExtensions({ sql });
    if (candidates.length === 0) return [];
    const account = proposer ?? (await schemaExtensionProposer(hub));
    const outcomes: ProposeSchemaExtensionReturnType[] = [];
    for (const candidate of candidates) {
      const what = `${candidate.channel} in ${candidate.baseSchemaId} (${candidate.carrying} of ${candidate.windowSize} submissions, ${candidate.providers.length} providers)`;
      if (account === undefined) {
        if (!reported.has(what))
          log(`schema extensions: ${what} is consistent, but no staked account can propose`);
        reported.add(what);
        continue;
      }
      try {
        const outcome = await proposeSchemaExtension(candidate, hub, { proposer: account });
        outcomes.push(outcome);
        if (outcome.outcome === "PROPOSED")
          log(
            `schema extensions: proposed ${outcome.schema.id} (proposal ${outcome.proposalId}) for ${what}`,
          );
      } catch (error) {
        // One channel the hub cannot extend with (a base with seven channels, a name no schema allows) must not
        // keep the others from being proposed.
        if (!(error instanceof BaseError) || error.code !== "INVALID_DATASET") throw error;
        if (!reported.has(what)) log(`schema extensions: cannot extend for ${what}: ${error.message}`);
        reported.add(what);
      }
    }
    return outcomes;
  };

  const runOnce = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    if (stopped || running) return;
    runOnce().catch((error) => {
      const reason = error instanceof BaseError ? `${error.code}: ${error.message}` : String(error);
      log(`schema extensions: pass failed, retrying in ${intervalMs} ms — ${reason}`);
    });
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

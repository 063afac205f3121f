import type { Sql } from "postgres";
import type { PublicClient } from "viem";
import type { IndexerClient } from "./createIndexerClient.js";

export type PartReadiness = { ok: boolean; detail: string };

export type ReadinessReport = {
  ready: boolean;
  postgres: PartReadiness;
  chain: PartReadiness & { headBlock?: string };
  indexer: PartReadiness & { indexedBlock?: string; lagBlocks?: number; maxLagBlocks: number };
};

export type CheckReadinessParameters = {
  sql: Sql;
  viewsSchema: string;
  publicClient: Pick<PublicClient, "getBlockNumber">;
  indexer: IndexerClient;
};

/**
 * Readiness of the whole read-and-write path a request takes: Postgres answers (the views exist), the chain
 * answers, the indexer answers and is within its lag budget. `/ready` is 200 only when all three hold, so a load
 * balancer stops sending traffic to a hub that would serve stale data or send transactions it cannot confirm.
 */
export async function checkReadiness({
  sql,
  viewsSchema,
  publicClient,
  indexer,
}: CheckReadinessParameters): Promise<ReadinessReport> {
  const [postgres, chain, status] = await Promise.all([
    withTimeout(sql`select 1 from ${sql(`${viewsSchema}.certificate`)} limit 1`).then(
      () => ({ ok: true, detail: "reachable" }),
      (error: unknown) => ({ ok: false, detail: short(error) }),
    ),
    withTimeout(publicClient.getBlockNumber({ cacheTime: 0 })).then(
      (head) => ({ ok: true, detail: `head ${head}`, headBlock: head.toString() }),
      (error: unknown) => ({ ok: false, detail: short(error) }),
    ),
    indexer.status(),
  ]);
  const indexerPart = !status.reachable
    ? { ok: false, detail: "not answering", maxLagBlocks: status.maxLagBlocks }
    : {
        ok: status.live,
        detail: status.catchingUp
          ? `re-indexing after a restart, at block ${status.indexedBlock}`
          : status.lagBlocks === undefined
            ? `at block ${status.indexedBlock}, chain head unknown`
            : `${status.lagBlocks} block(s) behind (at most ${status.maxLagBlocks})`,
        indexedBlock: status.indexedBlock.toString(),
        ...(status.lagBlocks === undefined ? {} : { lagBlocks: status.lagBlocks }),
        maxLagBlocks: status.maxLagBlocks,
      };
  return { ready: postgres.ok && chain.ok && indexerPart.ok, postgres, chain, indexer: indexerPart };
}

function withTimeout<T>(promise: PromiseLike<T>, ms = 2_000): Promise<T> {
  return Promise.race([
    Promise.resolve(promise),
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref()),
  ]);
}

function short(error: unknown): string {
  const message =
    error instanceof Error
      ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
      : String(error);
  return message.split("\n")[0]?.slice(0, 200) ?? "error";
}

import type { Sql } from "postgres";
import { getAddress } from "viem";
import { BaseError } from "../errors/BaseError.js";
import { createLoaders } from "../resolvers/createLoaders.js";
import { calderaRiskSourceOf } from "../resolvers/riskMutations.js";
import type { HubServices } from "../usecases/HubServices.js";
import { publishCalderaRiskFeatures } from "../usecases/risk/publishCalderaRiskFeatures.js";

export type StartRiskPublisherParameters = {
  hub: HubServices;
  sql: Sql;
  viewsSchema: string;
  /** Time between passes (caldera.config.json `riskPublisher.intervalMs`). */
  intervalMs: number;
  log: (line: string) => void;
};

export type StartRiskPublisherReturnType = {
  /** One pass now (the timer's passes never overlap with it); resolves with the features published. */
  runOnce: () => Promise<number>;
  stop: () => Promise<void>;
};

/**
 * Caldera publishes its own risk features from what it sees, without anyone asking: after each credit default the
 * indexer reports (`CreditDefaulted` → a DEFAULTED credit line), the borrower's DEFAULT_RATE over all its lines is
 * proven and published as ecosystem 1, for every partner to read. Only a new default triggers a pass for a borrower —
 * a line opening or closing normally does not — so the feed carries events, not noise; delay features, which every
 * certification would change, are published on request (`publishCalderaRiskFeature`). A pass is idempotent (the
 * same records give the same evidence root, skipped before proving), one at a time, and a failing pass (the indexer
 * behind, the chain down) is logged in one line and retried at the next tick; it never stops the stack.
 */
export function startRiskPublisher({
  hub,
  sql,
  viewsSchema,
  intervalMs,
  log,
}: StartRiskPublisherParameters): StartRiskPublisherReturnType {
  const seen = new Set<string>();
  let running: Promise<number> | undefined;
  let stopped = false;

  const pass = async (): Promise<number> => {
    const defaults = await sql<{ id: string; borrower: string }[]>`
      select id::text as id, borrower from ${sql(`${viewsSchema}.credit_line`)} where status = 'DEFAULTED'`;
    const fresh = defaults.filter((line) => !seen.has(line.id));
    if (fresh.length === 0) return 0;
    const subjects = [...new Set(fresh.map((line) => getAddress(line.borrower)))];
    const source = calderaRiskSourceOf({ loaders: createLoaders(sql, viewsSchema) });
    const result = await publishCalderaRiskFeatures({ subjects, kinds: ["DEFAULT_RATE"] }, hub, { source });
    for (const line of fresh) seen.add(line.id);
    for (const feature of result.published)
      log(`risk publisher: published DEFAULT_RATE feature ${feature.featureId} for ${feature.subject}`);
    return result.published.length;
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
      log(`risk publisher: pass failed, retrying in ${intervalMs} ms — ${reason}`);
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

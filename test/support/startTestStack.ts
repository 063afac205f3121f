import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CalderaConfig, PartnerSubgraph, RateLimits } from "../../config/loadCalderaConfig.js";
import { type Stack, type StartStackParameters, startStack } from "../../stack/startStack.js";
import { removeDataDir } from "./removeDataDir.js";

export type TestStack = Stack & { dataDir: string; lines: string[]; teardown: () => Promise<void> };

/**
 * The real stack (embedded Postgres, anvil, ponder, subgraph, gateway) on free ports in a throwaway folder,
 * ignoring the caller's DATABASE_URL / CALDERA_RPC_URL so tests never touch a developer's services.
 */
export async function startTestStack(
  partners: PartnerSubgraph[] = [],
  options: Pick<StartStackParameters, "restart" | "logger"> & {
    /** Mutation rate limits; default: loose, since tests send many mutations from one address at once. */
    rateLimits?: RateLimits | undefined;
    /** The kernel tuning the prover (caldera.config.json `evolution`); default off, as the risk publisher is. */
    evolution?: CalderaConfig["evolution"] | undefined;
  } = {},
): Promise<TestStack> {
  const { rateLimits = { mutationsPerMinute: 10_000, burst: 1_000 }, evolution, ...stackOptions } = options;
  const dataDir = mkdtempSync(join(tmpdir(), "caldera-test-"));
  const config: CalderaConfig = {
    ports: { gateway: 0, subgraph: 0, indexer: 0, postgres: 0, anvil: 0 },
    viewsSchema: "caldera",
    partners,
    maxIndexerLagBlocks: 2,
    rateLimits,
    ...(evolution ? { evolution } : {}),
  };
  const lines: string[] = [];
  let stack: Stack;
  try {
    stack = await startStack({ config, dataDir, env: {}, log: (line) => lines.push(line), ...stackOptions });
  } catch (error) {
    // A stack that cannot come up must say why in the test output, not leave a bare time-out.
    process.stderr.write(
      `startTestStack failed; the stack's log:\n${lines.map((l) => `  ${l}`).join("\n")}\n`,
    );
    removeDataDir(dataDir);
    throw error;
  }
  return {
    ...stack,
    dataDir,
    lines,
    teardown: async () => {
      await stack.stop();
      removeDataDir(dataDir);
    },
  };
}

export type GraphQLResponse<T> = { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BaseError } from "../errors/BaseError.js";

export type PartnerSubgraph = {
  name: string;
  url: string;
  /**
   * How long the gateway waits for this partner (a query's fetch, or its `_service` SDL at a poll) before its
   * fields come back null with `SUBGRAPH_TIMEOUT`; default `defaultPartnerTimeoutMs`.
   */
  timeoutMs?: number | undefined;
};

/** A partner that has not answered in 2 s is treated as down for that request: Caldera's own fields do not wait. */
export const defaultPartnerTimeoutMs = 2_000;

/**
 * What one GraphQL request may ask of the gateway and the subgraph, checked before the gateway plans a query (and
 * again by the subgraph). A request over a limit is refused with `QUERY_LIMIT_EXCEEDED` (HTTP 400), or
 * `REQUEST_TOO_LARGE` (HTTP 413) for the body.
 */
export type QueryLimits = {
  /** Nesting: every field and every fragment (spread or inline) counts one level, fragments expanded. */
  maxDepth: number;
  /** Aliased fields, fragments expanded (`__typename` aliases are free). */
  maxAliases: number;
  /** Lexical tokens of the query text (names, punctuation, values; commas and comments are free). */
  maxTokens: number;
  /** Directive uses (`@include`, `@skip`, …), fragments expanded. */
  maxDirectives: number;
  /**
   * Fields the query may resolve at most: every field counts 1, times the page sizes of the paginated fields around
   * it (`first`, or the field's default page size when absent).
   */
  maxCost: number;
  /** The HTTP request body, in bytes. */
  maxBodyBytes: number;
};

/**
 * What one client (API key, else address) may send of the mutations, which prove and send transactions: a token
 * bucket per client in each subgraph process. Over it: `RATE_LIMITED` (HTTP 429, `Retry-After`).
 */
export type RateLimits = {
  /** Sustained rate: tokens a client's bucket gains per minute (one mutation field takes one). */
  mutationsPerMinute: number;
  /** Bucket size: how many mutations a client that was quiet may send at once. */
  burst: number;
};

/** The prover's worker pool (README, Proving); each key left out takes the pool's default. */
export type ProvingConfig = {
  /** Worker threads proving at once. Default: one per CPU but one (at least 1). */
  workers?: number;
  /** Proofs that may wait for a worker; one more is `BUSY`. Default 8. */
  maxQueue?: number;
};

export type CalderaConfig = {
  ports: { gateway: number; subgraph: number; indexer: number; postgres: number; anvil: number };
  /** Stable Postgres schema holding ponder's views: what the subgraph and analysts read. */
  viewsSchema: string;
  partners: PartnerSubgraph[];
  /** `/ready` and every mutation that waits for the indexer need it within this many blocks of the chain head. */
  maxIndexerLagBlocks: number;
  /** Query limits; absent means `defaultQueryLimits` (`loadCalderaConfig` always fills them in). */
  limits?: QueryLimits;
  /** Mutation rate limits; absent means `defaultRateLimits`. */
  rateLimits?: RateLimits;
  /** The prover's worker pool; absent means the pool's defaults. */
  proving?: ProvingConfig;
  /**
   * Caldera's own risk features, published after each credit default the indexer sees (README, Cross-domain
   * risk). `intervalMs` between passes; 0 or absent: off (test stacks leave it off, `npm start` has it on).
   */
  riskPublisher?: { intervalMs: number };
  /**
   * Capability evolution (README, "The kernel tunes the prover"): `tuneProver` lets the self-learning kernel choose
   * each proof's configuration, seeded with `kernelSeed`. Absent: off (test stacks leave it off, `npm start` has it
   * on).
   */
  evolution?: {
    tuneProver: boolean;
    kernelSeed: number;
    /**
     * Data dimensions (README, "Schema extensions"): every `intervalMs` the hub looks for channels datasets carry
     * consistently that their schema lacks and files the extension proposal; 0 or absent: off (test stacks).
     */
    schemaWatcher?: { intervalMs: number } | undefined;
  };
};

export class InvalidConfigError extends BaseError {
  override name = "InvalidConfigError";
  constructor(field: string, problem: string) {
    super(`caldera.config.json: ${field} ${problem}`, { code: "INVALID_CONFIG", details: { field } });
  }
}

export const defaultQueryLimits: QueryLimits = {
  maxDepth: 15,
  maxAliases: 15,
  maxTokens: 2_000,
  maxDirectives: 50,
  maxCost: 10_000,
  maxBodyBytes: 102_400,
};

/** Room for a developer, the demo and the CLI on one machine; production sets its own. */
export const defaultRateLimits: RateLimits = { mutationsPerMinute: 60, burst: 20 };

const defaults: Required<CalderaConfig> = {
  ports: { gateway: 4000, subgraph: 4001, indexer: 42069, postgres: 54329, anvil: 8545 },
  viewsSchema: "caldera",
  partners: [],
  maxIndexerLagBlocks: 2,
  limits: defaultQueryLimits,
  rateLimits: defaultRateLimits,
  proving: {},
  riskPublisher: { intervalMs: 15_000 },
  evolution: { tuneProver: true, kernelSeed: 7, schemaWatcher: { intervalMs: 15_000 } },
};

/**
 * Reads `caldera.config.json` from `root`, or the file `path` names (all fields optional), and checks what the
 * stack relies on.
 */
export function loadCalderaConfig(
  root: string,
  path = resolve(root, "caldera.config.json"),
): Required<CalderaConfig> {
  const raw = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Partial<CalderaConfig>) : {};
  if (raw.limits !== undefined && (typeof raw.limits !== "object" || raw.limits === null))
    throw new InvalidConfigError("limits", "must be an object");
  const config: Required<CalderaConfig> = {
    ports: { ...defaults.ports, ...raw.ports },
    viewsSchema: raw.viewsSchema ?? defaults.viewsSchema,
    partners: raw.partners ?? defaults.partners,
    maxIndexerLagBlocks: raw.maxIndexerLagBlocks ?? defaults.maxIndexerLagBlocks,
    limits: { ...defaults.limits, ...raw.limits },
    rateLimits: { ...defaults.rateLimits, ...raw.rateLimits },
    proving: { ...defaults.proving, ...raw.proving },
    riskPublisher: { ...defaults.riskPublisher, ...raw.riskPublisher },
    evolution: { ...defaults.evolution, ...raw.evolution },
  };
  if (typeof config.evolution.tuneProver !== "boolean")
    throw new InvalidConfigError("evolution.tuneProver", "must be true or false");
  if (!Number.isSafeInteger(config.evolution.kernelSeed) || config.evolution.kernelSeed < 0)
    throw new InvalidConfigError("evolution.kernelSeed", "must be a whole number, 0 or more");
  const watcherInterval = config.evolution.schemaWatcher?.intervalMs ?? 0;
  if (!Number.isSafeInteger(watcherInterval) || watcherInterval < 0)
    throw new InvalidConfigError(
      "evolution.schemaWatcher.intervalMs",
      "must be a whole number of milliseconds, 0 (off) or more",
    );
  const publisherInterval = config.riskPublisher.intervalMs;
  if (!Number.isSafeInteger(publisherInterval) || publisherInterval < 0)
    throw new InvalidConfigError(
      "riskPublisher.intervalMs",
      "must be a whole number of milliseconds, 0 (off) or more",
    );
  if (raw.proving !== undefined && (typeof raw.proving !== "object" || raw.proving === null))
    throw new InvalidConfigError("proving", "must be an object");
  for (const [name, value] of Object.entries(config.proving)) {
    if (name !== "workers" && name !== "maxQueue")
      throw new InvalidConfigError(`proving.${name}`, "is not a proving setting (workers, maxQueue)");
    const least = name === "workers" ? 1 : 0;
    if (!Number.isSafeInteger(value) || value < least || value > 1_000)
      throw new InvalidConfigError(`proving.${name}`, `must be a whole number from ${least} to 1000`);
  }
  if (raw.rateLimits !== undefined && (typeof raw.rateLimits !== "object" || raw.rateLimits === null))
    throw new InvalidConfigError("rateLimits", "must be an object");
  for (const [name, value] of Object.entries(config.rateLimits)) {
    if (!(name in defaultRateLimits))
      throw new InvalidConfigError(`rateLimits.${name}`, "is not a rate limit (mutationsPerMinute, burst)");
    if (name === "burst" ? !Number.isSafeInteger(value) || value < 1 : !(Number.isFinite(value) && value > 0))
      throw new InvalidConfigError(
        `rateLimits.${name}`,
        name === "burst" ? "must be a whole number, 1 or more" : "must be a number above 0",
      );
  }
  for (const [name, limit] of Object.entries(config.limits)) {
    if (!(name in defaultQueryLimits))
      throw new InvalidConfigError(
        `limits.${name}`,
        `is not a limit (${Object.keys(defaultQueryLimits).join(", ")})`,
      );
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new InvalidConfigError(`limits.${name}`, "must be a whole number, 1 or more");
  }
  if (!Number.isInteger(config.maxIndexerLagBlocks) || config.maxIndexerLagBlocks < 0)
    throw new InvalidConfigError("maxIndexerLagBlocks", "must be a whole number of blocks, 0 or more");
  for (const [name, port] of Object.entries(config.ports))
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new InvalidConfigError(`ports.${name}`, "must be a TCP port");
  if (!/^[a-z_][a-z0-9_]{0,44}$/.test(config.viewsSchema))
    throw new InvalidConfigError(
      "viewsSchema",
      "must be a lower-case Postgres identifier of at most 45 characters",
    );
  const names = new Set<string>(["caldera"]);
  config.partners.forEach((partner, i) => {
    if (typeof partner?.name !== "string" || !/^[A-Za-z][\w-]*$/.test(partner.name))
      throw new InvalidConfigError(
        `partners[${i}].name`,
        "must be a subgraph name (letters, digits, - and _)",
      );
    if (names.has(partner.name))
      throw new InvalidConfigError(`partners[${i}].name`, `"${partner.name}" is taken`);
    names.add(partner.name);
    try {
      new URL(partner.url);
    } catch {
      throw new InvalidConfigError(`partners[${i}].url`, "must be an absolute URL");
    }
    if (
      partner.timeoutMs !== undefined &&
      (!Number.isSafeInteger(partner.timeoutMs) || partner.timeoutMs < 1 || partner.timeoutMs > 60_000)
    )
      throw new InvalidConfigError(
        `partners[${i}].timeoutMs`,
        "must be a whole number of ms from 1 to 60000",
      );
  });
  return config;
}

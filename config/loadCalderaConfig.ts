import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BaseError } from "../errors/BaseError.js";

export type PartnerSubgraph = { name: string; url: string };

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

export type CalderaConfig = {
  ports: { gateway: number; subgraph: number; indexer: number; postgres: number; anvil: number };
  /** Stable Postgres schema holding ponder's views: what the subgraph and analysts read. */
  viewsSchema: string;
  partners: PartnerSubgraph[];
  /** `/ready` and every mutation that waits for the indexer need it within this many blocks of the chain head. */
  maxIndexerLagBlocks: number;
  /** Query limits; absent means `defaultQueryLimits` (`loadCalderaConfig` always fills them in). */
  limits?: QueryLimits;
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

const defaults: Required<CalderaConfig> = {
  ports: { gateway: 4000, subgraph: 4001, indexer: 42069, postgres: 54329, anvil: 8545 },
  viewsSchema: "caldera",
  partners: [],
  maxIndexerLagBlocks: 2,
  limits: defaultQueryLimits,
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
  };
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
  });
  return config;
}

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BaseError } from "../errors/BaseError.js";

export type PartnerSubgraph = { name: string; url: string };

export type CalderaConfig = {
  ports: { gateway: number; subgraph: number; indexer: number; postgres: number; anvil: number };
  /** Stable Postgres schema holding ponder's views: what the subgraph and analysts read. */
  viewsSchema: string;
  partners: PartnerSubgraph[];
  /** `/ready` and every mutation that waits for the indexer need it within this many blocks of the chain head. */
  maxIndexerLagBlocks: number;
};

export class InvalidConfigError extends BaseError {
  override name = "InvalidConfigError";
  constructor(field: string, problem: string) {
    super(`caldera.config.json: ${field} ${problem}`, { code: "INVALID_CONFIG", details: { field } });
  }
}

const defaults: CalderaConfig = {
  ports: { gateway: 4000, subgraph: 4001, indexer: 42069, postgres: 54329, anvil: 8545 },
  viewsSchema: "caldera",
  partners: [],
  maxIndexerLagBlocks: 2,
};

/**
 * Reads `caldera.config.json` from `root`, or the file `path` names (all fields optional), and checks what the
 * stack relies on.
 */
export function loadCalderaConfig(root: string, path = resolve(root, "caldera.config.json")): CalderaConfig {
  const raw = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Partial<CalderaConfig>) : {};
  const config: CalderaConfig = {
    ports: { ...defaults.ports, ...raw.ports },
    viewsSchema: raw.viewsSchema ?? defaults.viewsSchema,
    partners: raw.partners ?? defaults.partners,
    maxIndexerLagBlocks: raw.maxIndexerLagBlocks ?? defaults.maxIndexerLagBlocks,
  };
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

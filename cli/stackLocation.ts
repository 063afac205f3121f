import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type CalderaConfig, loadCalderaConfig } from "../config/loadCalderaConfig.js";

const root = fileURLToPath(new URL("../", import.meta.url));

export type StackLocation = {
  config: CalderaConfig;
  /** `CALDERA_DATA_DIR`, default `.caldera` in the checkout. */
  dataDir: string;
  /** Written by `caldera up` while it runs: URLs and process ids, read by `caldera status`. */
  runFile: string;
};

/** Where `caldera up` keeps its state and which config it reads (`CALDERA_CONFIG` overrides the file). */
export function stackLocation(env: NodeJS.ProcessEnv = process.env): StackLocation {
  const dataDir = resolve(root, env.CALDERA_DATA_DIR ?? ".caldera");
  const config = loadCalderaConfig(root, env.CALDERA_CONFIG ? resolve(env.CALDERA_CONFIG) : undefined);
  return { config, dataDir, runFile: resolve(dataDir, "stack.json") };
}

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { ArtifactIntegrityError } from "./errors.js";

export const CIRCUIT_BUILD_DIR = fileURLToPath(new URL("../circuits/build/", import.meta.url));

/** Written by `npm run build:circuits` next to the artifacts it describes. */
export type CircuitManifest = {
  circuit: string;
  constraints: number;
  publicSignals: string[];
  ptau: { power: number; devOnly: true; note: string };
  files: Record<"wasm" | "zkey" | "vkey", { path: string; sha256: string }>;
};

export type LoadCircuitArtifactsReturnType = {
  manifest: CircuitManifest;
  wasm: Uint8Array;
  zkey: Uint8Array;
  vkey: unknown;
};

const cache = new Map<string, Promise<LoadCircuitArtifactsReturnType>>();

/**
 * Loads a circuit's wasm, zkey and verification key into memory after checking each against the SHA-256 in its
 * manifest; the prover then proves from these exact bytes, so a file swapped after the check cannot be used.
 */
export function loadCircuitArtifacts(
  circuit: string,
  buildDir = CIRCUIT_BUILD_DIR,
): Promise<LoadCircuitArtifactsReturnType> {
  const key = `${buildDir}${circuit}`;
  let loaded = cache.get(key);
  if (loaded === undefined) {
    loaded = load(`${buildDir}${circuit}/`, circuit);
    loaded.catch(() => cache.delete(key));
    cache.set(key, loaded);
  }
  return loaded;
}

async function load(dir: string, circuit: string): Promise<LoadCircuitArtifactsReturnType> {
  const manifest = JSON.parse(await readFile(`${dir}artifacts.json`, "utf8")) as CircuitManifest;
  const read = async (kind: keyof CircuitManifest["files"]) => {
    const { path, sha256 } = manifest.files[kind];
    const bytes = new Uint8Array(await readFile(`${dir}${path}`));
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== sha256)
      throw new ArtifactIntegrityError(`circuits/build/${circuit}/${path}`, sha256, actual);
    return bytes;
  };
  const [wasm, zkey, vkeyBytes] = await Promise.all([read("wasm"), read("zkey"), read("vkey")]);
  return { manifest, wasm, zkey, vkey: JSON.parse(new TextDecoder().decode(vkeyBytes)) };
}

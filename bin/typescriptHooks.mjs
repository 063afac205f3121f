// Node module hooks that run the hub's TypeScript as `bin/caldera.mjs` loads it: each `.ts` file transformed by
// esbuild (types stripped, nothing bundled), `./x.js` resolved to `./x.ts` as TypeScript writes it. tsx does the
// same, but with esbuild's `keepNames`, which wraps every function the code creates in a call that defines its
// `name`: on a server that makes closures per request (loaders, connections) that was ~5% of the subgraph's CPU.
// Nothing here reads a name it would lose: errors and classes set theirs explicitly.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

/** As the project's tsconfig.json compiles: ES2022 class fields (defined, not assigned). */
const tsconfigRaw = { compilerOptions: { target: "ES2022", useDefineForClassFields: true } };

/**
 * From a TypeScript file, a relative specifier that names no file is looked for as TypeScript writes it: `./x.js`
 * as `./x.ts`, and (ponder's indexer/, bundler style) `./x` as `./x.ts` or `./x/index.ts`.
 */
export async function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("file:");
  if (relative && context.parentURL?.endsWith(".ts")) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(url) || !/\.[cm]?[jt]s$|\.json$/.test(url.pathname)) {
      const base = url.href.replace(/\.js$/, "");
      for (const candidate of [`${base}.ts`, `${base}/index.ts`])
        if (existsSync(new URL(candidate))) return { url: candidate, format: "module", shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, "utf8"), {
    loader: "ts",
    format: "esm",
    target: `node${process.versions.node}`,
    sourcemap: "inline",
    sourcefile: path,
    tsconfigRaw,
  });
  return { format: "module", source: code, shortCircuit: true };
}

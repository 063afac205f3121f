// Node module hooks that run the hub's TypeScript as `bin/caldera.mjs` loads it: each `.ts` file transformed by
// esbuild (types stripped, nothing bundled), `./x.js` resolved to `./x.ts` as TypeScript writes it. tsx does the
// same, but with esbuild's `keepNames`, which wraps every function the code creates in a call that defines its
// `name`: on a server that makes closures per request (loaders, connections) that was ~6% of the subgraph's CPU.
// Nothing here reads a name it would lose: errors and classes set theirs explicitly.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

/** As the project's tsconfig.json compiles: ES2022 class fields (defined, not assigned). */
const tsconfigRaw = { compilerOptions: { target: "ES2022", useDefineForClassFields: true } };

export async function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("file:");
  if (relative && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(url)) {
      const typescript = new URL(`${url.href.slice(0, -3)}.ts`);
      if (existsSync(typescript)) return { url: typescript.href, format: "module", shortCircuit: true };
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

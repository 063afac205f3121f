#!/usr/bin/env node
// forge cannot download a compiler offline: foundry.toml points it here, a `solc` CLI over the solc npm package
// (the same compiler `npm run build:contracts` uses). forge only needs `--version` and `--standard-json`.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version")) {
  const version = solc.version().replace(".Emscripten.clang", "");
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}.Linux.g++\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("this solc shim supports only --version and --standard-json\n");
  process.exit(2);
}
// Imports forge did not inline are resolved like solc's --base-path / --include-path would.
const roots = [process.cwd()];
args.forEach((arg, i) => {
  if ((arg === "--base-path" || arg === "--include-path") && args[i + 1]) roots.push(resolve(args[i + 1]));
});
roots.push(join(process.cwd(), "node_modules"));
const findImports = (path) => {
  for (const root of roots) {
    try {
      return { contents: readFileSync(resolve(root, path), "utf8") };
    } catch {}
  }
  return { error: `file not found: ${path}` };
};
process.stdout.write(solc.compile(readFileSync(0, "utf8"), { import: findImports }));

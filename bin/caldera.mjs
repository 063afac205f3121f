#!/usr/bin/env node
// Entry point for `npx caldera` and the npm scripts: loads the TypeScript CLI through esbuild's transform
// (bin/typescriptHooks.mjs), so nothing is prebuilt. Stack traces name the TypeScript lines (inline source maps).
import { register } from "node:module";

process.env.APOLLO_TELEMETRY_DISABLED ??= "1";
process.env.PONDER_TELEMETRY_DISABLED ??= "true";
register("./typescriptHooks.mjs", import.meta.url);
process.setSourceMapsEnabled(true);
const { main } = await import("../cli/main.ts");
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A library handle left open (a socket, a worker) must not keep a finished command alive.
setTimeout(() => process.exit(code), 3_000).unref();

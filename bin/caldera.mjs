#!/usr/bin/env node
// Entry point for `npx caldera` and the npm scripts: loads the TypeScript CLI through tsx, so nothing is prebuilt.
import { register } from "tsx/esm/api";

process.env.APOLLO_TELEMETRY_DISABLED ??= "1";
process.env.PONDER_TELEMETRY_DISABLED ??= "true";
register();
const { main } = await import("../cli/main.ts");
const code = await main(process.argv.slice(2));
process.exitCode = code;
// A library handle left open (a socket, a worker) must not keep a finished command alive.
setTimeout(() => process.exit(code), 3_000).unref();

#!/usr/bin/env node
// Entry point for `npx caldera` and the npm scripts: loads the TypeScript CLI through tsx, so nothing is prebuilt.
import { register } from "tsx/esm/api";

process.env.APOLLO_TELEMETRY_DISABLED ??= "1";
process.env.PONDER_TELEMETRY_DISABLED ??= "true";
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));

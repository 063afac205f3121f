import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build (its "main"); Vite would pick the ES build ("module") for our sources,
    // giving two graphql instances that reject each other's schemas and errors. One instance, as in production.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") }],
  },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".cache/**", ".caldera/**"],
    // Two files at once even on two CPUs (vitest's default is CPUs − 1): most of an end-to-end file's time is spent
    // waiting on a stack (ponder indexing a block, anvil mining), not computing, and every test stack takes free
    // ports and its own data dir, so two overlap safely and the suite stays well inside CI's budget.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});

import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

/**
 * End-to-end files whose assertions are about timing under a process kill, a reorg, a nonce gap or a full proving
 * queue: they run last, one at a time, on an otherwise idle machine.
 */
const ALONE = [
  "test/e2e/supervision.test.ts",
  "test/e2e/reorg.test.ts",
  "test/e2e/nonceResync.test.ts",
  "test/e2e/giveUp.test.ts",
  "test/e2e/proving.test.ts",
];
const EXCLUDE = ["**/node_modules/**", ".cache/**", ".caldera/**"];

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build (its "main"); Vite would pick the ES build ("module") for our sources,
    // giving two graphql instances that reject each other's schemas and errors. One instance, as in production.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") }],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 240_000,
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["**/*.test.ts"],
          exclude: [...EXCLUDE, ...ALONE],
          // Two files at once even on two CPUs (vitest's default is CPUs − 1): most of an end-to-end file's time is
          // spent waiting on a stack (ponder indexing a block, anvil mining), not computing, and every test stack
          // takes ports from its worker's own slice (stack/getFreePort.ts) and its own data dir.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "alone", include: ALONE, exclude: EXCLUDE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});

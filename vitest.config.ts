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
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});

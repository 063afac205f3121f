import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".cache/**", ".caldera/**"],
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});

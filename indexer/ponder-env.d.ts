/// <reference types="ponder/virtual" />

declare module "ponder:internal" {
  const config: typeof import("./ponder.config.ts");
  const schema: typeof import("./ponder.schema.ts");
}

// This file enables type checking and editor autocomplete for this Ponder project.
// That's it. Don't edit it. Regenerate with `ponder codegen`.

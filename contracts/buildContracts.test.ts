import { describe, expect, it } from "vitest";
import { buildContracts } from "../scripts/buildContracts.js";

describe("contracts/generated", () => {
  it("is in step with contracts/src (run `npm run build:contracts` after changing a contract)", async () => {
    const { compiled } = await buildContracts();
    expect(compiled).toBe(false);
  });
});

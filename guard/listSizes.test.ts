import { getNullableType, isListType, isObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { createSubgraphSchema } from "../resolvers/createSubgraphSchema.js";
import { LIST_SIZES } from "./listSizes.js";

describe("LIST_SIZES", () => {
  it("names only list fields of Caldera's schema that have no `first` (those the page size already counts)", () => {
    const schema = createSubgraphSchema();
    for (const key of Object.keys(LIST_SIZES)) {
      const [typeName, fieldName] = key.split(".") as [string, string];
      const type = schema.getType(typeName);
      expect(isObjectType(type), key).toBe(true);
      const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
      expect(field, key).toBeDefined();
      expect(isListType(getNullableType(field?.type)), key).toBe(true);
      expect(field?.args.map((a) => a.name) ?? [], key).not.toContain("first");
    }
  });
});

import { getTableConfig } from "drizzle-orm/pg-core";
import { type GraphQLObjectType, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { certificate } from "../indexer/ponder.schema.js";
import { CERTIFICATE_FIELD_COLUMNS, certificateColumns } from "./certificateColumns.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";

/** The resolve info of the first field of `query` (enough for certificateColumns: its nodes and fragments). */
function infoOf(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === "OperationDefinition");
  if (operation?.kind !== "OperationDefinition") throw new Error("no operation");
  const field = operation.selectionSet.selections[0];
  if (field?.kind !== "Field") throw new Error("no field");
  const fragments = Object.fromEntries(
    document.definitions.flatMap((d) => (d.kind === "FragmentDefinition" ? [[d.name.value, d]] : [])),
  );
  return { fieldNodes: [field], fragments };
}

describe("certificateColumns", () => {
  it("lists every field of Certificate (its own and the ones other domains add), with columns the table has", () => {
    const type = createSubgraphSchema().getType("Certificate") as GraphQLObjectType;
    expect(Object.keys(CERTIFICATE_FIELD_COLUMNS).sort()).toEqual(Object.keys(type.getFields()).sort());
    const columns = getTableConfig(certificate).columns.map((column) => column.name);
    for (const read of Object.values(CERTIFICATE_FIELD_COLUMNS))
      for (const c of read) expect(columns).toContain(c);
  });

  it("reads the keyset columns and what the selection under edges.node asks for", () => {
    expect(certificateColumns(infoOf("{ certificates { edges { node { id } } } }"))).toEqual([
      "certified_at",
      "id",
    ]);
    expect(
      certificateColumns(
        infoOf(
          "{ certificates { totalCount pageInfo { endCursor } edges { cursor node { __typename domain window { end } } } } }",
        ),
      ),
    ).toEqual(["certified_at", "deadline_seconds", "domain", "id", "slot_seconds", "window_start"]);
  });
});

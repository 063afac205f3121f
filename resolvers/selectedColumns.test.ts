import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { selectedColumns } from "./selectedColumns.js";

function infoOf(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === "OperationDefinition");
  if (operation?.kind !== "OperationDefinition") throw new Error("no operation");
  const fieldNodes = operation.selectionSet.selections.flatMap((s) => (s.kind === "Field" ? [s] : []));
  const fragments = Object.fromEntries(
    document.definitions.flatMap((d) => (d.kind === "FragmentDefinition" ? [[d.name.value, d]] : [])),
  );
  return { fieldNodes, fragments };
}

const columnsOf = { id: ["id"], name: ["name"], owner: ["owner_address", "owner_kind"] };
/** A row's own columns, and its owner's two. */
const NAME_AND_OWNER = ["id", "name", "owner_address", "owner_kind"];
const columns = (query: string) =>
  selectedColumns({ info: infoOf(query), path: ["edges", "node"], columnsOf, always: ["id"] });

describe("selectedColumns", () => {
  it("collects the columns of the fields selected at the path, sorted and once each", () => {
    expect(columns("{ list { edges { node { owner name owner } } } }")).toEqual(NAME_AND_OWNER);
  });

  it("follows aliases, fragment spreads, inline fragments and fields merged from several nodes", () => {
    expect(
      columns(`{ list { e: edges { node { ...N } } edges { ... { node { n2: name } } } } }
        fragment N on Row { owner }`),
    ).toEqual(NAME_AND_OWNER);
    expect(columns("{ list { edges { node { name } } } list { edges { node { owner } } } }")).toEqual(
      NAME_AND_OWNER,
    );
  });

  it("reads only what the row needs always when nothing under the path is selected, and every column for an unlisted field", () => {
    expect(columns("{ list { totalCount pageInfo { hasNextPage } } }")).toEqual(["id"]);
    expect(columns("{ list { edges { node { __typename } } } }")).toEqual(["id"]);
    expect(columns("{ list { edges { node { name secret } } } }")).toBeUndefined();
  });

  it("counts a field under @skip or @include as selected (a superset of columns is still right)", () => {
    expect(columns("query($q: Boolean!) { list { edges { node { name @include(if: $q) } } } }")).toEqual([
      "id",
      "name",
    ]);
  });
});

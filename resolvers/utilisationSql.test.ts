import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { utilisationDefinitionSql } from "./utilisationDefinitionSql.js";
import { utilisationSql } from "./utilisationSql.js";

/** The README's "Utilisation rate (SQL)" blocks, as an analyst copies them: as served, then the definition. */
function readmeStatements(): string[] {
  const section = readFileSync(new URL("../README.md", import.meta.url), "utf8").split(
    /#+ Utilisation rate \(SQL\)/,
  )[1];
  return [...(section?.matchAll(/```sql\n([\s\S]*?)```/g) ?? [])]
    .slice(0, 2)
    .map((m) => (m[1] as string).trim());
}

describe("utilisationSql and utilisationDefinitionSql", () => {
  it("are, for the views schema `caldera`, exactly the README's two documented statements", () => {
    expect(readmeStatements()).toEqual([utilisationSql("caldera"), utilisationDefinitionSql("caldera")]);
  });

  it("name the given views schema everywhere, and only plain identifiers", () => {
    for (const [statement, uses] of [
      [utilisationSql, 1],
      [utilisationDefinitionSql, 6],
    ] as const) {
      const text = statement("views_2");
      expect(text).not.toMatch(/\bcaldera\./);
      expect(text.match(/\bviews_2\./g)).toHaveLength(uses);
      for (const bad of ["caldera; drop table x", 'a"b', "Caldera", ""])
        expect(() => statement(bad), bad).toThrow(/plain identifier/);
    }
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { utilisationSql } from "./utilisationSql.js";

/** The README's "Utilisation rate (SQL)" block, as an analyst copies it. */
function readmeStatement(): string | undefined {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  return readme.match(/#+ Utilisation rate \(SQL\)[\s\S]*?```sql\n([\s\S]*?)```/)?.[1]?.trim();
}

describe("utilisationSql", () => {
  it("is, for the views schema `caldera`, exactly the README's documented statement", () => {
    expect(readmeStatement()).toBe(utilisationSql("caldera"));
  });

  it("names the given views schema everywhere, and only plain identifiers", () => {
    const statement = utilisationSql("views_2");
    expect(statement).not.toMatch(/\bcaldera\./);
    expect(statement.match(/\bviews_2\./g)).toHaveLength(6);
    for (const bad of ["caldera; drop table x", 'a"b', "Caldera", ""])
      expect(() => utilisationSql(bad), bad).toThrow(/plain identifier/);
  });
});

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { errorCodes } from "./errorCodes.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const codes = Object.keys(errorCodes);

describe("error codes: one union, all documented", () => {
  it("the README's error table lists every code with its meaning", () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const rows = new Set([...readme.matchAll(/^\| `([A-Z_]+)` +\| +\S/gm)].map((m) => m[1]));
    const missing = codes.filter((code) => !rows.has(code));
    expect(missing).toEqual([]);
  });

  it("every code literal in the source is in the union", () => {
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.ts"], {
      cwd: root,
      encoding: "utf8",
    })
      .split("\n")
      .filter(
        (f) =>
          f !== "" &&
          !f.endsWith(".test.ts") &&
          !f.startsWith("indexer/") &&
          !f.startsWith("contracts/generated"),
      );
    const used = new Set<string>();
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(`${root}${file}`, "utf8");
      } catch {
        continue;
      }
      for (const [, code] of text.matchAll(/\bcode:\s*"([A-Z][A-Z_]+)"/g)) used.add(code as string);
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((code) => !codes.includes(code))).toEqual([]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain ES module JavaScript (Node's module hooks), no declarations
import { load, resolve } from "./typescriptHooks.mjs";

const folder = mkdtempSync(join(tmpdir(), "caldera-hooks-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const url = (name: string) => pathToFileURL(join(folder, name)).href;
const unreached = () => {
  throw new Error("handed on to Node");
};

describe("bin/typescriptHooks.mjs", () => {
  it("resolves a TypeScript file's `./x.js` to `./x.ts`, and leaves an existing .js and packages to Node", async () => {
    writeFileSync(join(folder, "answer.ts"), "export const answer = 42;\n");
    writeFileSync(join(folder, "plain.js"), "export const plain = 1;\n");
    const parentURL = url("main.ts");
    expect(await resolve("./answer.js", { parentURL }, unreached)).toEqual({
      url: url("answer.ts"),
      format: "module",
      shortCircuit: true,
    });
    // ponder's indexer/ writes them without an extension (bundler style).
    expect(await resolve("./answer", { parentURL }, unreached)).toMatchObject({ url: url("answer.ts") });
    const next = async (specifier: string) => ({ url: `next:${specifier}` });
    expect(await resolve("./plain.js", { parentURL }, next)).toEqual({ url: "next:./plain.js" });
    expect(await resolve("graphql", { parentURL }, next)).toEqual({ url: "next:graphql" });
    // From JavaScript, `.js` means JavaScript.
    expect(await resolve("./answer.js", { parentURL: url("main.mjs") }, next)).toEqual({
      url: "next:./answer.js",
    });
  });

  it("strips types without esbuild's keepNames (no per-closure name call) and defines class fields", async () => {
    writeFileSync(
      join(folder, "code.ts"),
      [
        "type Row = { id: string };",
        "export const make = (rows: Row[]) => rows.map((row) => ({ cursor: () => row.id }));",
        "export class Named extends Error { override name = 'Named'; }",
      ].join("\n"),
    );
    const { format, source } = await load(url("code.ts"), {}, unreached);
    expect(format).toBe("module");
    expect(source).not.toContain("__name");
    expect(source).not.toContain("type Row");
    expect(source).toContain("sourceMappingURL=data:application/json");
    const module = await import(`data:text/javascript,${encodeURIComponent(source)}`);
    expect(module.make([{ id: "7" }])[0].cursor()).toBe("7");
    expect(new module.Named().name).toBe("Named");
  });

  it("hands every file that is not TypeScript to Node", async () => {
    const next = async (u: string) => ({ format: "module", source: `next:${u}` });
    expect(await load(url("plain.js"), {}, next)).toEqual({
      format: "module",
      source: `next:${url("plain.js")}`,
    });
  });
});

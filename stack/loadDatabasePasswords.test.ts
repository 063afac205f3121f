import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PartStartError } from "./errors.js";
import { loadDatabasePasswords } from "./loadDatabasePasswords.js";

const dir = mkdtempSync(join(tmpdir(), "caldera-passwords-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadDatabasePasswords", () => {
  it("generates three different URL-safe passwords once, in a mode-600 file beside the data folder", async () => {
    const dataDir = join(dir, "a", "postgres");
    mkdirSync(join(dir, "a"));
    const first = await loadDatabasePasswords({ dataDir });
    expect(first.file).toBe(join(dir, "a", "postgres-passwords.json"));
    expect(first.generated).toBe(true);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    const values = [first.superuser, first.app, first.analyst];
    expect(new Set(values).size).toBe(3);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const again = await loadDatabasePasswords({ dataDir });
    expect(again.generated).toBe(false);
    expect([again.superuser, again.app, again.analyst]).toEqual(values);
  });

  it("keeps the stored ones, fills in a missing one, and tightens a loose mode", async () => {
    const file = join(dir, "postgres-passwords.json");
    writeFileSync(file, JSON.stringify({ superuser: "kept", app: "kept too" }));
    chmodSync(file, 0o644);
    const loaded = await loadDatabasePasswords({ dataDir: join(dir, "postgres") });
    expect(loaded.superuser).toBe("kept");
    expect(loaded.app).toBe("kept too");
    expect(loaded.analyst).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      superuser: "kept",
      app: "kept too",
      analyst: loaded.analyst,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);

    chmodSync(file, 0o640);
    await loadDatabasePasswords({ dataDir: join(dir, "postgres") });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("refuses a damaged file with one line naming it, rather than generating a superuser password that cannot log in", async () => {
    const file = join(dir, "broken-passwords.json");
    writeFileSync(file, "{ not json");
    const error = await loadDatabasePasswords({ dataDir: join(dir, "broken") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartStartError);
    expect((error as Error).message).toContain(file);
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });
});

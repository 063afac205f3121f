import DataLoader from "dataloader";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createLoaders } from "./createLoaders.js";

// Nothing connects: making loaders runs no statement.
const sql = postgres("postgres://nobody@127.0.0.1:1/none", { max: 1 });
afterAll(() => sql.end({ timeout: 0 }));

describe("createLoaders", () => {
  it("makes a group of loaders on its first use in a request, once, and only that group", () => {
    const loaders = createLoaders(sql, "caldera");
    expect(Object.keys(loaders)).toEqual([]);
    const page = loaders.certificatePage;
    expect(page).toBeInstanceOf(DataLoader);
    expect(loaders.certificatePage).toBe(page);
    // The certificate group, and nothing of the other domains'.
    expect(Object.keys(loaders).sort()).toEqual(
      [
        "certificateById",
        "certificateCount",
        "certificatePage",
        "eraBalanceByAddress",
        "providerByAddress",
      ].sort(),
    );
    expect(createLoaders(sql, "caldera").certificatePage).not.toBe(page);
  });

  it("offers every loader of every group, each its own request's", () => {
    const loaders = createLoaders(sql, "caldera") as unknown as Record<string, unknown>;
    const names: string[] = [];
    for (const name in loaders) names.push(name);
    expect(names.length).toBeGreaterThan(80);
    // DataLoaders, and one per-request read (the approved channel schema extensions, read once).
    for (const name of names)
      expect(loaders[name] instanceof DataLoader || typeof loaders[name] === "function", name).toBe(true);
    expect(new Set(names.map((name) => loaders[name])).size).toBe(names.length);
  });
});

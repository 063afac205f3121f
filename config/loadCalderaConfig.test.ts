import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultQueryLimits, defaultRateLimits, loadCalderaConfig } from "./loadCalderaConfig.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const withConfig = (config: unknown) => {
  const dir = mkdtempSync(join(tmpdir(), "caldera-config-"));
  dirs.push(dir);
  writeFileSync(join(dir, "caldera.config.json"), JSON.stringify(config));
  return dir;
};

describe("loadCalderaConfig", () => {
  it("fills defaults and keeps partners", () => {
    const config = loadCalderaConfig(
      withConfig({ partners: [{ name: "partner-risk", url: "http://127.0.0.1:5000/graphql" }] }),
    );
    expect(config.ports.gateway).toBe(4000);
    expect(config.viewsSchema).toBe("caldera");
    expect(config.partners).toEqual([{ name: "partner-risk", url: "http://127.0.0.1:5000/graphql" }]);
    expect(config.limits).toEqual(defaultQueryLimits);
    expect(config.rateLimits).toEqual(defaultRateLimits);
  });

  it("merges rate limits over the defaults", () => {
    const config = loadCalderaConfig(withConfig({ rateLimits: { mutationsPerMinute: 0.5 } }));
    expect(config.rateLimits).toEqual({ ...defaultRateLimits, mutationsPerMinute: 0.5 });
  });

  it("merges query limits over the defaults", () => {
    const config = loadCalderaConfig(withConfig({ limits: { maxDepth: 8, maxCost: 500 } }));
    expect(config.limits).toEqual({ ...defaultQueryLimits, maxDepth: 8, maxCost: 500 });
  });

  it("keeps the committed caldera.config.json's limits at the defaults", () => {
    const config = loadCalderaConfig(new URL("../", import.meta.url).pathname);
    expect(config.limits).toEqual(defaultQueryLimits);
    expect(config.rateLimits).toEqual(defaultRateLimits);
  });

  it.each([
    [{ partners: [{ name: "caldera", url: "http://x/graphql" }] }, /partners\[0\]\.name "caldera" is taken/],
    [{ partners: [{ name: "ok", url: "not a url" }] }, /partners\[0\]\.url must be an absolute URL/],
    [
      { partners: [{ name: "ok", url: "http://x/graphql", timeoutMs: 0 }] },
      /partners\[0\]\.timeoutMs must be a whole number of ms/,
    ],
    [
      { partners: [{ name: "ok", url: "http://x/graphql", timeoutMs: "2000" }] },
      /partners\[0\]\.timeoutMs must be a whole number of ms/,
    ],
    [{ ports: { gateway: 70000 } }, /ports\.gateway must be a TCP port/],
    [{ viewsSchema: "Caldera-Views" }, /viewsSchema must be a lower-case Postgres identifier/],
    [{ limits: 5 }, /limits must be an object/],
    [{ limits: { maxDepth: 0 } }, /limits\.maxDepth must be a whole number, 1 or more/],
    [{ limits: { maxCost: "1000" } }, /limits\.maxCost must be a whole number, 1 or more/],
    [{ limits: { maxTokens: 2.5 } }, /limits\.maxTokens must be a whole number, 1 or more/],
    [{ limits: { maxDepht: 8 } }, /limits\.maxDepht is not a limit/],
    [{ rateLimits: 30 }, /rateLimits must be an object/],
    [{ rateLimits: { burst: 0 } }, /rateLimits\.burst must be a whole number, 1 or more/],
    [{ rateLimits: { burst: 2.5 } }, /rateLimits\.burst must be a whole number, 1 or more/],
    [{ rateLimits: { mutationsPerMinute: -1 } }, /rateLimits\.mutationsPerMinute must be a number above 0/],
    [{ rateLimits: { mutationsPerMinute: "30" } }, /rateLimits\.mutationsPerMinute must be a number above 0/],
    [{ rateLimits: { perMinute: 30 } }, /rateLimits\.perMinute is not a rate limit/],
    [{ proving: 5 }, /proving must be an object/],
    [{ proving: { workers: 0 } }, /proving\.workers must be a whole number/],
    [{ proving: { maxQeue: 1 } }, /proving\.maxQeue is not a proving setting/],
  ])("rejects %j", (config, message) => {
    expect(() => loadCalderaConfig(withConfig(config))).toThrow(message);
  });
});

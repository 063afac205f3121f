import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCalderaConfig } from "./loadCalderaConfig.js";

const withConfig = (config: unknown) => {
  const dir = mkdtempSync(join(tmpdir(), "caldera-config-"));
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
  });

  it.each([
    [{ partners: [{ name: "caldera", url: "http://x/graphql" }] }, /partners\[0\]\.name "caldera" is taken/],
    [{ partners: [{ name: "ok", url: "not a url" }] }, /partners\[0\]\.url must be an absolute URL/],
    [{ ports: { gateway: 70000 } }, /ports\.gateway must be a TCP port/],
    [{ viewsSchema: "Caldera-Views" }, /viewsSchema must be a lower-case Postgres identifier/],
  ])("rejects %j", (config, message) => {
    expect(() => loadCalderaConfig(withConfig(config))).toThrow(message);
  });
});

import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFreePort } from "../../stack/getFreePort.js";
import { removeDataDir } from "../support/removeDataDir.js";
import { type CalderaUp, spawnCalderaUp } from "../support/spawnCalderaUp.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../", import.meta.url));
let dir: string;
let env: Record<string, string>;
let up: CalderaUp;

/** `npx caldera …` against the stack this file started, as a newcomer would type it. */
const caldera = (...args: string[]) =>
  run(process.execPath, ["bin/caldera.mjs", ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    maxBuffer: 1 << 24,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "caldera-demo-"));
  const ports = {
    gateway: await getFreePort(),
    subgraph: await getFreePort(),
    indexer: await getFreePort(),
    postgres: await getFreePort(),
    anvil: await getFreePort(),
  };
  writeFileSync(join(dir, "caldera.config.json"), JSON.stringify({ ports }));
  env = { CALDERA_DATA_DIR: join(dir, "data"), CALDERA_CONFIG: join(dir, "caldera.config.json") };
  up = await spawnCalderaUp({ env });
});

afterAll(async () => {
  await up?.stop();
  removeDataDir(join(dir, "data"));
  removeDataDir(dir);
});

describe("npx caldera demo derivation: certify → vote a rule change → derive each kind → verify, twice", () => {
  it("tells the story through the gateway, and a second run reuses what exists", {
    timeout: 400_000,
  }, async () => {
    const first = await caldera("demo", "derivation");
    expect(first.stdout).toMatch(/registered Green Valley Farm/);
    expect(first.stdout).toMatch(/certificate 1: daily weather/);
    expect(first.stdout).toMatch(/executed through the timelock/);
    expect(first.stdout).toMatch(
      /derivative 1 \(PLANTING_PLAN, weight 1\.5× a core\) from certificates 1, 2: irrigate every \d+ days, \d+ mm; \+20% potassium/,
    );
    expect(first.stdout).toMatch(/derivative 2 \(MARKET_FORECAST, weight 1\.2× a core\).*next period/);
    expect(first.stdout).toMatch(/derivative 3 \(FAULT_WARNING_MODEL, weight 1\.3× a core\).*held-out F1/);

    const second = await caldera("demo", "derivation");
    expect(second.stdout).toMatch(/certified already, reused/);
    expect(second.stdout).toMatch(/rule 1 already needs 92%/);
    expect(second.stdout).toMatch(/derivative 1 \(PLANTING_PLAN\) exists already/);

    for (const id of ["1", "2", "3"]) {
      const verified = await caldera("derivative", "verify", id);
      expect(verified.stdout.trim().split("\n").at(-1)).toBe("verified");
    }
    const rules = await caldera("governance", "rules", "--json");
    expect(rules.stdout).toMatch(/9200/);
  });
});

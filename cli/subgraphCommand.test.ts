import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));

/** `caldera subgraph` with the required variables set to places that do not answer, plus `extra`. */
function subgraph(extra: Record<string, string>) {
  return spawnSync(process.execPath, ["bin/caldera.mjs", "subgraph"], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/caldera",
      CALDERA_RPC_URL: "http://127.0.0.1:1",
      CALDERA_INDEXER_URL: "http://127.0.0.1:1",
      CALDERA_DEPLOYMENT: "/nonexistent/deployment.json",
      ...extra,
    },
  });
}

describe("caldera subgraph: CALDERA_REPLICA_ID", () => {
  it("refuses a malformed replica id in one line, exit 1, before reading anything else", () => {
    const run = subgraph({ CALDERA_REPLICA_ID: "two words" });
    expect(run.status).toBe(1);
    const lines = `${run.stdout}${run.stderr}`.trim().split("\n");
    expect(lines).toEqual([
      'caldera subgraph: PART_START_FAILED: subgraph cannot start: CALDERA_REPLICA_ID is not a replica id ("two words") — set CALDERA_REPLICA_ID to 1–64 letters, digits, dots, colons, dashes or underscores',
    ]);
  });

  it("takes a pod name, and goes on to the next check (here: the deployment file)", () => {
    const run = subgraph({ CALDERA_REPLICA_ID: "caldera-subgraph-0" });
    expect(run.status).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toMatch(
      /CALDERA_DEPLOYMENT \/nonexistent\/deployment.json cannot be read/,
    );
  });
});

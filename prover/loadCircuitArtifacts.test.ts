import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CIRCUIT_BUILD_DIR, loadCircuitArtifacts } from "./loadCircuitArtifacts.js";

const copy = mkdtempSync(join(tmpdir(), "caldera-artifacts-"));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe("loadCircuitArtifacts", () => {
  it("loads the committed artifacts, whose hashes match the manifest", async () => {
    const { manifest, vkey } = await loadCircuitArtifacts("coreQuality");
    expect(manifest.ptau.devOnly).toBe(true);
    expect((vkey as { nPublic: number }).nPublic).toBe(5);
    const binding = await loadCircuitArtifacts("derivationBinding");
    expect(binding.manifest.publicSignals).toEqual([
      "featureCommitment",
      "coreCommitment",
      "channelMask",
      "bindingHash",
    ]);
    expect((binding.vkey as { nPublic: number }).nPublic).toBe(4);
  });

  it("refuses a zkey that differs from the one the manifest records", async () => {
    cpSync(join(CIRCUIT_BUILD_DIR, "coreQuality"), join(copy, "coreQuality"), { recursive: true });
    const zkey = join(copy, "coreQuality", "coreQuality.zkey");
    const bytes = readFileSync(zkey);
    bytes.writeUInt8((bytes.at(-1) ?? 0) ^ 1, bytes.length - 1);
    writeFileSync(zkey, bytes);
    await expect(loadCircuitArtifacts("coreQuality", `${copy}/`)).rejects.toMatchObject({
      code: "ARTIFACT_CORRUPTED",
    });
  });
});

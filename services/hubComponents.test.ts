import { hexToString, parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { canonicalHash } from "../models/canonicalJson.js";
import { getModel } from "../models/registry.js";
import {
  COMPONENT_KIND_CODES,
  componentNameHex,
  HUB_COMPONENT_NAMES,
  HUB_COMPONENTS,
  hubComponentConfiguration,
  hubComponentLogicHash,
  hubComponentPrice,
  isHubComponentName,
} from "./hubComponents.js";

describe("hubComponents", () => {
  it("names all eight in registration order, each fitting bytes32", () => {
    expect(HUB_COMPONENT_NAMES).toEqual([
      "core-prover",
      "binding-prover",
      "agricultural-validator",
      "industrial-validator",
      "derivation-rules",
      "planting-model",
      "market-model",
      "fault-model",
    ]);
    for (const name of HUB_COMPONENT_NAMES) {
      const hex = componentNameHex(name);
      expect(hex).toHaveLength(66);
      expect(hexToString(hex, { size: 32 })).toBe(name);
    }
  });

  it("numbers the kinds as IComponentRegistry.ComponentKind does", () => {
    expect(COMPONENT_KIND_CODES).toEqual({ COMPUTE: 1, DATA: 2, RULES: 3, SERVICE: 4 });
    expect(HUB_COMPONENTS["derivation-rules"].kind).toBe("RULES");
  });

  it("commits the logic hash to the component and its configuration", () => {
    expect(hubComponentLogicHash("core-prover")).toBe(
      canonicalHash({
        component: "core-prover",
        configuration: {
          circuit: "coreQuality",
          host: "thread",
          witness: "perProof",
          schedule: "sequential",
        },
      }),
    );
    const planting = getModel("planting-optimisation");
    expect(hubComponentConfiguration("planting-model")).toEqual({
      model: "planting-optimisation",
      versionHash: planting.versionHash,
    });
    const hashes = new Set(HUB_COMPONENT_NAMES.map(hubComponentLogicHash));
    expect(hashes.size).toBe(HUB_COMPONENT_NAMES.length);
    for (const hash of hashes) expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("prices the three models at 1 ERA and the rest at 0", () => {
    expect(HUB_COMPONENT_NAMES.filter((n) => hubComponentPrice(n) === parseEther("1"))).toEqual([
      "planting-model",
      "market-model",
      "fault-model",
    ]);
    expect(hubComponentPrice("core-prover")).toBe(0n);
  });

  it("tells hub names from others", () => {
    expect(isHubComponentName("fault-model")).toBe(true);
    expect(isHubComponentName("component-9")).toBe(false);
    expect(isHubComponentName("toString")).toBe(false);
  });
});

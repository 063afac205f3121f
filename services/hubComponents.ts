/**
 * The hub's own capability components — the ONE place their names, kinds, configurations and prices live. The
 * deploy step (stack/deployContracts.ts) registers each on the ComponentRegistry with the hub signer as provider and
 * writes their on-chain ids to `manifest.components`; the metering (usecases/evolution/meterInvocation.ts), the
 * tuned prover and the telemetry use the names.
 */
import { type Hex, parseEther, stringToHex } from "viem";
import { canonicalHash } from "../models/canonicalJson.js";
import { getModel } from "../models/registry.js";

export const HUB_COMPONENTS = {
  "core-prover": { kind: "COMPUTE", title: "Core-quality Groth16 prover" },
  "binding-prover": { kind: "COMPUTE", title: "Derivation-binding Groth16 prover" },
  "agricultural-validator": { kind: "DATA", title: "Agricultural dataset validator" },
  "industrial-validator": { kind: "DATA", title: "Industrial dataset validator" },
  "derivation-rules": { kind: "RULES", title: "Node-voted derivation rules" },
  "planting-model": { kind: "SERVICE", title: "Planting plan model" },
  "market-model": { kind: "SERVICE", title: "Market forecast model" },
  "fault-model": { kind: "SERVICE", title: "Fault-warning model" },
} as const;

export type HubComponentName = keyof typeof HUB_COMPONENTS;
export type ComponentKind = (typeof HUB_COMPONENTS)[HubComponentName]["kind"];

/** Registration order (= on-chain id order on a fresh chain). */
export const HUB_COMPONENT_NAMES = Object.keys(HUB_COMPONENTS) as HubComponentName[];

/** `IComponentRegistry.ComponentKind` as the contract numbers it (0 is NONE). */
export const COMPONENT_KIND_CODES = { COMPUTE: 1, DATA: 2, RULES: 3, SERVICE: 4 } as const satisfies Record<
  ComponentKind,
  number
>;

/** The model each service component runs (models/registry.ts ids). */
export const HUB_COMPONENT_MODELS = {
  "planting-model": "planting-optimisation",
  "market-model": "market-forecast",
  "fault-model": "fault-warning",
} as const satisfies Partial<Record<HubComponentName, string>>;

/**
 * The configuration each component starts with — what its logic hash at registration commits to. The provers'
 * is prover/proverConfiguration.ts's DEFAULT_PROVER_CONFIGURATION (services may not import prover/, so it is
 * repeated here; the kernel's improvements publish new logic hashes through evolution reports).
 */
export function hubComponentConfiguration(name: HubComponentName): Record<string, unknown> {
  switch (name) {
    case "core-prover":
      return { circuit: "coreQuality", host: "thread", witness: "perProof", schedule: "sequential" };
    case "binding-prover":
      return { circuit: "derivationBinding", host: "thread", witness: "perProof", schedule: "sequential" };
    case "agricultural-validator":
      return { domain: "AGRICULTURAL", checks: ["channelSchema", "domainFloors"] };
    case "industrial-validator":
      return { domain: "INDUSTRIAL", checks: ["channelSchema", "domainFloors"] };
    case "derivation-rules":
      return { contract: "DerivationRules", rule: "activeRuleOfDomainAndKind" };
    case "planting-model":
    case "market-model":
    case "fault-model": {
      const model = getModel(HUB_COMPONENT_MODELS[name]);
      return { model: model.id, versionHash: model.versionHash };
    }
  }
}

/** The component's name on-chain: its UTF-8 bytes, right-padded to bytes32. */
export function componentNameHex(name: HubComponentName): Hex {
  return stringToHex(name, { size: 32 });
}

/** The logic hash registered for a hub component: canonicalHash({ component, configuration }) as bytes32. */
export function hubComponentLogicHash(name: HubComponentName): Hex {
  return canonicalHash({ component: name, configuration: hubComponentConfiguration(name) });
}

/** The price per paid invocation at registration: 1 ERA for the three models (outside callers pay), else 0. */
export function hubComponentPrice(name: HubComponentName): bigint {
  return HUB_COMPONENTS[name].kind === "SERVICE" ? parseEther("1") : 0n;
}

/** Whether `name` is one of the hub's components (e.g. a manifest key or a GraphQL argument). */
export function isHubComponentName(name: string): name is HubComponentName {
  return Object.hasOwn(HUB_COMPONENTS, name);
}

import { graphql } from "graphql";
import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import type { BaseError } from "../errors/BaseError.js";
import { canonicalHash } from "../models/canonicalJson.js";
import type { LogicModuleStore } from "../services/createLogicModuleStore.js";
import type { TelemetryEntry } from "../services/createTelemetryRecorder.js";
import { tableHub } from "../test/support/tableHub.js";
import agriculturalGapFilling from "../usecases/evolution/logic/modules/agriculturalGapFilling.json" with {
  type: "json",
};
import industrialConditioning from "../usecases/evolution/logic/modules/industrialConditioning.json" with {
  type: "json",
};
import { sampleMachineDay } from "../usecases/evolution/logic/sampleMachineDay.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/**
 * The GraphQL side of capability absorption: the design's names and arguments, each refusal's code with nothing
 * sent, and a metered logic run of own + absorbed modules. The chain is a table of reads (test/support/tableHub.ts)
 * and the module store a map; the real registry, indexer and subgraph are exercised by absorptionMutations.stack.test.
 */

const schema = createSubgraphSchema();
const registry: Address = "0x9A676e781A523b5d0C0e43731313A708CB607508";
const NOW = BigInt(Math.floor(Date.now() / 1000));
const AGRI = canonicalHash(agriculturalGapFilling);
const INDUSTRIAL = canonicalHash(industrialConditioning);
const agriProvider: Address = "0x70997970C51812dc3A010C7d01b50e20d6dc79C8";
const industrialProvider: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

type Chain = {
  absorption?: { status: number; requestedAt: bigint };
  absorbed?: boolean;
};

function contextWith({ absorption, absorbed = false }: Chain = {}, stored: Record<string, unknown> = {}) {
  const components: Record<string, { provider: Address; logicHash: Hex }> = {
    "1": { provider: agriProvider, logicHash: AGRI },
    "2": { provider: industrialProvider, logicHash: INDUSTRIAL },
  };
  const { hub, sent } = tableHub({
    contracts: {
      EraToken: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      ComponentRegistry: { address: registry, startBlock: 1 } as never,
    },
    reads: {
      componentCount: () => 2n,
      component: (id: bigint) => ({ version: 1, kind: 2, ...components[id.toString()] }),
      absorptionCount: () => (absorption ? 1n : 0n),
      absorption: () => ({
        absorberId: 2n,
        sourceId: 1n,
        moduleHash: AGRI,
        compensation: 800n * 10n ** 18n,
        snapshotBlock: 10n,
        ...absorption,
      }),
      absorptionWindow: () => 7n * 86_400n,
      absorptionCompensation: () => 800n * 10n ** 18n,
      nonces: () => 0n,
      hasAbsorbed: (_id: bigint, hash: Hex) => absorbed && hash === AGRI,
    },
    receipt: () => ({ status: "success", logs: [] }),
    now: NOW,
  });
  const modules = new Map<string, unknown>(Object.entries(stored));
  const logicModules: LogicModuleStore = {
    migrate: async () => {},
    put: async (module) => {
      const hash = canonicalHash(module);
      modules.set(hash, module);
      return hash;
    },
    get: async (hash) => {
      const module = modules.get(String(hash).toLowerCase());
      return module === undefined
        ? undefined
        : { hash: hash as Hex, module: module as Record<string, unknown>, publishedAt: new Date(0) };
    },
  };
  const recorded: TelemetryEntry[] = [];
  const events = {
    ComponentRegistered: [{ args: { componentId: 2n, logicHash: INDUSTRIAL } }],
    AbsorptionRequested: absorption ? [{ args: { absorptionId: 1n, absorberId: 2n, moduleHash: AGRI } }] : [],
  };
  Object.assign(hub, {
    logicModules,
    telemetry: {
      record: (entry: TelemetryEntry) => recorded.push(entry),
      flush: async () => {},
      close: async () => {},
    },
  });
  Object.assign(hub.publicClient, {
    getContractEvents: async ({ eventName }: { eventName: keyof typeof events }) => events[eventName],
  });
  const context = { hub, loaders: {}, caller: {} } as unknown as SubgraphContext;
  return { context, sent, recorded, modules };
}

const run = (context: SubgraphContext, source: string, variableValues: Record<string, unknown> = {}) =>
  graphql({ schema, source, variableValues, contextValue: context });
const codeOf = (result: Awaited<ReturnType<typeof run>>) =>
  (result.errors?.[0]?.originalError as BaseError | undefined)?.code;
const detailsOf = (result: Awaited<ReturnType<typeof run>>) =>
  (result.errors?.[0]?.originalError as BaseError | undefined)?.details;

describe("absorption (schema)", () => {
  it("has the design's queries and mutations with their arguments", () => {
    const queries = schema.getQueryType()?.getFields() ?? {};
    const mutations = schema.getMutationType()?.getFields() ?? {};
    const args = (field: { args: readonly { name: string; type: unknown }[] } | undefined) =>
      field?.args.map((a) => `${a.name}: ${String(a.type)}`);
    expect(args(queries.logicModule)).toEqual(["hash: Bytes32!"]);
    expect(args(queries.requestAbsorptionTypedData)).toEqual([
      "input: RequestAbsorptionInput!",
      "deadline: DateTime",
    ]);
    expect(args(queries.approveAbsorptionTypedData)).toEqual(["absorptionId: ID!", "deadline: DateTime"]);
    expect(args(mutations.publishLogicModule)).toEqual(["module: JSON!"]);
    expect(args(mutations.requestAbsorption)).toEqual([
      "input: RequestAbsorptionInput!",
      "absorberAuthorization: SignedAuthorization!",
      "sourceAuthorization: SignedAuthorization!",
      "permit: SignedAuthorization",
    ]);
    expect(args(mutations.approveAbsorption)).toEqual([
      "absorptionId: ID!",
      "attestations: [NodeAttestationInput!]!",
    ]);
    expect(args(mutations.reclaimAbsorption)).toEqual(["absorptionId: ID!"]);
    expect(args(mutations.runComponentLogic)).toEqual([
      "component: ID!",
      "input: JSON!",
      "modules: [Bytes32!]",
    ]);
  });
});

describe("absorption (execution)", () => {
  it("publishes a module under its canonical hash and refuses a malformed one with its path", async () => {
    const { context, modules } = contextWith();
    const ok = await run(
      context,
      "mutation($m: JSON!) { publishLogicModule(module: $m) { hash kind name } }",
      {
        m: agriculturalGapFilling,
      },
    );
    expect(ok.data?.publishLogicModule).toEqual({
      hash: AGRI,
      kind: "pipeline",
      name: "agricultural-gap-filling",
    });
    expect(modules.has(AGRI)).toBe(true);
    const bad = await run(context, "mutation($m: JSON!) { publishLogicModule(module: $m) { hash } }", {
      m: { ...agriculturalGapFilling, steps: [{ op: "fillGaps", method: "spline", maxGap: 3 }] },
    });
    expect(codeOf(bad)).toBe("INVALID_MODULE");
    expect(detailsOf(bad)).toEqual({ path: "$.steps[0].method" });
    const read = await run(context, "query($h: Bytes32!) { logicModule(hash: $h) { hash module } }", {
      h: AGRI,
    });
    expect(read.data?.logicModule).toEqual({ hash: AGRI, module: agriculturalGapFilling });
  });

  it("refuses a request for a module that is not the source's logic (MODULE_HASH_MISMATCH), sending nothing", async () => {
    const { context, sent } = contextWith({}, { [INDUSTRIAL]: industrialConditioning });
    const result = await run(
      context,
      "query($i: RequestAbsorptionInput!) { requestAbsorptionTypedData(input: $i) { compensation } }",
      { i: { absorber: "2", source: "1", moduleHash: INDUSTRIAL } },
    );
    expect(codeOf(result)).toBe("MODULE_HASH_MISMATCH");
    expect(detailsOf(result)).toEqual({ expected: AGRI, got: INDUSTRIAL });
    expect(sent).toEqual([]);
  });

  it("hands out both providers' typed data and the permit of the 800 ERA compensation", async () => {
    const { context } = contextWith({}, { [AGRI]: agriculturalGapFilling });
    const result = await run(
      context,
      `query($i: RequestAbsorptionInput!) { requestAbsorptionTypedData(input: $i) {
        absorberTypedData { primaryType message } sourceTypedData { message } permitTypedData { message }
        compensation absorberProvider sourceProvider } }`,
      { i: { absorber: "2", source: "1", moduleHash: AGRI } },
    );
    expect(result.errors).toBeUndefined();
    const data = result.data?.requestAbsorptionTypedData as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    expect(data.compensation).toBe("800000000000000000000");
    expect(data.absorberTypedData?.primaryType).toBe("RequestAbsorption");
    expect(data.absorberTypedData?.message?.signer).toBe(industrialProvider);
    expect(data.sourceTypedData?.message?.signer).toBe(agriProvider);
    expect(data.permitTypedData?.message?.spender).toBe(registry);
  });

  it("refuses approving twice (ABSORPTION_NOT_PENDING) and reclaiming early (ABSORPTION_WINDOW_OPEN)", async () => {
    const approved = contextWith({ absorption: { status: 2, requestedAt: NOW - 60n } });
    const twice = await run(
      approved.context,
      `mutation($a: [NodeAttestationInput!]!) { approveAbsorption(absorptionId: "1", attestations: $a) { paidTo } }`,
      { a: [{ node: agriProvider, signature: `0x${"11".repeat(65)}`, deadline: String(NOW + 600n) }] },
    );
    expect(codeOf(twice)).toBe("ABSORPTION_NOT_PENDING");
    expect(detailsOf(twice)).toMatchObject({ status: "APPROVED" });
    const pending = contextWith({ absorption: { status: 1, requestedAt: NOW - 60n } });
    const early = await run(
      pending.context,
      `mutation { reclaimAbsorption(absorptionId: "1") { compensation } }`,
    );
    expect(codeOf(early)).toBe("ABSORPTION_WINDOW_OPEN");
    expect(detailsOf(early)).toEqual({ absorptionId: "1", reclaimableAt: String(NOW - 60n + 7n * 86_400n) });
    const unknown = await run(
      pending.context,
      `mutation { reclaimAbsorption(absorptionId: "9") { compensation } }`,
    );
    expect(codeOf(unknown)).toBe("UNKNOWN_ABSORPTION");
    expect([...approved.sent, ...pending.sent]).toEqual([]);
  });

  const runLogic = `mutation($c: ID!, $i: JSON!, $m: [Bytes32!]) {
    runComponentLogic(component: $c, input: $i, modules: $m) { component output modules { hash name role } accuracy } }`;

  it("runs own then absorbed modules, metered with accuracy against truth", async () => {
    const { reported, truth } = sampleMachineDay();
    const before = contextWith({}, { [INDUSTRIAL]: industrialConditioning, [AGRI]: agriculturalGapFilling });
    const own = await run(before.context, runLogic, { c: "2", i: { ...reported, truth } });
    expect(own.errors).toBeUndefined();
    const ownRun = own.data?.runComponentLogic as { accuracy: number; modules: unknown[] };
    expect(ownRun.modules).toEqual([{ hash: INDUSTRIAL, name: "industrial-conditioning", role: "own" }]);

    const after = contextWith(
      { absorption: { status: 2, requestedAt: NOW - 60n }, absorbed: true },
      { [INDUSTRIAL]: industrialConditioning, [AGRI]: agriculturalGapFilling },
    );
    const both = await run(after.context, runLogic, { c: "2", i: { ...reported, truth } });
    const bothRun = both.data?.runComponentLogic as { accuracy: number; modules: { role: string }[] };
    expect(bothRun.modules.map((m) => m.role)).toEqual(["own", "absorbed"]);
    expect(bothRun.accuracy).toBeGreaterThan(ownRun.accuracy);
    expect(before.recorded).toMatchObject([
      { componentId: 2n, component: "component-2", success: true, accuracy: ownRun.accuracy },
    ]);
    expect(after.recorded).toMatchObject([{ componentId: 2n, success: true, accuracy: bothRun.accuracy }]);
  });

  it("refuses a module not approved for the component and one whose stored content does not hash to its name", async () => {
    const { reported } = sampleMachineDay();
    const notApproved = contextWith(
      { absorption: { status: 1, requestedAt: NOW - 60n }, absorbed: false },
      { [INDUSTRIAL]: industrialConditioning, [AGRI]: agriculturalGapFilling },
    );
    const refused = await run(notApproved.context, runLogic, { c: "2", i: reported, m: [AGRI] });
    expect(codeOf(refused)).toBe("ABSORPTION_NOT_APPROVED");
    expect(notApproved.recorded).toMatchObject([{ success: false, errorCode: "ABSORPTION_NOT_APPROVED" }]);

    const tampered = contextWith(
      { absorption: { status: 2, requestedAt: NOW - 60n }, absorbed: true },
      {
        [INDUSTRIAL]: industrialConditioning,
        [AGRI]: { ...agriculturalGapFilling, steps: [{ op: "fillGaps", method: "previous", maxGap: 1000 }] },
      },
    );
    const mismatch = await run(tampered.context, runLogic, { c: "2", i: reported });
    expect(codeOf(mismatch)).toBe("MODULE_HASH_MISMATCH");
    expect(detailsOf(mismatch)).toMatchObject({ expected: AGRI });
  });
});

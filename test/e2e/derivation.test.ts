import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoDataset, machineDatasets, priceDataset, weatherDatasets } from "../../cli/demoDatasets.js";
import { DERIVATIVE_QUERY } from "../../cli/derivativeCommand.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { type PublishedDerivative, verifyDerivative } from "../../usecases/verifyDerivative.js";
import { certifyAs } from "../support/certifyAs.js";
import { graphql, startTestStack, type TestStack } from "../support/startTestStack.js";

const farm = privateKeyToAccount(ANVIL_DEV_KEYS[0]);

const TYPED = `query($input: DeriveValueInput!) {
  deriveValueTypedData(input: $input) { typedData { domain types primaryType message } outputHash summary } }`;
const DERIVE = `mutation($input: DeriveValueInput!, $authorization: SignedAuthorization!) {
  deriveValue(input: $input, authorization: $authorization) {
    derivative { id kind weightBps rule { id kind } owner { address } cores { id } model { id versionHash } outputHash summary }
    gasUsed proveMs } }`;

const planting = {
  station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
  crop: "maize",
  soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
  nutrients: { targetYieldTPerHa: 8, soilTest: { n: 40, p2o5: 30, k2o: 115 } },
};

let stack: TestStack;
const ids: Record<string, string[]> = {};

async function certifyAll(datasets: DemoDataset[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of datasets)
    out.push(await certifyAs(stack, ANVIL_DEV_KEYS[0], d as unknown as Record<string, unknown>));
  return out;
}

type Typed = {
  deriveValueTypedData: { typedData: { message: { deadline: number } }; outputHash: string; summary: string };
};

async function derive(
  input: { certificateIds: string[]; kind: string; parameters: unknown },
  key: `0x${string}` = ANVIL_DEV_KEYS[0],
) {
  const typed = await graphql<Typed>(stack.gatewayUrl, TYPED, { input });
  if (typed.errors)
    return typed as unknown as {
      errors: { extensions?: { code?: string }; message: string }[];
      data?: undefined;
    };
  const t = typed.data?.deriveValueTypedData as Typed["deriveValueTypedData"];
  // Signed as it arrives, as a frontend does with viem alone.
  const signature = await privateKeyToAccount(key).signTypedData(t.typedData as never);
  return graphql<{ deriveValue: { derivative: Record<string, unknown>; gasUsed: string; proveMs: number } }>(
    stack.gatewayUrl,
    DERIVE,
    {
      input,
      authorization: { signature, deadline: t.typedData.message.deadline },
    },
  );
}

const signerNonce = () =>
  stack.hub.publicClient.getTransactionCount({ address: stack.hub.walletClient.account.address });
const vkey = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../circuits/build/derivationBinding/verification_key.json", import.meta.url)),
    "utf8",
  ),
);

beforeAll(async () => {
  stack = await startTestStack();
  ids.weather = await certifyAll(weatherDatasets());
  ids.price = await certifyAll([priceDataset()]);
  ids.machine = await certifyAll(machineDatasets());
});

afterAll(async () => {
  await stack?.teardown();
});

describe("value derivation end to end (certify → derive each kind → read → verify)", () => {
  it("derives a planting plan from a season of weather, owned by the farm with the rule's weight", async () => {
    const result = await derive({
      certificateIds: ids.weather as string[],
      kind: "PLANTING_PLAN",
      parameters: planting,
    });
    expect(result.errors).toBeUndefined();
    const derivative = result.data?.deriveValue.derivative as {
      id: string;
      kind: string;
      weightBps: number;
      owner: { address: string };
      cores: { id: string }[];
      summary: string;
    };
    expect(derivative).toMatchObject({
      kind: "PLANTING_PLAN",
      weightBps: 15000,
      rule: { id: "1", kind: "PLANTING_PLAN" },
      owner: { address: farm.address },
      cores: (ids.weather as string[]).map((id) => ({ id })),
    });
    expect(derivative.summary).toMatch(/irrigate every \d+ days, \d+ mm/);
    expect(derivative.summary).toMatch(/\+20% potassium/);

    const read = await graphql<{ certificate: { derivatives: { id: string }[] } }>(
      stack.gatewayUrl,
      `query($id: ID!) { certificate(id: $id) { derivatives { id } } }`,
      { id: ids.weather?.[0] },
    );
    expect(read.data?.certificate.derivatives).toEqual([{ id: derivative.id }]);

    const published = await graphql<{ derivative: PublishedDerivative }>(stack.gatewayUrl, DERIVATIVE_QUERY, {
      id: derivative.id,
    });
    const verified = await verifyDerivative(published.data?.derivative as PublishedDerivative, vkey);
    expect(verified.checks.filter((c) => !c.ok)).toEqual([]);
    // Tampering with the published features breaks the re-run.
    const tampered = structuredClone(published.data?.derivative as PublishedDerivative);
    (tampered.features?.[0]?.slots[0] as number[])[0] = 35.5;
    const failed = (await verifyDerivative(tampered, vkey)).checks.filter((c) => !c.ok).map((c) => c.check);
    expect(failed).toEqual(
      expect.arrayContaining(["output hash", `features of certificate ${ids.weather?.[0]}`]),
    );
  });

  it("derives a price forecast and a fault-warning model", async () => {
    const forecast = await derive({
      certificateIds: ids.price as string[],
      kind: "MARKET_FORECAST",
      parameters: { seasonLength: 12, horizon: 6 },
    });
    expect(forecast.errors).toBeUndefined();
    expect(forecast.data?.deriveValue.derivative).toMatchObject({
      kind: "MARKET_FORECAST",
      weightBps: 12000,
    });
    expect(forecast.data?.deriveValue.derivative.summary).toMatch(/^next period/);

    const fault = await derive({
      certificateIds: ids.machine as string[],
      kind: "FAULT_WARNING_MODEL",
      parameters: { machineId: "press-7", windowHours: 6, horizonHours: 12 },
    });
    expect(fault.errors).toBeUndefined();
    expect(fault.data?.deriveValue.derivative).toMatchObject({
      kind: "FAULT_WARNING_MODEL",
      weightBps: 13000,
    });
    expect(fault.data?.deriveValue.derivative.summary).toMatch(/held-out F1/);

    const list = await graphql<{ derivatives: { totalCount: number; edges: { node: { kind: string } }[] } }>(
      stack.gatewayUrl,
      `{ derivatives(filter: { kind: MARKET_FORECAST }, first: 5) { totalCount edges { node { kind } } } }`,
    );
    expect(list.data?.derivatives).toEqual({ totalCount: 1, edges: [{ node: { kind: "MARKET_FORECAST" } }] });
  });

  it("refuses bad derivations with typed errors and sends nothing", async () => {
    const before = await signerNonce();
    const cases: [unknown, string][] = [
      [{ certificateIds: ["999"], kind: "PLANTING_PLAN", parameters: planting }, "UNKNOWN_CERTIFICATE"],
      [
        {
          certificateIds: ids.weather,
          kind: "MARKET_FORECAST",
          parameters: { seasonLength: 12, horizon: 6 },
        },
        "BAD_USER_INPUT",
      ],
      [
        {
          certificateIds: ids.weather,
          kind: "PLANTING_PLAN",
          parameters: { ...planting, soil: { fieldCapacity: 0.1, wiltingPoint: 0.2 } },
        },
        "MODEL_INPUT_INVALID",
      ],
      [
        {
          certificateIds: [ids.weather?.[1], ids.weather?.[0], ids.weather?.[0]],
          kind: "PLANTING_PLAN",
          parameters: planting,
        },
        "BAD_USER_INPUT",
      ],
    ];
    for (const [input, code] of cases) {
      const result = await derive(input as never);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result.errors)).toBe(code);
    }
    // A signature by someone else than the certificates' provider.
    const foreign = await derive(
      {
        certificateIds: ids.price as string[],
        kind: "MARKET_FORECAST",
        parameters: { seasonLength: 12, horizon: 3 },
      },
      ANVIL_DEV_KEYS[5],
    );
    expect(foreign.errors?.[0]?.extensions?.code).toBe("NOT_AUTHORIZED");
    expect(await signerNonce()).toBe(before);
  });

  it("refuses a certificate under the rule's threshold with RULE_NOT_MET naming the rule", async () => {
    // 12 of 96 days missing: integrity 8,750 bps, under the planting rule's 9,000.
    const [patchy] = weatherDatasets({
      seed: 99,
      startDate: "2027-01-01",
      windows: 1,
      missing: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    });
    const [id] = await certifyAll([patchy as DemoDataset]);
    const before = await signerNonce();
    const result = await derive({
      certificateIds: [id as string],
      kind: "PLANTING_PLAN",
      parameters: planting,
    });
    expect(result.errors?.[0]?.extensions?.code).toBe("RULE_NOT_MET");
    expect(result.errors?.[0]?.message).toMatch(/rule 1 \(PLANTING_PLAN\) needs 9000/);
    expect(await signerNonce()).toBe(before);
  });
});

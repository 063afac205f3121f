import type { Address, Hex, TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORE_DOMAINS } from "../prover/coreDataset.js";
import { prepareCoreClaim } from "../prover/prepareCoreClaim.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { certifyAs, registerProviderAs } from "../test/support/certifyAs.js";
import { sensorDataset } from "../test/support/sensorDataset.js";
import { graphql, startTestStack, type TestStack } from "../test/support/startTestStack.js";
import { certificationTypedData } from "../usecases/certificationTypedData.js";

/**
 * Rejected proofs as a source of Caldera's own risk features, through the real stack: a provider's certification
 * attempts — accepted, or refused for data its signed claim does not support — are recorded by certifyCore in the
 * hub's attempt store, and `publishCalderaRiskFeature(subject, TAMPERING_FREQUENCY)` proves and publishes the share
 * refused. A refusal nobody signed (junk in the provider's name) and a replay of a signed one do not count.
 */

let stack: TestStack;
const farm = privateKeyToAccount(ANVIL_DEV_KEYS[7] as Hex);
const stranger = privateKeyToAccount(ANVIL_DEV_KEYS[8] as Hex);

const CERTIFY = `mutation($input: CertifyCoreInput!, $authorization: SignedAuthorization!) {
  certifyCore(input: $input, authorization: $authorization) { certificate { id } } }`;

type Input = ReturnType<typeof sensorDataset> & {
  thresholds?: { integrityBps?: number };
};

/**
 * What a client that skips the hub's typed-data query signs: the claim built from its own data, with the thresholds
 * it asks for in place of what the data achieves — the query would refuse it, the client signs it anyway.
 */
async function signOwnClaim(signer: typeof farm, input: Input) {
  const seconds = (iso: string) => Date.parse(iso) / 1000;
  const { claim } = prepareCoreClaim({
    dataset: {
      windowStart: seconds(input.windowStart),
      slotSeconds: input.slotSeconds,
      deadlineSeconds: input.deadlineSeconds,
      readings: input.readings.map((r) => ({
        observedAt: seconds(r.observedAt),
        deliveredAt: seconds(r.deliveredAt),
        value: r.value,
      })),
    },
    domain: CORE_DOMAINS.AGRICULTURAL,
  });
  const registry = stack.deployment.contracts.CoreCertificateRegistry.address;
  const nonce = await stack.hub.publicClient.readContract({
    address: registry,
    abi: [
      {
        type: "function",
        name: "nonces",
        stateMutability: "view",
        inputs: [{ name: "provider", type: "address" }],
        outputs: [{ type: "uint256" }],
      },
    ],
    functionName: "nonces",
    args: [farm.address],
  });
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 3_600);
  const typedData = certificationTypedData({
    chainId: stack.deployment.chainId,
    registry,
    provider: farm.address,
    claim: { ...claim, minIntegrityBps: input.thresholds?.integrityBps ?? claim.minIntegrityBps },
    nonce,
    deadline,
  });
  return {
    signature: await signer.signTypedData(typedData as TypedDataDefinition),
    deadline: deadline.toString(),
  };
}

/** The hub's nonce and the block number: a refusal changes neither. */
const chainMark = async () => [
  await stack.hub.publicClient.getTransactionCount({ address: stack.hub.walletClient.account.address }),
  await stack.hub.publicClient.getBlockNumber({ cacheTime: 0 }),
];

/** Sends `certifyCore` with the given authorization; it must be refused with `code`, nothing sent. */
async function refused(input: Input, authorization: { signature: Hex; deadline: string }, code: string) {
  const before = await chainMark();
  const body = await graphql(stack.gatewayUrl, CERTIFY, {
    input: { provider: farm.address, domain: "AGRICULTURAL", ...input },
    authorization,
  });
  expect(body.errors?.[0]?.extensions?.code).toBe(code);
  expect(await chainMark()).toEqual(before);
}

beforeAll(async () => {
  stack = await startTestStack();
  const registered = await registerProviderAs(stack.gatewayUrl, farm, "Tamper Test Farm");
  expect(registered.errors).toBeUndefined();
}, 300_000);

afterAll(async () => {
  await stack?.teardown();
});

describe("Caldera's TAMPERING_FREQUENCY feature from rejected certifications", () => {
  it("records signed refusals beside accepted certifications and publishes the refused share", async () => {
    // Two days certified as the hub hands them out: accepted.
    for (const day of ["2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z"])
      await certifyAs(stack, farm, { domain: "AGRICULTURAL", ...sensorDataset({ windowStart: day }) });

    // 10 of 96 readings: integrity 1,041 bps, below the agricultural floor of 5,000.
    const sparse: Input = sensorDataset({
      windowStart: "2026-07-03T00:00:00Z",
      missing: Array.from({ length: 86 }, (_, i) => i + 10),
    });
    // Junk in the farm's name, signed by someone else: refused, and nothing counts against the farm.
    await refused(sparse, await signOwnClaim(stranger, sparse), "BELOW_FLOOR");
    // The farm's own signature over that claim: refused and recorded; replayed, it still counts once.
    const signed = await signOwnClaim(farm, sparse);
    await refused(sparse, signed, "BELOW_FLOOR");
    await refused(sparse, signed, "BELOW_FLOOR");
    // A claim of integrity 10,000 bps over a day missing a reading: THRESHOLD_NOT_MET, recorded.
    const overclaim: Input = {
      ...sensorDataset({ windowStart: "2026-07-04T00:00:00Z", missing: [3] }),
      thresholds: { integrityBps: 10_000 },
    };
    await refused(overclaim, await signOwnClaim(farm, overclaim), "THRESHOLD_NOT_MET");

    // A refusal is recorded in the background, after the refusal went back: wait (bounded) until both are in.
    const outcomes = async () =>
      ((await stack.hub.certificationAttempts?.recentFor(farm.address, 32)) ?? []).map((a) => [
        a.outcome,
        a.errorCode,
      ]);
    for (let i = 0; i < 100 && (await outcomes()).length < 4; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await outcomes()).toEqual([
      ["REJECTED", "THRESHOLD_NOT_MET"],
      ["REJECTED", "BELOW_FLOOR"],
      ["ACCEPTED", null],
      ["ACCEPTED", null],
    ]);

    const publish = `mutation($s: Address!) { publishCalderaRiskFeature(subject: $s, kind: TAMPERING_FREQUENCY) {
      feature { kind category severity bucket { lowBps highBps } recordCount threshold ecosystem { id } subject { address } } } }`;
    const published = await graphql<{ publishCalderaRiskFeature: { feature: Record<string, unknown> } }>(
      stack.gatewayUrl,
      publish,
      { s: farm.address },
    );
    expect(published.errors).toBeUndefined();
    expect(published.data?.publishCalderaRiskFeature.feature).toMatchObject({
      kind: "TAMPERING_FREQUENCY",
      category: "DATA",
      severity: "CRITICAL", // 2 refused of 4 attempts: 5,000 bps, the top bucket's lower edge
      bucket: { lowBps: 5000, highBps: 10000 },
      recordCount: 4,
      threshold: 1,
      ecosystem: { id: "1" },
      subject: { address: farm.address as Address },
    });
    // The same attempts again: the replay key is found before proving, nothing is sent.
    const before = await chainMark();
    const again = await graphql(stack.gatewayUrl, publish, { s: farm.address });
    expect(again.errors?.[0]?.extensions?.code).toBe("FEATURE_ALREADY_PUBLISHED");
    expect(await chainMark()).toEqual(before);
  }, 240_000);
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CalderaConfig } from "../../config/loadCalderaConfig.js";
import { coreCertificateRegistryAbi } from "../../contracts/generated/abis.js";
import { type Stack, startStack } from "../../stack/startStack.js";
import { CERTIFY, certifyCoreAs, registerProviderAs, signCertification } from "../support/certifyAs.js";
import { removeDataDir } from "../support/removeDataDir.js";
import { sensorDataset } from "../support/sensorDataset.js";
import { graphql } from "../support/startTestStack.js";

/**
 * The prover's worker pool on a real stack, sized small so it fills: one worker, two proofs waiting. startTestStack
 * takes no `proving` setting, so this starts the same stack (free ports, throwaway folder) with one.
 */
const PROVING = { workers: 1, maxQueue: 2 };

let stack: Stack;
let dataDir: string;
const providers: Hex[] = Array.from({ length: 4 }, () => generatePrivateKey());
const addressOf = (key: Hex) => privateKeyToAccount(key).address;

const PROVIDER = /* GraphQL */ `
  query ($address: Address!) { provider(address: $address) { name certificateCount } }
`;
type ProviderData = { provider: { name: string | null; certificateCount: number } };

const until = async (condition: () => boolean, what: string) => {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > 120_000) throw new Error(`${what}: not reached in 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "caldera-test-"));
  const config: CalderaConfig = {
    ports: { gateway: 0, subgraph: 0, indexer: 0, postgres: 0, anvil: 0 },
    viewsSchema: "caldera",
    partners: [],
    maxIndexerLagBlocks: 2,
    rateLimits: { mutationsPerMinute: 10_000, burst: 1_000 },
    proving: PROVING,
  };
  const lines: string[] = [];
  try {
    stack = await startStack({ config, dataDir, env: {}, log: (line) => lines.push(line) });
  } catch (error) {
    process.stderr.write(`startStack failed; the stack's log:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
    throw error;
  }
  for (const [i, key] of providers.entries()) {
    const registered = await registerProviderAs(stack.gatewayUrl, key, `Proving farm ${i}`);
    if (registered.errors) throw new Error(`registerProvider failed: ${JSON.stringify(registered.errors)}`);
  }
});

afterAll(async () => {
  await stack?.stop();
  if (dataDir) removeDataDir(dataDir);
});

describe("proving in the worker pool, through the gateway", () => {
  it("answers a query while certifyCore proofs are in flight, refuses past the queue with BUSY and sends nothing", async () => {
    const [a, b, c, late] = providers as [Hex, Hex, Hex, Hex];
    const input = (key: Hex, offset: number) => ({
      provider: addressOf(key),
      domain: "AGRICULTURAL",
      ...sensorDataset({ offset }),
    });
    // Signed before the pool fills, so the refused mutation reaches the prover while it is still full.
    const lateInput = input(late, 23);
    const lateSigned = await signCertification(stack.gatewayUrl, late, lateInput);
    if (!("authorization" in lateSigned)) throw new Error(JSON.stringify(lateSigned.errors));
    const lateNonce = () =>
      stack.hub.publicClient.readContract({
        address: stack.deployment.contracts.CoreCertificateRegistry.address,
        abi: coreCertificateRegistryAbi,
        functionName: "nonces",
        args: [addressOf(late)],
      });
    const nonceBefore = await lateNonce();

    const answered: string[] = [];
    const certifications = [a, b, c].map((key, i) =>
      certifyCoreAs(stack.gatewayUrl, key, input(key, 20 + i)).then((result) => {
        answered.push(`certification ${i}`);
        return result;
      }),
    );
    // One proof running and two waiting: the pool is full.
    await until(() => {
      const { running, queued } = stack.hub.prover.stats();
      return running === 1 && queued === 2;
    }, "three proofs in the pool");

    const query = await graphql<ProviderData>(stack.gatewayUrl, PROVIDER, { address: addressOf(a) });
    expect(query.errors).toBeUndefined();
    expect(query.data?.provider.name).toBe("Proving farm 0");
    // The query was answered while all three proofs were still in the pool and before any certification.
    const { running, queued } = stack.hub.prover.stats();
    expect(running + queued).toBe(3);
    expect(answered).toEqual([]);

    const refused = await graphql(stack.gatewayUrl, CERTIFY, {
      input: lateInput,
      authorization: lateSigned.authorization,
    });
    expect(refused.data?.certifyCore ?? null).toBeNull();
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "BUSY",
      retryAfterSeconds: expect.any(Number),
    });
    const extensions = (refused.errors?.[0]?.extensions ?? {}) as { retryAfterSeconds?: number };
    expect(extensions.retryAfterSeconds).toBeGreaterThan(0);

    // Every admitted certification goes through.
    for (const result of await Promise.all(certifications)) {
      expect(result.errors).toBeUndefined();
      expect(result.data?.certifyCore.certificate.id).toMatch(/^\d+$/);
    }
    // The refused one sent nothing: no certificate, its nonce unused (its signature still valid for a retry).
    const lateProvider = await graphql<ProviderData>(stack.gatewayUrl, PROVIDER, {
      address: addressOf(late),
    });
    expect(lateProvider.data?.provider.certificateCount).toBe(0);
    expect(await lateNonce()).toBe(nonceBefore);
    const retried = await graphql<{ certifyCore: { certificate: { id: string } } }>(
      stack.gatewayUrl,
      CERTIFY,
      {
        input: lateInput,
        authorization: lateSigned.authorization,
      },
    );
    expect(retried.errors).toBeUndefined();
    expect(stack.hub.prover.stats()).toEqual({ workers: 1, running: 0, queued: 0, capacity: 2 });
  }, 600_000);
});

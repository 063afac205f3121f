import { type Address, type Hex, parseEther, type TypedDataDefinition, verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { beforeEach, describe, expect, it } from "vitest";
import { canonicalHash } from "../../models/canonicalJson.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import type { HubServices } from "../HubServices.js";
import { approveAbsorption, prepareApproveAbsorption } from "./approveAbsorption.js";
import agriculturalGapFilling from "./logic/modules/agriculturalGapFilling.json" with { type: "json" };
import { reclaimAbsorption } from "./reclaimAbsorption.js";
import { prepareRequestAbsorption, requestAbsorption } from "./requestAbsorption.js";

/**
 * The absorption use cases around the chain: every refusal they owe the client — bad input, what the registry would
 * revert with, a signature that is not the signer's, too few or unstaked nodes — comes back typed with nothing sent,
 * and a correctly signed action reaches the sender with the call the registry takes. The chain is a table the test
 * sets (resolvers/absorptionMutations.stack.test.ts runs the real registry); signatures are real, from dev keys.
 */

const agriProvider = privateKeyToAccount(ANVIL_DEV_KEYS[6] as Hex);
const industrialProvider = privateKeyToAccount(ANVIL_DEV_KEYS[7] as Hex);
const nodes = [1, 2, 3].map((i) => privateKeyToAccount(ANVIL_DEV_KEYS[i] as Hex));
const stranger = privateKeyToAccount(ANVIL_DEV_KEYS[4] as Hex);
const NOW = BigInt(Math.floor(Date.now() / 1000));
const AGRI = canonicalHash(agriculturalGapFilling);
const COMPENSATION = parseEther("800");
const registry: Address = "0x9A676e781A523b5d0C0e43731313A708CB607508";

let state: {
  providers: Record<string, Address>;
  balance: bigint;
  allowance: bigint;
  absorption: { status: number; requestedAt: bigint };
  stake: Map<string, bigint>;
};
let sent: { functionName: string; args: readonly unknown[] }[];

class Sent extends Error {}

const reads: Record<string, (...args: never[]) => unknown> = {
  componentCount: () => 2n,
  component: (id: bigint) => ({
    provider: state.providers[id.toString()],
    logicHash: id === 1n ? AGRI : `0x${"22".repeat(32)}`,
  }),
  absorptionCompensation: () => COMPENSATION,
  nonces: () => 0n,
  balanceOf: () => state.balance,
  allowance: () => state.allowance,
  absorptionCount: () => 1n,
  absorption: () => ({
    absorberId: 2n,
    sourceId: 1n,
    moduleHash: AGRI,
    compensation: COMPENSATION,
    snapshotBlock: 50n,
    ...state.absorption,
  }),
  absorptionWindow: () => 7n * 86_400n,
  attestationQuorum: () => 2,
  minAttesterStake: () => parseEther("10000"),
  getPastVotes: (node: Address) => state.stake.get(node) ?? 0n,
};

const hub = {
  deployment: {
    chainId: 31337,
    contracts: {
      EraToken: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      NodeStaking: { address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
      ComponentRegistry: { address: registry, startBlock: 1 },
    },
  },
  publicClient: {
    readContract: async ({ functionName, args = [] }: { functionName: string; args?: unknown[] }) => {
      const read = reads[functionName];
      if (read === undefined) throw new Error(`the test has no ${functionName}`);
      return read(...(args as never[]));
    },
    getBlock: async () => ({ timestamp: NOW }),
    verifyTypedData: (parameters: Parameters<typeof verifyTypedData>[0]) => verifyTypedData(parameters),
  },
  indexer: {
    status: async () => ({
      reachable: true,
      catchingUp: false,
      live: true,
      indexedBlock: 1n,
      headBlock: 1n,
      lagBlocks: 0,
      maxLagBlocks: 2,
    }),
  },
  sender: {
    send: async ({ call }: { call: { functionName: string; args: readonly unknown[] } }) => {
      sent.push({ functionName: call.functionName, args: call.args });
      throw new Sent(call.functionName);
    },
    resync: () => {},
  },
} as unknown as HubServices;

beforeEach(() => {
  state = {
    providers: { "1": agriProvider.address, "2": industrialProvider.address },
    balance: parseEther("5000"),
    allowance: 0n,
    absorption: { status: 1, requestedAt: NOW - 60n },
    stake: new Map(nodes.map((n) => [n.address, parseEther("100000")])),
  };
  sent = [];
});

const sign = async (account: typeof stranger, typedData: unknown, deadline: bigint) => ({
  signature: await account.signTypedData(typedData as TypedDataDefinition),
  deadline,
});

describe("requestAbsorption", () => {
  const input = { absorber: "2", source: "1", moduleHash: AGRI };

  it("refuses bad input and what the registry would revert, sending nothing", async () => {
    await expect(prepareRequestAbsorption({ ...input, source: "2" }, hub)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "source" },
    });
    await expect(prepareRequestAbsorption({ ...input, source: "3" }, hub)).rejects.toMatchObject({
      code: "UNKNOWN_COMPONENT",
    });
    await expect(prepareRequestAbsorption({ ...input, moduleHash: "0x12" }, hub)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "moduleHash" },
    });
    await expect(
      prepareRequestAbsorption({ ...input, moduleHash: `0x${"22".repeat(32)}` }, hub),
    ).rejects.toMatchObject({ code: "MODULE_HASH_MISMATCH", details: { expected: AGRI } });
    expect(sent).toEqual([]);
  });

  it("checks both providers' signatures, one deadline, and the escrow's funds before sending", async () => {
    const prepared = await prepareRequestAbsorption(input, hub);
    const { deadline } = prepared;
    const absorberAuthorization = await sign(industrialProvider, prepared.absorberTypedData, deadline);
    const sourceAuthorization = await sign(agriProvider, prepared.sourceTypedData, deadline);
    const permit = await sign(industrialProvider, prepared.permitTypedData, deadline);
    // The source's provider's signature made by someone else.
    await expect(
      requestAbsorption(
        {
          ...input,
          absorberAuthorization,
          sourceAuthorization: await sign(stranger, prepared.sourceTypedData, deadline),
          permit,
        },
        hub,
      ),
    ).rejects.toMatchObject({ code: "NOT_AUTHORIZED", details: { reason: "signature" } });
    // Each provider signing the other's typed data is no signature of theirs either.
    await expect(
      requestAbsorption(
        {
          ...input,
          absorberAuthorization: await sign(industrialProvider, prepared.sourceTypedData, deadline),
          sourceAuthorization,
          permit,
        },
        hub,
      ),
    ).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
    await expect(
      requestAbsorption(
        {
          ...input,
          absorberAuthorization,
          sourceAuthorization: { ...sourceAuthorization, deadline: deadline + 1n },
          permit,
        },
        hub,
      ),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    // No permit and no allowance: the escrow cannot be pulled.
    await expect(
      requestAbsorption({ ...input, absorberAuthorization, sourceAuthorization }, hub),
    ).rejects.toMatchObject({
      code: "INSUFFICIENT_FUNDS",
    });
    state.balance = parseEther("799");
    await expect(
      requestAbsorption({ ...input, absorberAuthorization, sourceAuthorization, permit }, hub),
    ).rejects.toMatchObject({ code: "INSUFFICIENT_FUNDS" });
    expect(sent).toEqual([]);
    state.balance = parseEther("5000");
    await expect(
      requestAbsorption({ ...input, absorberAuthorization, sourceAuthorization, permit }, hub),
    ).rejects.toThrow(Sent);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.functionName).toBe("requestAbsorption");
    expect(sent[0]?.args.slice(0, 6)).toEqual([
      2n,
      1n,
      AGRI,
      deadline,
      absorberAuthorization.signature,
      sourceAuthorization.signature,
    ]);
    expect(sent[0]?.args[6]).toMatchObject({ value: COMPENSATION, deadline });
  });

  it("one provider of both components signs twice, the source's signature at the next nonce", async () => {
    state.providers["1"] = industrialProvider.address;
    const prepared = await prepareRequestAbsorption(input, hub);
    expect(prepared.absorberTypedData.message.nonce).toBe(0n);
    expect(prepared.sourceTypedData.message.nonce).toBe(1n);
  });
});

describe("approveAbsorption", () => {
  it("refuses too few, duplicate, unstaked or expired attestations, sending nothing; a quorum is sent", async () => {
    const { typedData, deadline } = await prepareApproveAbsorption("1", hub);
    const attest = async (node: typeof stranger) => ({
      node: node.address,
      ...(await sign(node, typedData, deadline)),
    });
    const [a, b] = [await attest(nodes[0] as typeof stranger), await attest(nodes[1] as typeof stranger)];
    await expect(approveAbsorption({ absorptionId: "1", attestations: [a] }, hub)).rejects.toMatchObject({
      code: "ATTESTATION_QUORUM_NOT_MET",
      details: { got: 1, needed: 2 },
    });
    await expect(approveAbsorption({ absorptionId: "1", attestations: [a, a] }, hub)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    await expect(
      approveAbsorption({ absorptionId: "1", attestations: [a, await attest(stranger)] }, hub),
    ).rejects.toMatchObject({ code: "NOT_ATTESTER" });
    await expect(
      approveAbsorption({ absorptionId: "1", attestations: [a, { ...b, node: stranger.address }] }, hub),
    ).rejects.toMatchObject({ code: "NOT_AUTHORIZED", details: { reason: "signature" } });
    const expired = { node: a.node, ...(await sign(nodes[0] as typeof stranger, typedData, NOW - 1n)) };
    await expect(
      approveAbsorption({ absorptionId: "1", attestations: [expired, { ...expired, node: b.node }] }, hub),
    ).rejects.toMatchObject({ code: "NOT_AUTHORIZED", details: { reason: "expired" } });
    expect(sent).toEqual([]);
    await expect(approveAbsorption({ absorptionId: "1", attestations: [a, b] }, hub)).rejects.toThrow(Sent);
    expect(sent.map((s) => s.functionName)).toEqual(["approveAbsorption"]);
    // Sent in ascending address order (how the contracts count a node once), whatever order they came in.
    const ascending = [a.node, b.node].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    expect(sent[0]?.args.slice(0, 3)).toEqual([1n, deadline, ascending]);
  });

  it("refuses an absorption already approved or reclaimed, or unknown", async () => {
    state.absorption.status = 3;
    await expect(prepareApproveAbsorption("1", hub)).rejects.toMatchObject({
      code: "ABSORPTION_NOT_PENDING",
      details: { status: "RECLAIMED" },
    });
    await expect(prepareApproveAbsorption("2", hub)).rejects.toMatchObject({ code: "UNKNOWN_ABSORPTION" });
  });
});

describe("reclaimAbsorption", () => {
  it("refuses inside the window, sends after it", async () => {
    await expect(reclaimAbsorption("1", hub)).rejects.toMatchObject({ code: "ABSORPTION_WINDOW_OPEN" });
    expect(sent).toEqual([]);
    state.absorption.requestedAt = NOW - 7n * 86_400n;
    await expect(reclaimAbsorption("1", hub)).rejects.toThrow(Sent);
    expect(sent).toEqual([{ functionName: "reclaimAbsorption", args: [1n] }]);
  });
});

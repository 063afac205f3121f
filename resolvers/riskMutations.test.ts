import { graphql } from "graphql";
import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  getAbiItem,
  type Hex,
  keccak256,
  stringToHex,
} from "viem";
import { describe, expect, it } from "vitest";
import { marginVaultAbi } from "../contracts/generated/abis.js";
import type { BaseError } from "../errors/BaseError.js";
import { tableHub } from "../test/support/tableHub.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/**
 * The GraphQL side of cross-domain risk's writes: every action of the shared design
 * is a typed-data query and a mutation with those argument names; a refusal carries the use case's code with nothing
 * sent; and a mutation's payload is the entity the indexer has for the write. The hub stands in for the chain with a
 * table of reads and a sender that "mines" resolveCase into a receipt carrying CaseResolved.
 */

const schema = createSubgraphSchema();

const signedActions = [
  "publishRiskFeature",
  "attestRiskFeature",
  "lockMargin",
  "setServedEcosystems",
  "requestMarginUnlock",
  "withdrawMargin",
  "fileFreeze",
  "castCaseVote",
  "claimDisposalPayout",
];
const withPermit = ["lockMargin", "fileFreeze"];
const vault: Address = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9";
const NOW = BigInt(Math.floor(Date.now() / 1000));
const txHash: Hex = keccak256(stringToHex("the resolution"));

/** A receipt of a successful resolveCase(1): one CaseResolved log, UPHELD, 10 ERA wei seized. */
function resolvedReceipt() {
  const event = getAbiItem({ abi: marginVaultAbi, name: "CaseResolved" });
  const topics = encodeEventTopics({ abi: [event], eventName: "CaseResolved", args: { caseId: 1n } });
  const data = encodeAbiParameters(
    event.inputs.filter((input) => !input.indexed),
    [2, 10n, 300n, 0n, 0n],
  );
  return {
    status: "success",
    transactionHash: txHash,
    blockHash: keccak256(stringToHex("block")),
    blockNumber: 12n,
    gasUsed: 71_000n,
    logs: [{ address: vault, topics, data, logIndex: 0, transactionHash: txHash, blockNumber: 12n }],
  };
}

function contextWith(freezeCase: Record<string, unknown> | undefined) {
  const reads: Record<string, (...args: never[]) => unknown> = {
    caseCount: () => (freezeCase ? 1n : 0n),
    freezeCase: () => freezeCase,
    getPastTotalSupply: () => 400n,
  };
  const { hub, sent } = tableHub({
    contracts: {
      EraToken: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      NodeStaking: { address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
      MarginVault: { address: vault },
    },
    reads,
    receipt: resolvedReceipt,
    now: NOW,
  });
  const cleared: string[] = [];
  const loaders = {
    caseById: {
      clear: (id: string) => cleared.push(id),
      load: async (id: string) => (id === "1" ? { id: "1", status: "UPHELD", seized: "10" } : undefined),
    },
  };
  return { context: { hub, loaders, caller: {} } as unknown as SubgraphContext, sent, cleared };
}

describe("risk mutations (schema)", () => {
  it("has every action of the design: a typed-data query and a mutation with authorization (and permit)", () => {
    const queries = schema.getQueryType()?.getFields() ?? {};
    const mutations = schema.getMutationType()?.getFields() ?? {};
    for (const name of signedActions) {
      expect(
        queries[`${name}TypedData`]?.args.map((a) => a.name),
        name,
      ).toEqual(["input", "deadline"]);
      expect(String(queries[`${name}TypedData`]?.type), name).toBe(
        name === "fileFreeze"
          ? "FileFreezeTypedData!"
          : withPermit.includes(name)
            ? "TypedDataWithPermit!"
            : "TypedData!",
      );
      const args = mutations[name]?.args.map((a) => a.name);
      expect(args, name).toEqual(
        name === "publishRiskFeature"
          ? ["input", "proof", "authorization"]
          : withPermit.includes(name)
            ? ["input", "authorization", "permit"]
            : ["input", "authorization"],
      );
    }
    expect(queries.settleDisposalTypedData?.args.map((a) => a.name)).toEqual(["input", "deadline"]);
    expect(mutations.settleDisposal?.args.map((a) => a.name)).toEqual(["input", "attestations"]);
    expect(mutations.resolveCase?.args.map((a) => a.name)).toEqual(["caseId"]);
    expect(mutations.publishCalderaRiskFeature?.args.map((a) => `${a.name}: ${a.type}`)).toEqual([
      "subject: Address!",
      "kind: RiskKind!",
    ]);
  });
});

describe("risk mutations (execution)", () => {
  const resolve = (context: SubgraphContext, caseId: string) =>
    graphql({
      schema,
      source: `mutation($id: ID!) { resolveCase(caseId: $id) { case { id status seized } transactionHash gasUsed } }`,
      variableValues: { id: caseId },
      contextValue: context,
    });

  it("refuses an unknown case with its code, sending nothing", async () => {
    const { context, sent } = contextWith(undefined);
    const result = await resolve(context, "1");
    expect((result.errors?.[0]?.originalError as BaseError | undefined)?.code).toBe("UNKNOWN_CASE");
    expect(sent).toEqual([]);
  });

  it("refuses an open case before its window ends without a majority (VOTING_OPEN), sending nothing", async () => {
    const { context, sent } = contextWith({
      status: 1,
      voteEnd: NOW + 3_600n,
      snapshotBlock: 5n,
      votesUphold: 200n,
      votesReject: 0n,
      votesDismiss: 0n,
    });
    const result = await resolve(context, "1");
    expect((result.errors?.[0]?.originalError as BaseError | undefined)?.code).toBe("VOTING_OPEN");
    expect(sent).toEqual([]);
  });

  it("resolves on a majority and returns the case the indexer has, read afresh", async () => {
    const { context, sent, cleared } = contextWith({
      status: 1,
      voteEnd: NOW + 3_600n,
      snapshotBlock: 5n,
      votesUphold: 201n,
      votesReject: 0n,
      votesDismiss: 0n,
    });
    const result = await resolve(context, "1");
    expect(result.errors).toBeUndefined();
    expect(result.data?.resolveCase).toEqual({
      case: { id: "1", status: "UPHELD", seized: "10" },
      transactionHash: txHash,
      gasUsed: "71000",
    });
    expect([sent, cleared]).toEqual([["resolveCase"], ["1"]]);
  });
});

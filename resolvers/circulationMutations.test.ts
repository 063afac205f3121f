import { graphql } from "graphql";
import {
  type Address,
  encodeAbiParameters,
  encodeEventTopics,
  getAbiItem,
  type Hex,
  keccak256,
  parseEther,
  stringToHex,
} from "viem";
import { describe, expect, it } from "vitest";
import { creditVaultAbi } from "../contracts/generated/abis.js";
import type { BaseError } from "../errors/BaseError.js";
import { tableHub } from "../test/support/tableHub.js";
import { createSubgraphSchema } from "./createSubgraphSchema.js";
import type { SubgraphContext } from "./SubgraphContext.js";

/**
 * The GraphQL side of ERA circulation's writes: every action of the shared design is a typed-data query and a
 * mutation with those argument names, arguments reach the use cases as they parse, refusals carry the use cases'
 * codes, and a mutation's payload is the entity the indexer has for the write. The hub stands in for the chain with
 * a table of reads and a sender that "mines" the call into a receipt carrying the contract's event.
 */

const schema = createSubgraphSchema();

const signedActions = [
  "setLicenceTerms",
  "buyLicence",
  "adoptDerivative",
  "invokeFaultModel",
  "fundRewardPool",
  "depositLiquidity",
  "withdrawLiquidity",
  "pledgeDerivative",
  "borrowCredit",
  "repayCredit",
  "unpledgeDerivative",
];
const withPermit = ["buyLicence", "fundRewardPool", "depositLiquidity", "repayCredit"];

const vault: Address = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9";
const borrower: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const NOW = BigInt(Math.floor(Date.now() / 1000));
const txHash: Hex = keccak256(stringToHex("the default"));

/** A receipt of a successful declareDefault(3): one CreditDefaulted log. */
function defaultReceipt() {
  const event = getAbiItem({ abi: creditVaultAbi, name: "CreditDefaulted" });
  const topics = encodeEventTopics({
    abi: [event],
    eventName: "CreditDefaulted",
    args: { lineId: 3n, derivativeId: 1n, borrower },
  });
  const data = encodeAbiParameters(
    event.inputs.filter((input) => !input.indexed),
    [1, parseEther("50"), parseEther("1"), NOW - 60n, borrower],
  );
  return {
    status: "success",
    transactionHash: txHash,
    blockHash: keccak256(stringToHex("block")),
    blockNumber: 12n,
    gasUsed: 91_000n,
    logs: [{ address: vault, topics, data, logIndex: 0, transactionHash: txHash, blockNumber: 12n }],
  };
}

function contextWith(reads: Record<string, (...args: never[]) => unknown>) {
  const { hub, sent } = tableHub({
    contracts: {
      EraToken: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      DerivativeRegistry: { address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
      DerivativeMarket: { address: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0" },
      CreditVault: { address: vault },
    },
    reads,
    receipt: defaultReceipt,
    now: NOW,
  });
  const lineRow = { id: "3", status: "DEFAULTED", derivativeId: "1", borrower };
  const cleared: string[] = [];
  const loaders = {
    creditLineById: {
      clear: (id: string) => cleared.push(id),
      load: async (id: string) => (id === "3" ? lineRow : undefined),
    },
  };
  const context = { hub, loaders, caller: {} } as unknown as SubgraphContext;
  return { context, sent, cleared };
}

describe("circulation mutations (schema)", () => {
  it("has every action of the design: a typed-data query and a mutation with authorization (and permit)", () => {
    const queries = schema.getQueryType()?.getFields() ?? {};
    const mutations = schema.getMutationType()?.getFields() ?? {};
    for (const name of signedActions) {
      const query = queries[`${name}TypedData`];
      expect(
        query?.args.map((a) => a.name),
        name,
      ).toEqual(["input", "deadline"]);
      expect(String(query?.type), name).toBe(
        name === "buyLicence"
          ? "BuyLicenceTypedData!"
          : withPermit.includes(name)
            ? "TypedDataWithPermit!"
            : "TypedData!",
      );
      const mutation = mutations[name];
      expect(
        mutation?.args.map((a) => `${a.name}: ${a.type}`),
        name,
      ).toEqual([
        `input: ${name[0]?.toUpperCase()}${name.slice(1)}Input!`,
        "authorization: SignedAuthorization!",
        ...(withPermit.includes(name) ? ["permit: SignedAuthorization"] : []),
      ]);
      const payload = (mutation?.type as unknown as { ofType: { getFields: () => object } } | undefined)
        ?.ofType;
      for (const field of ["transactionHash", "gasUsed"])
        expect(Object.keys(payload?.getFields() ?? {})).toContain(field);
    }
    expect(mutations.claimReward?.args.map((a) => `${a.name}: ${a.type}`)).toEqual([
      "derivative: ID!",
      "metric: RewardMetric!",
    ]);
    expect(mutations.releaseRevenue?.args.map((a) => `${a.name}: ${a.type}`)).toEqual(["account: Address!"]);
    expect(mutations.declareDefault?.args.map((a) => `${a.name}: ${a.type}`)).toEqual(["creditLine: ID!"]);
  });
});

describe("circulation mutations (resolvers)", () => {
  it("hands out typed data as JSON a wallet signs: uints as numbers, beyond 2^53 as decimal strings", async () => {
    const { context } = contextWith({ sharesOf: () => parseEther("5"), nonces: () => 2n });
    const result = await graphql({
      schema,
      source: `query($input: WithdrawLiquidityInput!) { withdrawLiquidityTypedData(input: $input, deadline: "2030-01-01T00:00:00Z") { domain types primaryType message } }`,
      variableValues: { input: { lender: borrower, shares: parseEther("5").toString() } },
      contextValue: context,
    });
    expect(result.errors).toBeUndefined();
    const typed = result.data?.withdrawLiquidityTypedData as Record<string, Record<string, unknown>>;
    expect(typed.domain).toEqual({
      name: "Caldera Credit",
      version: "1",
      chainId: 31337,
      verifyingContract: vault,
    });
    expect(typed.primaryType).toBe("Withdrawal");
    expect(typed.message).toEqual({
      lender: borrower,
      shares: "5000000000000000000",
      nonce: 2,
      deadline: Date.parse("2030-01-01T00:00:00Z") / 1000,
    });
  });

  it("lets the use cases' typed refusals through with their codes, nothing sent", async () => {
    const { context, sent } = contextWith({ sharesOf: () => 1n });
    const result = await graphql({
      schema,
      source: `query($input: WithdrawLiquidityInput!) { withdrawLiquidityTypedData(input: $input) { primaryType } }`,
      variableValues: { input: { lender: borrower, shares: "2" } },
      contextValue: context,
    });
    expect((result.errors?.[0]?.originalError as BaseError | undefined)?.code).toBe("INSUFFICIENT_SHARES");
    const bad = await graphql({
      schema,
      source: `mutation { declareDefault(creditLine: "first") { transactionHash } }`,
      contextValue: context,
    });
    expect((bad.errors?.[0]?.originalError as BaseError | undefined)?.code).toBe("BAD_USER_INPUT");
    expect(sent).toEqual([]);
  });

  it("returns the indexed credit line, with the transaction, after a default", async () => {
    const line = { borrower, status: 1, limit: parseEther("1000"), dueAt: NOW - 60n, derivativeId: 1n };
    const { context, sent, cleared } = contextWith({
      creditLine: () => line,
      debtOf: () => parseEther("51"),
    });
    const result = await graphql({
      schema,
      source: `mutation { declareDefault(creditLine: "3") { creditLine { id } principalLost interestLost transactionHash gasUsed } }`,
      contextValue: context,
    });
    expect(result.errors).toBeUndefined();
    expect(sent).toEqual(["declareDefault"]);
    expect(cleared).toEqual(["3"]);
    expect(result.data?.declareDefault).toEqual({
      creditLine: { id: "3" },
      principalLost: parseEther("50").toString(),
      interestLost: parseEther("1").toString(),
      transactionHash: txHash,
      gasUsed: "91000",
    });
  });
});

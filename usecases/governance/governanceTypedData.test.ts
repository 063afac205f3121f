import {
  type Address,
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  hashStruct,
  hashTypedData,
  keccak256,
  pad,
  parseAbiParameters,
  stringToHex,
  type TypedDataDefinition,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { derivationRulesAbi } from "../../contracts/generated/abis.js";
import { ballotTypedData, governanceTypedDataFromJson, proposalTypedData } from "./governanceTypedData.js";
import { hashProposal } from "./governor.js";
import { decodeGovernanceAction } from "./ruleChanges.js";

const governor: Address = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707";
const rules: Address = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853";
const calldata = encodeFunctionData({
  abi: derivationRulesAbi,
  functionName: "setRule",
  args: [2n, 2, 8_000, 12_000],
});
const proposal = {
  chainId: 31337,
  governor,
  proposer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address,
  targets: [rules],
  values: [0n],
  calldatas: [calldata],
  description: "Market forecast: timeliness ≥ 80%",
  nonce: 3n,
  deadline: 1_750_003_600n,
};

/** The struct hash exactly as CalderaGovernor._proposalStructHash builds it in Solidity. */
function solidityStructHash(p: typeof proposal): Hex {
  const typehash = keccak256(
    stringToHex(
      "Proposal(address proposer,address[] targets,uint256[] values,bytes[] calldatas,string description,uint256 nonce,uint256 deadline)",
    ),
  );
  const packedWords = (words: Hex[]) => keccak256(concat(words.length === 0 ? ["0x"] : words));
  return keccak256(
    encodeAbiParameters(
      parseAbiParameters("bytes32, address, bytes32, bytes32, bytes32, bytes32, uint256, uint256"),
      [
        typehash,
        p.proposer,
        packedWords(p.targets.map((t) => pad(t, { size: 32 }))),
        packedWords(p.values.map((v) => toHex(v, { size: 32 }))),
        packedWords(p.calldatas.map((c) => keccak256(c))),
        keccak256(stringToHex(p.description)),
        p.nonce,
        p.deadline,
      ],
    ),
  );
}

describe("governance typed data", () => {
  it("hashes a Proposal as the contract does (arrays and description as EIP-712 types)", () => {
    const typed = proposalTypedData(proposal);
    expect(hashStruct({ data: typed.message, primaryType: "Proposal", types: typed.types })).toBe(
      solidityStructHash(proposal),
    );
  });

  it("rebuilds what the API hands out in JSON, and refuses other typed data", async () => {
    const typed = proposalTypedData(proposal);
    const json = JSON.parse(JSON.stringify(typed, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
    const rebuilt = governanceTypedDataFromJson(json) as TypedDataDefinition;
    expect(hashTypedData(rebuilt)).toBe(hashTypedData(typed));
    const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    expect(await account.signTypedData(rebuilt)).toBe(await account.signTypedData(typed));

    expect(() => governanceTypedDataFromJson({ ...json, primaryType: "Permit" })).toThrow(/primaryType/);
    expect(() =>
      governanceTypedDataFromJson({ ...json, domain: { ...json.domain, name: "EraToken" } }),
    ).toThrow(/not CalderaGovernor/);
  });

  it("makes a Ballot without a reason and an ExtendedBallot with one", () => {
    const base = { chainId: 31337, governor, proposalId: 7n, voter: proposal.proposer, nonce: 1n } as const;
    expect(ballotTypedData({ ...base, support: "FOR" })).toMatchObject({
      primaryType: "Ballot",
      message: { proposalId: 7n, support: 1, voter: proposal.proposer, nonce: 1n },
    });
    expect(ballotTypedData({ ...base, support: "ABSTAIN", reason: "more data first" })).toMatchObject({
      primaryType: "ExtendedBallot",
      message: { support: 2, reason: "more data first", params: "0x" },
    });
  });

  it("computes the governor's proposal id and decodes a DerivationRules call", () => {
    expect(hashProposal(proposal)).toBe(
      BigInt(
        keccak256(
          encodeAbiParameters(parseAbiParameters("address[], uint256[], bytes[], bytes32"), [
            proposal.targets,
            proposal.values,
            proposal.calldatas,
            keccak256(stringToHex(proposal.description)),
          ]),
        ),
      ),
    );
    expect(decodeGovernanceAction({ target: rules, calldata }, { derivationRules: rules, governor })).toEqual(
      {
        contract: "DerivationRules",
        functionName: "setRule",
        signature: "setRule(uint256,uint8,uint16,uint32)",
        args: [
          { name: "ruleId", type: "uint256", value: "2" },
          { name: "attribute", type: "uint8", value: "2" },
          { name: "thresholdBps", type: "uint16", value: "8000" },
          { name: "weightBps", type: "uint32", value: "12000" },
        ],
        summary: "rule 2: TIMELINESS ≥ 80%, weight 1.2x",
      },
    );
    expect(
      decodeGovernanceAction(
        { target: governor, calldata: "0x12345678" },
        { derivationRules: rules, governor },
      ),
    ).toBe(undefined);
  });
});

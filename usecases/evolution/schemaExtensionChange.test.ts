import { type Address, decodeFunctionData } from "viem";
import { describe, expect, it } from "vitest";
import { channelSchemaRegistryAbi } from "../../contracts/generated/abis.js";
import { loadChannelSchema } from "../../prover/loadChannelSchema.js";
import { BadUserInputError } from "../errors.js";
import { decodeGovernanceAction, encodeRuleChange, type RuleReader } from "../governance/ruleChanges.js";
import { extendChannelSchema } from "./extendChannelSchema.js";

const targets = {
  derivationRules: "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853" as Address,
  channelSchemaRegistry: "0x8A791620dd6260079BF849Dc5567aDC3F2FdC318" as Address,
};
const governor = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707" as Address;
const noReads: RuleReader = {
  rule: () => Promise.reject(new Error("read a rule")),
  floors: () => Promise.reject(new Error("read floors")),
};
const pest = extendChannelSchema({
  base: loadChannelSchema("soil-moisture"),
  channel: "pestIncidenceRate",
  decimals: 2,
});
const change = {
  baseSchemaHash: pest.baseSchemaHash,
  extendedSchemaHash: pest.extendedSchemaHash,
  schemaId: pest.schema.id,
  definition: pest.definition,
};

async function refusal(given: typeof change, to = targets, reader = noReads) {
  const error = await encodeRuleChange({ approveSchemaExtension: given }, to, reader).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadUserInputError);
  const { details, message } = error as BadUserInputError;
  return { ...details, reason: message };
}

describe("approveSchemaExtension proposals", () => {
  it("encodes ChannelSchemaRegistry.approveExtension and decodes it back with a summary", async () => {
    const encoded = await encodeRuleChange({ approveSchemaExtension: change }, targets, noReads);
    expect(encoded.target).toBe(targets.channelSchemaRegistry);
    expect(decodeFunctionData({ abi: channelSchemaRegistryAbi, data: encoded.calldata })).toEqual({
      functionName: "approveExtension",
      args: [
        pest.baseSchemaHash,
        pest.extendedSchemaHash,
        "soil-moisture-pest-incidence-rate",
        pest.definition,
      ],
    });
    expect(encoded.summary).toBe(
      "Approve channel schema soil-moisture-pest-incidence-rate: value, pestIncidenceRate (added: pestIncidenceRate, unspecified, 2 decimals)",
    );
    expect(decodeGovernanceAction(encoded, { ...targets, governor })).toMatchObject({
      contract: "ChannelSchemaRegistry",
      functionName: "approveExtension",
      signature: "approveExtension(bytes32,bytes32,string,string)",
      summary: encoded.summary,
    });
  });

  it("refuses what the hub would ignore once approved, before anything is signed", async () => {
    const other = extendChannelSchema({ base: pest.schema, channel: "leafWetness", decimals: 1 });
    expect(await refusal({ ...change, extendedSchemaHash: other.extendedSchemaHash })).toMatchObject({
      field: "approveSchemaExtension.definition",
      reason: expect.stringMatching(/^approveSchemaExtension.definition the definition hashes to 0x/),
    });
    expect(await refusal({ ...change, schemaId: "soil-moisture-pests" })).toMatchObject({
      field: "approveSchemaExtension.definition",
    });
    expect(await refusal({ ...change, baseSchemaHash: "0x1234" })).toMatchObject({
      field: "approveSchemaExtension.baseSchemaHash",
    });
    // Extending an extension is fine once the hub accepts the base…
    const chained = {
      baseSchemaHash: other.baseSchemaHash,
      extendedSchemaHash: other.extendedSchemaHash,
      schemaId: other.schema.id,
      definition: other.definition,
    };
    expect(await refusal(chained)).toMatchObject({
      reason: expect.stringMatching(/is no schema the hub knows$/),
    });
    const knowing: RuleReader = {
      ...noReads,
      schemaExtensions: async () => [{ schema: pest.schema, extendedSchemaHash: pest.extendedSchemaHash }],
    };
    expect((await encodeRuleChange({ approveSchemaExtension: chained }, targets, knowing)).target).toBe(
      targets.channelSchemaRegistry,
    );
    // …but approving one the hub has already is not.
    expect(await refusal(change, targets, knowing)).toMatchObject({
      field: "approveSchemaExtension.extendedSchemaHash",
    });
    expect(
      await refusal(change, { derivationRules: targets.derivationRules } as typeof targets),
    ).toMatchObject({
      field: "approveSchemaExtension",
    });
  });
});

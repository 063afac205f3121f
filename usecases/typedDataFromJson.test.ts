import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { derivationTypedData } from "./prepareDerivation.js";
import { typedDataFromJson } from "./typedDataFromJson.js";

describe("typedDataFromJson", () => {
  it("restores bigints from the API's JSON so viem signs exactly what the hub verifies", async () => {
    const account = privateKeyToAccount(ANVIL_DEV_KEYS[1]);
    const typed = derivationTypedData({
      chainId: 31337,
      verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      request: {
        provider: account.address,
        ruleId: 1n,
        coreIds: [3n, 4n],
        modelId: `0x${"11".repeat(32)}`,
        modelVersionHash: `0x${"22".repeat(32)}`,
        outputHash: `0x${"33".repeat(32)}`,
        featureCommitments: [`0x${"44".repeat(32)}`, `0x${"55".repeat(32)}`],
        channelMask: 127,
        nonce: 0n,
        deadline: 1_900_000_000n,
      },
    });
    const overTheWire = JSON.parse(
      JSON.stringify(typed, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
    );
    const restored = typedDataFromJson(overTheWire);
    expect(await account.signTypedData(restored)).toBe(await account.signTypedData(typed));
  });
});

import { describe, expect, it } from "vitest";
import { ballotTypedData } from "../usecases/governance/governanceTypedData.js";
import { devAccount, signTypedDataAs } from "./devAccounts.js";

const ballot = (chainId: number) =>
  ballotTypedData({
    chainId,
    governor: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
    proposalId: 1n,
    support: "FOR",
    voter: devAccount(1).address,
    nonce: 0n,
  });

describe("dev accounts", () => {
  it("are anvil's accounts; the dev nodes are 1 to 3", () => {
    expect(devAccount(0).address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(devAccount(1).address).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    expect(() => devAccount(10)).toThrow(expect.objectContaining({ code: "SIGNER_MISCONFIGURED" }));
  });

  it("sign typed data for the dev chain only", async () => {
    await expect(signTypedDataAs(1, ballot(31337))).resolves.toMatch(/^0x[0-9a-f]{130}$/);
    await expect(signTypedDataAs(1, ballot(1))).rejects.toMatchObject({
      code: "SIGNER_MISCONFIGURED",
      message: expect.stringContaining("refusing to sign for chain 1"),
    });
  });
});

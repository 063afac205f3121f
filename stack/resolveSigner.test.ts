import { mnemonicToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ANVIL_DEV_KEYS, resolveSigner } from "./resolveSigner.js";

describe("resolveSigner", () => {
  it("uses anvil's first dev account on the dev chain when no key is set", () => {
    expect(resolveSigner({ chainId: 31337 }).address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  });

  it("lists anvil's ten dev accounts of the public test mnemonic, in order", () => {
    const mnemonic = "test test test test test test test test test test test junk";
    expect(ANVIL_DEV_KEYS).toHaveLength(10);
    ANVIL_DEV_KEYS.forEach((key, addressIndex) => {
      const hd = mnemonicToAccount(mnemonic, { addressIndex }).getHdKey().privateKey;
      expect(key).toBe(`0x${Buffer.from(hd ?? []).toString("hex")}`);
    });
  });

  it("gives every signer its own nonce manager (two stacks in one process do not share a nonce count)", () => {
    const a = resolveSigner({ chainId: 31337 });
    const b = resolveSigner({ chainId: 31337 });
    expect(a.nonceManager).toBeDefined();
    expect(a.nonceManager).not.toBe(b.nonceManager);
  });

  it("refuses to run without a key on any other chain", () => {
    expect(() => resolveSigner({ chainId: 1 })).toThrow(/CALDERA_PRIVATE_KEY is not set/);
  });

  it("refuses a public dev key on any other chain", () => {
    expect(() => resolveSigner({ chainId: 8453, privateKey: ANVIL_DEV_KEYS[1] })).toThrow(
      /public anvil dev key/,
    );
  });

  it("accepts a real key anywhere and rejects a malformed one", () => {
    const key = `0x${"11".repeat(32)}`;
    expect(resolveSigner({ chainId: 8453, privateKey: key }).address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(() => resolveSigner({ chainId: 31337, privateKey: "0x1234" })).toThrow(/32-byte hex/);
  });
});

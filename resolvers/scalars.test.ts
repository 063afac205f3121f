import { describe, expect, it } from "vitest";
import { scalarResolvers } from "./scalars.js";

const { Address, BigInt: BigIntScalar, Bytes, Bytes32, DateTime, JSONObject } = scalarResolvers;

describe("scalars", () => {
  it("parses DateTime as whole unix seconds and serialises back to ISO", () => {
    expect(DateTime.parseValue("2026-06-01T00:00:30Z")).toBe(1_780_272_030);
    expect(DateTime.parseValue("2026-06-01T02:00:30+02:00")).toBe(1_780_272_030);
    expect(DateTime.serialize("1780272030")).toBe("2026-06-01T00:00:30Z");
  });

  it.each([
    "2026-06-01T00:00:30",
    "2026-06-01T00:00:30.5Z",
    "yesterday",
    1_780_272_030,
    "2026-02-30T00:00:00Z",
  ])("rejects DateTime %j with BAD_USER_INPUT", (value) => {
    expect(() => DateTime.parseValue(value)).toThrow(
      expect.objectContaining({ extensions: { code: "BAD_USER_INPUT" } }),
    );
  });

  it("checksums addresses and validates hex widths", () => {
    expect(Address.parseValue("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")).toBe(
      "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    );
    expect(() => Address.parseValue("0x1234")).toThrow(/40 hex digits/);
    expect(() => Bytes32.parseValue(`0x${"0".repeat(63)}`)).toThrow(/64 hex digits/);
    expect(BigIntScalar.serialize(10n ** 27n)).toBe("1000000000000000000000000000");
    expect(() => BigIntScalar.parseValue("-1")).toThrow(/non-negative/);
  });

  it("takes Bytes of any even length up to 4 KiB, lower-cased", () => {
    expect(Bytes.parseValue("0xABcd")).toBe("0xabcd");
    expect(Bytes.parseValue("0x")).toBe("0x");
    expect(Bytes.parseValue(`0x${"ab".repeat(4096)}`)).toHaveLength(2 + 8192);
    for (const bad of ["0xabc", "abcd", "0xzz", 65, `0x${"ab".repeat(4097)}`])
      expect(() => Bytes.parseValue(bad)).toThrow(
        expect.objectContaining({ extensions: { code: "BAD_USER_INPUT" } }),
      );
  });

  it("takes and gives JSONObject values that are JSON objects only", () => {
    expect(JSONObject.parseValue({ a: [1, { b: "c" }] })).toEqual({ a: [1, { b: "c" }] });
    for (const bad of [[1, 2], "text", 3, null, true])
      expect(() => JSONObject.parseValue(bad)).toThrow(
        expect.objectContaining({ extensions: { code: "BAD_USER_INPUT" } }),
      );
    expect(JSONObject.serialize({ nonce: 3n, big: 2n ** 80n, nested: [{ deadline: 5n }] })).toEqual({
      nonce: 3,
      big: "1208925819614629174706176",
      nested: [{ deadline: 5 }],
    });
    expect(() => JSONObject.serialize([1])).toThrow();
  });

  it("never echoes a huge rejected value whole", () => {
    const huge = "x".repeat(100_000);
    for (const scalar of [Address, BigIntScalar, Bytes, Bytes32, DateTime, JSONObject]) {
      let message = "";
      try {
        scalar.parseValue(huge);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/x…$/);
      expect(message.length).toBeLessThan(200);
    }
  });
});

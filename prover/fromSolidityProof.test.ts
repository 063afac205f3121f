import type { Groth16Proof } from "snarkjs";
import { describe, expect, it } from "vitest";
import { fromSolidityProof } from "./fromSolidityProof.js";
import { toSolidityProof } from "./toSolidityProof.js";

const snarkjsProof: Groth16Proof = {
  pi_a: ["11", "12", "1"],
  pi_b: [
    ["21", "22"],
    ["23", "24"],
    ["1", "0"],
  ],
  pi_c: ["31", "32", "1"],
  protocol: "groth16",
  curve: "bn128",
};

describe("fromSolidityProof", () => {
  it("undoes toSolidityProof, from bigints and from decimal strings alike", () => {
    const solidity = toSolidityProof(snarkjsProof);
    expect(solidity.b).toEqual([
      [22n, 21n],
      [24n, 23n],
    ]);
    expect(fromSolidityProof(solidity)).toEqual(snarkjsProof);
    const asStrings = {
      a: solidity.a.map(String),
      b: solidity.b.map((pair) => pair.map(String)),
      c: solidity.c.map(String),
    };
    expect(fromSolidityProof(asStrings)).toEqual(snarkjsProof);
  });
});

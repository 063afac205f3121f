import { type Hex, keccak256, stringToHex } from "viem";
import { canonicalJson } from "../../models/canonicalJson.js";
import type { FaultReading } from "../../models/fault/faultModelRuntime.js";

/**
 * The two hashes an invocation records on-chain, over canonical JSON (models/canonicalJson.ts: keys sorted, no
 * whitespace, shortest numbers) so anyone holding the readings and the result can check them:
 * `inputHash` = keccak256 of the readings as `[{ at, temperatureC }, …]` in time order (what the enterprise signs),
 * `resultHash` = keccak256 of `{ probability, warning }` (what the hub's run of the model gave).
 */
export function faultInvocationHashes({
  readings,
  result,
}: {
  readings: readonly FaultReading[];
  result?: { probability: number; warning: boolean } | undefined;
}): { inputHash: Hex; resultHash: Hex | undefined } {
  const hash = (value: unknown) => keccak256(stringToHex(canonicalJson(value)));
  return {
    inputHash: hash(readings.map(({ at, temperatureC }) => ({ at, temperatureC }))),
    resultHash:
      result === undefined ? undefined : hash({ probability: result.probability, warning: result.warning }),
  };
}

import { MAX_CHANNEL_DECIMALS } from "../../prover/channelSchema.js";
import { VALUE_OFFSET } from "../../prover/coreDataset.js";

/** What was seen of a channel: the most decimals any value carried and the largest magnitude. */
export type ChannelObservation = { decimals: number; maxAbs: number };

/**
 * The decimals a new channel keeps: the most seen in its observed values (≤ 9), lowered while the largest
 * magnitude seen would not fit the 32-bit encoding (round(v × 10^d) + 2^31 must stay in [0, 2^32)).
 */
export function inferChannelDecimals(observations: readonly ChannelObservation[]): number {
  let decimals = 0;
  let maxAbs = 0;
  for (const o of observations) {
    if (Number.isInteger(o.decimals)) decimals = Math.max(decimals, o.decimals);
    if (Number.isFinite(o.maxAbs)) maxAbs = Math.max(maxAbs, Math.abs(o.maxAbs));
  }
  decimals = Math.min(MAX_CHANNEL_DECIMALS, decimals);
  while (decimals > 0 && Math.round(maxAbs * 10 ** decimals) >= VALUE_OFFSET) decimals -= 1;
  return decimals;
}

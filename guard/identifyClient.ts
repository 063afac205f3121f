import { createHash } from "node:crypto";
import { GATEWAY_SECRET_HEADER, secretMatches } from "./gatewaySecret.js";

/** The header a client names itself with; its rate-limit bucket and idempotency keys belong to that name. */
export const API_KEY_HEADER = "x-api-key";

export type IdentifyClientParameters = {
  /** Reads one request header (lower-case name). */
  header: (name: string) => string | undefined;
  /** The TCP peer: the client itself, or the gateway. */
  remoteAddress: string | undefined;
  /** The stack's gateway secret: only a request carrying it may say whose address it forwards. */
  gatewaySecret: string | undefined;
};

/**
 * Who a request comes from, as rate limits and idempotency keys count it: `key:<sha256 of the API key>` when the
 * request carries `x-api-key` (the key itself is never kept or logged), else `ip:<address>`. The address is the
 * `x-forwarded-for` the gateway sets, believed only with the gateway's secret; anyone else's claim is ignored and the
 * TCP peer is the client.
 */
export function identifyClient({ header, remoteAddress, gatewaySecret }: IdentifyClientParameters): string {
  const apiKey = header(API_KEY_HEADER)?.trim();
  if (apiKey) return `key:${createHash("sha256").update(apiKey).digest("hex")}`;
  const forwarded =
    gatewaySecret && secretMatches(header(GATEWAY_SECRET_HEADER), gatewaySecret)
      ? header("x-forwarded-for")?.split(",").at(-1)?.trim()
      : undefined;
  const address = forwarded || remoteAddress || "unknown";
  // One client, one name: an IPv4 peer of a dual-stack socket arrives as ::ffff:a.b.c.d.
  return `ip:${address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address}`;
}

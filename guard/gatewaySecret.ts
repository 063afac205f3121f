import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The header the gateway sends Caldera's subgraph with the shared secret; the subgraph answers `_entities` and
 * `_service` only when it matches (or, when no secret is configured, only to loopback callers).
 */
export const GATEWAY_SECRET_HEADER = "caldera-gateway-secret";

/** Constant-time comparison (hashing first makes the lengths equal). */
export function secretMatches(sent: string | undefined, secret: string): boolean {
  if (sent === undefined) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(sent), digest(secret));
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { identifyClient } from "./identifyClient.js";

const secret = "per-stack-secret";
const headers =
  (values: Record<string, string>) =>
  (name: string): string | undefined =>
    values[name];

describe("identifyClient", () => {
  it("names a client by its API key, hashed, wherever it comes from", () => {
    const client = identifyClient({
      header: headers({ "x-api-key": "sk_live_123", "x-forwarded-for": "203.0.113.9" }),
      remoteAddress: "127.0.0.1",
      gatewaySecret: secret,
    });
    expect(client).toBe(`key:${createHash("sha256").update("sk_live_123").digest("hex")}`);
    expect(client).not.toContain("sk_live_123");
  });

  it("believes x-forwarded-for only with the gateway secret", () => {
    const forwarded = { "x-forwarded-for": "203.0.113.9" };
    expect(
      identifyClient({
        header: headers({ ...forwarded, "caldera-gateway-secret": secret }),
        remoteAddress: "127.0.0.1",
        gatewaySecret: secret,
      }),
    ).toBe("ip:203.0.113.9");
    expect(
      identifyClient({
        header: headers({ ...forwarded, "caldera-gateway-secret": "guess" }),
        remoteAddress: "198.51.100.4",
        gatewaySecret: secret,
      }),
    ).toBe("ip:198.51.100.4");
    // No secret configured: nobody's forwarded address is believed, loopback included.
    expect(
      identifyClient({ header: headers(forwarded), remoteAddress: "127.0.0.1", gatewaySecret: undefined }),
    ).toBe("ip:127.0.0.1");
  });

  it("takes the nearest hop of a forwarded list, and one name for an IPv4 peer on a dual-stack socket", () => {
    expect(
      identifyClient({
        header: headers({ "x-forwarded-for": "10.9.9.9, 203.0.113.9", "caldera-gateway-secret": secret }),
        remoteAddress: "127.0.0.1",
        gatewaySecret: secret,
      }),
    ).toBe("ip:203.0.113.9");
    expect(
      identifyClient({ header: headers({}), remoteAddress: "::ffff:127.0.0.1", gatewaySecret: secret }),
    ).toBe("ip:127.0.0.1");
    expect(
      identifyClient({ header: headers({ "x-api-key": "  " }), remoteAddress: "::1", gatewaySecret: secret }),
    ).toBe("ip:::1");
  });
});

import { describe, expect, it } from "vitest";
import { callerIsGateway } from "./gatewayOnly.js";

describe("gatewayOnly: who may ask for _entities and _service", () => {
  it("with a secret: only a request carrying it, wherever it comes from", () => {
    const secret = "s3cret-per-stack-start";
    expect(callerIsGateway({ secret, sent: secret, remoteAddress: "10.0.0.8" })).toBe(true);
    expect(callerIsGateway({ secret, sent: undefined, remoteAddress: "127.0.0.1" })).toBe(false);
    expect(callerIsGateway({ secret, sent: "s3cret", remoteAddress: "127.0.0.1" })).toBe(false);
  });

  it("without a secret: loopback callers only", () => {
    for (const remoteAddress of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.3.2.1"])
      expect(callerIsGateway({ secret: undefined, sent: undefined, remoteAddress })).toBe(true);
    for (const remoteAddress of ["10.0.0.8", "::ffff:192.168.1.2", "fe80::1", undefined])
      expect(callerIsGateway({ secret: undefined, sent: "anything", remoteAddress })).toBe(false);
  });
});

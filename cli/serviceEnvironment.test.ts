import { describe, expect, it } from "vitest";
import { serviceEnvironment } from "./serviceEnvironment.js";

const names = { required: ["DATABASE_URL"], optional: ["PORT", "CALDERA_SUBGRAPH_URLS", "SECRET"] } as const;
const read = (env: NodeJS.ProcessEnv) => serviceEnvironment("subgraph", names, env);
const base = { DATABASE_URL: "postgres://hub:pw@db:5432/hub" };

describe("serviceEnvironment", () => {
  it("refuses a missing required variable with PART_START_FAILED naming it", () => {
    expect(() => read({ DATABASE_URL: " " })).toThrow(
      expect.objectContaining({
        code: "PART_START_FAILED",
        message: expect.stringMatching(/DATABASE_URL is not set/),
      }),
    );
  });

  it("checks URLs without echoing a password", () => {
    expect(read(base).url("DATABASE_URL")).toBe(base.DATABASE_URL);
    expect(() => read({ DATABASE_URL: "db:5432 pw=secret" }).url("DATABASE_URL")).toThrow(/is not a URL/);
    expect(() => read({ DATABASE_URL: "ftp://u:secret@h/x" }).url("DATABASE_URL")).toThrow(/u:\*\*\*@/);
  });

  it("reads comma-separated URLs, at least one", () => {
    const env = read({ ...base, CALDERA_SUBGRAPH_URLS: " http://a:1/graphql, http://b:1/graphql ," });
    expect(env.urls("CALDERA_SUBGRAPH_URLS")).toEqual(["http://a:1/graphql", "http://b:1/graphql"]);
    expect(() => read({ ...base, CALDERA_SUBGRAPH_URLS: "," }).urls("CALDERA_SUBGRAPH_URLS")).toThrow(
      /lists no URL/,
    );
  });

  it("reads a port, else the fallback", () => {
    expect(read(base).port("PORT", 4001)).toBe(4001);
    expect(read({ ...base, PORT: "8080" }).port("PORT", 4001)).toBe(8080);
    for (const bad of ["80a", "-1", "70000", "1.5"])
      expect(() => read({ ...base, PORT: bad }).port("PORT", 4001)).toThrow(/is not a TCP port/);
  });

  it("requires the gateway secret only across hosts, and a long one", () => {
    expect(read(base).secret("SECRET", false)).toBeUndefined();
    expect(() => read(base).secret("SECRET", true)).toThrow(/SECRET is not set/);
    expect(() => read({ ...base, SECRET: "short" }).secret("SECRET", false)).toThrow(/shorter than 16/);
    expect(read({ ...base, SECRET: "0123456789abcdef" }).secret("SECRET", true)).toBe("0123456789abcdef");
    expect(read(base).isLoopback("127.0.0.1")).toBe(true);
    expect(read(base).isLoopback("0.0.0.0")).toBe(false);
  });
});

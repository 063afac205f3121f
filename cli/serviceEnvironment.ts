import { PartStartError, type StackPart } from "../stack/errors.js";

export type ServiceEnvironmentNames = {
  /** Without one of these the part cannot start. */
  required: readonly string[];
  /** Read when set. */
  optional: readonly string[];
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * The environment of one part run on its own (`caldera subgraph`, `caldera gateway`), read only through the names
 * it declares — the same lists the deployment manifests are checked against, so a manifest cannot set a variable
 * the process ignores or miss one it needs. Anything missing or malformed is the one line `PART_START_FAILED`
 * naming the variable and the fix.
 */
export function serviceEnvironment<const Names extends ServiceEnvironmentNames>(
  part: StackPart,
  names: Names,
  env: NodeJS.ProcessEnv = process.env,
) {
  type Name = Names["required"][number] | Names["optional"][number];
  const refuse = (cause: string, fix: string) => new PartStartError(part, cause, fix);
  const text = (name: Name): string | undefined => env[name]?.trim() || undefined;
  for (const name of names.required as readonly Name[])
    if (text(name) === undefined) throw refuse(`${name} is not set`, `set ${name} (see docs/production.md)`);
  const url = (name: Name, value = text(name)): string | undefined => {
    if (value === undefined) return undefined;
    try {
      const { protocol } = new URL(value);
      if (!/^(https?|postgres(ql)?):$/.test(protocol)) throw new Error(protocol);
      return value;
    } catch {
      throw refuse(
        `${name} is not a URL (${redact(value)})`,
        `set ${name} to an absolute http(s) or postgres URL`,
      );
    }
  };
  return {
    text,
    /** Whether a host name or listen address is this machine only. */
    isLoopback: (host: string) => LOOPBACK.has(host),
    /** A URL, checked; undefined when an optional one is unset. */
    url: (name: Name) => url(name),
    /** A comma-separated list of URLs, each checked, at least one. */
    urls: (name: Name): string[] => {
      const list = (text(name) ?? "")
        .split(",")
        .map((u) => u.trim())
        .filter(Boolean);
      if (list.length === 0) throw refuse(`${name} lists no URL`, `set ${name} to comma-separated URLs`);
      return list.map((u) => url(name, u) as string);
    },
    /** A TCP port (`PORT`-style), else `fallback`. */
    port: (name: Name, fallback: number): number => {
      const value = text(name);
      if (value === undefined) return fallback;
      const port = Number(value);
      if (!/^\d+$/.test(value) || port > 65535)
        throw refuse(`${name} is not a TCP port (${value})`, `set ${name} to 0–65535`);
      return port;
    },
    /**
     * The shared gateway secret: needed as soon as the gateway and a subgraph are on different hosts (the subgraph
     * answers `_entities`/`_service` without it only on loopback), so required whenever `remote` holds.
     */
    secret: (name: Name, remote: boolean): string | undefined => {
      const value = text(name);
      if (value === undefined && remote)
        throw refuse(
          `${name} is not set and the gateway and the subgraph are not on one host`,
          `set the same ${name} (at least 16 characters) on the gateway and every subgraph replica`,
        );
      if (value !== undefined && value.length < 16)
        throw refuse(
          `${name} is shorter than 16 characters`,
          `use a random secret (openssl rand -base64 32)`,
        );
      return value;
    },
  };
}

function redact(value: string): string {
  return value.replace(/\/\/([^:/]+):[^@]+@/, "//$1:***@");
}

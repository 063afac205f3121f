import { GraphQLError, GraphQLScalarType, Kind, type ValueNode, valueFromASTUntyped } from "graphql";
import { getAddress, isAddress } from "viem";

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

/** The rejected value as JSON, cut after 70 characters: an error never echoes a huge input back. */
function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 70 ? `${json.slice(0, 70)}…` : json;
}

function literalString(ast: ValueNode, scalar: string): string {
  if (ast.kind !== Kind.STRING) throw badInput(`${scalar} must be given as a string`);
  return ast.value;
}

function parseAddress(value: unknown): `0x${string}` {
  if (typeof value !== "string" || !isAddress(value, { strict: false }))
    throw badInput(`Address must be 0x followed by 40 hex digits, got ${preview(value)}`);
  return getAddress(value);
}

function parseBigInt(value: unknown): bigint {
  if (typeof value === "string" && /^\d{1,78}$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw badInput(`BigInt must be a non-negative decimal integer string, got ${preview(value)}`);
}

function parseBytes32(value: unknown): `0x${string}` {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value))
    throw badInput(`Bytes32 must be 0x followed by 64 hex digits, got ${preview(value)}`);
  return value.toLowerCase() as `0x${string}`;
}

/** At most 4 KiB: a 65-byte ECDSA signature, or a contract account's (ERC-1271) multi-owner signature. */
const MAX_BYTES = 4096;

function parseBytes(value: unknown): `0x${string}` {
  if (typeof value !== "string" || !/^0x(?:[0-9a-fA-F]{2})*$/.test(value))
    throw badInput(`Bytes must be 0x followed by an even number of hex digits, got ${preview(value)}`);
  if ((value.length - 2) / 2 > MAX_BYTES) throw badInput(`Bytes must be at most ${MAX_BYTES} bytes long`);
  return value.toLowerCase() as `0x${string}`;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function parseJsonObject(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw badInput(`JSONObject must be a JSON object, got ${preview(value)}`);
  return value;
}

/** A JSON object on the way out: bigints become numbers when exact, decimal strings otherwise. */
function serializeJsonObject(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new Error(`JSONObject cannot represent ${preview(typeof value)}`);
  const plain = (v: unknown): unknown =>
    typeof v === "bigint"
      ? v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v)
        : v.toString()
      : Array.isArray(v)
        ? v.map(plain)
        : isPlainObject(v)
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
          : v;
  return plain(value) as Record<string, unknown>;
}

/** Any JSON value on the way out: bigints as in JSONObject. */
function serializeJson(value: unknown): unknown {
  return value === null || value === undefined ? null : serializeJsonObject({ value }).value;
}

/** Any JSON value on the way in (a variable is JSON already; a literal is read as JSON). */
function parseJson(value: unknown): unknown {
  return value;
}

/** DateTime values travel as unix seconds inside the hub: that is what the chain and the circuit count in. */
function parseDateTime(value: unknown): number {
  // Offset required: a bare local time would mean different instants on different machines.
  if (
    typeof value !== "string" ||
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value)
  )
    throw badInput(`DateTime must be an ISO-8601 instant with a time zone, got ${preview(value)}`);
  // Date.parse rolls impossible dates over (Feb 30 → Mar 2): check the calendar fields themselves.
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = value
    .split(/[-T:.Z+]/)
    .map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const ms = Date.parse(value);
  if (
    Number.isNaN(ms) ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    throw badInput(`DateTime ${preview(value)} is not a real instant`);
  if (ms % 1000 !== 0)
    throw badInput(`DateTime ${preview(value)} has fractions of a second; whole seconds only`);
  if (ms < 0) throw badInput(`DateTime ${preview(value)} is before 1970`);
  return ms / 1000;
}

function serializeDateTime(value: unknown): string {
  const seconds = typeof value === "string" || typeof value === "bigint" ? Number(value) : (value as number);
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

export const scalarResolvers = {
  Address: new GraphQLScalarType({
    name: "Address",
    serialize: (value) => getAddress(value as string),
    parseValue: parseAddress,
    parseLiteral: (ast) => parseAddress(literalString(ast, "Address")),
  }),
  BigInt: new GraphQLScalarType({
    name: "BigInt",
    serialize: (value) => (typeof value === "bigint" ? value.toString() : String(value)),
    parseValue: parseBigInt,
    parseLiteral: (ast) => parseBigInt(literalString(ast, "BigInt")),
  }),
  Bytes32: new GraphQLScalarType({
    name: "Bytes32",
    serialize: (value) => value,
    parseValue: parseBytes32,
    parseLiteral: (ast) => parseBytes32(literalString(ast, "Bytes32")),
  }),
  DateTime: new GraphQLScalarType({
    name: "DateTime",
    serialize: serializeDateTime,
    parseValue: parseDateTime,
    parseLiteral: (ast) => parseDateTime(literalString(ast, "DateTime")),
  }),
  Bytes: new GraphQLScalarType({
    name: "Bytes",
    serialize: (value) => value,
    parseValue: parseBytes,
    parseLiteral: (ast) => parseBytes(literalString(ast, "Bytes")),
  }),
  JSON: new GraphQLScalarType({
    name: "JSON",
    serialize: serializeJson,
    parseValue: parseJson,
    parseLiteral: (ast, variables) => parseJson(valueFromASTUntyped(ast, variables)),
  }),
  JSONObject: new GraphQLScalarType({
    name: "JSONObject",
    serialize: serializeJsonObject,
    parseValue: parseJsonObject,
    parseLiteral: (ast, variables) => {
      if (ast.kind !== Kind.OBJECT) throw badInput("JSONObject must be given as an object");
      return parseJsonObject(valueFromASTUntyped(ast, variables));
    },
  }),
};

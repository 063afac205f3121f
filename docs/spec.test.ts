import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MAX_CHANNELS } from "../prover/channelSchema.js";
import {
  CORE_DOMAINS,
  CORE_SLOTS,
  type CoreTerms,
  MAX_DELAY_SECONDS,
  VALUE_OFFSET,
} from "../prover/coreDataset.js";
import { encodeCoreReadings } from "../prover/encodeCoreReadings.js";
import { packCoreContext } from "../prover/packCoreContext.js";
import { packCoreTerms } from "../prover/packCoreTerms.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");
const spec = read("docs/spec.md");

/** Every text file of the repository: tracked, plus new files not ignored (binary artifacts skipped). */
const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\0")
  .filter((path) => path !== "" && existsSync(`${root}${path}`))
  .flatMap((path) => {
    const bytes = readFileSync(`${root}${path}`);
    return bytes.subarray(0, 8000).includes(0) ? [] : [{ path, text: bytes.toString("utf8") }];
  });

/**
 * The value a constant is defined with, wherever it lives (files move; the number must not): the first capture of
 * `pattern` across the repository outside docs/, which must occur and agree everywhere.
 */
function definedValue(pattern: RegExp): number {
  const values = new Set(
    files
      .filter(({ path }) => !path.startsWith("docs/"))
      .flatMap(({ text }) => [...text.matchAll(new RegExp(pattern, "g"))].map((m) => m[1] ?? "")),
  );
  if (values.size !== 1) throw new Error(`${pattern} is defined ${values.size} ways: ${[...values]}`);
  return Number([...values][0]?.replace(/[_,]/g, ""));
}

/** The first capture of `pattern` in `path`, as a number. */
function codeNumber(path: string, pattern: RegExp): number {
  const match = pattern.exec(read(path));
  if (match?.[1] === undefined) throw new Error(`${pattern} not found in ${path}`);
  return Number(match[1].replace(/[_,]/g, ""));
}

/** The text under the heading `title` (any level), up to the next heading of the same or a higher level. */
function section(title: string): string {
  const lines = spec.split("\n");
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, "") === title);
  if (start < 0) throw new Error(`docs/spec.md has no heading "${title}"`);
  const level = /^#+/.exec(lines[start] ?? "")?.[0].length ?? 0;
  const end = lines.findIndex(
    (line, i) => i > start && /^#+ /.test(line) && (/^#+/.exec(line)?.[0].length ?? 0) <= level,
  );
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** Body rows of the first Markdown table in `text`, cells trimmed, `\|` unescaped. */
function tableRows(text: string): string[][] {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.startsWith("|"));
  const end = lines.findIndex((line, i) => i > start && !line.startsWith("|"));
  if (start < 0) throw new Error("no table in this section");
  return lines.slice(start + 2, end < 0 ? undefined : end).map((line) =>
    line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim().replace(/\\\|/g, "|")),
  );
}

const unquote = (cell: string | undefined) => (cell ?? "").replace(/`/g, "");
/** The leading integer of a cell: "2,147,483,648 (2^31)" → 2147483648. */
const leadingNumber = (cell: string | undefined) => Number(/^[\d,]+/.exec(cell ?? "")?.[0].replace(/,/g, ""));
const formatted = (n: number) => n.toLocaleString("en");

describe("docs/spec.md", () => {
  it("no file in the repository refers to anything outside it", () => {
    // Built from parts so that this file does not match its own patterns.
    const forbidden = [
      ["..", "shared", ""].join("/"),
      ["", "work", "shared"].join("/"),
      `SPEC${".md"}`,
      `${"seed"}/`,
    ];
    expect(files.map(({ path }) => path)).toContain("docs/spec.md");
    const offending = files.flatMap(({ path, text }) =>
      forbidden.filter((pattern) => text.includes(pattern)).map((pattern) => `${path}: ${pattern}`),
    );
    expect(offending).toEqual([]);
  });

  it("cites only repository paths that exist", () => {
    const cited = [...spec.matchAll(/`([\w.-]+\/[\w./-]+\.[a-z]+)`/g)].map((m) => m[1] ?? "");
    expect(cited.length).toBeGreaterThan(10);
    expect(cited.filter((path) => !existsSync(`${root}${path}`))).toEqual([]);
  });

  it("every link into docs/spec.md names a heading that exists", () => {
    const slug = (heading: string) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
    const anchors = new Set(
      spec
        .split("\n")
        .filter((line) => /^#+ /.test(line))
        .map((line) => slug(line.replace(/^#+ /, ""))),
    );
    const links = [
      ...["README.md", "circuits/coreQuality.circom"].flatMap((file) =>
        [...read(file).matchAll(/docs\/spec\.md#([\w-]+)/g)].map((m) => `${file}#${m[1]}`),
      ),
      ...[...spec.matchAll(/\]\(#([\w-]+)\)/g)].map((m) => `docs/spec.md#${m[1]}`),
    ];
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((link) => !anchors.has(link.split("#")[1] ?? ""))).toEqual([]);
  });

  it("states the constants the code fixes", () => {
    const artifacts = JSON.parse(read("circuits/build/coreQuality/artifacts.json")) as {
      constraints: number;
      ptau: { power: number };
    };
    const binding = JSON.parse(read("circuits/build/derivationBinding/artifacts.json")) as {
      constraints: number;
      ptau: { power: number };
    };
    expect(binding.ptau.power).toBe(artifacts.ptau.power);
    const circuitSlots = codeNumber("circuits/coreQuality.circom", /=\s*CoreQuality\((\d+)\);/);
    expect(circuitSlots).toBe(CORE_SLOTS);
    expect(definedValue(/\bconst POWER = (\d+);/)).toBe(artifacts.ptau.power);
    const code: Record<string, number> = {
      CORE_SLOTS,
      MAX_CHANNELS,
      VALUE_OFFSET,
      MAX_DELAY_SECONDS,
      MIN_READINGS: definedValue(/\bMIN_READINGS = (\d+);/),
      VERIFIER_GAS: definedValue(/\bVERIFIER_GAS = ([\d_]+);/),
      CERTIFY_GAS: definedValue(/\bCERTIFY_GAS = ([\d_]+)n;/),
      ERA_INITIAL_SUPPLY: definedValue(/\bERA_INITIAL_SUPPLY = parseEther\("(\d+)"\)/),
      DEV_CHAIN_ID: definedValue(/\bDEV_CHAIN_ID = ([\d_]+);/),
      POWER: artifacts.ptau.power,
      constraints: artifacts.constraints,
      bindingConstraints: binding.constraints,
    };
    const stated = Object.fromEntries(
      tableRows(section("Constants at a glance")).map(([name, value]) => [
        unquote(name),
        leadingNumber(value),
      ]),
    );
    expect(stated).toEqual(code);
    expect(section("Window and slots")).toContain(`**N = ${CORE_SLOTS}**`);
  });

  it("states the verifier gas stipend and the margin the registry requires", () => {
    const registry = read("contracts/src/CoreCertificateRegistry.sol");
    const stipend = definedValue(/\bVERIFIER_GAS = ([\d_]+);/);
    const margin = Number(/gasleft\(\) < VERIFIER_GAS \+ ([\d_]+)\)/.exec(registry)?.[1]?.replace(/_/g, ""));
    const text = section("Verifier gas");
    expect(text).toContain(`\`VERIFIER_GAS\` = ${formatted(stipend)} gas`);
    expect(text).toContain(`\`VERIFIER_GAS\` + ${formatted(margin)} = ${formatted(stipend + margin)} gas`);
    expect(section("Custom errors")).toContain(`less than ${formatted(stipend + margin)} gas`);
  });

  it("names the domains exactly as the prover, the registry and the GraphQL schema do", () => {
    const stated = Object.fromEntries(
      tableRows(section("Domains")).map(([name, value]) => [unquote(name), leadingNumber(value)]),
    );
    expect(stated).toEqual(CORE_DOMAINS);
    const solidity = Object.fromEntries(
      [...read("contracts/src/CoreCertificateRegistry.sol").matchAll(/DOMAIN_(\w+) = (\d+);/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    expect(solidity).toEqual(stated);
    const graphqlEnum = /enum Domain \{([^}]*)\}/.exec(read("schema/certificates.graphql"))?.[1] ?? "";
    expect(graphqlEnum.split(/\s+/).filter(Boolean)).toEqual(Object.keys(stated));
  });

  it("lists the public signals in the circuit's order", () => {
    const { publicSignals } = JSON.parse(read("circuits/build/coreQuality/artifacts.json")) as {
      publicSignals: string[];
    };
    const rows = tableRows(section("Public signals"));
    expect(rows.map(([index]) => Number(index))).toEqual(publicSignals.map((_, i) => i));
    expect(rows.map(([, name]) => unquote(name))).toEqual(publicSignals);

    const binding = JSON.parse(read("circuits/build/derivationBinding/artifacts.json")) as {
      publicSignals: string[];
    };
    const bindingRows = tableRows(section("Derivation binding"));
    expect(bindingRows.map(([index]) => Number(index))).toEqual(binding.publicSignals.map((_, i) => i));
    expect(bindingRows.map(([, name]) => unquote(name))).toEqual(binding.publicSignals);
  });

  it("packs context and terms at the bit offsets the prover and the registry use", () => {
    const registry = read("contracts/src/CoreCertificateRegistry.sol");
    const contextShift = Number(/\(block\.chainid << (\d+)\)/.exec(registry)?.[1]);
    expect(packCoreContext("0x0000000000000000000000000000000000000001", 1)).toBe(1n | (1n << 160n));
    expect(contextShift).toBe(160);
    expect(section("Context")).toContain(`registry | chainId << ${contextShift}`);

    const rows = tableRows(section("Terms")).map(([field, first, width]) => ({
      field: unquote(field),
      first: Number(first),
      width: Number(width),
    }));
    const zero = {
      domain: 0,
      minIntegrityBps: 0,
      minTimelinessBps: 0,
      minContinuityBps: 0,
      maxGapSlots: 0,
      deadlineSeconds: 0,
      slotSeconds: 0,
      windowStart: 0,
    };
    expect(rows.map((r) => r.field).sort()).toEqual(Object.keys(zero).sort());
    const solidityShifts = Object.fromEntries(
      [
        ...(/signals\[3\] =([^;]*);/.exec(registry)?.[1] ?? "").matchAll(
          /uint256\(claim\.(\w+)\)(?:\s*<<\s*(\d+))?/g,
        ),
      ].map((m) => [m[1], Number(m[2] ?? 0)]),
    );
    let next = 0;
    for (const { field, first, width } of rows) {
      expect(first, field).toBe(next);
      next = first + width;
      // Largest value the field can hold; Number loses precision above 2^53, so windowStart uses 2^53 - 1.
      const max = width > 53 ? 2 ** 53 - 1 : 2 ** width - 1;
      // Domain 0 is invalid on-chain but isolates the other fields here.
      const terms = { ...zero, [field]: max } as unknown as CoreTerms;
      expect(packCoreTerms(terms), field).toBe(BigInt(max) << BigInt(first));
      expect(solidityShifts[field], field).toBe(first);
    }
    const termBits = codeNumber("circuits/coreQuality.circom", /termBits = Num2Bits\((\d+)\);/);
    expect(next).toBe(termBits);
    expect(section("Terms")).toContain(`into ${termBits} bits`);
  });

  it("describes the per-slot encoding the prover produces", () => {
    const rows = tableRows(section("Per-slot encoding")).map(([bits, width, field]) => ({
      first: Number(/^\d+/.exec(bits ?? "")?.[0]),
      width: Number(width),
      field: unquote(field),
    }));
    const channels = Array.from({ length: MAX_CHANNELS }, (_, c) => `channel[${c}]`);
    expect(rows.map((r) => r.field)).toEqual(["present", "delay", ...channels]);
    const [present, delay, ...values] = rows as [(typeof rows)[0], (typeof rows)[0], ...(typeof rows)[0][]];
    expect([present.first, present.width]).toEqual([0, 1]);
    expect(2 ** delay.width - 1).toBe(MAX_DELAY_SECONDS);
    const mask = (r: typeof delay) => ((1n << BigInt(r.width)) - 1n) << BigInt(r.first);
    const [delayOnly, ...valueOnly] = encodeCoreReadings([
      { slot: 0, delaySeconds: MAX_DELAY_SECONDS, encodedChannels: [0] },
      ...values.map((value, c) => ({
        slot: 1 + c,
        delaySeconds: 0,
        encodedChannels: Array.from({ length: c + 1 }, (_, k) => (k === c ? 2 ** value.width - 1 : 0)),
      })),
    ]);
    expect(delayOnly).toBe(1n | mask(delay));
    expect(valueOnly).toEqual(values.map((value) => 1n | mask(value)));
    let next = delay.first + delay.width;
    for (const value of values) {
      expect(value.first, value.field).toBe(next);
      next = value.first + value.width;
    }
    const slotBits = codeNumber("circuits/coreSlots.circom", /bits = Num2Bits\((\d+)\);/);
    expect(next).toBe(slotBits);
    expect(section("Per-slot encoding")).toContain(`exactly ${slotBits} bits`);
  });
});

describe("docs/spec.md: node governance", () => {
  it("states the governance parameters the deployment uses, and the governor's defaults agree", async () => {
    const { DEV_GOVERNANCE, PRODUCTION_GOVERNANCE } = await import("../stack/deployContracts.js");
    /** "7,200 blocks (~1 day …)" → 7200; "2 days (…)" → 172800 (seconds); "10,000 ERA" → 10000; "4%" → 4. */
    const amount = (cell: string | undefined) =>
      leadingNumber(cell) * (/^[\d,]+ days?\b/.test(cell ?? "") ? 86_400 : 1);
    const rows = new Map(
      tableRows(section("Governance parameters")).map(([name, production, dev]) => [name, [production, dev]]),
    );
    const expected = (g: typeof PRODUCTION_GOVERNANCE) => ({
      "voting delay": g.votingDelayBlocks,
      "voting period": g.votingPeriodBlocks,
      "proposal threshold": Number(BigInt(g.proposalThreshold) / 10n ** 18n),
      quorum: g.quorumPercent,
      "timelock delay": g.timelockDelaySeconds,
      "unstake delay": g.unstakeDelaySeconds,
    });
    for (const [column, governance] of [PRODUCTION_GOVERNANCE, DEV_GOVERNANCE].entries())
      for (const [name, value] of Object.entries(expected(governance)))
        expect(amount(rows.get(name)?.[column]), `${name} (${column === 0 ? "production" : "dev"})`).toBe(
          value,
        );

    const governor = read("contracts/src/CalderaGovernor.sol");
    const constant = (name: string) =>
      Number(new RegExp(`${name} = ([\\d_]+)( ether| days)?;`).exec(governor)?.[1]?.replace(/_/g, ""));
    expect(constant("DEFAULT_VOTING_DELAY")).toBe(PRODUCTION_GOVERNANCE.votingDelayBlocks);
    expect(constant("DEFAULT_VOTING_PERIOD")).toBe(PRODUCTION_GOVERNANCE.votingPeriodBlocks);
    expect(constant("DEFAULT_QUORUM_PERCENT")).toBe(PRODUCTION_GOVERNANCE.quorumPercent);
    expect(constant("DEFAULT_PROPOSAL_THRESHOLD")).toBe(
      Number(BigInt(PRODUCTION_GOVERNANCE.proposalThreshold) / 10n ** 18n),
    );
    expect(constant("DEFAULT_TIMELOCK_DELAY") * 86_400).toBe(PRODUCTION_GOVERNANCE.timelockDelaySeconds);
  });

  it("spells the Proposal type exactly as the governor hashes it", () => {
    const type = /"(Proposal\(address proposer,[^"]+\))"/.exec(
      read("contracts/src/CalderaGovernor.sol"),
    )?.[1];
    expect(type).toMatch(/^Proposal\(/);
    expect(section("Signed governance actions")).toContain(`\`${type}\``);
  });
});

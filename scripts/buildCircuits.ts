/**
 * `npm run build:circuits`: regenerates every committed circuit artifact from source;
 * `npm run build:circuits -- riskFeature` only the circuits named (and their proof fixtures), so adding a circuit
 * does not re-key the others (a new phase-2 contribution would change their committed verifiers).
 *
 * DEV-ONLY TRUSTED SETUP. No ceremony file can be downloaded here, so the Powers of Tau is generated locally from
 * fixed entropy and the Groth16 phase 2 has one fixed-entropy contribution. Anyone who reads this script knows the
 * toxic waste: these keys prove nothing against a malicious prover. Production needs a real ceremony's ptau and an
 * independent phase-2 contribution; swap them in at `PTAU` and `contribute` below.
 *
 * Outputs (committed): circuits/build/<circuit>/{<circuit>.wasm, <circuit>.zkey, verification_key.json,
 * artifacts.json} and contracts/src/verifiers/<Circuit>Verifier.sol for coreQuality and derivationBinding (both
 * include circuits/coreSlots.circom) and riskFeature. Bulky intermediates stay in .cache/, the ptau included: it is
 * never committed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
// 2^15 = 32,768 rows for constraints plus public signals: coreQuality has 32,014 constraints, derivationBinding
// 32,423, riskFeature 26,628. On a 2-core machine the whole ptau took 15.5 min, 13.8 of them in `prepare phase2`
// (2^16: over 25 min).
const POWER = 15;
const PTAU_DIR = `${root}.cache/ptau/`;
const PTAU = `${PTAU_DIR}pot${POWER}_final.ptau`;

type CircuitSpec = { name: string; verifierContract: string; publicSignals: string[] };
const circuits: CircuitSpec[] = [
  {
    name: "coreQuality",
    verifierContract: "CoreQualityVerifier",
    publicSignals: ["commitment", "provider", "context", "terms", "schemaHash"],
  },
  {
    name: "derivationBinding",
    verifierContract: "DerivationBindingVerifier",
    publicSignals: ["featureCommitment", "coreCommitment", "channelMask", "bindingHash"],
  },
  {
    name: "riskFeature",
    verifierContract: "RiskFeatureVerifier",
    publicSignals: [
      "evidenceRoot",
      "subject",
      "context",
      "windowStart",
      "windowEnd",
      "threshold",
      "recordCount",
      "bucketLowBps",
      "bucketHighBps",
    ],
  },
];

function run(command: string, args: string[], cwd = root) {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}`);
}
const snarkjs = (...args: string[]) => run(`${root}node_modules/.bin/snarkjs`, args);
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

function ensurePtau() {
  if (existsSync(PTAU)) return;
  mkdirSync(PTAU_DIR, { recursive: true });
  const p = (stage: string) => `${PTAU_DIR}pot${POWER}_${stage}.ptau`;
  snarkjs("powersoftau", "new", "bn128", String(POWER), p("0000"));
  snarkjs(
    "powersoftau",
    "contribute",
    p("0000"),
    p("0001"),
    "--name=caldera dev-only contribution",
    "-e=caldera-dev-only-entropy-not-for-production",
  );
  snarkjs(
    "powersoftau",
    "beacon",
    p("0001"),
    p("beacon"),
    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    "10",
    "-n=caldera dev-only beacon",
  );
  // Written under a temporary name: an interrupted run must not leave a truncated ptau that looks finished.
  snarkjs("powersoftau", "prepare", "phase2", p("beacon"), `${PTAU}.partial`);
  renameSync(`${PTAU}.partial`, PTAU);
}

function buildCircuit({ name, verifierContract, publicSignals }: CircuitSpec) {
  const work = `${root}.cache/circuits/`;
  const out = `${root}circuits/build/${name}/`;
  mkdirSync(work, { recursive: true });
  mkdirSync(out, { recursive: true });
  // circom2 resolves `include` paths relative to the cwd, hence running from the root with -l node_modules.
  run(`${root}node_modules/.bin/circom2`, [
    `circuits/${name}.circom`,
    "--O2",
    "--r1cs",
    "--wasm",
    "--sym",
    "-l",
    "node_modules",
    "-o",
    ".cache/circuits",
  ]);
  snarkjs("groth16", "setup", `${work}${name}.r1cs`, PTAU, `${work}${name}_0000.zkey`);
  snarkjs(
    "zkey",
    "contribute",
    `${work}${name}_0000.zkey`,
    `${out}${name}.zkey`,
    `--name=caldera dev-only phase2`,
    `-e=caldera-dev-only-phase2-${name}`,
  );
  snarkjs("zkey", "export", "verificationkey", `${out}${name}.zkey`, `${out}verification_key.json`);
  copyFileSync(`${work}${name}_js/${name}.wasm`, `${out}${name}.wasm`);

  const verifierPath = `${root}contracts/src/verifiers/${verifierContract}.sol`;
  mkdirSync(`${root}contracts/src/verifiers`, { recursive: true });
  snarkjs("zkey", "export", "solidityverifier", `${out}${name}.zkey`, verifierPath);
  const header = `// Generated by \`npm run build:circuits\` from circuits/${name}.circom (snarkjs Groth16). DEV-ONLY trusted setup.\n`;
  writeFileSync(
    verifierPath,
    header +
      readFileSync(verifierPath, "utf8").replace(/contract Groth16Verifier/, `contract ${verifierContract}`),
  );

  const info = spawnSync(`${root}node_modules/.bin/snarkjs`, ["r1cs", "info", `${work}${name}.r1cs`], {
    encoding: "utf8",
  });
  const constraints = Number(/# of Constraints: (\d+)/.exec(info.stdout)?.[1] ?? Number.NaN);
  const manifest = {
    circuit: name,
    constraints,
    publicSignals,
    ptau: {
      power: POWER,
      devOnly: true,
      note: "Locally generated Powers of Tau with fixed, published entropy: for development and tests only.",
    },
    files: {
      wasm: { path: `${name}.wasm`, sha256: sha256(`${out}${name}.wasm`) },
      zkey: { path: `${name}.zkey`, sha256: sha256(`${out}${name}.zkey`) },
      vkey: { path: "verification_key.json", sha256: sha256(`${out}verification_key.json`) },
    },
  };
  writeFileSync(`${out}artifacts.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`built ${name}: ${constraints} constraints`);
}

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !circuits.some((c) => c.name === name));
if (unknown.length > 0) {
  console.error(`unknown circuit(s) ${unknown.join(", ")}; known: ${circuits.map((c) => c.name).join(", ")}`);
  process.exit(1);
}
const selected = requested.length === 0 ? circuits : circuits.filter((c) => requested.includes(c.name));
ensurePtau();
for (const circuit of selected) buildCircuit(circuit);
// The forge tests verify a real proof made with the keys just built (only the fixtures of the circuits built).
run(`${root}node_modules/.bin/tsx`, ["scripts/buildProofFixtures.ts", ...requested]);

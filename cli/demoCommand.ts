import type { TypedDataDefinition } from "viem";
import { BaseError } from "../errors/BaseError.js";
import { type DemoDataset, machineDatasets, priceDataset, weatherDatasets } from "./demoDatasets.js";
import { devAccount, signTypedDataAs } from "./devAccounts.js";
import { gatewayRequest, runningStack } from "./gatewayRequest.js";
import { runGovernance } from "./governanceCommand.js";

const USAGE = "usage: caldera demo derivation|circulation|risk|evolution";

/** The demo's cast: anvil dev accounts (1–3 are the staked dev nodes). */
export const FARM = 4;
export const FACTORY = 5;
const NODES = [1, 2, 3];

const TYPED_DATA = "typedData { domain types primaryType message }";
const say = (line = "") => process.stdout.write(`${line}\n`);

/**
 * `caldera demo derivation`: the value-derivation story on the running dev stack, through the gateway as a frontend
 * would, every action signed by a dev account: a farm and a factory register and certify their data, the nodes vote
 * a rule change, the farm derives a planting plan and a price forecast, the factory a fault-warning model. Safe to
 * run again: what exists is found and reused, and a rule already changed is not voted on twice.
 */
export async function demoCommand(args: string[]): Promise<number> {
  // ERA circulation continues this story in its own file (it runs these steps first when they never ran).
  if (args[0] === "circulation") return (await import("./circulationDemo.js")).circulationDemo();
  // Cross-domain risk (module 3) continues with the circulation cast, in its own file.
  if (args[0] === "risk") return (await import("./riskDemo.js")).riskDemo();
  // Capability evolution (module 2): the tuned prover, reports, absorption and epochs, in its own file.
  if (args[0] === "evolution") return (await import("./evolutionDemo.js")).evolutionDemo();
  if (args[0] !== "derivation") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const run = runningStack();
  if (run.chainId !== 31337)
    throw new BaseError(
      `the demo signs with public dev keys and runs on chain 31337 only, not ${run.chainId}`,
      {
        code: "SIGNER_MISCONFIGURED",
      },
    );
  say("Caldera demo — value derivation (module 1)\n");

  say("1. A farm and a factory register as providers (each signs; the hub relays and pays gas)");
  await register(FARM, "Green Valley Farm");
  await register(FACTORY, "Northgate Stamping Works");

  say(
    "\n2. They certify their data: the quality is proven in zero knowledge, the certificate issued on-chain",
  );
  const weather = await certifyAll(FARM, weatherDatasets(), "daily weather");
  const prices = await certifyAll(FARM, [priceDataset()], "monthly farm-gate prices");
  const machine = await certifyAll(FACTORY, machineDatasets(), "hourly press telemetry");

  say("\n3. The nodes vote a rule change: a planting plan now needs integrity ≥ 92% (was 90%)");
  await voteRuleChange();

  say(
    "\n4. The certified data derives new value (a binding proof per certificate; the unit is minted to the provider)",
  );
  const plan = await derive(FARM, weather, "PLANTING_PLAN", {
    station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
    crop: "maize",
    soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
    nutrients: { targetYieldTPerHa: 8, soilTest: { n: 40, p2o5: 30, k2o: 115 } },
  });
  const forecast = await derive(FARM, prices, "MARKET_FORECAST", { seasonLength: 12, horizon: 6 });
  const fault = await derive(FACTORY, machine, "FAULT_WARNING_MODEL", {
    machineId: "press-7",
    windowHours: 6,
    horizonHours: 12,
  });

  say("\nLook at it through the gateway:");
  say(`  ${run.gatewayUrl}`);
  say(
    `  { derivative(id: "${plan}") { kind summary owner { name } cores { id thresholds { integrityBps } } model { id versionHash } outputHash } }`,
  );
  say(`  { certificate(id: "${weather[0]}") { derivatives { id kind summary } } }`);
  say(
    `  { derivatives(filter: { kind: FAULT_WARNING_MODEL }) { totalCount edges { node { id summary output } } } }`,
  );
  say(
    `  { derivationRules { id kind attribute thresholdBps weightBps } proposals(first: 3) { edges { node { id state } } } }`,
  );
  say("Check any derivative yourself (re-runs the model, re-checks the binding proofs):");
  say(
    `  npx caldera derivative verify ${plan}    npx caldera derivative verify ${forecast}    npx caldera derivative verify ${fault}`,
  );
  return 0;
}

export async function register(n: number, name: string) {
  const address = devAccount(n).address;
  const { provider } = await gatewayRequest<{ provider: { name: string | null } | null }>(
    `query($a: Address!) { provider(address: $a) { name } }`,
    { a: address },
  );
  if (provider?.name) return say(`   ${provider.name} (${address}) is registered already`);
  const { registerProviderTypedData: typedData } = await gatewayRequest<{
    registerProviderTypedData: TypedDataJson;
  }>(
    `query($p: Address!, $n: String!) { registerProviderTypedData(provider: $p, name: $n) { domain types primaryType message } }`,
    { p: address, n: name },
  );
  const signature = await signTypedDataAs(n, typedData as unknown as TypedDataDefinition);
  await gatewayRequest(
    `mutation($p: Address!, $n: String!, $a: SignedAuthorization!) { registerProvider(provider: $p, name: $n, authorization: $a) { address } }`,
    { p: address, n: name, a: { signature, deadline: typedData.message.deadline } },
  );
  say(`   registered ${name} (${address}), signed by dev account ${n}`);
}

type TypedDataJson = { message: { deadline: number } & Record<string, unknown> } & Record<string, unknown>;

export async function certifyAll(n: number, datasets: DemoDataset[], what: string): Promise<string[]> {
  const ids: string[] = [];
  for (const dataset of datasets) {
    const input = { provider: devAccount(n).address, ...dataset };
    try {
      const { certifyCoreTypedData: typedData } = await gatewayRequest<{
        certifyCoreTypedData: TypedDataJson;
      }>(
        `query($input: CertifyCoreInput!) { certifyCoreTypedData(input: $input) { domain types primaryType message } }`,
        { input },
      );
      const signature = await signTypedDataAs(n, typedData as unknown as TypedDataDefinition);
      const { certifyCore } = await gatewayRequest<{
        certifyCore: {
          certificate: { id: string };
          quality: { integrityBps: number; timelinessBps: number; continuityBps: number };
          gasUsed: string;
        };
      }>(
        `mutation($input: CertifyCoreInput!, $a: SignedAuthorization!) { certifyCore(input: $input, authorization: $a) {
          certificate { id } quality { integrityBps timelinessBps continuityBps } gasUsed } }`,
        { input, a: { signature, deadline: typedData.message.deadline } },
      );
      const q = certifyCore.quality;
      say(
        `   certificate ${certifyCore.certificate.id}: ${what} from ${dataset.windowStart} — integrity ${q.integrityBps / 100}%, timeliness ${q.timelinessBps / 100}%, continuity ${q.continuityBps / 100}% (${certifyCore.gasUsed} gas)`,
      );
      ids.push(certifyCore.certificate.id);
    } catch (error) {
      const id =
        error instanceof BaseError && error.code === "ALREADY_CERTIFIED"
          ? error.details.certificateId
          : undefined;
      if (typeof id !== "string") throw error;
      say(`   certificate ${id}: ${what} from ${dataset.windowStart} — certified already, reused`);
      ids.push(id);
    }
  }
  return ids;
}

async function voteRuleChange() {
  const { derivationRules } = await gatewayRequest<{
    derivationRules: { id: string; kind: string; thresholdBps: number; active: boolean }[];
  }>(`{ derivationRules { id kind thresholdBps active } }`);
  const rule = derivationRules.find((r) => r.kind === "PLANTING_PLAN" && r.active);
  if (rule === undefined) throw new Error("no active planting-plan rule");
  if (rule.thresholdBps >= 9200)
    return say(
      `   rule ${rule.id} already needs ${rule.thresholdBps / 100}%: voted on an earlier run, nothing to do`,
    );
  const run = runningStack();
  const lines: string[] = [];
  const context = {
    gatewayUrl: run.gatewayUrl,
    rpcUrl: run.rpcUrl,
    chainId: run.chainId,
    out: (line: string) => {
      lines.push(line);
      say(`   ${line}`);
    },
  };
  const step = async (args: string[]) => {
    const code = await runGovernance(args, context);
    if (code !== 0) throw new Error(`caldera governance ${args.join(" ")} failed`);
  };
  await step([
    "propose-rule",
    "--rule",
    rule.id,
    "--threshold",
    "9200",
    "--as",
    String(NODES[0]),
    "--description",
    `Planting plans need integrity of at least 92% (demo run ${new Date().toISOString()})`,
  ]);
  const proposalId = lines
    .map((l) => /governance vote (\d+) for/.exec(l)?.[1])
    .find((id) => id !== undefined);
  if (proposalId === undefined) throw new Error("the proposal id was not reported");
  for (const node of NODES) await step(["vote", proposalId, "for", "--as", String(node)]);
  await step(["queue", proposalId]);
  await step(["execute", proposalId]);
}

export async function derive(
  n: number,
  certificateIds: string[],
  kind: string,
  parameters: Record<string, unknown>,
) {
  const input = { certificateIds, kind, parameters };
  const existing = await gatewayRequest<{
    derivatives: { edges: { node: { id: string; summary: string } }[] };
  }>(
    `query($c: ID!, $k: DerivationKind!) { derivatives(filter: { certificate: $c, kind: $k }, first: 1) {
      edges { node { id summary } } } }`,
    { c: certificateIds[0], k: kind },
  );
  const found = existing.derivatives.edges[0]?.node;
  if (found !== undefined) {
    say(`   derivative ${found.id} (${kind}) exists already: ${found.summary}`);
    return found.id;
  }
  const { deriveValueTypedData: prepared } = await gatewayRequest<{
    deriveValueTypedData: { typedData: TypedDataJson; summary: string };
  }>(`query($input: DeriveValueInput!) { deriveValueTypedData(input: $input) { ${TYPED_DATA} summary } }`, {
    input,
  });
  const signature = await signTypedDataAs(n, prepared.typedData as unknown as TypedDataDefinition);
  const { deriveValue } = await gatewayRequest<{
    deriveValue: {
      derivative: { id: string; weightBps: number; summary: string };
      gasUsed: string;
      proveMs: number;
    };
  }>(
    `mutation($input: DeriveValueInput!, $a: SignedAuthorization!) { deriveValue(input: $input, authorization: $a) {
      derivative { id weightBps summary } gasUsed proveMs } }`,
    { input, a: { signature, deadline: prepared.typedData.message.deadline } },
  );
  const d = deriveValue.derivative;
  say(
    `   derivative ${d.id} (${kind}, weight ${d.weightBps / 10000}× a core) from certificates ${certificateIds.join(", ")}: ${d.summary}`,
  );
  say(`      binding proofs ${deriveValue.proveMs} ms, mint ${deriveValue.gasUsed} gas`);
  return d.id;
}

import { privateKeyToAccount } from "viem/accounts";
import { type DemoDataset, machineDatasets, priceDataset, weatherDatasets } from "../cli/demoDatasets.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { certifyAs } from "../test/support/certifyAs.js";
import { graphql, startTestStack, type TestStack } from "../test/support/startTestStack.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { percentile } from "./measure.js";

const TYPED = `query($input: DeriveValueInput!) { deriveValueTypedData(input: $input) { typedData { domain types primaryType message } } }`;
const DERIVE = `mutation($input: DeriveValueInput!, $a: SignedAuthorization!) {
  deriveValue(input: $input, authorization: $a) { derivative { id } gasUsed proveMs } }`;

type Kind = "PLANTING_PLAN" | "MARKET_FORECAST" | "FAULT_WARNING_MODEL";

/**
 * Value derivation on the real stack: binding-proof time per kind, `deriveValue` → readable (the mutation returns
 * once the derivative is indexed and readable through the gateway) p50, gas per derivative mint, and the gas of a
 * node's vote. Distinct parameters give distinct outputs, so every run mints a new derivative.
 */
export const derivationBench: BenchSuite = {
  name: "derivation",
  run: async () => {
    const stack = await startTestStack();
    try {
      const key = ANVIL_DEV_KEYS[0];
      const certify = async (datasets: DemoDataset[]) => {
        const ids: string[] = [];
        for (const d of datasets)
          ids.push(await certifyAs(stack, key, d as unknown as Record<string, unknown>));
        return ids;
      };
      const cores: Record<Kind, string[]> = {
        PLANTING_PLAN: await certify(weatherDatasets()),
        MARKET_FORECAST: await certify([priceDataset()]),
        FAULT_WARNING_MODEL: await certify(machineDatasets()),
      };
      const parameters = (kind: Kind, i: number): Record<string, unknown> =>
        kind === "PLANTING_PLAN"
          ? {
              station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
              crop: "maize",
              soil: { fieldCapacity: 0.3 + i / 100, wiltingPoint: 0.14 },
            }
          : kind === "MARKET_FORECAST"
            ? { seasonLength: 12, horizon: 3 + i }
            : { machineId: "press-7", windowHours: 6, horizonHours: 10 + i, seed: i + 1 };
      const rows: BenchRow[] = [];
      const latencies: number[] = [];
      for (const kind of Object.keys(cores) as Kind[]) {
        const prove: number[] = [];
        const gas: number[] = [];
        for (let i = 0; i < 3; i++) {
          const input = { certificateIds: cores[kind], kind, parameters: parameters(kind, i) };
          const started = performance.now();
          const typed = await graphql<{
            deriveValueTypedData: { typedData: { message: { deadline: number } } };
          }>(stack.gatewayUrl, TYPED, { input });
          const typedData = typed.data?.deriveValueTypedData.typedData;
          if (typedData === undefined) throw new Error(JSON.stringify(typed.errors));
          const signature = await privateKeyToAccount(key).signTypedData(typedData as never);
          const result = await graphql<{ deriveValue: { gasUsed: string; proveMs: number } }>(
            stack.gatewayUrl,
            DERIVE,
            {
              input,
              a: { signature, deadline: typedData.message.deadline },
            },
          );
          if (result.data === undefined) throw new Error(JSON.stringify(result.errors));
          latencies.push(performance.now() - started);
          prove.push(result.data.deriveValue.proveMs / cores[kind].length);
          gas.push(Number(result.data.deriveValue.gasUsed));
        }
        rows.push({
          row: `binding-proof time per core, ${kind} (${cores[kind].length} core${cores[kind].length > 1 ? "s" : ""})`,
          target: "report",
          measured: `${percentile(prove, 50).toFixed(0)} ms p50`,
          met: null,
        });
        rows.push({
          row: `gas per derivative mint, ${kind}`,
          target: "report",
          measured: `${(Math.max(...gas) / 1000).toFixed(1)}k (max of 3)`,
          met: null,
        });
      }
      rows.push({
        row: "deriveValue (typed data → sign → mint → readable) p50, all kinds",
        target: "report",
        measured: `${(percentile(latencies, 50) / 1000).toFixed(2)} s (p95 ${(percentile(latencies, 95) / 1000).toFixed(2)} s)`,
        met: null,
      });
      rows.push(await voteGasRow(stack));
      return rows;
    } finally {
      await stack.teardown();
    }
  },
};

/** The gas of one node's vote by signature, relayed by the hub (castVoteBySig), from the indexed vote's receipt. */
async function voteGasRow(stack: TestStack): Promise<BenchRow> {
  const { runGovernance } = await import("../cli/governanceCommand.js");
  const lines: string[] = [];
  const context = {
    gatewayUrl: stack.gatewayUrl,
    rpcUrl: stack.rpcUrl,
    chainId: stack.deployment.chainId,
    out: (line: string) => lines.push(line),
  };
  await runGovernance(["propose-rule", "--rule", "2", "--threshold", "8600", "--as", "1"], context);
  const proposalId = lines
    .map((l) => /governance vote (\d+) for/.exec(l)?.[1])
    .find((id) => id !== undefined);
  if (proposalId === undefined) throw new Error(`no proposal: ${lines.join("\n")}`);
  await runGovernance(["vote", proposalId, "for", "--as", "2"], context);
  const gas = lines.map((l) => /castVoteBySig, (\d+) gas/.exec(l)?.[1]).find((g) => g !== undefined);
  return {
    row: "gas of a node's vote (castVoteBySig, relayed)",
    target: "report",
    measured: `${gas ?? "?"}`,
    met: null,
  };
}

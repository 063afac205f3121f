/**
 * The example partner subgraph (examples/partner-risk-subgraph/) as the risk demo runs it: its own process, on a
 * fixed port, knowing what the demo's partner L2 knows — the seeded accounts plus the demo's provider, whom it lent
 * to and who defaulted there too. `caldera demo risk` spawns it detached, so the gateway keeps composing it after
 * the demo ends:
 *
 *   node --import tsx cli/startDemoPartner.ts --port 4310 --name lumen-l2 --provider 0x…
 */
import {
  type PartnerRecord,
  seededDataset,
  startPartnerRiskSubgraph,
} from "../examples/partner-risk-subgraph/main.js";

function option(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = Number(option("--port"));
const provider = option("--provider")?.toLowerCase();
if (
  !Number.isInteger(port) ||
  port <= 0 ||
  port > 65535 ||
  provider === undefined ||
  !/^0x[0-9a-f]{40}$/.test(provider)
) {
  console.error("startDemoPartner: --port <tcp port> and --provider <address> are required");
  process.exit(1);
}
const dataset = new Map<string, PartnerRecord>(seededDataset);
dataset.set(provider, { exposureWei: 12_000n * 10n ** 18n, defaults: 2, watchlisted: true });
startPartnerRiskSubgraph({ port, name: option("--name") ?? "partner-risk", dataset }).then(
  ({ url, stop }) => {
    console.log(`demo partner risk subgraph at ${url}`);
    const shutdown = () => void stop().then(() => process.exit(0));
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  },
  (error: unknown) => {
    console.error(`startDemoPartner: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

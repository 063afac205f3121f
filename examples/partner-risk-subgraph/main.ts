/**
 * A minimal partner risk subgraph: what a partner L2 or platform runs to join Caldera's gateway. It imports nothing
 * from the hub (a partner has only the federation contract), extends `Provider` and `RiskSubject` with its own risk
 * fields, and serves them from an in-memory dataset.
 *
 *   npm run partner:example                                   # port 4101
 *   npx tsx examples/partner-risk-subgraph/main.ts --port 4101 --name acme-l2
 *
 * then add `{ "name": "acme-l2", "url": "http://127.0.0.1:4101/graphql" }` to caldera.config.json `partners` (or
 * register the ecosystem on-chain): README.md beside this file.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

/** What this partner knows about one provider. */
export type PartnerRecord = { exposureWei: bigint; defaults: number; watchlisted: boolean };

/**
 * Seed data: the first three accounts of the dev chain (anvil's well-known keys; the first is the hub's signer and
 * Caldera's dev provider), so `caldera up` plus this subgraph answers joined queries straight away.
 */
export const seededDataset: ReadonlyMap<string, PartnerRecord> = new Map([
  [
    "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
    { exposureWei: 250_000n * 10n ** 18n, defaults: 1, watchlisted: false },
  ],
  [
    "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
    { exposureWei: 40_000n * 10n ** 18n, defaults: 0, watchlisted: false },
  ],
  [
    "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
    { exposureWei: 5_000n * 10n ** 18n, defaults: 3, watchlisted: true },
  ],
]);

export type StartPartnerRiskSubgraphParameters = {
  /** 0: any free port. */
  port?: number;
  host?: string;
  /** The name it reports (`partnerRiskSubgraph.name`); use the one it has in caldera.config.json. */
  name?: string;
  /**
   * Renames its fields `partner…` to `<prefix>…` (and `PartnerInfo` to `<Prefix>Info`): several partners composed
   * together must not define the same field (the bench composes three). Default "partner".
   */
  fieldPrefix?: string;
  /** Keyed by lower-case address; default `seededDataset`. Tests pass their own and change it while it runs. */
  dataset?: Map<string, PartnerRecord> | ReadonlyMap<string, PartnerRecord>;
};

export type PartnerRiskSubgraph = { url: string; stop: () => Promise<void> };

const sdl = readFileSync(new URL("./partnerRisk.graphql", import.meta.url), "utf8");

const gradeOf = (defaults: number) =>
  defaults === 0 ? "A" : defaults === 1 ? "B" : defaults === 2 ? "C" : "D";

export async function startPartnerRiskSubgraph({
  port = 4101,
  host = "127.0.0.1",
  name = "partner-risk",
  dataset = seededDataset,
  fieldPrefix: p = "partner",
}: StartPartnerRiskSubgraphParameters = {}): Promise<PartnerRiskSubgraph> {
  if (!/^[a-z][A-Za-z0-9]*$/.test(p)) throw new Error("fieldPrefix must be a lower-camel-case name");
  const typeDefs = parse(
    sdl
      .replace(/\bpartner(?=[A-Z])/g, p)
      .replace(/\bPartnerInfo\b/g, `${p[0]?.toUpperCase()}${p.slice(1)}Info`),
  );
  const recordOf = ({ address }: { address: string }) => dataset.get(address.toLowerCase());
  const resolvers = {
    Query: { [`${p}RiskSubgraph`]: () => ({ name, providers: dataset.size }) },
    Provider: {
      // The gateway sends `{ address }` for each provider a query reaches; unknown addresses are fine (null fields).
      __resolveReference: (ref: { address: string }) => ref,
      [`${p}Exposure`]: (ref: { address: string }) => recordOf(ref)?.exposureWei.toString() ?? null,
      [`${p}Defaults`]: (ref: { address: string }) => recordOf(ref)?.defaults ?? null,
      [`${p}RiskGrade`]: (ref: { address: string }) => {
        const record = recordOf(ref);
        return record ? gradeOf(record.defaults) : null;
      },
    },
    RiskSubject: {
      __resolveReference: (ref: { address: string }) => ref,
      [`${p}Watchlisted`]: (ref: { address: string }) => recordOf(ref)?.watchlisted ?? null,
    },
  };
  const server = new ApolloServer({
    schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  // startStandaloneServer reports a taken port as an unhandled 'error' event: probe first, so it rejects instead.
  if (port !== 0)
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once("error", reject);
      probe.listen(port, host, () => probe.close(() => resolve()));
    });
  const { url } = await startStandaloneServer(server, { listen: { port, host } });
  return { url: new URL("/graphql", url).toString(), stop: () => server.stop() };
}

function option(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(option("--port") ?? process.env.PORT ?? 4101);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("partner-risk-subgraph: --port must be a TCP port");
    process.exit(1);
  }
  const name = option("--name") ?? "partner-risk";
  startPartnerRiskSubgraph({ port, host: option("--host") ?? "127.0.0.1", name }).then(
    ({ url, stop }) => {
      console.log(`partner risk subgraph "${name}" at ${url}`);
      const shutdown = () => void stop().then(() => process.exit(0));
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    },
    (error: unknown) => {
      // One line and a clean stop (a taken port is the usual cause).
      console.error(`partner-risk-subgraph: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

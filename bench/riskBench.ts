import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  keccak256,
  parseEther,
  parseEventLogs,
  stringToBytes,
  type TypedDataDefinition,
} from "viem";
import { foundry } from "viem/chains";
import { riskActions } from "../cli/riskActions.js";
import { seedContributions } from "../cli/riskDemo.js";
import { riskFeatureRegistryAbi } from "../contracts/generated/abis.js";
import { createProverPool } from "../prover/createProverPool.js";
import type { ProveRiskFeatureParameters, ProveRiskFeatureReturnType } from "../prover/proveRiskFeature.js";
import { graphql, startTestStack } from "../test/support/startTestStack.js";
import { signedActionTypedData } from "../usecases/circulation/signedActionTypedData.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { percentile, sleep } from "./measure.js";

/** Features published and timed one after another (each proven beforehand, outside the timing). */
const PUBLISHES = 8;
/** How often the "partner" asks the gateway whether the feature is there yet. */
const READ_EVERY_MS = 10;
/** A feature not visible after this long fails the suite: the live path is broken, not slow. */
const VISIBLE_WITHIN_MS = 30_000;
const CALDERA = 1;
const PROVIDER = 6;
const NODES = [1, 2, 3];
const PARTNER_OPERATOR = 23;
const PLATFORM_OPERATOR = 24;
const CLAIM = parseEther("30000");

const FEATURES_OF = `query($s: Address!) { riskFeatures(filter: { subject: $s }, first: 1) { edges { node { id } } } }`;

/**
 * Cross-domain risk on the real stack (anvil, ponder, subgraph, gateway; the deployed RiskFeatureRegistry with the
 * real Groth16 verifier, MarginVault, EcosystemRegistry):
 * - publish → visible at a partner: Caldera's operator (the hub's signer, dev account 0) sends `publishFeature`
 *   with a proof made beforehand; from the receipt (and from the send) the bench asks the gateway's
 *   `riskFeatures(filter: { subject })` every 10 ms, as a partner would, until the feature is there. The lag is the
 *   indexer's design: ponder polls the chain (its `pollingInterval`), indexes the block, and the subgraph reads
 *   ponder's tables.
 * - gas of every risk action, from the receipts on that chain, along the demo's story (cli/riskActions.ts, each
 *   action signed and relayed through the gateway): two ecosystems admitted by governance, margin locked for the
 *   three ecosystems a provider serves, a feature attested to quorum, a freeze filed, upheld by the nodes, its
 *   disposal settled among three ecosystems and each payout claimed.
 */
export const riskBench: BenchSuite = {
  name: "risk/chain",
  run: async () => {
    const stack = await startTestStack();
    const pool = createProverPool({ workers: 1, maxQueue: PUBLISHES });
    try {
      const { EraToken, DerivativeMarket, CreditVault, MarginVault, EcosystemRegistry, RiskFeatureRegistry } =
        stack.deployment.contracts;
      if (!DerivativeMarket || !CreditVault || !MarginVault || !EcosystemRegistry || !RiskFeatureRegistry)
        throw new Error("the stack deployed no cross-domain risk contracts");
      const chainId = stack.deployment.chainId;
      const act = riskActions({
        gatewayUrl: stack.gatewayUrl,
        rpcUrl: stack.rpcUrl,
        chainId,
        contracts: {
          EraToken: EraToken.address,
          DerivativeMarket: DerivativeMarket.address,
          CreditVault: CreditVault.address,
          MarginVault: MarginVault.address,
          EcosystemRegistry: EcosystemRegistry.address,
        },
      });
      // Own clients polling every 10 ms: viem's default (4 s) would hide the receipt's real arrival.
      const chain = { ...foundry, id: chainId };
      const publicClient = createPublicClient({ chain, transport: http(stack.rpcUrl), pollingInterval: 10 });
      const operator = act.account(0);
      const wallet = createWalletClient({ account: operator, chain, transport: http(stack.rpcUrl) });
      const registry = { address: RiskFeatureRegistry.address, abi: riskFeatureRegistryAbi } as const;

      const gas = new Map<string, bigint[]>();
      const record = async (what: string, transactionHash: Hex) => {
        const receipt = await publicClient.getTransactionReceipt({ hash: transactionHash });
        if (receipt.status !== "success") throw new Error(`${what}: ${transactionHash} reverted`);
        gas.set(what, [...(gas.get(what) ?? []), receipt.gasUsed]);
      };

      // Proofs in a worker thread while the chain is set up; the timed publishes wait for both.
      const windowEnd = Number((await publicClient.getBlock()).timestamp) - 60;
      const proving = (async () => {
        const proofs: ProveRiskFeatureReturnType[] = [];
        for (let i = 0; i < PUBLISHES; i++)
          proofs.push(await pool.proveRiskFeature(job(chainId, RiskFeatureRegistry.address, windowEnd)));
        return proofs;
      })();
      proving.catch(() => {});

      const provider = act.address(PROVIDER);
      await act.payFromTreasury(provider, parseEther("60000"));
      for (const n of [PARTNER_OPERATOR, PLATFORM_OPERATOR])
        await act.payFromTreasury(act.address(n), parseEther("2000"));
      await act.admitEcosystem(
        { name: "Bench Partner L2", operator: act.address(PARTNER_OPERATOR), subgraphUrl: "" },
        "Admit Bench Partner L2",
      );
      await act.admitEcosystem(
        { name: "Bench Agri Platform", operator: act.address(PLATFORM_OPERATOR), subgraphUrl: "" },
        "Admit Bench Agri Platform",
      );
      const partner = (await act.ecosystemNamed("Bench Partner L2"))?.id;
      const platform = (await act.ecosystemNamed("Bench Agri Platform"))?.id;
      if (partner === undefined || platform === undefined)
        throw new Error("the ecosystems were not admitted");
      const ids = { caldera: String(CALDERA), partner, platform };

      await record(
        "setServedEcosystems (3 ecosystems)",
        (await act.setServedEcosystems(PROVIDER, [ids.caldera, ids.partner, ids.platform])).transactionHash,
      );
      await record(
        "lockMargin (with ERA permit)",
        (await act.lockMargin(PROVIDER, parseEther("60000"))).transactionHash,
      );

      // publish → visible. Signed up front (outside the timing) with the operator's next nonces.
      const proofs = await proving;
      const now = (await publicClient.getBlock()).timestamp;
      const firstNonce = await publicClient.readContract({
        ...registry,
        functionName: "nonces",
        args: [operator.address],
      });
      const publications = await Promise.all(
        proofs.map(async ({ claim, proof }, i) => {
          const content = {
            subject: claim.subject,
            ecosystemId: claim.ecosystemId,
            kind: claim.kind,
            bucket: claim.bucket,
            windowStart: BigInt(claim.windowStart),
            windowEnd: BigInt(claim.windowEnd),
            threshold: claim.threshold,
            recordCount: claim.recordCount,
            evidenceRoot: claim.evidenceRoot,
          };
          const deadline = now + 3_600n;
          const typedData = signedActionTypedData({
            chainId,
            verifyingContract: registry.address,
            action: "PublishFeature",
            message: { ...content, nonce: firstNonce + BigInt(i), deadline },
          });
          const signature = await operator.signTypedData(typedData as unknown as TypedDataDefinition);
          return { content, proof, deadline, signature };
        }),
      );
      const afterReceipt: number[] = [];
      const afterSend: number[] = [];
      const featureIds: string[] = [];
      for (const { content, proof, deadline, signature } of publications) {
        const sent = performance.now();
        const hash = await wallet.writeContract({
          ...registry,
          functionName: "publishFeature",
          args: [content, proof, deadline, signature],
        });
        const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 });
        const received = performance.now();
        if (receipt.status !== "success") throw new Error(`publishFeature ${hash} reverted`);
        const [published] = parseEventLogs({
          abi: riskFeatureRegistryAbi,
          logs: receipt.logs,
          eventName: "RiskFeaturePublished",
        });
        if (published === undefined)
          throw new Error(`publishFeature ${hash} emitted no RiskFeaturePublished`);
        const featureId = published.args.featureId.toString();
        for (;;) {
          const { data, errors } = await graphql<{ riskFeatures: { edges: { node: { id: string } }[] } }>(
            stack.gatewayUrl,
            FEATURES_OF,
            { s: content.subject },
          );
          if (errors !== undefined) throw new Error(`riskFeatures: ${JSON.stringify(errors)}`);
          const seen = data?.riskFeatures.edges[0]?.node.id;
          if (seen !== undefined) {
            if (seen !== featureId) throw new Error(`the gateway shows feature ${seen}, not ${featureId}`);
            const visible = performance.now();
            afterReceipt.push(visible - received);
            afterSend.push(visible - sent);
            break;
          }
          if (performance.now() - received > VISIBLE_WITHIN_MS)
            throw new Error(
              `feature ${featureId} not visible through the gateway after ${VISIBLE_WITHIN_MS} ms`,
            );
          await sleep(READ_EVERY_MS);
        }
        featureIds.push(featureId);
        gas.set("publishFeature (Groth16 verified on-chain)", [
          ...(gas.get("publishFeature (Groth16 verified on-chain)") ?? []),
          receipt.gasUsed,
        ]);
      }

      // Attestation to quorum (2): the second one also marks the feature verified.
      const featureId = featureIds[0] as string;
      await record(
        "attestFeature (first)",
        (await act.attestRiskFeature(NODES[0] as number, featureId)).transactionHash,
      );
      await record(
        "attestFeature (reaching quorum: verified)",
        (await act.attestRiskFeature(NODES[1] as number, featureId)).transactionHash,
      );

      const filed = await act.fileFreeze(PARTNER_OPERATOR, {
        provider,
        ecosystem: ids.partner,
        claimAmount: CLAIM,
        evidenceHash: keccak256(stringToBytes(`bench evidence: feature ${featureId}`)),
      });
      await record("fileFreeze (with ERA permit for the deposit)", filed.transactionHash);
      const caseId = (filed.data.case as { id: string }).id;
      for (const node of NODES)
        await record("castCaseVote", (await act.castCaseVote(node, caseId, "UPHOLD")).transactionHash);
      const resolved = await act.resolveCase(caseId);
      if (resolved.case.status !== "UPHELD")
        throw new Error(`case ${caseId} resolved ${resolved.case.status}`);
      await record("resolveCase (upheld: margin seized)", resolved.transactionHash);
      const { settled } = await act.settleDisposal(caseId, seedContributions(ids), NODES.slice(0, 2));
      await record("settleDisposal (3 ecosystems, 2 node signatures)", settled.transactionHash);
      for (const [n, ecosystem] of [
        [0, ids.caldera],
        [PARTNER_OPERATOR, ids.partner],
        [PLATFORM_OPERATOR, ids.platform],
      ] as const)
        await record("claimPayout", (await act.claimDisposalPayout(n, caseId, ecosystem)).transactionHash);

      const ms = (v: number) => `${v.toFixed(0)} ms`;
      const rows: BenchRow[] = [
        {
          row: `risk feature publish → visible at a partner through the gateway (riskFeatures(filter: { subject }) every ${READ_EVERY_MS} ms; p50 / p95 of ${PUBLISHES})`,
          target: 'report (issue: "within seconds of its block")',
          measured: `${ms(percentile(afterReceipt, 50))} / ${ms(percentile(afterReceipt, 95))} after the receipt; ${ms(
            percentile(afterSend, 50),
          )} / ${ms(percentile(afterSend, 95))} after the send`,
          met: null,
        },
        {
          row: "indexer live lag by design: ponder polls the chain every pollingInterval (indexer/ponder.config.ts)",
          target: "report",
          measured: indexerPollingInterval(),
          met: null,
        },
      ];
      for (const [what, values] of gas) {
        const sorted = values.map(Number).sort((a, b) => a - b);
        const number = (v: number) => v.toLocaleString("en-US");
        rows.push({
          row: `gas per ${what}`,
          target: "report",
          measured:
            sorted.length === 1
              ? number(sorted[0] as number)
              : `${number(percentile(sorted, 50))} p50, min ${number(sorted[0] as number)}, max ${number(sorted.at(-1) as number)} (${sorted.length} tx)`,
          met: null,
        });
      }
      return rows;
    } finally {
      await pool.terminate();
      await stack.teardown();
    }
  },
};

/** 16 delivery-delay records of a fresh random subject over 30 days up to `windowEnd`; random values and salts. */
function job(chainId: number, registry: Address, windowEnd: number): ProveRiskFeatureParameters {
  const windowStart = windowEnd - 30 * 86_400;
  const random = (bytes: number) => BigInt(`0x${randomBytes(bytes).toString("hex")}`);
  return {
    subject: getAddress(`0x${randomBytes(20).toString("hex")}`),
    ecosystemId: CALDERA,
    kind: "DELAY_DURATION",
    chainId,
    registry,
    windowStart,
    windowEnd,
    threshold: 3_600,
    records: Array.from({ length: 16 }, (_, i) => ({
      timestamp: windowStart + i * 150_000,
      value: Number(random(2)) % 9_000,
      counterparty: `buyer-${i % 5}`,
      scenario: "cold-chain-delivery",
      salt: random(16),
    })),
  };
}

/** The dev-chain and other-chain polling intervals as written in the indexer's config, read rather than restated. */
function indexerPollingInterval(): string {
  const config = readFileSync(new URL("../indexer/ponder.config.ts", import.meta.url), "utf8");
  const found = /pollingInterval:\s*isDevChain\s*\?\s*([\d_]+)\s*:\s*([\d_]+)/.exec(config);
  if (found === null) return "unknown (pollingInterval not found in indexer/ponder.config.ts)";
  const value = (text: string) => Number(text.replaceAll("_", "")).toLocaleString("en-US");
  return `${value(found[1] as string)} ms on the dev chain (this run), ${value(found[2] as string)} ms on others`;
}

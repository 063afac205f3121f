import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { ProverPool } from "../prover/createProverPool.js";
import type { AssessmentStore } from "../services/createAssessmentStore.js";
import type { CertificationAttemptStore } from "../services/createCertificationAttemptStore.js";
import type { DatasetStore } from "../services/createDatasetStore.js";
import type { DerivationStore } from "../services/createDerivationStore.js";
import type { IndexerClient } from "../services/createIndexerClient.js";
import type { DeploymentManifest } from "../services/deployment.js";
import type { TransactionSender } from "./createTransactionSender.js";

/** What use cases reach the chain and the indexer through; created once per process (subgraph, CLI, demo). */
export type HubServices = {
  deployment: DeploymentManifest;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  /**
   * The hub signer's sender (one per process): nonces from the chain, dropped transactions resent. Absent, the
   * first mutation makes one for `walletClient` and keeps it (`sendAndWaitIndexed`).
   */
  sender?: TransactionSender | undefined;
  indexer: IndexerClient;
  /** Certified datasets, kept so derivations can run later (the hub's own Postgres schema). */
  datasets: DatasetStore;
  /** Derivation records (features, parameters, output), so anyone can re-run a derivative. */
  derivations: DerivationStore;
  /**
   * Disposal contribution assessments, under the inputs hash settled on-chain (cross-domain risk). Absent in a
   * process that settles no disposals: `settleDisposal` then refuses before sending.
   */
  assessments?: AssessmentStore | undefined;
  /**
   * Every authenticated certification attempt and its outcome (accepted, or refused for its data or its proof), for
   * Caldera's TAMPERING_FREQUENCY feature. Absent, `certifyCore` records nothing and that feature has no records.
   */
  certificationAttempts?: CertificationAttemptStore | undefined;
  /** Proves off the request loop, in worker threads; a full queue is BUSY before anything is sent. */
  prover: ProverPool;
};

import type { Sql } from "postgres";
import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { ProverPool } from "../prover/createProverPool.js";
import type { AssessmentStore } from "../services/createAssessmentStore.js";
import type { CertificationAttemptStore } from "../services/createCertificationAttemptStore.js";
import type { DatasetStore } from "../services/createDatasetStore.js";
import type { DerivationStore } from "../services/createDerivationStore.js";
import type { IndexerClient } from "../services/createIndexerClient.js";
import type { LogicModuleStore } from "../services/createLogicModuleStore.js";
import type { TelemetryRecorder } from "../services/createTelemetryRecorder.js";
import type { DeploymentManifest } from "../services/deployment.js";
import type { HubComponentName } from "../services/hubComponents.js";
import type { TransactionSender } from "./createTransactionSender.js";
import type { WasmSandbox } from "./evolution/logic/createWasmSandbox.js";

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
  /**
   * Component telemetry (`caldera_hub.component_invocation`), batched off the request path. Absent, metering
   * (`usecases/evolution/meterInvocation`) records nothing and the use cases run unmetered.
   */
  telemetry?: TelemetryRecorder | undefined;
  /**
   * Reads of that telemetry on the primary (the hub's own-tables pool): the figures the hub computes for node
   * attestation (`settleEvolutionEpoch`). Absent, epoch settlement refuses before anything is signed or sent.
   */
  telemetrySql?: Sql | undefined;
  /** The hub's own components' on-chain ids, by name (`manifest.components`); absent before the evolution group. */
  components?: Readonly<Partial<Record<HubComponentName, bigint>>> | undefined;
  /**
   * Published logic modules, content-addressed (`caldera_hub.logic_module`). Absent, `publishLogicModule` refuses and
   * `runComponentLogic` has no modules to run.
   */
  logicModules?: LogicModuleStore | undefined;
  /** The WebAssembly sandbox wasm logic modules run in (worker threads). Absent, one is started on first use. */
  logicSandbox?: WasmSandbox | undefined;
};

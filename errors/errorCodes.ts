/**
 * Every error code the hub emits, in one place: GraphQL `extensions.code`, the CLI's `caldera <cmd>: CODE: …`
 * line and `BaseError.code` all draw from this list. The README's error table is checked against it by a test.
 * Each entry says when it happens, so the README table and this list cannot drift apart.
 */
export const errorCodes = {
  // Requests (GraphQL and CLI)
  BAD_USER_INPUT:
    "a field or variable is malformed (wrong scalar, out of range) [400 for a variable or an `Idempotency-Key`]",
  INVALID_DATASET: "the dataset cannot be proven as given (names the field)",
  THRESHOLD_NOT_MET: "the data does not reach a requested threshold",
  BELOW_FLOOR:
    "a threshold, requested or achieved by the data, is below the domain's certification floor (`attribute`, `floor`)",
  UNKNOWN_PROVIDER: "the address is not a registered provider",
  PROVIDER_ALREADY_REGISTERED: "the address already registered as a provider",
  NOT_AUTHORIZED: "the caller may not act for this account",
  ALREADY_CERTIFIED: "this provider already certified this dataset",
  UNKNOWN_CERTIFICATE: "no core certificate has that id",
  ALREADY_DERIVED: "this derivation (provider, rule, model version, output, certificates) was already minted",
  INVALID_PROOF: "the chain rejected the zero-knowledge proof",
  CHAIN_UNAVAILABLE: "the chain's RPC cannot be reached",
  CHAIN_REJECTED: "the chain rejected the transaction for another reason",
  RULE_NOT_MET: "the certificates do not satisfy the active derivation rule for the kind (names the rule)",
  INDEXER_UNAVAILABLE: "the indexer is down or lagging, so nothing is sent",
  INDEXER_BEHIND: "the transaction is on-chain but the indexer has not caught up yet",
  BELOW_PROPOSAL_THRESHOLD:
    "the proposer's stake at the previous block is below the governor's proposal threshold (`votes`, `threshold`)",
  UNKNOWN_PROPOSAL: "the governor has no proposal with that id",
  PROPOSAL_ALREADY_EXISTS:
    "an identical proposal (same actions and description) exists; give another description",
  PROPOSAL_STATE:
    "the proposal is not in a state that allows this (`state`, `allowed`): voting not open, not succeeded, not queued…",
  ALREADY_VOTED: "this account already voted on the proposal",
  TIMELOCK_NOT_READY: "the proposal is queued but its timelock delay has not passed (`eta`)",
  MODEL_INPUT_INVALID: "a derivation model's input is malformed (names the JSON path)",
  MODEL_NOT_FOUND: "no derivation model has that id, or this hub holds no exported module for the derivative",
  BUSY: "the proving queue is full; retry after `extensions.retryAfterSeconds` (nothing was sent)",
  RATE_LIMITED:
    "this client (API key or IP) sent too many expensive mutations; retry after `extensions.retryAfterSeconds` [429]",
  IDEMPOTENCY_KEY_REUSED:
    "an `Idempotency-Key` was used before for a different request (another operation or other variables) [422]",
  IDEMPOTENCY_KEY_IN_USE:
    "a request with this `Idempotency-Key` is still running; retry after `extensions.retryAfterSeconds` for its response [409]",
  TRANSACTION_DROPPED:
    "the hub's transaction left the chain (reorg, eviction, restarted chain) and could not be resent in time",
  // ERA circulation: licences, usage, rewards and credit
  UNKNOWN_DERIVATIVE: "no derivative value unit has that id",
  NOT_FOR_SALE: "the derivative has no active licence terms",
  PRICE_CHANGED:
    "the licence or component price is now above the `maxPrice` the caller signed for (`price`, `maxPrice`)",
  LICENCE_REQUIRED: "the account holds no valid licence for the derivative (none, used up or expired)",
  ALREADY_ADOPTED: "this account already adopted this derivative (each account adopts once)",
  WRONG_USAGE_KIND: "planting plans and market forecasts are adopted, fault-warning models are invoked",
  NOTHING_TO_CLAIM:
    "no reward is claimable (threshold not crossed, or paid in full), or no revenue to release",
  POOL_EMPTY:
    "the reward is owed but the reward pool holds nothing; it stays owed and is paid after the pool is funded",
  INSUFFICIENT_FUNDS:
    "the account's ERA balance or allowance is below what the action pulls (`needed`, `available`)",
  ALREADY_PLEDGED: "the derivative is already pledged on an open credit line (`lineId`)",
  NO_CREDIT_FOR_DOMAIN: "governance set no credit base for the derivative's domain, so it cannot be pledged",
  UNKNOWN_CREDIT_LINE: "no credit line has that id",
  CREDIT_LINE_NOT_OPEN: "the credit line is closed or defaulted (`status`)",
  CREDIT_LINE_OVERDUE: "the credit line is past its due time: repay it; no more borrowing",
  CREDIT_LIMIT_EXCEEDED: "borrowing this would take the debt above the line's limit (`debtAfter`, `limit`)",
  INSUFFICIENT_LIQUIDITY: "the credit pool's idle ERA is below the amount (`requested`, `available`)",
  DEBT_OUTSTANDING: "the credit line still owes principal or interest (`debt`); repay before unpledging",
  NOT_YET_DUE: "a default can only be declared after the line's due time (`dueAt`)",
  NOTHING_OWED: "the credit line owes nothing, so it cannot default",
  INSUFFICIENT_SHARES: "the lender holds fewer pool shares than it asked to withdraw",
  // Cross-domain risk (EcosystemRegistry, RiskFeatureRegistry, MarginVault)
  UNKNOWN_ECOSYSTEM: "no partner ecosystem has that id",
  ECOSYSTEM_NOT_ACTIVE:
    "the ecosystem is unknown or suspended, so it cannot publish features or file freezes",
  FEATURE_ALREADY_PUBLISHED: "a risk feature with the same public signals was published before (`featureId`)",
  UNKNOWN_RISK_FEATURE: "no risk feature has that id",
  NOT_ATTESTER:
    "the node's stake before the feature's or case's snapshot is below the attester minimum (`stake`, `minStake`)",
  ALREADY_ATTESTED: "this node already attested the risk feature",
  MARGIN_FROZEN:
    "the provider's margin is frozen by an open case (`caseId`): no unlock, withdrawal or second case",
  INSUFFICIENT_MARGIN: "the provider has less margin locked than asked for (`requested`, `locked`)",
  UNLOCK_NOT_READY: "nothing is queued for unlock, or the queue's delay has not passed (`unlockAt`)",
  NO_MARGIN: "the provider has no margin locked or queued, so there is nothing to freeze",
  UNKNOWN_CASE: "no freeze case has that id",
  CASE_NOT_OPEN: "the freeze case is already resolved (`status`)",
  VOTING_CLOSED: "the case's review window has ended (`voteEnd`): resolve it instead",
  VOTING_OPEN:
    "the case cannot be resolved before `voteEnd` unless one verdict holds a majority of the snapshot stake",
  NO_VOTING_POWER: "the node had no stake at the case's snapshot block",
  CASE_NOT_UPHELD: "only an upheld case has a disposal (`status`)",
  DISPOSAL_ALREADY_SETTLED: "the case's disposal shares were settled before",
  DISPOSAL_NOT_SETTLED: "the case's disposal shares are not settled yet, so nothing can be claimed",
  INVALID_SHARES:
    "disposal shares must name distinct active ecosystems (at most 10) with non-zero bps summing to at most 10,000",
  ATTESTATION_QUORUM_NOT_MET: "fewer valid node attestations than the quorum (`got`, `needed`)",
  SUBGRAPH_TIMEOUT:
    "a partner subgraph did not answer within its `timeoutMs`; its fields are null, Caldera's still answer",
  // Capability evolution (ComponentRegistry, EvolutionPool, logic modules, the kernel)
  UNKNOWN_COMPONENT: "no component has that id",
  PLEDGE_TOO_LOW: "the component's ERA pledge is below the registry's minimum (`pledge`, `minPledge`)",
  MODULE_HASH_MISMATCH:
    "the logic module's content hash is not the one expected (the source component's logic hash, or the bytes given)",
  INVALID_MODULE:
    "a logic module is malformed: unknown operator, bad parameters, not valid WebAssembly, imports it may not have (names the path)",
  ABSORPTION_NOT_APPROVED:
    "the component has no node-approved absorption of that module, so it may not run it",
  UNKNOWN_ABSORPTION: "no absorption request has that id",
  ABSORPTION_NOT_PENDING: "the absorption was already approved or reclaimed (`status`)",
  ABSORPTION_WINDOW_OPEN:
    "an unapproved absorption's escrow can be reclaimed only after its window (`reclaimableAt`)",
  SANDBOX_LIMIT_EXCEEDED:
    "a logic module ran past its sandbox limit (`limit`: time, memory, output) and was stopped; nothing it did is kept",
  EPOCH_NOT_OVER: "an evolution epoch can be settled only after it ends (`endsAt`)",
  EPOCH_ALREADY_SETTLED: "the component was already rewarded or slashed for this epoch",
  EVOLUTION_POOL_INSUFFICIENT:
    "the evolution reward pool holds less than the reward (`required`, `available`); nothing was paid",
  NO_TELEMETRY:
    "no telemetry was recorded for the component in the window, so there are no figures to attest",
  INTERNAL_SERVER_ERROR: "a bug: anything not listed here",
  // Requests refused before they run (gateway and subgraph); [HTTP status] of a request error, which has no data
  QUERY_LIMIT_EXCEEDED:
    "the query breaks one of caldera.config.json's `limits`; `extensions.limit`, `max`, `found` say which [400]",
  REQUEST_TOO_LARGE: "the HTTP request body is larger than `limits.maxBodyBytes` [413]",
  BAD_REQUEST: "the HTTP request is not a GraphQL request: the body is not JSON, no `query`, a batch [400]",
  GRAPHQL_PARSE_FAILED: "the query is not valid GraphQL syntax [400]",
  GRAPHQL_VALIDATION_FAILED:
    "the query does not fit the schema, or asks for introspection outside development [400]",
  OPERATION_RESOLUTION_FAILURE:
    "several operations and no `operationName`, or no operation of that name [400]",
  GATEWAY_ONLY:
    "`_entities` / `_service` sent to the subgraph without the gateway's secret (no secret: not from loopback) [403]",
  SUBGRAPH_UNAVAILABLE: "the gateway could not reach a subgraph, or it answered without a GraphQL response",
  // Start-up and operation
  INVALID_CONFIG: "caldera.config.json has a bad field",
  SIGNER_MISCONFIGURED: "CALDERA_PRIVATE_KEY is missing, malformed or a dev key on a public chain",
  ARTIFACT_CORRUPTED: "a committed circuit artifact does not match its recorded SHA-256",
  PORT_IN_USE: "a part's TCP port is taken by another process",
  PART_START_FAILED: "a part (postgres, chain, indexer, …) could not start",
  PART_FAILED: "a running part kept failing after restarts, so the stack stopped",
  STACK_NOT_RUNNING: "`caldera status` found no running stack",
} as const;

export type ErrorCode = keyof typeof errorCodes;

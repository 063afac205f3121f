// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Risk feature registry
/// @notice The cross-domain risk feature database. An admitted ecosystem publishes a desensitized risk feature
///         about a provider: a zero-knowledge proof that, among the `recordCount` private records it committed to
///         in a Merkle tree (`evidenceRoot`), the share whose value reaches `threshold` lies in a standard bucket —
///         without revealing counterparties, scenarios or the records. Staked nodes then attest it; a feature counts
///         as verified once `attestationQuorum` distinct nodes have.
/// @dev The standard (kept in sync with schema/risk.graphql and schemas/riskFeature.schema.json by a test):
///      kind ∈ {DEFAULT_RATE, DELAY_DURATION (performance), TAMPERING_FREQUENCY, ANOMALOUS_FLUCTUATION (data),
///      PRICE_VOLATILITY (price)}; bucket ∈ 0..4 over the edges [0, 100, 500, 2000, 5000, 10000] bps (the top
///      bucket includes 10000); severity = bucket (INFO, LOW, MEDIUM, HIGH, CRITICAL), derived here, never
///      self-reported.
///
///      Public signals of the proof: [evidenceRoot, subject, context, windowStart, windowEnd, threshold,
///      recordCount, bucketLowBps, bucketHighBps], context = uint256(keccak256(abi.encode(block.chainid,
///      address(this), ecosystemId, kind))) mod the BN254 scalar field — so a proof is bound to this chain, this
///      registry, the publishing ecosystem and the kind. Groth16 proofs are malleable, so replay protection keys
///      on the public signals (`featureKey`), not on the proof bytes.
///
///      EIP-712 domain "Caldera Risk", version 1. Types:
///      `PublishFeature(address subject,uint32 ecosystemId,uint8 kind,uint8 bucket,uint64 windowStart,uint64 windowEnd,uint32 threshold,uint16 recordCount,bytes32 evidenceRoot,uint256 nonce,uint256 deadline)`
///      signed by the ecosystem's operator;
///      `AttestFeature(uint256 featureId,bytes32 evidenceRoot,uint256 nonce,uint256 deadline)` signed by a node.
///      A node may attest when its NodeStaking votes at the block before the feature's publication were at least
///      `minAttesterStake` (stake acquired later, or flash-borrowed, does not count).
interface IRiskFeatureRegistry {
    enum RiskKind {
        NONE,
        DEFAULT_RATE,
        DELAY_DURATION,
        TAMPERING_FREQUENCY,
        ANOMALOUS_FLUCTUATION,
        PRICE_VOLATILITY
    }

    /// @notice What a publisher claims; the proof and the signature cover all of it.
    struct FeatureClaim {
        address subject;
        uint32 ecosystemId;
        RiskKind kind;
        uint8 bucket;
        uint64 windowStart;
        uint64 windowEnd;
        uint32 threshold;
        uint16 recordCount;
        bytes32 evidenceRoot;
    }

    /// @notice A published feature.
    struct Feature {
        address subject;
        uint32 ecosystemId;
        RiskKind kind;
        uint8 bucket;
        uint8 severity;
        uint16 recordCount;
        uint16 attestations;
        bool verified;
        uint64 windowStart;
        uint64 windowEnd;
        uint32 threshold;
        uint64 publishedAt;
        uint64 snapshotBlock;
        bytes32 evidenceRoot;
    }

    /// @notice A Groth16 proof in the verifier's calldata layout.
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    error NotGovernance(address caller);
    error ZeroAddress(string parameter);
    /// @notice `ecosystemId` is unknown or suspended in the EcosystemRegistry.
    error EcosystemNotActive(uint32 ecosystemId);
    /// @notice The signer is not the operator of `ecosystemId`.
    error NotEcosystemOperator(uint32 ecosystemId, address signer);
    /// @notice The kind is NONE or not a RiskKind.
    error UnknownRiskKind(uint8 kind);
    /// @notice The bucket is not 0..4.
    error InvalidBucket(uint8 bucket);
    /// @notice windowStart must be ≤ windowEnd ≤ the block time.
    error InvalidWindow(uint64 windowStart, uint64 windowEnd);
    /// @notice recordCount must be 1..MAX_RECORDS.
    error InvalidRecordCount(uint16 recordCount, uint16 maxRecords);
    /// @notice The proof does not verify against the claim's public signals.
    error InvalidFeatureProof();
    /// @notice The same public signals were published before as feature `featureId` (replay).
    error FeatureAlreadyPublished(bytes32 featureKey, uint256 featureId);
    error UnknownFeature(uint256 featureId);
    /// @notice The signed evidence root is not the feature's.
    error EvidenceMismatch(uint256 featureId, bytes32 expected, bytes32 got);
    /// @notice `node` had `stake` votes at `snapshotBlock`, less than `minStake`.
    error NotAttester(address node, uint256 stake, uint256 minStake);
    error AlreadyAttested(uint256 featureId, address node);
    /// @notice The quorum must be at least 1.
    error InvalidQuorum(uint16 quorum);

    /// @notice Emitted after feature `featureId` was published (its proof verified).
    event RiskFeaturePublished(
        uint256 indexed featureId,
        address indexed subject,
        uint32 indexed ecosystemId,
        RiskKind kind,
        uint8 bucket,
        uint8 severity,
        uint64 windowStart,
        uint64 windowEnd,
        uint32 threshold,
        uint16 recordCount,
        bytes32 evidenceRoot
    );
    /// @notice Emitted after `node` attested `featureId`; `attestations` is the count including it.
    event RiskFeatureAttested(uint256 indexed featureId, address indexed node, uint16 attestations);
    /// @notice Emitted once, after the attestation that reached the quorum.
    event RiskFeatureVerified(uint256 indexed featureId, address indexed subject, uint16 attestations);
    event AttestationQuorumSet(uint16 quorum);
    event MinAttesterStakeSet(uint256 minStake);

    /// @notice The most records one proof covers (the circuit's tree has 2^5 leaves).
    function MAX_RECORDS() external view returns (uint16);

    /// @notice Verifies `proof` for `claim` and records the feature, on the signature of the ecosystem's operator.
    function publishFeature(FeatureClaim calldata claim, Proof calldata proof, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 featureId);

    /// @notice Records `node`'s attestation of `featureId` on its signature.
    function attestFeature(uint256 featureId, address node, uint256 deadline, bytes calldata signature) external;

    /// @notice Governance: attestations a feature needs to count as verified (default 2). Applies to features
    ///         not yet verified.
    function setAttestationQuorum(uint16 quorum) external;

    /// @notice Governance: the stake an attesting node needs (default 10,000 ERA).
    function setMinAttesterStake(uint256 minStake) external;

    function feature(uint256 featureId) external view returns (Feature memory);
    function featureCount() external view returns (uint256);
    function hasAttested(uint256 featureId, address node) external view returns (bool);
    function attestationQuorum() external view returns (uint16);
    function minAttesterStake() external view returns (uint256);
    /// @notice The public-signal context for `ecosystemId` and `kind` on this chain and registry.
    function featureContext(uint32 ecosystemId, RiskKind kind) external view returns (uint256);
    /// @notice Bucket `bucket`'s [low, high) edges in bps.
    function bucketEdges(uint8 bucket) external pure returns (uint16 lowBps, uint16 highBps);
}

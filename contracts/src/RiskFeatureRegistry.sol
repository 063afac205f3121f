// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignedActions} from "./SignedActions.sol";
import {IEcosystemRegistry} from "./interfaces/IEcosystemRegistry.sol";
import {IRiskFeatureRegistry} from "./interfaces/IRiskFeatureRegistry.sol";
import {IRiskFeatureVerifier} from "./interfaces/IRiskFeatureVerifier.sol";

/// @title RiskFeatureRegistry
/// @notice Desensitized risk features, proven in zero knowledge by the publishing ecosystem and attested by staked
///         nodes (see IRiskFeatureRegistry).
/// @dev Checks of `publishFeature`, in order: the claim's fields (kind, bucket, window, record count), the
///      ecosystem (active), the operator's signature (deadline, then the operator's next nonce, then the signature;
///      a signature by anyone else reverts NotEcosystemOperator naming who signed, as far as ECDSA recovers it),
///      replay (the public signals), and last the proof. Each failure is a custom revert, so nothing is stored.
///
///      Replay: Groth16 proofs are malleable (anyone can re-randomise a valid proof), so the key is
///      keccak256(abi.encode(publicSignals)). The signals include the context, so the same evidence may be
///      published once per (chain, registry, ecosystem, kind), and a proof made for one ecosystem or kind does not
///      verify for another.
///
///      Attesters: `attestFeature` reads the node's NodeStaking votes at the feature's `snapshotBlock` (the block
///      before publication), so stake staked, bought or flash-borrowed in or after the publication block counts for
///      nothing, and a zero stake never attests even if governance set `minAttesterStake` to 0 (no sybil attesters).
///      A quorum change applies to features not verified yet, from their next attestation on.
contract RiskFeatureRegistry is IRiskFeatureRegistry, SignedActions {
    /// @inheritdoc IRiskFeatureRegistry
    uint16 public constant MAX_RECORDS = 32;
    /// @notice The BN254 scalar field: every public signal is reduced into it.
    uint256 public constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Number of buckets (0..4).
    uint8 public constant BUCKET_COUNT = 5;
    uint16 public constant DEFAULT_ATTESTATION_QUORUM = 2;
    uint256 public constant DEFAULT_MIN_ATTESTER_STAKE = 10_000 ether;

    bytes32 public constant PUBLISH_FEATURE_TYPEHASH = keccak256(
        "PublishFeature(address subject,uint32 ecosystemId,uint8 kind,uint8 bucket,uint64 windowStart,uint64 windowEnd,uint32 threshold,uint16 recordCount,bytes32 evidenceRoot,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant ATTEST_FEATURE_TYPEHASH =
        keccak256("AttestFeature(uint256 featureId,bytes32 evidenceRoot,uint256 nonce,uint256 deadline)");

    IRiskFeatureVerifier internal immutable _verifier;
    IEcosystemRegistry internal immutable _ecosystems;
    IERC5805 internal immutable _staking;
    /// @notice The governance timelock, the only account that sets the quorum and the attester stake.
    address public immutable timelock;

    /// @inheritdoc IRiskFeatureRegistry
    uint16 public attestationQuorum;
    /// @inheritdoc IRiskFeatureRegistry
    uint256 public minAttesterStake;

    uint256 internal _featureCount;
    mapping(uint256 featureId => Feature) internal _features;
    mapping(uint256 featureId => mapping(address node => bool)) internal _attested;
    /// @notice The feature published under `featureKey` (keccak256 of the public signals), 0 if none.
    mapping(bytes32 featureKey => uint256 featureId) public featureByKey;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    /// @param verifier_ The Groth16 verifier of circuits/riskFeature.circom.
    /// @param ecosystems_ The ecosystem registry: who may publish, and who signs for it.
    /// @param staking_ NodeStaking: attesters' votes at a past block.
    /// @param timelock_ The governance timelock.
    constructor(IRiskFeatureVerifier verifier_, IEcosystemRegistry ecosystems_, IERC5805 staking_, address timelock_)
        SignedActions("Caldera Risk", "1")
    {
        if (address(verifier_) == address(0)) revert ZeroAddress("verifier");
        if (address(ecosystems_) == address(0)) revert ZeroAddress("ecosystems");
        if (address(staking_) == address(0)) revert ZeroAddress("staking");
        if (timelock_ == address(0)) revert ZeroAddress("timelock");
        _verifier = verifier_;
        _ecosystems = ecosystems_;
        _staking = staking_;
        timelock = timelock_;
        _setAttestationQuorum(DEFAULT_ATTESTATION_QUORUM);
        _setMinAttesterStake(DEFAULT_MIN_ATTESTER_STAKE);
    }

    // ---------------------------------------------------------------- publish and attest

    /// @inheritdoc IRiskFeatureRegistry
    function publishFeature(
        FeatureClaim calldata claim,
        Proof calldata proof,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 featureId) {
        _checkClaim(claim);
        uint32 ecosystemId = claim.ecosystemId;
        if (!_ecosystems.isActive(ecosystemId)) revert EcosystemNotActive(ecosystemId);
        address operator = _ecosystems.ecosystem(ecosystemId).operator;
        _verifyOperatorAction(
            ecosystemId, operator, _publishHash(claim, nonces(operator), deadline), deadline, signature
        );

        uint256[9] memory signals = publicSignals(claim);
        bytes32 featureKey = keccak256(abi.encode(signals));
        uint256 previous = featureByKey[featureKey];
        if (previous != 0) revert FeatureAlreadyPublished(featureKey, previous);
        if (!_verifier.verifyProof(proof.a, proof.b, proof.c, signals)) revert InvalidFeatureProof();

        featureId = ++_featureCount;
        _features[featureId] = Feature({
            subject: claim.subject,
            ecosystemId: ecosystemId,
            kind: claim.kind,
            bucket: claim.bucket,
            severity: claim.bucket,
            recordCount: claim.recordCount,
            attestations: 0,
            verified: false,
            windowStart: claim.windowStart,
            windowEnd: claim.windowEnd,
            threshold: claim.threshold,
            publishedAt: uint64(block.timestamp),
            snapshotBlock: uint64(block.number - 1),
            evidenceRoot: claim.evidenceRoot
        });
        featureByKey[featureKey] = featureId;
        _emitPublished(featureId, claim);
    }

    /// @inheritdoc IRiskFeatureRegistry
    /// @dev Checks, in order: the feature exists; the node's signature (deadline, nonce, signature over the
    ///      feature's evidence root: a node that signed another root does not verify); not attested before; the
    ///      node's stake at the feature's snapshot block.
    function attestFeature(uint256 featureId, address node, uint256 deadline, bytes calldata signature) external {
        Feature storage feat = _existing(featureId);
        uint256 nonce = nonces(node);
        _verifyAction(
            node,
            keccak256(abi.encode(ATTEST_FEATURE_TYPEHASH, featureId, feat.evidenceRoot, nonce, deadline)),
            deadline,
            nonce,
            signature
        );
        if (_attested[featureId][node]) revert AlreadyAttested(featureId, node);
        uint256 minStake = minAttesterStake;
        uint256 stake = _staking.getPastVotes(node, feat.snapshotBlock);
        if (stake == 0 || stake < minStake) revert NotAttester(node, stake, minStake);

        _attested[featureId][node] = true;
        uint16 attestations = feat.attestations + 1;
        feat.attestations = attestations;
        bool reachesQuorum = !feat.verified && attestations >= attestationQuorum;
        if (reachesQuorum) feat.verified = true;
        emit RiskFeatureAttested(featureId, node, attestations);
        if (reachesQuorum) emit RiskFeatureVerified(featureId, feat.subject, attestations);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IRiskFeatureRegistry
    function setAttestationQuorum(uint16 quorum) external onlyGovernance {
        _setAttestationQuorum(quorum);
    }

    /// @inheritdoc IRiskFeatureRegistry
    function setMinAttesterStake(uint256 minStake) external onlyGovernance {
        _setMinAttesterStake(minStake);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRiskFeatureRegistry
    /// @dev Reverts UnknownFeature for an id never published.
    function feature(uint256 featureId) external view returns (Feature memory) {
        return _existing(featureId);
    }

    /// @inheritdoc IRiskFeatureRegistry
    function featureCount() external view returns (uint256) {
        return _featureCount;
    }

    /// @inheritdoc IRiskFeatureRegistry
    function hasAttested(uint256 featureId, address node) external view returns (bool) {
        return _attested[featureId][node];
    }

    /// @notice The Groth16 verifier of the risk-feature circuit.
    function verifier() external view returns (address) {
        return address(_verifier);
    }

    /// @notice The ecosystem registry.
    function ecosystemRegistry() external view returns (address) {
        return address(_ecosystems);
    }

    /// @notice NodeStaking, whose past votes qualify attesters.
    function staking() external view returns (address) {
        return address(_staking);
    }

    /// @inheritdoc IRiskFeatureRegistry
    function featureContext(uint32 ecosystemId, RiskKind kind) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), ecosystemId, kind))) % SNARK_SCALAR_FIELD;
    }

    /// @inheritdoc IRiskFeatureRegistry
    function bucketEdges(uint8 bucket) public pure returns (uint16 lowBps, uint16 highBps) {
        if (bucket == 0) return (0, 100);
        if (bucket == 1) return (100, 500);
        if (bucket == 2) return (500, 2_000);
        if (bucket == 3) return (2_000, 5_000);
        if (bucket == 4) return (5_000, 10_000);
        revert InvalidBucket(bucket);
    }

    /// @notice The proof's public signals for `claim`, in the circuit's order: [evidenceRoot, subject, context,
    ///         windowStart, windowEnd, threshold, recordCount, bucketLowBps, bucketHighBps]. What the prover must
    ///         produce for `publishFeature` to accept the claim (an evidence root at or above the field order can
    ///         therefore never verify).
    function publicSignals(FeatureClaim calldata claim) public view returns (uint256[9] memory signals) {
        (uint16 lowBps, uint16 highBps) = bucketEdges(claim.bucket);
        signals[0] = uint256(claim.evidenceRoot);
        signals[1] = uint256(uint160(claim.subject));
        signals[2] = featureContext(claim.ecosystemId, claim.kind);
        signals[3] = claim.windowStart;
        signals[4] = claim.windowEnd;
        signals[5] = claim.threshold;
        signals[6] = claim.recordCount;
        signals[7] = lowBps;
        signals[8] = highBps;
    }

    // ---------------------------------------------------------------- internals

    function _checkClaim(FeatureClaim calldata claim) internal view {
        if (claim.kind == RiskKind.NONE) revert UnknownRiskKind(uint8(claim.kind));
        if (claim.bucket >= BUCKET_COUNT) revert InvalidBucket(claim.bucket);
        if (claim.windowStart > claim.windowEnd || claim.windowEnd > block.timestamp) {
            revert InvalidWindow(claim.windowStart, claim.windowEnd);
        }
        if (claim.recordCount == 0 || claim.recordCount > MAX_RECORDS) {
            revert InvalidRecordCount(claim.recordCount, MAX_RECORDS);
        }
    }

    /// @dev The claim's fields are all static, so abi.encode(claim) is exactly their EIP-712 encoding, one 32-byte
    ///      word per field in the type string's order.
    function _publishHash(FeatureClaim calldata claim, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(PUBLISH_FEATURE_TYPEHASH, claim, nonce, deadline));
    }

    /// @dev `_verifyAction` for the operator of `ecosystemId`, at its next nonce; a signature that is not the
    ///      operator's reverts NotEcosystemOperator with the recovered signer (0 if none).
    function _verifyOperatorAction(
        uint32 ecosystemId,
        address operator,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) internal {
        if (block.timestamp > deadline) revert ExpiredSignature(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(structHash);
        if (!_isValidSignatureNow(operator, digest, signature)) {
            (address signer,,) = ECDSA.tryRecover(digest, signature);
            revert NotEcosystemOperator(ecosystemId, signer);
        }
        _useNonce(operator);
    }

    function _emitPublished(uint256 featureId, FeatureClaim calldata claim) internal {
        emit RiskFeaturePublished(
            featureId,
            claim.subject,
            claim.ecosystemId,
            claim.kind,
            claim.bucket,
            claim.bucket,
            claim.windowStart,
            claim.windowEnd,
            claim.threshold,
            claim.recordCount,
            claim.evidenceRoot
        );
    }

    function _existing(uint256 featureId) internal view returns (Feature storage feat) {
        feat = _features[featureId];
        if (feat.recordCount == 0) revert UnknownFeature(featureId);
    }

    function _setAttestationQuorum(uint16 quorum) internal {
        if (quorum == 0) revert InvalidQuorum(quorum);
        attestationQuorum = quorum;
        emit AttestationQuorumSet(quorum);
    }

    function _setMinAttesterStake(uint256 minStake) internal {
        minAttesterStake = minStake;
        emit MinAttesterStakeSet(minStake);
    }
}

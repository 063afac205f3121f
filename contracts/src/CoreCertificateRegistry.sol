// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICoreCertificateRegistry} from "./interfaces/ICoreCertificateRegistry.sol";
import {ICoreQualityVerifier} from "./interfaces/ICoreQualityVerifier.sol";

/// @title CoreCertificateRegistry
/// @notice Stores core value certificates for datasets whose quality a Groth16 proof establishes.
contract CoreCertificateRegistry is ICoreCertificateRegistry {
    /// @dev BN254 scalar field order: public signals must be below it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev Gas forwarded to the verifier: it uses ~220k; below that the pairing check fails and returns false.
    uint256 public constant VERIFIER_GAS = 300_000;
    uint8 internal constant DOMAIN_AGRICULTURAL = 1;
    uint8 internal constant DOMAIN_INDUSTRIAL = 2;

    /// @dev Largest schema index: it is stored in the 24 bits a certificate's first slot has left.
    uint24 internal constant MAX_SCHEMAS = type(uint24).max;

    /// @dev A certificate as stored: `Certificate` with the schema hash replaced by its index, so it fits two slots.
    struct StoredCertificate {
        address provider;
        uint8 domain;
        uint16 minIntegrityBps;
        uint16 minTimelinessBps;
        uint16 minContinuityBps;
        uint16 maxGapSlots;
        uint24 schemaIndex;
        bytes32 datasetCommitment;
    }

    ICoreQualityVerifier public immutable verifier;

    /// @dev Starts at 1 so the first certificate pays for a nonzero-to-nonzero write like every other one.
    uint256 internal _nextCertificateId = 1;
    mapping(uint256 certificateId => StoredCertificate) internal _certificates;
    uint24 internal _schemaCount;
    mapping(uint24 schemaIndex => bytes32 schemaHash) internal _schemaHashes;
    mapping(bytes32 schemaHash => uint24 schemaIndex) public schemaIndexOf;
    mapping(address provider => mapping(bytes32 datasetCommitment => uint256 certificateId)) public certificateOf;
    mapping(address account => bool) public isProvider;
    mapping(address provider => mapping(address operator => bool)) public isOperator;

    constructor(ICoreQualityVerifier verifier_) {
        verifier = verifier_;
    }

    /// @inheritdoc ICoreCertificateRegistry
    function registerProvider(string calldata name) external {
        if (isProvider[msg.sender]) revert ProviderAlreadyRegistered(msg.sender);
        if (bytes(name).length == 0 || bytes(name).length > 200) revert InvalidTerms("name must be 1 to 200 bytes");
        isProvider[msg.sender] = true;
        emit ProviderRegistered(msg.sender, name);
    }

    /// @inheritdoc ICoreCertificateRegistry
    function setOperator(address operator, bool approved) external {
        if (!isProvider[msg.sender]) revert UnknownProvider(msg.sender);
        isOperator[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
    }

    /// @inheritdoc ICoreCertificateRegistry
    function registerSchema(bytes32 schemaHash) external returns (uint24 schemaIndex) {
        if (uint256(schemaHash) >= SNARK_SCALAR_FIELD) revert SchemaHashOutOfField(schemaHash);
        schemaIndex = schemaIndexOf[schemaHash];
        if (schemaIndex == 0) schemaIndex = _registerSchema(schemaHash);
    }

    /// @inheritdoc ICoreCertificateRegistry
    function certify(CoreClaim calldata claim, uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c)
        external
        returns (uint256 certificateId)
    {
        address provider = claim.provider;
        if (!isProvider[provider]) revert UnknownProvider(provider);
        if (msg.sender != provider && !isOperator[provider][msg.sender]) {
            revert NotProviderOrOperator(msg.sender, provider);
        }
        _checkTerms(claim);
        uint256 existing = certificateOf[provider][claim.datasetCommitment];
        if (existing != 0) revert DatasetAlreadyCertified(provider, claim.datasetCommitment, existing);
        uint24 schemaIndex = schemaIndexOf[claim.schemaHash];

        // The verifier answers false when starved of gas; make sure a false really means "invalid proof".
        if (gasleft() < VERIFIER_GAS + 5_000) revert InsufficientGasForVerification(gasleft(), VERIFIER_GAS + 5_000);
        if (!verifier.verifyProof{gas: VERIFIER_GAS}(a, b, c, _publicSignals(claim))) revert InvalidProof();

        // A schema's first certificate records it; the hub registers schemas beforehand to keep this out of certify.
        if (schemaIndex == 0) schemaIndex = _registerSchema(claim.schemaHash);
        certificateId = _nextCertificateId++;
        certificateOf[provider][claim.datasetCommitment] = certificateId;
        _certificates[certificateId] = StoredCertificate({
            provider: provider,
            domain: claim.domain,
            minIntegrityBps: claim.minIntegrityBps,
            minTimelinessBps: claim.minTimelinessBps,
            minContinuityBps: claim.minContinuityBps,
            maxGapSlots: claim.maxGapSlots,
            schemaIndex: schemaIndex,
            datasetCommitment: claim.datasetCommitment
        });
        _emitCertified(certificateId, claim, keccak256(abi.encode(a, b, c)));
    }

    /// @inheritdoc ICoreCertificateRegistry
    function certificateCount() external view returns (uint256) {
        return _nextCertificateId - 1;
    }

    /// @inheritdoc ICoreCertificateRegistry
    function certificate(uint256 certificateId) external view returns (Certificate memory) {
        StoredCertificate memory stored = _certificates[certificateId];
        if (stored.provider == address(0)) revert UnknownCertificate(certificateId);
        return Certificate({
            provider: stored.provider,
            domain: stored.domain,
            minIntegrityBps: stored.minIntegrityBps,
            minTimelinessBps: stored.minTimelinessBps,
            minContinuityBps: stored.minContinuityBps,
            maxGapSlots: stored.maxGapSlots,
            datasetCommitment: stored.datasetCommitment,
            schemaHash: _schemaHashes[stored.schemaIndex]
        });
    }

    /// @dev Appends a schema hash known to be below the field order and not yet registered.
    function _registerSchema(bytes32 schemaHash) internal returns (uint24 schemaIndex) {
        if (_schemaCount == MAX_SCHEMAS) revert TooManySchemas();
        schemaIndex = ++_schemaCount;
        _schemaHashes[schemaIndex] = schemaHash;
        schemaIndexOf[schemaHash] = schemaIndex;
        emit SchemaRegistered(schemaHash, schemaIndex);
    }

    /// @dev Its own frame: the event's thirteen fields do not fit beside certify's arguments on the stack.
    function _emitCertified(uint256 certificateId, CoreClaim calldata claim, bytes32 proofHash) internal {
        emit CoreCertified(
            certificateId,
            claim.provider,
            claim.domain,
            claim.datasetCommitment,
            claim.schemaHash,
            claim.minIntegrityBps,
            claim.minTimelinessBps,
            claim.minContinuityBps,
            claim.maxGapSlots,
            claim.windowStart,
            claim.slotSeconds,
            claim.deadlineSeconds,
            proofHash
        );
    }

    function _checkTerms(CoreClaim calldata claim) internal pure {
        if (claim.domain != DOMAIN_AGRICULTURAL && claim.domain != DOMAIN_INDUSTRIAL) revert UnknownDomain(claim.domain);
        if (claim.minIntegrityBps > 10_000 || claim.minTimelinessBps > 10_000 || claim.minContinuityBps > 10_000) {
            revert InvalidTerms("thresholds are basis points, at most 10000");
        }
        if (claim.slotSeconds == 0) revert InvalidTerms("slotSeconds must be positive");
        if (uint256(claim.datasetCommitment) >= SNARK_SCALAR_FIELD) revert CommitmentOutOfField(claim.datasetCommitment);
        if (uint256(claim.schemaHash) >= SNARK_SCALAR_FIELD) revert SchemaHashOutOfField(claim.schemaHash);
    }

    /// @dev Mirrors circuits/coreQuality.circom's public signals; context and terms are packed exactly as there.
    function _publicSignals(CoreClaim calldata claim) internal view returns (uint256[5] memory signals) {
        signals[0] = uint256(claim.datasetCommitment);
        signals[1] = uint256(uint160(claim.provider));
        signals[2] = uint256(uint160(address(this))) | (block.chainid << 160);
        signals[3] = uint256(claim.minIntegrityBps) | (uint256(claim.minTimelinessBps) << 16)
            | (uint256(claim.minContinuityBps) << 32) | (uint256(claim.maxGapSlots) << 48)
            | (uint256(claim.deadlineSeconds) << 64) | (uint256(claim.slotSeconds) << 96)
            | (uint256(claim.windowStart) << 128) | (uint256(claim.domain) << 192);
        signals[4] = uint256(claim.schemaHash);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SignedActions} from "./SignedActions.sol";
import {ICoreCertificateRegistry} from "./interfaces/ICoreCertificateRegistry.sol";
import {ICoreQualityVerifier} from "./interfaces/ICoreQualityVerifier.sol";
import {IDerivationRules} from "./interfaces/IDerivationRules.sol";
import {ISignedActions} from "./interfaces/ISignedActions.sol";

/// @title CoreCertificateRegistry
/// @notice Stores core value certificates for datasets whose quality a Groth16 proof establishes, each authorised by
///         its provider's EIP-712 signature and held to its domain's governed certification floors.
/// @dev Signed certification, no operators (decision): a provider signs every certification (claim, nonce,
///      deadline) and any relayer may submit it. An earlier version let providers approve standing operators with
///      `setOperator`; it is gone rather than turned into a signed delegation, because a standing approval lets the
///      operator certify anything, under any thresholds, until revoked, whereas a signature per certification
///      authorises exactly one claim once, and the hub already needs the provider's consent per dataset. The hub
///      holds only its own key (it pays the gas), never a provider's.
///
///      The signature is checked with SignedActions (EIP-712 domain "Caldera Core Certificates", version "1"; type
///      strings in ICoreCertificateRegistry). A provider's nonce lives in the same storage slot as its registration
///      flag, so `certify` pays one warm write for it, not a fresh slot.
///
///      Floors: `certify` reads `derivationRules.floorsOf(domain)` on every call, so a floor the governance timelock
///      changes applies from the next certification on; certificates already issued keep their thresholds.
///
///      Gas: a relayed certification costs ~347k-349k (budget 350k, held by CoreCertificateRegistry.t.sol): the
///      Groth16 check ~216k, three fresh storage slots ~66k, the signature ~9k (ECDSA, the nonce write), the floors
///      ~6k (a cold call). The claim, proof and event words are hashed and copied straight from calldata to fit.
contract CoreCertificateRegistry is ICoreCertificateRegistry, SignedActions {
    /// @dev BN254 scalar field order: public signals must be below it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev Gas forwarded to the verifier: it uses ~220k; below that the pairing check fails and returns false.
    uint256 public constant VERIFIER_GAS = 300_000;
    uint8 internal constant DOMAIN_AGRICULTURAL = 1;
    uint8 internal constant DOMAIN_INDUSTRIAL = 2;

    /// @dev Largest schema index: it is stored in the 24 bits a certificate's first slot has left.
    uint24 internal constant MAX_SCHEMAS = type(uint24).max;

    /// @notice The EIP-712 type hash of Certification (the claim's fields, then nonce and deadline).
    bytes32 public constant CERTIFICATION_TYPEHASH = keccak256(
        "Certification(address provider,uint8 domain,bytes32 datasetCommitment,bytes32 schemaHash,uint16 minIntegrityBps,uint16 minTimelinessBps,uint16 minContinuityBps,uint16 maxGapSlots,uint32 deadlineSeconds,uint32 slotSeconds,uint64 windowStart,uint256 nonce,uint256 deadline)"
    );
    /// @notice The EIP-712 type hash of ProviderRegistration.
    bytes32 public constant PROVIDER_REGISTRATION_TYPEHASH =
        keccak256("ProviderRegistration(address provider,string name,uint256 nonce,uint256 deadline)");

    /// @dev A provider's registration and its signed-action nonce, in one slot.
    struct ProviderState {
        bool registered;
        uint248 nonce;
    }

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
    /// @inheritdoc ICoreCertificateRegistry
    IDerivationRules public immutable derivationRules;

    /// @dev Starts at 1 so the first certificate pays for a nonzero-to-nonzero write like every other one.
    uint256 internal _nextCertificateId = 1;
    mapping(uint256 certificateId => StoredCertificate) internal _certificates;
    uint24 internal _schemaCount;
    mapping(uint24 schemaIndex => bytes32 schemaHash) internal _schemaHashes;
    mapping(bytes32 schemaHash => uint24 schemaIndex) public schemaIndexOf;
    mapping(address provider => mapping(bytes32 datasetCommitment => uint256 certificateId)) public certificateOf;
    mapping(address account => ProviderState) internal _providers;

    /// @param verifier_ The core-quality Groth16 verifier (immutable: a new verifier means a new registry).
    /// @param rules_ The DerivationRules whose floors `certify` enforces (deploy it first).
    constructor(ICoreQualityVerifier verifier_, IDerivationRules rules_)
        SignedActions("Caldera Core Certificates", "1")
    {
        verifier = verifier_;
        derivationRules = rules_;
    }

    /// @inheritdoc ICoreCertificateRegistry
    function registerProvider(string calldata name) external {
        _register(msg.sender, name);
    }

    /// @inheritdoc ICoreCertificateRegistry
    function registerProviderFor(address provider, string calldata name, uint256 deadline, bytes calldata signature)
        external
    {
        // Before the signature: a replayed registration says what happened rather than that the nonce moved on.
        if (_providers[provider].registered) revert ProviderAlreadyRegistered(provider);
        uint256 nonce = _providers[provider].nonce;
        _verifyAction(
            provider,
            keccak256(abi.encode(PROVIDER_REGISTRATION_TYPEHASH, provider, keccak256(bytes(name)), nonce, deadline)),
            deadline,
            nonce,
            signature
        );
        _register(provider, name);
    }

    /// @inheritdoc ICoreCertificateRegistry
    function registerSchema(bytes32 schemaHash) external returns (uint24 schemaIndex) {
        if (uint256(schemaHash) >= SNARK_SCALAR_FIELD) revert SchemaHashOutOfField(schemaHash);
        schemaIndex = schemaIndexOf[schemaHash];
        if (schemaIndex == 0) schemaIndex = _registerSchema(schemaHash);
    }

    /// @inheritdoc ICoreCertificateRegistry
    function certify(
        CoreClaim calldata claim,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 certificateId) {
        _authorise(claim, deadline, signature);
        // Decoded (and so validated) once; the checks below read memory.
        CoreClaim memory terms = claim;
        _checkTerms(terms);
        _checkFloors(terms);
        uint256 existing = certificateOf[terms.provider][terms.datasetCommitment];
        if (existing != 0) revert DatasetAlreadyCertified(terms.provider, terms.datasetCommitment, existing);
        _verifyProof(terms, a, b, c);
        certificateId = _store(terms);
        _emitCertified(certificateId, claim, _proofHash(a, b, c));
    }

    /// @inheritdoc ICoreCertificateRegistry
    function isProvider(address account) external view returns (bool) {
        return _providers[account].registered;
    }

    /// @inheritdoc ISignedActions
    function nonces(address signer) public view override(ISignedActions, SignedActions) returns (uint256) {
        return _providers[signer].nonce;
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

    /// @dev The claim's provider is registered and signed this claim for its next nonce before `deadline`; uses
    ///      the nonce. Its own frame: certify's arguments leave no stack room for these locals.
    function _authorise(CoreClaim calldata claim, uint256 deadline, bytes calldata signature) internal {
        address provider = claim.provider;
        ProviderState storage state = _providers[provider];
        if (!state.registered) revert UnknownProvider(provider);
        uint256 nonce = state.nonce;
        _verifyAction(provider, _certificationHash(claim, nonce, deadline), deadline, nonce, signature);
    }

    /// @dev Runs the verifier on the proof and the public signals rebuilt from the claim. The verifier answers false
    ///      when starved of gas; the gas check first makes sure a false really means "invalid proof". The call is
    ///      made by hand, the proof words copied straight from calldata (~1k gas less than the ABI encoder); a
    ///      verifier that reverts or answers anything but true counts as a rejection.
    function _verifyProof(
        CoreClaim memory claim,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c
    ) internal view {
        if (gasleft() < VERIFIER_GAS + 5_000) {
            revert InsufficientGasForVerification(gasleft(), VERIFIER_GAS + 5_000);
        }
        uint256[5] memory signals = _publicSignals(claim);
        address target = address(verifier);
        bytes4 selector = ICoreQualityVerifier.verifyProof.selector;
        uint256 stipend = VERIFIER_GAS;
        bool valid;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            calldatacopy(add(ptr, 0x04), a, 0x40)
            calldatacopy(add(ptr, 0x44), b, 0x80)
            calldatacopy(add(ptr, 0xc4), c, 0x40)
            mcopy(add(ptr, 0x104), signals, 0xa0)
            let ok := staticcall(stipend, target, ptr, 0x1a4, ptr, 0x20)
            valid := and(ok, and(gt(returndatasize(), 0x1f), eq(mload(ptr), 1)))
        }
        if (!valid) revert InvalidProof();
    }

    /// @dev keccak256(abi.encode(a, b, c)): the eight proof words as they are in calldata.
    function _proofHash(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c)
        internal
        pure
        returns (bytes32 hash)
    {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, a, 0x40)
            calldatacopy(add(ptr, 0x40), b, 0x80)
            calldatacopy(add(ptr, 0xc0), c, 0x40)
            hash := keccak256(ptr, 0x100)
        }
    }

    /// @dev ECDSA first, ERC-1271 only when that fails and the signer has code. Same answers as SignatureChecker for
    ///      an EOA (low-s ECDSA) and a contract account, except that a signature by the key of an address that has
    ///      code is also accepted — an EIP-7702 account's own key, since no other key can produce that address. It
    ///      spares the common case, a relayed EOA provider, the cold code lookup (2,600 gas of every certify).
    function _isValidSignatureNow(address signer, bytes32 digest, bytes memory signature)
        internal
        view
        override
        returns (bool)
    {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return signer.code.length != 0 && SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature);
    }

    /// @dev Uses the nonce in the provider's own slot (see ProviderState) instead of OpenZeppelin's mapping.
    function _useNonce(address owner) internal override returns (uint256 used) {
        ProviderState storage state = _providers[owner];
        used = state.nonce;
        unchecked {
            state.nonce = uint248(used + 1);
        }
    }

    function _register(address provider, string calldata name) internal {
        ProviderState storage state = _providers[provider];
        if (state.registered) revert ProviderAlreadyRegistered(provider);
        if (bytes(name).length == 0 || bytes(name).length > 200) revert InvalidTerms("name must be 1 to 200 bytes");
        state.registered = true;
        emit ProviderRegistered(provider, name);
    }

    /// @dev EIP-712 hashStruct(Certification) = keccak256(typeHash ‖ the claim's eleven fields ‖ nonce ‖ deadline),
    ///      each one 32-byte word. CoreClaim is a static struct, so its ABI encoding in calldata is exactly those
    ///      eleven words in the type's order: they are hashed as they are (~1.5k gas less than abi.encode). A word
    ///      with dirty high bits hashes differently from what a wallet signs (InvalidSignature), and certify decodes
    ///      the claim into memory right after, which rejects such a word anyway.
    function _certificationHash(CoreClaim calldata claim, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32 hash)
    {
        bytes32 typeHash = CERTIFICATION_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), claim, 0x160)
            mstore(add(ptr, 0x180), nonce)
            mstore(add(ptr, 0x1a0), deadline)
            hash := keccak256(ptr, 0x1c0)
        }
    }

    /// @dev The domain's floors from DerivationRules: each bps threshold at least its floor, the gap at most its.
    ///      `floorsOf` is called by hand (its four uint16 words read straight from the return data): ~1k gas less
    ///      than the ABI decoder's copy of the struct into memory.
    function _checkFloors(CoreClaim memory claim) internal view {
        uint8 domain = claim.domain;
        address rules = address(derivationRules);
        bytes4 selector = IDerivationRules.floorsOf.selector;
        uint256 minIntegrity;
        uint256 minTimeliness;
        uint256 minContinuity;
        uint256 maxGap;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), domain)
            if iszero(staticcall(gas(), rules, ptr, 0x24, ptr, 0x80)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if lt(returndatasize(), 0x80) { revert(0, 0) }
            minIntegrity := mload(ptr)
            minTimeliness := mload(add(ptr, 0x20))
            minContinuity := mload(add(ptr, 0x40))
            maxGap := mload(add(ptr, 0x60))
        }
        if (claim.minIntegrityBps < minIntegrity) {
            revert BelowFloor(domain, "minIntegrityBps", claim.minIntegrityBps, minIntegrity);
        }
        if (claim.minTimelinessBps < minTimeliness) {
            revert BelowFloor(domain, "minTimelinessBps", claim.minTimelinessBps, minTimeliness);
        }
        if (claim.minContinuityBps < minContinuity) {
            revert BelowFloor(domain, "minContinuityBps", claim.minContinuityBps, minContinuity);
        }
        if (claim.maxGapSlots > maxGap) revert BelowFloor(domain, "maxGapSlots", claim.maxGapSlots, maxGap);
    }

    /// @dev Records the certificate under the next id. A schema's first certificate records the schema; the hub
    ///      registers schemas beforehand to keep that storage out of certify.
    function _store(CoreClaim memory terms) internal returns (uint256 certificateId) {
        uint24 schemaIndex = schemaIndexOf[terms.schemaHash];
        if (schemaIndex == 0) schemaIndex = _registerSchema(terms.schemaHash);
        certificateId = _nextCertificateId++;
        certificateOf[terms.provider][terms.datasetCommitment] = certificateId;
        _certificates[certificateId] = StoredCertificate({
            provider: terms.provider,
            domain: terms.domain,
            minIntegrityBps: terms.minIntegrityBps,
            minTimelinessBps: terms.minTimelinessBps,
            minContinuityBps: terms.minContinuityBps,
            maxGapSlots: terms.maxGapSlots,
            schemaIndex: schemaIndex,
            datasetCommitment: terms.datasetCommitment
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

    /// @dev Emits CoreCertified with its data words copied straight from the claim in calldata (~1k gas less than
    ///      the ABI encoder); certify has decoded, and so validated, every field before. The data is, in the
    ///      event's order, datasetCommitment, schemaHash and the four thresholds (claim words 2-7, in the same order),
    ///      then windowStart, slotSeconds and deadlineSeconds (claim words 10, 9, 8), then the proof hash.
    function _emitCertified(uint256 certificateId, CoreClaim calldata claim, bytes32 proofHash) internal {
        bytes32 topic0 = CoreCertified.selector;
        address provider = claim.provider;
        uint8 domain = claim.domain;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, add(claim, 0x40), 0xc0)
            calldatacopy(add(ptr, 0xc0), add(claim, 0x140), 0x20)
            calldatacopy(add(ptr, 0xe0), add(claim, 0x120), 0x20)
            calldatacopy(add(ptr, 0x100), add(claim, 0x100), 0x20)
            mstore(add(ptr, 0x120), proofHash)
            log4(ptr, 0x140, topic0, certificateId, provider, domain)
        }
    }

    function _checkTerms(CoreClaim memory claim) internal pure {
        if (claim.domain != DOMAIN_AGRICULTURAL && claim.domain != DOMAIN_INDUSTRIAL) {
            revert UnknownDomain(claim.domain);
        }
        if (claim.minIntegrityBps > 10_000 || claim.minTimelinessBps > 10_000 || claim.minContinuityBps > 10_000) {
            revert InvalidTerms("thresholds are basis points, at most 10000");
        }
        if (claim.slotSeconds == 0) revert InvalidTerms("slotSeconds must be positive");
        if (uint256(claim.datasetCommitment) >= SNARK_SCALAR_FIELD) {
            revert CommitmentOutOfField(claim.datasetCommitment);
        }
        if (uint256(claim.schemaHash) >= SNARK_SCALAR_FIELD) revert SchemaHashOutOfField(claim.schemaHash);
    }

    /// @dev Mirrors circuits/coreQuality.circom's public signals; context and terms are packed exactly as there.
    function _publicSignals(CoreClaim memory claim) internal view returns (uint256[5] memory signals) {
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

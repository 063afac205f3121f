// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedActions} from "./SignedActions.sol";
import {IBindingVerifier} from "./interfaces/IBindingVerifier.sol";
import {ICoreCertificateRegistry} from "./interfaces/ICoreCertificateRegistry.sol";
import {IDerivationRules} from "./interfaces/IDerivationRules.sol";
import {IDerivativeRegistry} from "./interfaces/IDerivativeRegistry.sol";
import {ISignedActions} from "./interfaces/ISignedActions.sol";

/// @title DerivativeRegistry
/// @notice Mints derivative value units for core-certified data under node-voted rules (see IDerivativeRegistry).
/// @dev EIP-712 domain: name "Caldera Derivative", version "1", the chain id, this contract. The provider signs
///      DerivationRequest(address provider,uint256 ruleId,uint256[] coreIds,bytes32 modelId,
///      bytes32 modelVersionHash,bytes32 outputHash,bytes32[] featureCommitments,uint8 channelMask,uint256 nonce,
///      uint256 deadline); per EIP-712 the arrays enter the struct hash as keccak256 of their packed 32-byte
///      elements. Proofs are not signed: the hub proves after the provider signed, and each proof is bound to the
///      signed request through its public signals.
///
///      Input specs: per kind a channel mask (seed: planting plan 0x7F, the seven weather channels; market forecast
///      0x01; fault-warning model 0x03) and a channel-schema hash. A nonzero schema hash requires every core to be
///      certified under that schema (the certificate's schemaHash, which its dataset commitment covers, so the
///      binding proof opens data of that schema and the mask names its channels). The seeds leave it 0, "any
///      schema", until the channel schemas' hashes are final; governance then sets them with `setInputSpec`.
///
///      Units are minted with `_mint`, not `_safeMint`: the provider signed for the unit, and no receiver hook runs
///      during `derive`. Holders can never move units (ERC-5192 locked, also for approved operators): the only
///      account that moves them is the protocol's CreditVault (`setCreditVault`), which takes a unit from its owner
///      into custody on a signed pledge and sends it back to its pledgor on an unpledge (a unit seized on a default
///      stays with the vault). The vault needs no ERC-721 approval: the custody rule in `_update` is its authority.
///      All calls `derive` makes before minting are to view functions (static calls).
contract DerivativeRegistry is IDerivativeRegistry, ERC721, SignedActions {
    /// @dev BN254 scalar field order: public signals must be below it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Gas forwarded to the binding verifier per proof. A four-signal snarkjs Groth16 verifier uses about
    ///         220k; below that the pairing check fails and returns false.
    uint256 public constant BINDING_VERIFIER_GAS = 300_000;
    /// @notice Gas that must be left, beyond the stipend, before each verifier call.
    uint256 public constant BINDING_VERIFIER_GAS_MARGIN = 5_000;
    /// @notice At most this many cores per derivation.
    uint256 public constant MAX_CORES = 4;

    uint8 public constant KIND_PLANTING_PLAN = 1;
    uint8 public constant KIND_MARKET_FORECAST = 2;
    uint8 public constant KIND_FAULT_WARNING_MODEL = 3;
    uint8 internal constant ATTRIBUTE_INTEGRITY = 1;
    uint8 internal constant ATTRIBUTE_TIMELINESS = 2;

    /// @notice Seed input specs: channel bit i = dataset channel i.
    uint8 public constant PLANTING_PLAN_CHANNEL_MASK = 0x7F;
    uint8 public constant MARKET_FORECAST_CHANNEL_MASK = 0x01;
    uint8 public constant FAULT_WARNING_CHANNEL_MASK = 0x03;

    /// @notice The EIP-712 type hash of DerivationRequest.
    bytes32 public constant DERIVATION_REQUEST_TYPEHASH = keccak256(
        "DerivationRequest(address provider,uint256 ruleId,uint256[] coreIds,bytes32 modelId,bytes32 modelVersionHash,bytes32 outputHash,bytes32[] featureCommitments,uint8 channelMask,uint256 nonce,uint256 deadline)"
    );

    /// @dev ERC-5192 (minimal soulbound NFTs) interface id.
    bytes4 internal constant ERC5192_INTERFACE_ID = 0xb45a3c0e;

    ICoreCertificateRegistry internal immutable _coreRegistry;
    IDerivationRules internal immutable _rules;
    IBindingVerifier internal immutable _bindingVerifier;
    /// @inheritdoc IDerivativeRegistry
    address public immutable timelock;
    /// @dev Who may set the credit vault once while it is unset (the deploy script, which deploys the vault after
    ///      this registry and so cannot pass it to the constructor).
    address internal immutable _deployer;
    /// @inheritdoc IDerivativeRegistry
    address public creditVault;

    /// @dev A Derivative as stored: rule, kind, weight and core count in one slot, the up to four core ids (uint64
    ///      each; certificate ids are sequential) in another, then the four hashes. Six slots for any core count.
    struct StoredDerivative {
        uint64 ruleId;
        uint8 kind;
        uint32 weightBps;
        uint8 coreCount;
        uint64[MAX_CORES] coreIds;
        bytes32 modelId;
        bytes32 modelVersionHash;
        bytes32 outputHash;
        bytes32 featureCommitment;
    }

    /// @dev Starts at 1 so that id 0 means "none" in `_derivativeIdOf`.
    uint256 internal _nextDerivativeId = 1;
    mapping(uint256 derivativeId => StoredDerivative) internal _derivatives;
    mapping(bytes32 derivationKey => uint256 derivativeId) internal _derivativeIdOf;
    mapping(uint8 kind => InputSpec) internal _inputSpecs;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    /// @param coreRegistry_ The core certificate registry the cores are read from.
    /// @param derivationRules_ The node-voted rules (owned by the same timelock).
    /// @param bindingVerifier_ The Groth16 binding verifier (immutable: a new verifier means a new registry).
    /// @param timelock_ The governance timelock, the only account that may change input specs.
    constructor(
        ICoreCertificateRegistry coreRegistry_,
        IDerivationRules derivationRules_,
        IBindingVerifier bindingVerifier_,
        address timelock_
    ) ERC721("Caldera Derivative", "CDV") SignedActions("Caldera Derivative", "1") {
        if (address(coreRegistry_) == address(0)) revert ZeroAddress("coreRegistry");
        if (address(derivationRules_) == address(0)) revert ZeroAddress("derivationRules");
        if (address(bindingVerifier_) == address(0)) revert ZeroAddress("bindingVerifier");
        if (timelock_ == address(0)) revert ZeroAddress("timelock");
        _coreRegistry = coreRegistry_;
        _rules = derivationRules_;
        _bindingVerifier = bindingVerifier_;
        timelock = timelock_;
        _deployer = msg.sender;

        _setInputSpec(KIND_PLANTING_PLAN, PLANTING_PLAN_CHANNEL_MASK, bytes32(0));
        _setInputSpec(KIND_MARKET_FORECAST, MARKET_FORECAST_CHANNEL_MASK, bytes32(0));
        _setInputSpec(KIND_FAULT_WARNING_MODEL, FAULT_WARNING_CHANNEL_MASK, bytes32(0));
    }

    /// @inheritdoc IDerivativeRegistry
    function derive(DerivationRequest calldata req, BindingProof[] calldata proofs, bytes calldata providerSignature)
        external
        returns (uint256 derivativeId)
    {
        _verifyAction(req.provider, _hashRequestStruct(req), req.deadline, req.nonce, providerSignature);
        _checkShape(req, proofs.length);
        IDerivationRules.Rule memory rule_ = _activeRule(req.ruleId);
        bytes32 schemaHash = _checkInputSpec(rule_.kind, req.channelMask);
        uint256[] memory coreCommitments = _checkCores(req, rule_, schemaHash);

        bytes32 key = _derivationKey(req.provider, req.ruleId, req.modelVersionHash, req.outputHash, req.coreIds);
        uint256 existing = _derivativeIdOf[key];
        if (existing != 0) revert DerivationAlreadyMinted(existing);
        _verifyBindings(req, proofs, coreCommitments);

        derivativeId = _nextDerivativeId++;
        _derivativeIdOf[key] = derivativeId;
        bytes32 featureCommitment = keccak256(abi.encodePacked(req.featureCommitments));
        _store(derivativeId, req, rule_, featureCommitment);
        _mint(req.provider, derivativeId);

        emit Locked(derivativeId);
        _emitMinted(derivativeId, req, rule_, featureCommitment);
    }

    /// @inheritdoc IDerivativeRegistry
    function setInputSpec(uint8 kind, uint8 channelMask, bytes32 schemaHash) external onlyGovernance {
        _setInputSpec(kind, channelMask, schemaHash);
    }

    /// @inheritdoc IDerivativeRegistry
    /// @dev Replacing a vault takes the power to move units from the old one at once, so units it still holds
    ///      (pledged or seized) stay there: governance replaces a vault only once it holds none it must return.
    function setCreditVault(address creditVault_) external {
        bool deployerFirstSet = msg.sender == _deployer && creditVault == address(0);
        if (msg.sender != timelock && !deployerFirstSet) revert NotAllowedToSetCreditVault(msg.sender);
        if (creditVault_ == address(0)) revert ZeroAddress("creditVault");
        creditVault = creditVault_;
        emit CreditVaultSet(creditVault_);
    }

    /// @inheritdoc IDerivativeRegistry
    function derivative(uint256 derivativeId) external view returns (Derivative memory) {
        StoredDerivative storage stored = _existingDerivative(derivativeId);
        return Derivative({
            ruleId: stored.ruleId,
            kind: stored.kind,
            weightBps: stored.weightBps,
            modelId: stored.modelId,
            modelVersionHash: stored.modelVersionHash,
            outputHash: stored.outputHash,
            featureCommitment: stored.featureCommitment,
            coreIds: _coreIds(stored)
        });
    }

    /// @inheritdoc IDerivativeRegistry
    function derivativeCount() external view returns (uint256) {
        return _nextDerivativeId - 1;
    }

    /// @inheritdoc IDerivativeRegistry
    function coreIdsOf(uint256 derivativeId) external view returns (uint256[] memory) {
        return _coreIds(_existingDerivative(derivativeId));
    }

    /// @inheritdoc IDerivativeRegistry
    function derivativeIdOf(
        address provider,
        uint256 ruleId,
        bytes32 modelVersionHash,
        bytes32 outputHash,
        uint256[] calldata coreIds
    ) external view returns (uint256) {
        return _derivativeIdOf[_derivationKey(provider, ruleId, modelVersionHash, outputHash, coreIds)];
    }

    /// @inheritdoc IDerivativeRegistry
    function inputSpecOf(uint8 kind) external view returns (InputSpec memory) {
        return _inputSpecs[kind];
    }

    /// @inheritdoc IDerivativeRegistry
    function bindingHash(
        address provider,
        uint256 ruleId,
        uint256 coreId,
        bytes32 modelId,
        bytes32 modelVersionHash,
        bytes32 outputHash
    ) public view returns (uint256) {
        return uint256(
            keccak256(
            abi.encode(block.chainid, address(this), provider, ruleId, coreId, modelId, modelVersionHash, outputHash)
        )
        ) % SNARK_SCALAR_FIELD;
    }

    /// @inheritdoc IDerivativeRegistry
    function hashDerivationRequest(DerivationRequest calldata req) external view returns (bytes32) {
        return _hashTypedDataV4(_hashRequestStruct(req));
    }

    /// @inheritdoc IDerivativeRegistry
    function locked(uint256 tokenId) external view returns (bool) {
        _existingDerivative(tokenId);
        return true;
    }

    /// @inheritdoc IDerivativeRegistry
    function coreRegistry() external view returns (address) {
        return address(_coreRegistry);
    }

    /// @inheritdoc IDerivativeRegistry
    function derivationRules() external view returns (address) {
        return address(_rules);
    }

    /// @inheritdoc IDerivativeRegistry
    function bindingVerifier() external view returns (address) {
        return address(_bindingVerifier);
    }

    /// @inheritdoc SignedActions
    function nonces(address signer) public view override(ISignedActions, SignedActions) returns (uint256) {
        return super.nonces(signer);
    }

    /// @notice ERC-165: ERC-721, its metadata extension and ERC-5192.
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return interfaceId == ERC5192_INTERFACE_ID || super.supportsInterface(interfaceId);
    }

    /// @dev The custody rule. Mints pass. An existing unit moves only when the credit vault itself calls, and only
    ///      into its custody (owner → vault, a pledge) or out of it (vault → someone; the vault sends a unit back to
    ///      its pledgor on an unpledge). Everything else reverts, whoever asks: the owner, an approved operator, or
    ///      the vault moving a unit between two other accounts; nothing burns. The vault skips the ERC-721
    ///      approval check (auth 0): the owner authorised the pledge with its signature at the vault.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        address from = _ownerOf(tokenId);
        if (from == address(0)) return super._update(to, tokenId, auth);
        address vault = creditVault;
        bool byVault = vault != address(0) && msg.sender == vault;
        bool intoOrOutOfCustody = (to == vault && from != vault) || (from == vault && to != address(0));
        if (!byVault || !intoOrOutOfCustody) revert DerivativeNotTransferable(tokenId);
        return super._update(to, tokenId, address(0));
    }

    function _hashRequestStruct(DerivationRequest calldata req) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                DERIVATION_REQUEST_TYPEHASH,
                req.provider,
                req.ruleId,
                keccak256(abi.encodePacked(req.coreIds)),
                req.modelId,
                req.modelVersionHash,
                req.outputHash,
                keccak256(abi.encodePacked(req.featureCommitments)),
                req.channelMask,
                req.nonce,
                req.deadline
            )
        );
    }

    function _checkShape(DerivationRequest calldata req, uint256 proofCount) internal pure {
        uint256 count = req.coreIds.length;
        if (count == 0 || count > MAX_CORES) revert InvalidCoreCount(count, MAX_CORES);
        if (req.featureCommitments.length != count) {
            revert FeatureCommitmentCountMismatch(count, req.featureCommitments.length);
        }
        if (proofCount != count) revert ProofCountMismatch(count, proofCount);
        for (uint256 i = 0; i < count; i++) {
            if (i > 0 && req.coreIds[i] <= req.coreIds[i - 1]) {
                revert CoreIdsNotIncreasing(i, req.coreIds[i - 1], req.coreIds[i]);
            }
            if (uint256(req.featureCommitments[i]) >= SNARK_SCALAR_FIELD) {
                revert FeatureCommitmentOutOfField(i, req.featureCommitments[i]);
            }
        }
    }

    /// @dev DerivationRules reverts with UnknownRule for an id it never issued.
    function _activeRule(uint256 ruleId) internal view returns (IDerivationRules.Rule memory rule_) {
        rule_ = _rules.rule(ruleId);
        if (!rule_.active) revert RuleInactive(ruleId);
    }

    /// @dev Returns the schema hash the kind's cores must have (0 = any).
    function _checkInputSpec(uint8 kind, uint8 channelMask) internal view returns (bytes32 schemaHash) {
        InputSpec memory spec = _inputSpecs[kind];
        if (spec.channelMask == 0) revert InputSpecNotSet(kind);
        if (channelMask != spec.channelMask) revert WrongChannelMask(kind, spec.channelMask, channelMask);
        return spec.schemaHash;
    }

    /// @dev Returns each core's dataset commitment, the binding proof's second public signal.
    function _checkCores(DerivationRequest calldata req, IDerivationRules.Rule memory rule_, bytes32 schemaHash)
        internal
        view
        returns (uint256[] memory coreCommitments)
    {
        uint256 count = req.coreIds.length;
        coreCommitments = new uint256[](count);
        for (uint256 i = 0; i < count; i++) {
            uint256 coreId = req.coreIds[i];
            // The core registry reverts with UnknownCertificate for an id it never issued.
            ICoreCertificateRegistry.Certificate memory core = _coreRegistry.certificate(coreId);
            if (core.provider != req.provider) revert NotCoreOwner(coreId, core.provider, req.provider);
            if (core.domain != rule_.domain) revert WrongDomain(req.ruleId, coreId, rule_.domain, core.domain);
            if (schemaHash != 0 && core.schemaHash != schemaHash) {
                revert WrongSchema(rule_.kind, coreId, schemaHash, core.schemaHash);
            }
            if (!_rules.meetsFloors(
                    core.domain, core.minIntegrityBps, core.minTimelinessBps, core.minContinuityBps, core.maxGapSlots
                )) {
                revert BelowFloors(coreId, core.domain);
            }
            if (!_rules.satisfies(req.ruleId, core.minIntegrityBps, core.minTimelinessBps, core.minContinuityBps)) {
                uint16 proven = rule_.attribute == ATTRIBUTE_INTEGRITY
                    ? core.minIntegrityBps
                    : rule_.attribute == ATTRIBUTE_TIMELINESS ? core.minTimelinessBps : core.minContinuityBps;
                revert RuleNotMet(req.ruleId, coreId, rule_.attribute, proven, rule_.thresholdBps);
            }
            coreCommitments[i] = uint256(core.datasetCommitment);
        }
    }

    function _verifyBindings(
        DerivationRequest calldata req,
        BindingProof[] calldata proofs,
        uint256[] memory coreCommitments
    ) internal view {
        uint256 required = BINDING_VERIFIER_GAS + BINDING_VERIFIER_GAS_MARGIN;
        for (uint256 i = 0; i < proofs.length; i++) {
            uint256 coreId = req.coreIds[i];
            uint256[4] memory signals = [
                uint256(req.featureCommitments[i]),
                coreCommitments[i],
                uint256(req.channelMask),
                bindingHash(req.provider, req.ruleId, coreId, req.modelId, req.modelVersionHash, req.outputHash)
            ];
            // The verifier answers false when starved of gas; make sure a false really means "invalid proof".
            if (gasleft() < required) revert InsufficientGasForVerification(gasleft(), required);
            BindingProof calldata proof = proofs[i];
            if (!_bindingVerifier.verifyProof{gas: BINDING_VERIFIER_GAS}(proof.a, proof.b, proof.c, signals)) {
                revert InvalidBindingProof(coreId);
            }
        }
    }

    function _setInputSpec(uint8 kind, uint8 channelMask, bytes32 schemaHash) internal {
        if (kind == 0 || kind > KIND_FAULT_WARNING_MODEL) revert UnknownKind(kind);
        if (channelMask == 0) revert InvalidChannelMask(channelMask);
        _inputSpecs[kind] = InputSpec({channelMask: channelMask, schemaHash: schemaHash});
        emit InputSpecSet(kind, channelMask, schemaHash);
    }

    /// @dev Its own frame: the event's ten fields do not fit beside derive's locals on the stack.
    function _emitMinted(
        uint256 derivativeId,
        DerivationRequest calldata req,
        IDerivationRules.Rule memory rule_,
        bytes32 featureCommitment
    ) internal {
        emit DerivativeMinted(
            derivativeId,
            req.provider,
            req.ruleId,
            rule_.kind,
            rule_.weightBps,
            req.modelId,
            req.modelVersionHash,
            req.outputHash,
            featureCommitment,
            req.coreIds
        );
    }

    function _store(
        uint256 derivativeId,
        DerivationRequest calldata req,
        IDerivationRules.Rule memory rule_,
        bytes32 featureCommitment
    ) internal {
        StoredDerivative storage stored = _derivatives[derivativeId];
        uint256 count = req.coreIds.length;
        stored.ruleId = SafeCast.toUint64(req.ruleId);
        stored.kind = rule_.kind;
        stored.weightBps = rule_.weightBps;
        // casting to 'uint8' is safe because _checkShape bounds count by MAX_CORES
        // forge-lint: disable-next-line(unsafe-typecast)
        stored.coreCount = uint8(count);
        uint64[MAX_CORES] memory coreIds;
        for (uint256 i = 0; i < count; i++) {
            coreIds[i] = SafeCast.toUint64(req.coreIds[i]);
        }
        stored.coreIds = coreIds;
        stored.modelId = req.modelId;
        stored.modelVersionHash = req.modelVersionHash;
        stored.outputHash = req.outputHash;
        stored.featureCommitment = featureCommitment;
    }

    function _coreIds(StoredDerivative storage stored) internal view returns (uint256[] memory coreIds) {
        uint64[MAX_CORES] memory packed = stored.coreIds;
        coreIds = new uint256[](stored.coreCount);
        for (uint256 i = 0; i < coreIds.length; i++) {
            coreIds[i] = packed[i];
        }
    }

    function _existingDerivative(uint256 derivativeId) internal view returns (StoredDerivative storage stored) {
        stored = _derivatives[derivativeId];
        if (stored.ruleId == 0) revert UnknownDerivative(derivativeId);
    }

    function _derivationKey(
        address provider,
        uint256 ruleId,
        bytes32 modelVersionHash,
        bytes32 outputHash,
        uint256[] calldata coreIds
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(provider, ruleId, modelVersionHash, outputHash, coreIds));
    }
}

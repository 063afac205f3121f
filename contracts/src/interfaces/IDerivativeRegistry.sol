// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {ISignedActions} from "./ISignedActions.sol";

/// @title Derivative registry
/// @notice Mints derivative value units (ERC-721 "Caldera Derivative", CDV): a model ran on features drawn from
///         one to four core-certified datasets of a provider, under an active node-voted derivation rule. A unit is
///         owned by the core provider, carries the rule's weight and cannot be transferred by its holder or any
///         operator (ERC-5192 locked). Only the protocol's CreditVault moves units: into its custody on a pledge,
///         back to the pledgor on an unpledge (a unit seized on a default stays with the vault).
/// @dev A derivation is authorised by the provider's EIP-712 signature over the DerivationRequest (see
///      ISignedActions; type string in DERIVATION_REQUEST_TYPEHASH) and may be submitted by anyone, typically the
///      hub, which pays the gas. Each core carries a Groth16 binding proof (IBindingVerifier) with public signals
///      [featureCommitments[i], certificate(coreIds[i]).datasetCommitment, channelMask, bindingHash(coreIds[i])].
///      Numbering (as in IDerivationRules): kind 1 = planting plan, 2 = market forecast, 3 = fault-warning model;
///      attribute 1 = integrity, 2 = timeliness, 3 = continuity.
interface IDerivativeRegistry is IERC721, ISignedActions {
    /// @notice What the provider signs. `coreIds` are 1 to 4 certificate ids in strictly increasing order, all the
    ///         provider's; `featureCommitments[i]` commits to the features drawn from core `coreIds[i]`;
    ///         `channelMask` names the dataset channels the features use (bit i = channel i) and must equal the
    ///         rule kind's input spec; `nonce` and `deadline` as in ISignedActions.
    struct DerivationRequest {
        address provider;
        uint256 ruleId;
        uint256[] coreIds;
        bytes32 modelId;
        bytes32 modelVersionHash;
        bytes32 outputHash;
        bytes32[] featureCommitments;
        uint8 channelMask;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A Groth16 proof (snarkjs calldata order), one per core.
    struct BindingProof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice A minted derivative. Its owner (the core provider) is `ownerOf(id)`. `featureCommitment` is
    ///         keccak256 over the request's per-core feature commitments, packed in core order.
    struct Derivative {
        uint64 ruleId;
        uint8 kind;
        uint32 weightBps;
        bytes32 modelId;
        bytes32 modelVersionHash;
        bytes32 outputHash;
        bytes32 featureCommitment;
        uint256[] coreIds;
    }

    /// @notice The inputs a kind of derivative must be computed from: the channel mask its features must use and
    ///         the channel schema its cores must be certified under (the certificate's schemaHash; 0 = any schema).
    struct InputSpec {
        uint8 channelMask;
        bytes32 schemaHash;
    }

    /// @notice Only the governance timelock may change input specs; `caller` is not it.
    error NotGovernance(address caller);
    /// @notice A constructor dependency (`parameter`) is the zero address.
    error ZeroAddress(string parameter);
    /// @notice The kind is not 1 (planting plan), 2 (market forecast) or 3 (fault-warning model).
    error UnknownKind(uint8 kind);
    /// @notice An input spec's channel mask must name at least one channel.
    error InvalidChannelMask(uint8 channelMask);
    /// @notice No input spec is set for `kind`, so nothing of that kind can be derived.
    error InputSpecNotSet(uint8 kind);
    /// @notice A request names `count` cores; it must name 1 to `max`.
    error InvalidCoreCount(uint256 count, uint256 max);
    /// @notice `coreIds[index]` (`current`) is not above `coreIds[index - 1]` (`previous`): ids must be strictly
    ///         increasing (so each core counts once and a derivation has one spelling).
    error CoreIdsNotIncreasing(uint256 index, uint256 previous, uint256 current);
    /// @notice There must be one feature commitment per core.
    error FeatureCommitmentCountMismatch(uint256 cores, uint256 featureCommitments);
    /// @notice There must be one binding proof per core.
    error ProofCountMismatch(uint256 cores, uint256 proofs);
    /// @notice `featureCommitments[index]` is not a BN254 scalar-field element, so no proof can be about it.
    error FeatureCommitmentOutOfField(uint256 index, bytes32 featureCommitment);
    /// @notice The rule exists but is not active.
    error RuleInactive(uint256 ruleId);
    /// @notice The request's channel mask is not the one `kind`'s input spec requires.
    error WrongChannelMask(uint8 kind, uint8 required, uint8 given);
    /// @notice Core `coreId` belongs to `owner`, not to the signing `provider`.
    error NotCoreOwner(uint256 coreId, address owner, address provider);
    /// @notice Core `coreId` is of `coreDomain`; rule `ruleId` derives from `ruleDomain`.
    error WrongDomain(uint256 ruleId, uint256 coreId, uint8 ruleDomain, uint8 coreDomain);
    /// @notice Core `coreId` was certified under channel schema `given`; `kind`'s input spec requires `required`.
    error WrongSchema(uint8 kind, uint256 coreId, bytes32 required, bytes32 given);
    /// @notice Core `coreId`'s proven quality is below the current certification floors of its domain.
    error BelowFloors(uint256 coreId, uint8 domain);
    /// @notice Core `coreId` proved `proven` bps of the rule's `attribute`; rule `ruleId` requires `required`.
    error RuleNotMet(uint256 ruleId, uint256 coreId, uint8 attribute, uint16 proven, uint16 required);
    /// @notice This (provider, rule, model version, output, cores) derivation was already minted as `derivativeId`.
    error DerivationAlreadyMinted(uint256 derivativeId);
    /// @notice Too little gas was left to run the binding verifier, which would have returned false.
    error InsufficientGasForVerification(uint256 available, uint256 required);
    /// @notice The binding proof for core `coreId` does not verify for this derivation, chain and registry.
    error InvalidBindingProof(uint256 coreId);
    /// @notice No derivative has this id.
    error UnknownDerivative(uint256 derivativeId);
    /// @notice Derivatives stay with their core provider; `derivativeId` cannot be transferred (only the credit
    ///         vault moves units: into its custody on a pledge, back on an unpledge).
    error DerivativeNotTransferable(uint256 derivativeId);
    /// @notice The credit vault is set once, by the deployer, or later by the timelock; `caller` is neither.
    error NotAllowedToSetCreditVault(address caller);

    /// @notice Emitted after a derivative was stored and minted to `provider`.
    event DerivativeMinted(
        uint256 indexed derivativeId,
        address indexed provider,
        uint256 indexed ruleId,
        uint8 kind,
        uint32 weightBps,
        bytes32 modelId,
        bytes32 modelVersionHash,
        bytes32 outputHash,
        bytes32 featureCommitment,
        uint256[] coreIds
    );
    /// @notice Emitted after `kind`'s input spec was set (also for the seed specs, at deploy).
    event InputSpecSet(uint8 indexed kind, uint8 channelMask, bytes32 schemaHash);
    /// @notice ERC-5192: emitted when a derivative is minted, locked for good (only the CreditVault moves it).
    event Locked(uint256 tokenId);
    /// @notice Emitted after the credit vault (the only account that may move units) was set.
    event CreditVaultSet(address indexed creditVault);

    /// @notice Verifies the provider's signature over `req`, the cores, the rule and one binding proof per core,
    ///         then mints the next derivative id to `req.provider`.
    /// @dev Checks, in order: signature (deadline, nonce, signer); request shape (1..4 strictly increasing core
    ///      ids, one feature commitment and one proof per core, commitments in the field); the rule (exists, else
    ///      DerivationRules' UnknownRule; active); the channel mask; per core: it exists (else the core registry's
    ///      UnknownCertificate), belongs to the provider, has the rule's domain and the kind's schema (if set),
    ///      meets its domain's floors and satisfies the rule; the derivation was not minted before; per core, the
    ///      binding proof. Replays are rejected on (provider, ruleId, modelVersionHash, outputHash, coreIds), never
    ///      on proof bytes, because Groth16 proofs are malleable.
    /// @return derivativeId Sequential id, starting at 1.
    function derive(DerivationRequest calldata req, BindingProof[] calldata proofs, bytes calldata providerSignature)
        external
        returns (uint256 derivativeId);

    /// @notice Sets `kind`'s input spec. Timelock only.
    function setInputSpec(uint8 kind, uint8 channelMask, bytes32 schemaHash) external;

    /// @notice The derivative with this id; reverts with UnknownDerivative otherwise.
    function derivative(uint256 derivativeId) external view returns (Derivative memory);

    /// @notice Number of derivatives minted so far (also the newest id).
    function derivativeCount() external view returns (uint256);

    /// @notice The core certificate ids a derivative was derived from; reverts with UnknownDerivative otherwise.
    function coreIdsOf(uint256 derivativeId) external view returns (uint256[] memory);

    /// @notice The id of the derivative minted for this (provider, rule, model version, output, cores), or 0.
    function derivativeIdOf(
        address provider,
        uint256 ruleId,
        bytes32 modelVersionHash,
        bytes32 outputHash,
        uint256[] calldata coreIds
    ) external view returns (uint256);

    /// @notice `kind`'s input spec (channel mask 0 = none set).
    function inputSpecOf(uint8 kind) external view returns (InputSpec memory);

    /// @notice The binding-hash public signal of core `coreId` in a derivation:
    ///         uint256(keccak256(abi.encode(chainid, this, provider, ruleId, coreId, modelId, modelVersionHash,
    ///         outputHash))) mod the BN254 scalar-field order. The prover puts it into the binding proof.
    function bindingHash(
        address provider,
        uint256 ruleId,
        uint256 coreId,
        bytes32 modelId,
        bytes32 modelVersionHash,
        bytes32 outputHash
    ) external view returns (uint256);

    /// @notice The EIP-712 digest the provider signs for `req` (what the hub checks before proving).
    function hashDerivationRequest(DerivationRequest calldata req) external view returns (bytes32);

    /// @notice ERC-5192: always true for an existing derivative (its holder and approved operators can never
    ///         transfer it; only the protocol's CreditVault moves it, into and out of custody); reverts with
    ///         UnknownDerivative otherwise.
    function locked(uint256 tokenId) external view returns (bool);

    /// @notice The core certificate registry the cores are read from.
    function coreRegistry() external view returns (address);

    /// @notice The node-voted derivation rules.
    function derivationRules() external view returns (address);

    /// @notice The binding-proof verifier.
    function bindingVerifier() external view returns (address);

    /// @notice The governance timelock, the only account that may change input specs.
    function timelock() external view returns (address);

    /// @notice Sets the CreditVault, the one account that may move units (owner → vault on a pledge, vault → its
    ///         pledgor on an unpledge; a seized unit stays with the vault). The deployer may set it once while it
    ///         is unset; after that only the timelock.
    function setCreditVault(address creditVault_) external;

    /// @notice The CreditVault (0 until set).
    function creditVault() external view returns (address);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDerivationRules} from "./IDerivationRules.sol";
import {ISignedActions} from "./ISignedActions.sol";

/// @title Core value certificate registry
/// @notice Providers register and certify datasets whose quality is proven in zero knowledge. A certificate records
///         what the proof showed: the dataset commitment, the channel schema the data follows, the quality
///         thresholds met and the window they were measured over.
/// @dev Every certification carries the provider's EIP-712 signature over the claim, a deadline and the provider's
///      next nonce (see ISignedActions); anyone may relay it (the Caldera hub does, paying the gas). There are no
///      operators and no standing approvals: a provider signs each certification, so a relayer can submit only what
///      the provider signed, once, before its deadline. Claimed thresholds must also meet the domain's certification
///      floors, which the governance timelock sets in DerivationRules and the registry reads at every certification.
///
///      EIP-712 domain: name "Caldera Core Certificates", version "1", the chain id, this contract. Types:
///      Certification(address provider,uint8 domain,bytes32 datasetCommitment,bytes32 schemaHash,
///      uint16 minIntegrityBps,uint16 minTimelinessBps,uint16 minContinuityBps,uint16 maxGapSlots,
///      uint32 deadlineSeconds,uint32 slotSeconds,uint64 windowStart,uint256 nonce,uint256 deadline) — the claim's
///      fields in CoreClaim's order (`deadlineSeconds` is the readings' delivery deadline, `deadline` the
///      signature's) — and ProviderRegistration(address provider,string name,uint256 nonce,uint256 deadline).
///      Registration by signature and certifications share the provider's nonce sequence.
interface ICoreCertificateRegistry is ISignedActions {
    /// @notice What a provider claims about one dataset; the registry turns it into the proof's public signals.
    /// @param provider Owner of the certificate; must be registered, and signs the certification.
    /// @param domain 1 = agricultural, 2 = industrial.
    /// @param datasetCommitment Poseidon commitment to the readings, window and schema (a BN254 field element).
    /// @param schemaHash Hash of the channel schema the readings follow: Poseidon(channelCount, keccak256 of the
    ///        schema's canonical JSON mod p), a BN254 field element (docs/spec.md#channel-schemas).
    /// @param minIntegrityBps Readings present / expected, at least this (basis points).
    /// @param minTimelinessBps Readings delivered within the deadline / present, at least this.
    /// @param minContinuityBps Adjacent slots both present / (slots - 1), at least this.
    /// @param maxGapSlots The longest run of missing slots is at most this.
    /// @param deadlineSeconds Delivery deadline after a reading is taken.
    /// @param slotSeconds Spacing of the expected readings.
    /// @param windowStart Unix time of the first slot.
    struct CoreClaim {
        address provider;
        uint8 domain;
        bytes32 datasetCommitment;
        bytes32 schemaHash;
        uint16 minIntegrityBps;
        uint16 minTimelinessBps;
        uint16 minContinuityBps;
        uint16 maxGapSlots;
        uint32 deadlineSeconds;
        uint32 slotSeconds;
        uint64 windowStart;
    }

    /// @notice A certificate: what on-chain rules decide on. It is stored in two slots, the schema as a 24-bit
    ///         index into the registry's schema table (`schemaIndexOf`); `certificate(id)` returns the hash. The
    ///         window, deadline, certification time and proof hash are in the CoreCertified event (and the indexer).
    struct Certificate {
        address provider;
        uint8 domain;
        uint16 minIntegrityBps;
        uint16 minTimelinessBps;
        uint16 minContinuityBps;
        uint16 maxGapSlots;
        bytes32 datasetCommitment;
        bytes32 schemaHash;
    }

    /// @notice The address is already a registered provider.
    error ProviderAlreadyRegistered(address provider);
    /// @notice Certification was asked for an address that never registered.
    error UnknownProvider(address provider);
    /// @notice The domain is not 1 (agricultural) or 2 (industrial).
    error UnknownDomain(uint8 domain);
    /// @notice A threshold or window term is out of range (bps above 10,000, zero slot length, empty name).
    error InvalidTerms(string reason);
    /// @notice The commitment is not a BN254 scalar-field element, so no proof can be about it.
    error CommitmentOutOfField(bytes32 datasetCommitment);
    /// @notice The schema hash is not a BN254 scalar-field element, so no proof can be about it.
    error SchemaHashOutOfField(bytes32 schemaHash);
    /// @notice The schema table is full (2^24 - 1 schemas).
    error TooManySchemas();
    /// @notice This provider already certified this dataset (replay of a proof, or of its public inputs).
    error DatasetAlreadyCertified(address provider, bytes32 datasetCommitment, uint256 certificateId);
    /// @notice Too little gas was left to run the verifier, which would have returned false.
    error InsufficientGasForVerification(uint256 available, uint256 required);
    /// @notice The Groth16 proof does not verify for the claim on this chain and this registry.
    error InvalidProof();
    /// @notice No certificate has this id.
    error UnknownCertificate(uint256 certificateId);
    /// @notice A claimed threshold is below `domain`'s certification floor: a bps attribute (`minIntegrityBps`,
    ///         `minTimelinessBps`, `minContinuityBps`) under its floor, or `maxGapSlots` above the floor's maximum gap.
    error BelowFloor(uint8 domain, string attribute, uint256 claimed, uint256 floor);

    /// @notice Emitted after `provider` registered.
    event ProviderRegistered(address indexed provider, string name);
    /// @notice Emitted the first time a schema hash is used or registered; `schemaIndex` counts from 1.
    event SchemaRegistered(bytes32 indexed schemaHash, uint24 schemaIndex);
    /// @notice Emitted after a certificate was stored.
    event CoreCertified(
        uint256 indexed certificateId,
        address indexed provider,
        uint8 indexed domain,
        bytes32 datasetCommitment,
        bytes32 schemaHash,
        uint16 minIntegrityBps,
        uint16 minTimelinessBps,
        uint16 minContinuityBps,
        uint16 maxGapSlots,
        uint64 windowStart,
        uint32 slotSeconds,
        uint32 deadlineSeconds,
        bytes32 proofHash
    );

    /// @notice Registers the caller as a provider under a display name (1 to 200 bytes): the provider's own
    ///         transaction, no signature.
    function registerProvider(string calldata name) external;

    /// @notice Registers `provider` on its EIP-712 ProviderRegistration signature (name, its next nonce,
    ///         `deadline`); anyone may relay it. Uses the nonce.
    /// @dev Reverts with ProviderAlreadyRegistered, InvalidTerms (name), ExpiredSignature or InvalidSignature.
    function registerProviderFor(address provider, string calldata name, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Records a channel schema hash in the schema table (idempotent) and returns its index. Anyone may call
    ///         it: a schema is public JSON identified by its hash. `certify` registers an unknown schema itself;
    ///         registering first keeps that one-time storage out of the certification's gas.
    function registerSchema(bytes32 schemaHash) external returns (uint24 schemaIndex);

    /// @notice The index of a registered schema hash, or 0.
    function schemaIndexOf(bytes32 schemaHash) external view returns (uint24);

    /// @notice Verifies the provider's signature over `claim`, the claim against the domain's floors and the proof
    ///         for `claim`, then stores a certificate owned by `claim.provider`. Anyone may send it.
    /// @dev The signature is EIP-712 Certification over the claim, the provider's next nonce (`nonces(provider)`,
    ///      not an argument) and `deadline`; it uses the nonce, so a signature certifies once (a replay fails with
    ///      InvalidSignature: it was made for a used nonce). Checks, in order: UnknownProvider; ExpiredSignature,
    ///      InvalidSignature; UnknownDomain, InvalidTerms, CommitmentOutOfField, SchemaHashOutOfField; BelowFloor;
    ///      DatasetAlreadyCertified; InsufficientGasForVerification, InvalidProof. The public signals are built here
    ///      from the claim, this chain's id and this contract's address, so a proof made for another provider,
    ///      chain, registry or channel schema fails. Replays are rejected on (provider, datasetCommitment), never on
    ///      proof bytes, because Groth16 proofs are malleable.
    /// @param deadline Last second (unix, inclusive) the signature is valid.
    /// @param signature The provider's signature: 65-byte ECDSA for an EOA, anything its ERC-1271
    ///        `isValidSignature` accepts for a contract account.
    /// @return certificateId Sequential id, starting at 1.
    function certify(
        CoreClaim calldata claim,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 certificateId);

    /// @notice The rules whose certification floors `certify` enforces (fixed at construction; the timelock changes
    ///         the floors inside it).
    function derivationRules() external view returns (IDerivationRules);

    /// @notice The certificate with this id; reverts with UnknownCertificate otherwise.
    function certificate(uint256 certificateId) external view returns (Certificate memory);

    /// @notice The id of `provider`'s certificate for this dataset, or 0.
    function certificateOf(address provider, bytes32 datasetCommitment) external view returns (uint256);

    /// @notice Whether the address registered as a provider.
    function isProvider(address account) external view returns (bool);

    /// @notice Number of certificates issued so far (also the newest id).
    function certificateCount() external view returns (uint256);
}

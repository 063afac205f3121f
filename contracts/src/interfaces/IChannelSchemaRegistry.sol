// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Channel schema registry
/// @notice Node-approved extensions of the channel schemas datasets follow. When incoming datasets of a domain
///         consistently carry a channel their schema lacks (say `pestIncidenceRate`), the hub's kernel files a
///         governance proposal whose one action is `approveExtension`; once nodes vote it through and the timelock
///         executes it, the hub's validators accept the extended schema and certificates can name it.
/// @dev Schema hashes are the circuits' (Poseidon(channelCount, keccak256(canonical JSON) mod p), docs/spec.md):
///      they cannot be recomputed here, so the proposal carries both hashes and the extended schema's canonical
///      JSON; the hub checks all three before proposing and again when it loads an approved extension.
interface IChannelSchemaRegistry {
    struct Extension {
        bytes32 baseSchemaHash;
        bytes32 extendedSchemaHash;
        uint64 approvedAt;
    }

    error NotGovernance(address caller);
    error ExtensionAlreadyApproved(bytes32 extendedSchemaHash);
    error EmptyDefinition();
    error SameSchema(bytes32 schemaHash);

    /// @notice Emitted when governance approves an extension; `definition` is the extended schema's canonical JSON.
    event SchemaExtensionApproved(
        bytes32 indexed baseSchemaHash,
        bytes32 indexed extendedSchemaHash,
        string schemaId,
        string definition
    );

    /// @notice Governance (the timelock).
    function approveExtension(
        bytes32 baseSchemaHash,
        bytes32 extendedSchemaHash,
        string calldata schemaId,
        string calldata definition
    ) external;

    function extension(bytes32 extendedSchemaHash) external view returns (Extension memory);
    function extensionCount() external view returns (uint256);
}

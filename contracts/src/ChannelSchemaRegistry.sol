// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChannelSchemaRegistry} from "./interfaces/IChannelSchemaRegistry.sol";

/// @title ChannelSchemaRegistry
/// @notice Node-approved extensions of the channel schemas datasets follow (see IChannelSchemaRegistry).
/// @dev Only the governance timelock writes: an extension is approved through a CalderaGovernor proposal whose one
///      action is `approveExtension`. The hub checks the two Poseidon schema hashes against the definition before
///      proposing and again when it loads the extension; they cannot be recomputed here. An extended schema hash
///      is approved at most once, so a replayed proposal cannot rewrite what certificates already name.
contract ChannelSchemaRegistry is IChannelSchemaRegistry {
    /// @notice The governance timelock, the only account that approves extensions.
    address public immutable timelock;

    mapping(bytes32 extendedSchemaHash => Extension) internal _extensions;
    uint256 internal _extensionCount;

    /// @param timelock_ The governance timelock.
    constructor(address timelock_) {
        if (timelock_ == address(0)) revert NotGovernance(timelock_);
        timelock = timelock_;
    }

    /// @inheritdoc IChannelSchemaRegistry
    /// @dev Checks, in order: the caller is the timelock; the two hashes differ; the definition is not empty; the
    ///      extended hash was not approved before. Then records it and emits.
    function approveExtension(
        bytes32 baseSchemaHash,
        bytes32 extendedSchemaHash,
        string calldata schemaId,
        string calldata definition
    ) external {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        if (baseSchemaHash == extendedSchemaHash) revert SameSchema(extendedSchemaHash);
        if (bytes(definition).length == 0) revert EmptyDefinition();
        if (_extensions[extendedSchemaHash].approvedAt != 0) revert ExtensionAlreadyApproved(extendedSchemaHash);

        _extensions[extendedSchemaHash] = Extension({
            baseSchemaHash: baseSchemaHash, extendedSchemaHash: extendedSchemaHash, approvedAt: uint64(block.timestamp)
        });
        _extensionCount++;
        emit SchemaExtensionApproved(baseSchemaHash, extendedSchemaHash, schemaId, definition);
    }

    /// @inheritdoc IChannelSchemaRegistry
    /// @dev All zero for an extended hash never approved.
    function extension(bytes32 extendedSchemaHash) external view returns (Extension memory) {
        return _extensions[extendedSchemaHash];
    }

    /// @inheritdoc IChannelSchemaRegistry
    function extensionCount() external view returns (uint256) {
        return _extensionCount;
    }
}

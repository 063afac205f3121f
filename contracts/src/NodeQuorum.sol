// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {SignedActions} from "./SignedActions.sol";

/// @title NodeQuorum
/// @notice Base for contracts that act on a quorum of staked nodes' EIP-712 signatures over one struct (the
///         component registry's absorption approvals, the evolution pool's epoch figures).
/// @dev Every listed pair must count, in any order: a node listed twice reverts DuplicateAttester, a node whose
///      NodeStaking votes at `snapshotBlock` are zero or below `minStake` reverts NotAttester (so a key that staked,
///      bought or flash-borrowed stake after the snapshot counts for nothing, and a zero stake never attests even if
///      governance set the minimum to 0), a signature that is not the node's over `digest` (ECDSA, or ERC-1271 for a
///      contract node) reverts InvalidSignature; fewer pairs than `quorum` (or lists of unequal length) revert
///      AttestationQuorumNotMet. Strict rather than skipping bad pairs, so a relayer learns exactly which signature
///      was refused. Each contract reverts with its own interface's errors through the three hooks below (the
///      interfaces declare them alike), so its ABI lists each error once.
abstract contract NodeQuorum is SignedActions {
    /// @notice Reverts unless `nodes` are `quorum` or more distinct attesters that signed `digest` (see above).
    function _requireNodeQuorum(
        IERC5805 staking,
        uint256 snapshotBlock,
        bytes32 digest,
        address[] calldata nodes,
        bytes[] calldata signatures,
        uint256 quorum,
        uint256 minStake
    ) internal view {
        uint256 count = nodes.length;
        if (count != signatures.length) _revertQuorumNotMet(0, quorum);
        for (uint256 i = 0; i < count; i++) {
            address node = nodes[i];
            for (uint256 j = 0; j < i; j++) {
                if (nodes[j] == node) _revertDuplicateAttester(node);
            }
            uint256 stake = staking.getPastVotes(node, snapshotBlock);
            if (stake == 0 || stake < minStake) _revertNotAttester(node, stake, minStake);
            if (!_isValidSignatureNow(node, digest, signatures[i])) revert InvalidSignature(node);
        }
        if (count < quorum) _revertQuorumNotMet(count, quorum);
    }

    /// @dev Reverts `AttestationQuorumNotMet(got, needed)`.
    function _revertQuorumNotMet(uint256 got, uint256 needed) internal pure virtual;

    /// @dev Reverts `DuplicateAttester(node)`.
    function _revertDuplicateAttester(address node) internal pure virtual;

    /// @dev Reverts `NotAttester(node, stake, minStake)`.
    function _revertNotAttester(address node, uint256 stake, uint256 minStake) internal pure virtual;
}

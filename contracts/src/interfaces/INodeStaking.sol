// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";

/// @title Node staking
/// @notice Nodes pledge ERA here; the pledge is their voting power in Caldera governance (ERC-5805 votes on an
///         ERC-6372 block-number clock). Every staker is its own delegate: a node's votes are exactly its active
///         stake, checkpointed per block, so a proposal counts only stake that was active at its snapshot block.
///         Leaving is two-step: `requestUnstake` drops the voting power at once and starts `UNSTAKE_DELAY`;
///         `withdraw` returns the ERA after it. ERA that is flash-borrowed or transferred in late therefore cannot
///         vote: it would have to be staked by the snapshot block and then stays locked for the delay.
interface INodeStaking is IERC5805 {
    /// @notice ERA waiting to be withdrawn and the time from which it may be.
    struct PendingUnstake {
        uint192 amount;
        uint64 unlockAt;
    }

    /// @notice An amount of zero was passed to stake or requestUnstake.
    error ZeroAmount();
    /// @notice `account` asked to unstake more than its active stake.
    error InsufficientStake(address account, uint256 requested, uint256 staked);
    /// @notice `account`'s pending unstake unlocks at `unlockAt`; it is only `currentTime`.
    error UnstakeLocked(address account, uint256 unlockAt, uint256 currentTime);
    /// @notice `account` has no pending unstake to withdraw.
    error NothingToWithdraw(address account);
    /// @notice Votes cannot be delegated (to `delegatee`): a node's votes are its own stake.
    error DelegationDisabled(address delegatee);
    /// @notice The unstake delay must be between 1 second and `maxDelay`.
    error InvalidUnstakeDelay(uint256 delay, uint256 maxDelay);

    /// @notice Emitted after `account` staked `amount`; its active stake (and votes) is now `newStake`.
    event Staked(address indexed account, uint256 amount, uint256 newStake);
    /// @notice Emitted after `account` moved `amount` from active stake to pending; the whole pending amount,
    ///         `pendingAmount`, can be withdrawn from `unlockAt` (unix seconds).
    event UnstakeRequested(address indexed account, uint256 amount, uint256 pendingAmount, uint64 unlockAt);
    /// @notice Emitted after `amount` pending ERA was transferred back to `account`.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Pulls `amount` ERA from the caller (needs an allowance) and adds it to the caller's stake and votes.
    function stake(uint256 amount) external;

    /// @notice Same as `stake`, with an ERC-2612 permit for the allowance. If the permit fails (for example because
    ///         someone already submitted it) staking still goes ahead when the allowance suffices.
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Removes `amount` from the caller's active stake and votes now; it becomes withdrawable after
    ///         `UNSTAKE_DELAY`. A new request adds to the pending amount and restarts the delay for all of it.
    function requestUnstake(uint256 amount) external;

    /// @notice Transfers the caller's whole pending unstake back once its delay has passed.
    /// @return amount The ERA transferred.
    function withdraw() external returns (uint256 amount);

    /// @notice The staked token (ERA).
    function era() external view returns (address);

    /// @notice Seconds between `requestUnstake` and the earliest `withdraw`.
    function UNSTAKE_DELAY() external view returns (uint256);

    /// @notice `account`'s active stake, which equals its current votes.
    function stakeOf(address account) external view returns (uint256);

    /// @notice `account`'s pending unstake.
    function pendingUnstakeOf(address account) external view returns (PendingUnstake memory);

    /// @notice Sum of all active stakes: the current total voting power.
    function totalStaked() external view returns (uint256);

    /// @notice Sum of all pending unstakes (held here, without voting power).
    function totalPendingUnstake() external view returns (uint256);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {INodeStaking} from "./interfaces/INodeStaking.sol";

/// @title NodeStaking
/// @notice ERA pledged by nodes, checkpointed per block as voting power for CalderaGovernor (see INodeStaking).
/// @dev Built on OpenZeppelin Votes: staking mints voting units to the staker, requestUnstake burns them. Delegation
///      is fixed to the identity (`delegates(a) == a`), so no delegation storage, no DelegateChanged events, and
///      `delegate`/`delegateBySig` revert. The clock is Votes' default: block number.
contract NodeStaking is INodeStaking, Votes {
    using SafeERC20 for IERC20;

    /// @notice Upper bound on the constructor's unstake delay, so a typo cannot lock stakes for years.
    uint256 public constant MAX_UNSTAKE_DELAY = 365 days;

    IERC20 internal immutable _era;
    /// @inheritdoc INodeStaking
    uint256 public immutable UNSTAKE_DELAY;

    /// @inheritdoc INodeStaking
    mapping(address account => uint256) public stakeOf;
    mapping(address account => PendingUnstake) internal _pending;
    /// @inheritdoc INodeStaking
    uint256 public totalPendingUnstake;

    constructor(IERC20 era_, uint256 unstakeDelay) EIP712("Caldera Node Staking", "1") {
        if (unstakeDelay == 0 || unstakeDelay > MAX_UNSTAKE_DELAY) {
            revert InvalidUnstakeDelay(unstakeDelay, MAX_UNSTAKE_DELAY);
        }
        _era = era_;
        UNSTAKE_DELAY = unstakeDelay;
    }

    /// @inheritdoc INodeStaking
    function stake(uint256 amount) external {
        _stake(msg.sender, amount);
    }

    /// @inheritdoc INodeStaking
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        // A front-run permit (same signature already used) must not block the stake: fall through to the allowance.
        try IERC20Permit(address(_era)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _stake(msg.sender, amount);
    }

    /// @inheritdoc INodeStaking
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 staked = stakeOf[msg.sender];
        if (amount > staked) revert InsufficientStake(msg.sender, amount, staked);

        PendingUnstake storage pending = _pending[msg.sender];
        uint192 pendingAmount = pending.amount + SafeCast.toUint192(amount);
        uint64 unlockAt = SafeCast.toUint64(block.timestamp + UNSTAKE_DELAY);
        stakeOf[msg.sender] = staked - amount;
        pending.amount = pendingAmount;
        pending.unlockAt = unlockAt;
        totalPendingUnstake += amount;
        _transferVotingUnits(msg.sender, address(0), amount);

        emit UnstakeRequested(msg.sender, amount, pendingAmount, unlockAt);
    }

    /// @inheritdoc INodeStaking
    function withdraw() external returns (uint256 amount) {
        PendingUnstake memory pending = _pending[msg.sender];
        if (pending.amount == 0) revert NothingToWithdraw(msg.sender);
        if (block.timestamp < pending.unlockAt) revert UnstakeLocked(msg.sender, pending.unlockAt, block.timestamp);

        amount = pending.amount;
        delete _pending[msg.sender];
        totalPendingUnstake -= amount;
        _era.safeTransfer(msg.sender, amount);

        emit Withdrawn(msg.sender, amount);
    }

    /// @inheritdoc INodeStaking
    function era() external view returns (address) {
        return address(_era);
    }

    /// @inheritdoc INodeStaking
    function pendingUnstakeOf(address account) external view returns (PendingUnstake memory) {
        return _pending[account];
    }

    /// @inheritdoc INodeStaking
    function totalStaked() external view returns (uint256) {
        return _getTotalSupply();
    }

    /// @notice Every account is its own delegate: its votes are its active stake.
    function delegates(address account) public pure override(IVotes, Votes) returns (address) {
        return account;
    }

    /// @notice Always reverts: a node's votes are its own stake and cannot be delegated.
    function delegate(address delegatee) public pure override(IVotes, Votes) {
        revert DelegationDisabled(delegatee);
    }

    /// @notice Always reverts: a node's votes are its own stake and cannot be delegated.
    function delegateBySig(address delegatee, uint256, uint256, uint8, bytes32, bytes32)
        public
        pure
        override(IVotes, Votes)
    {
        revert DelegationDisabled(delegatee);
    }

    function _stake(address account, uint256 amount) internal {
        if (amount == 0) revert ZeroAmount();
        uint256 newStake = stakeOf[account] + amount;
        stakeOf[account] = newStake;
        _transferVotingUnits(address(0), account, amount);
        _era.safeTransferFrom(account, address(this), amount);

        emit Staked(account, amount, newStake);
    }

    /// @dev Only Votes' `_delegate` reads this, and delegation is disabled; kept exact anyway.
    function _getVotingUnits(address account) internal view override returns (uint256) {
        return stakeOf[account];
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {
    GovernorVotesQuorumFraction
} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title CalderaGovernor
/// @notice Node governance: nodes vote with their NodeStaking stake at the proposal's snapshot block (For /
///         Against / Abstain; For must beat Against, For + Abstain must reach the quorum), and passed proposals run
///         through a TimelockController after its delay. The timelock, not this contract, owns what governance
///         controls (DerivationRules, ...).
/// @dev The clock is NodeStaking's: block numbers. Production defaults (12 s blocks), see the DEFAULT_ constants:
///      voting delay 7,200 blocks (~1 day), voting period 50,400 blocks (~1 week), proposal threshold 10,000 ERA of
///      stake, quorum 4% of the total stake at the snapshot, timelock delay 2 days. A dev chain may pass e.g. a delay
///      of 1 block and a period of 10 blocks. The voting delay is at least 1 block, also when changed by governance:
///      a proposal's voting power is read at the end of a block after the one it was proposed in.
///
///      Deploy shape (no back door): TimelockController(minDelay, proposers = [], executors = [address(0)],
///      admin = deployer) -> CalderaGovernor(staking, timelock, ...) -> timelock.grantRole(PROPOSER_ROLE, governor)
///      and grantRole(CANCELLER_ROLE, governor) -> timelock.renounceRole(DEFAULT_ADMIN_ROLE, deployer). Afterwards
///      only the timelock administers itself, only the governor proposes and cancels, and anyone may execute a
///      ready operation.
///
///      A vote cast with no power at the snapshot (e.g. stake added after it) is accepted by OpenZeppelin's
///      Governor with weight 0: it is recorded (the voter cannot vote again) but changes no tally.
contract CalderaGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    uint48 public constant DEFAULT_VOTING_DELAY = 7_200;
    uint32 public constant DEFAULT_VOTING_PERIOD = 50_400;
    uint256 public constant DEFAULT_PROPOSAL_THRESHOLD = 10_000 ether;
    uint256 public constant DEFAULT_QUORUM_PERCENT = 4;
    uint256 public constant DEFAULT_TIMELOCK_DELAY = 2 days;
    uint48 public constant MIN_VOTING_DELAY = 1;

    /// @notice The voting delay must be at least MIN_VOTING_DELAY blocks.
    error VotingDelayTooShort(uint256 votingDelay, uint256 minVotingDelay);

    /// @param staking NodeStaking: the votes (ERC-5805, block-number clock).
    /// @param timelock_ The TimelockController that executes passed proposals.
    /// @param initialVotingDelay Blocks between proposing and the snapshot; at least 1.
    /// @param initialVotingPeriod Blocks during which votes are cast; at least 1.
    /// @param initialProposalThreshold Stake (ERA wei) a proposer needs at the previous block.
    /// @param quorumPercent Percentage of the total stake at the snapshot that For + Abstain must reach.
    constructor(
        IVotes staking,
        TimelockController timelock_,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint256 initialProposalThreshold,
        uint256 quorumPercent
    )
        Governor("CalderaGovernor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(staking)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock_)
    {}

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @dev Rejects a zero voting delay, at construction and in `setVotingDelay`.
    function _setVotingDelay(uint48 newVotingDelay) internal override {
        if (newVotingDelay < MIN_VOTING_DELAY) revert VotingDelayTooShort(newVotingDelay, MIN_VOTING_DELAY);
        super._setVotingDelay(newVotingDelay);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}

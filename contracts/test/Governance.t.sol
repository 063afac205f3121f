// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {CalderaGovernor} from "../src/CalderaGovernor.sol";
import {IDerivationRules} from "../src/interfaces/IDerivationRules.sol";

contract GovernanceTest is CalderaGovernanceFixture {
    /// @dev TimelockController.OperationState.Ready, encoded as in its _encodeStateBitmap.
    bytes32 internal constant TIMELOCK_READY = bytes32(uint256(1) << 2);
    uint256 internal constant CAST_VOTE_GAS_BUDGET = 120_000;
    address internal constant LATECOMER = address(0x1A7E);

    function _stateBit(IGovernor.ProposalState state) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(state));
    }

    function test_deploy_timelockHasNoBackDoor() public view {
        bytes32 admin = timelock.DEFAULT_ADMIN_ROLE();
        bytes32 proposer = timelock.PROPOSER_ROLE();
        bytes32 canceller = timelock.CANCELLER_ROLE();
        bytes32 executor = timelock.EXECUTOR_ROLE();
        assertFalse(timelock.hasRole(admin, DEPLOYER), "deployer is not admin");
        assertFalse(timelock.hasRole(proposer, DEPLOYER), "deployer is not proposer");
        assertFalse(timelock.hasRole(canceller, DEPLOYER), "deployer is not canceller");
        assertFalse(timelock.hasRole(admin, address(governor)), "governor is not admin");
        assertTrue(timelock.hasRole(admin, address(timelock)), "timelock administers itself");
        assertTrue(timelock.hasRole(proposer, address(governor)), "governor proposes");
        assertTrue(timelock.hasRole(canceller, address(governor)), "governor cancels");
        assertTrue(timelock.hasRole(executor, address(0)), "executor is open");
        assertEq(timelock.getMinDelay(), TIMELOCK_DELAY, "timelock delay");
        assertEq(rules.timelock(), address(timelock), "rules are owned by the timelock");
        assertEq(governor.timelock(), address(timelock), "governor executes through the timelock");
        assertEq(address(governor.token()), address(staking), "governor counts stake");
    }

    function test_governor_parameters() public view {
        assertEq(governor.votingDelay(), VOTING_DELAY, "voting delay");
        assertEq(governor.votingPeriod(), VOTING_PERIOD, "voting period");
        assertEq(governor.proposalThreshold(), PROPOSAL_THRESHOLD, "proposal threshold");
        assertEq(governor.quorumNumerator(), QUORUM_PERCENT, "quorum numerator");
        assertEq(governor.clock(), block.number, "block-number clock");
        assertEq(
            governor.quorum(block.number - 1), (STAKE_A + STAKE_B + STAKE_C) * QUORUM_PERCENT / 100, "quorum of stake"
        );
        assertTrue(keccak256(bytes(governor.CLOCK_MODE())) == keccak256("mode=blocknumber&from=default"), "clock mode");
    }

    /// @dev No one but the timelock can change a rule: not the deployer, not the governor, not any other caller.
    function testFuzz_setRule_revertsForAnyoneButTheTimelock(address caller) public {
        vm.assume(caller != address(timelock));
        address[3] memory fixedCallers = [DEPLOYER, address(governor), caller];
        for (uint256 i = 0; i < fixedCallers.length; i++) {
            vm.prank(fixedCallers[i]);
            vm.expectRevert(abi.encodeWithSelector(IDerivationRules.NotGovernance.selector, fixedCallers[i]));
            rules.setRule(1, INTEGRITY, 1, 1);
        }
    }

    function test_timelock_refusesTheDeployerAsProposerOrAdmin() public {
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        bytes memory call = abi.encodeCall(rules.setRule, (1, INTEGRITY, 1, 1));
        vm.prank(DEPLOYER);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, DEPLOYER, proposerRole)
        );
        timelock.schedule(address(rules), 0, call, bytes32(0), bytes32(0), TIMELOCK_DELAY);

        bytes32 adminRole = timelock.DEFAULT_ADMIN_ROLE();
        vm.prank(DEPLOYER);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, DEPLOYER, adminRole)
        );
        timelock.grantRole(proposerRole, DEPLOYER);
    }

    /// @dev The full path: propose -> vote -> queue -> (execute too early reverts) -> delay -> execute.
    function test_fullVote_changesARuleOnlyAfterTheTimelockDelay() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _setRuleProposal(1, INTEGRITY, 9_200, 16_000);
        string memory description = "Planting plan: integrity >= 92%, weight 1.6x";
        bytes32 descriptionHash = keccak256(bytes(description));

        uint256 proposalId = _propose(NODE_C, targets, calldatas, description);
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Pending), "pending");
        assertEq(governor.proposalSnapshot(proposalId), block.number + VOTING_DELAY, "snapshot");

        vm.roll(block.number + VOTING_DELAY + 1);
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Active), "active");
        vm.expectEmit(true, false, false, true);
        emit IGovernor.VoteCast(NODE_A, proposalId, FOR, STAKE_A, "");
        _vote(NODE_A, proposalId, FOR);
        _vote(NODE_B, proposalId, AGAINST);
        _vote(NODE_C, proposalId, FOR);
        (uint256 against, uint256 forVotes, uint256 abstain) = governor.proposalVotes(proposalId);
        assertEq(forVotes, STAKE_A + STAKE_C, "for");
        assertEq(against, STAKE_B, "against");
        assertEq(abstain, 0, "abstain");

        // Queuing is impossible while voting is open.
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Active,
                _stateBit(IGovernor.ProposalState.Succeeded)
            )
        );
        governor.queue(targets, values, calldatas, descriptionHash);

        vm.roll(governor.proposalDeadline(proposalId) + 1);
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Succeeded), "succeeded");
        vm.expectEmit(true, false, false, true);
        emit IGovernor.ProposalQueued(proposalId, block.timestamp + TIMELOCK_DELAY);
        governor.queue(targets, values, calldatas, descriptionHash);
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Queued), "queued");

        // One second before the delay ends the timelock operation is not ready.
        bytes32 salt = bytes20(address(governor)) ^ descriptionHash;
        bytes32 operationId = timelock.hashOperationBatch(targets, values, calldatas, bytes32(0), salt);
        vm.warp(block.timestamp + TIMELOCK_DELAY - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector, operationId, TIMELOCK_READY
            )
        );
        governor.execute(targets, values, calldatas, descriptionHash);
        assertEq(rules.rule(1).thresholdBps, 9_000, "rule unchanged before the delay");

        vm.warp(block.timestamp + 1);
        vm.expectEmit(true, true, true, true, address(rules));
        emit IDerivationRules.RuleSet(1, AGRICULTURAL, PLANTING_PLAN, INTEGRITY, 9_200, 16_000, true);
        // Executor role is open: anyone may trigger a ready operation.
        vm.prank(address(0xE0E0));
        governor.execute(targets, values, calldatas, descriptionHash);

        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Executed), "executed");
        IDerivationRules.Rule memory changed = rules.rule(1);
        assertEq(changed.thresholdBps, 9_200, "threshold");
        assertEq(changed.weightBps, 16_000, "weight");
        assertEq(changed.attribute, INTEGRITY, "attribute");
        assertTrue(changed.active, "still active");
        assertTrue(timelock.isOperationDone(operationId), "timelock operation done");
    }

    /// @dev Voting in the proposal's own block is impossible (the voting delay is at least one block), so a proposal
    ///      cannot be proposed, voted and executed within one block or one transaction.
    function test_castVote_revertsInTheProposalBlock() public {
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        uint256 proposalId = _propose(NODE_A, targets, calldatas, "same block");
        vm.prank(NODE_A);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Pending,
                _stateBit(IGovernor.ProposalState.Active)
            )
        );
        governor.castVote(proposalId, FOR);
    }

    function test_defeatedProposal_cannotBeQueued() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _setRuleProposal(1, INTEGRITY, 1, 100_000);
        uint256 proposalId = _propose(NODE_A, targets, calldatas, "defeat me");
        vm.roll(block.number + VOTING_DELAY + 1);
        _vote(NODE_A, proposalId, FOR);
        _vote(NODE_B, proposalId, AGAINST);
        _vote(NODE_C, proposalId, AGAINST);
        vm.roll(governor.proposalDeadline(proposalId) + 1);
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Defeated), "a tie is defeated");
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Defeated,
                _stateBit(IGovernor.ProposalState.Succeeded)
            )
        );
        governor.queue(targets, values, calldatas, keccak256("defeat me"));
    }

    /// @dev The governor's own settings can only change through a proposal, and never to a zero voting delay.
    function test_setVotingDelay_cannotBeZeroEvenThroughGovernance() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _oneCall(address(governor), abi.encodeCall(governor.setVotingDelay, (0)));
        _passAndQueue(targets, calldatas, "no delay");
        vm.warp(block.timestamp + TIMELOCK_DELAY);
        vm.expectRevert(abi.encodeWithSelector(CalderaGovernor.VotingDelayTooShort.selector, 0, 1));
        governor.execute(targets, values, calldatas, keccak256("no delay"));

        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, DEPLOYER));
        vm.prank(DEPLOYER);
        governor.setVotingDelay(5);
    }

    function test_constructor_rejectsAZeroVotingDelay() public {
        vm.expectRevert(abi.encodeWithSelector(CalderaGovernor.VotingDelayTooShort.selector, 0, 1));
        new CalderaGovernor(IVotes(address(staking)), timelock, 0, VOTING_PERIOD, PROPOSAL_THRESHOLD, QUORUM_PERCENT);
    }

    /// @dev Flash-loan shape: ERA borrowed and staked in the proposing block gives no proposal rights (the threshold
    ///      is read at the previous block).
    function test_propose_ignoresStakeFromTheSameBlock() public {
        _stakeAs(LATECOMER, 10_000_000 ether);
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 1, 100_000);
        vm.prank(LATECOMER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, LATECOMER, 0, PROPOSAL_THRESHOLD
            )
        );
        governor.propose(targets, new uint256[](1), calldatas, "flash");
    }

    /// @dev ERA transferred to a fresh account and staked at block `snapshot + offset` counts iff offset <= 0; ERA
    ///      merely held (even self-delegated in the ERA token) never counts.
    function testFuzz_snapshot_countsOnlyStakeCheckpointedByTheSnapshot(uint256 amount, uint256 offsetSeed) public {
        amount = bound(amount, 1, era.balanceOf(address(this)) / 2);
        int256 offset = int256(bound(offsetSeed, 0, 10)) - 5; // snapshot - 5 .. snapshot + 5
        _fund(LATECOMER, amount); // held, not staked: must never count
        vm.prank(LATECOMER);
        era.delegate(LATECOMER);

        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        uint256 proposeBlock = block.number + 10;
        uint256 snapshot = proposeBlock + VOTING_DELAY;
        uint256 stakeBlock = uint256(int256(snapshot) + offset);
        uint256 proposalId;
        if (stakeBlock < proposeBlock) {
            vm.roll(stakeBlock);
            _stakeAs(LATECOMER, amount);
            vm.roll(proposeBlock);
            proposalId = _propose(NODE_A, targets, calldatas, "snapshot");
        } else {
            vm.roll(proposeBlock);
            proposalId = _propose(NODE_A, targets, calldatas, "snapshot");
            vm.roll(stakeBlock);
            _stakeAs(LATECOMER, amount);
        }
        assertEq(governor.proposalSnapshot(proposalId), snapshot, "snapshot block");

        vm.roll((stakeBlock > snapshot ? stakeBlock : snapshot) + 1);
        uint256 expected = stakeBlock <= snapshot ? amount : 0;
        assertEq(governor.getVotes(LATECOMER, snapshot), expected, "votes at snapshot");
        vm.expectEmit(true, false, false, true);
        emit IGovernor.VoteCast(LATECOMER, proposalId, FOR, expected, "");
        _vote(LATECOMER, proposalId, FOR);
        (, uint256 forVotes,) = governor.proposalVotes(proposalId);
        assertEq(forVotes, expected, "tally");
        assertTrue(governor.hasVoted(proposalId, LATECOMER), "vote recorded");
    }

    /// @dev Stake moved to pending unstake at block `snapshot + offset` is out of the snapshot iff offset <= 0.
    function testFuzz_snapshot_excludesStakeRequestedForUnstakeBeforeIt(uint256 part, uint256 offsetSeed) public {
        part = bound(part, 1, STAKE_A);
        int256 offset = int256(bound(offsetSeed, 0, 8)) - 4; // snapshot - 4 .. snapshot + 4
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        uint256 proposeBlock = block.number + 10;
        uint256 snapshot = proposeBlock + VOTING_DELAY;
        uint256 unstakeBlock = uint256(int256(snapshot) + offset);
        uint256 proposalId;
        if (unstakeBlock < proposeBlock) {
            vm.roll(unstakeBlock);
            vm.prank(NODE_A);
            staking.requestUnstake(part);
            vm.roll(proposeBlock);
            proposalId = _propose(NODE_B, targets, calldatas, "unstake");
        } else {
            vm.roll(proposeBlock);
            proposalId = _propose(NODE_B, targets, calldatas, "unstake");
            vm.roll(unstakeBlock);
            vm.prank(NODE_A);
            staking.requestUnstake(part);
        }

        vm.roll((unstakeBlock > snapshot ? unstakeBlock : snapshot) + 1);
        uint256 expected = unstakeBlock <= snapshot ? STAKE_A - part : STAKE_A;
        vm.expectEmit(true, false, false, true);
        emit IGovernor.VoteCast(NODE_A, proposalId, AGAINST, expected, "");
        _vote(NODE_A, proposalId, AGAINST);
        (uint256 against,,) = governor.proposalVotes(proposalId);
        assertEq(against, expected, "tally");
        assertEq(staking.getVotes(NODE_A), STAKE_A - part, "current votes already reduced");
    }

    /// @dev A whale arriving after the snapshot casts a vote of weight 0 (OpenZeppelin accepts it and records it);
    ///      the outcome does not move.
    function testFuzz_votesAcquiredAfterTheSnapshot_cannotChangeTheOutcome(uint256 amount) public {
        amount = bound(amount, 1, era.balanceOf(address(this)));
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _setRuleProposal(1, INTEGRITY, 1, 100_000);
        uint256 proposalId = _propose(NODE_A, targets, calldatas, "whale");
        vm.roll(governor.proposalSnapshot(proposalId) + 1);
        _vote(NODE_A, proposalId, AGAINST);
        _vote(NODE_B, proposalId, FOR);
        _vote(NODE_C, proposalId, FOR); // 400k for, 400k against: defeated

        _stakeAs(LATECOMER, amount);
        vm.roll(block.number + 1);
        assertEq(staking.getVotes(LATECOMER), amount, "the whale has current votes");
        vm.expectEmit(true, false, false, true);
        emit IGovernor.VoteCast(LATECOMER, proposalId, FOR, 0, "");
        _vote(LATECOMER, proposalId, FOR);
        vm.prank(LATECOMER);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, LATECOMER));
        governor.castVote(proposalId, FOR);

        vm.roll(governor.proposalDeadline(proposalId) + 1);
        (uint256 against, uint256 forVotes,) = governor.proposalVotes(proposalId);
        assertEq(forVotes, STAKE_B + STAKE_C, "for unchanged");
        assertEq(against, STAKE_A, "against unchanged");
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Defeated), "still defeated");
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Defeated,
                _stateBit(IGovernor.ProposalState.Succeeded)
            )
        );
        governor.queue(targets, values, calldatas, keccak256("whale"));
    }

    /// @dev Execution gas of a first For vote with cold storage (as in its own transaction, minus the 21,000 base and
    ///      calldata), logged with -vv and held under the budget.
    function test_castVote_gasIsWithinBudget() public {
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        uint256 proposalId = _propose(NODE_A, targets, calldatas, "gas");
        vm.roll(governor.proposalSnapshot(proposalId) + 1);
        vm.cool(address(governor));
        vm.cool(address(staking));
        vm.cool(address(timelock));
        vm.prank(NODE_B);
        uint256 before = gasleft();
        governor.castVote(proposalId, FOR);
        uint256 used = before - gasleft();
        emit log_named_uint("castVote gas", used);
        assertLt(used, CAST_VOTE_GAS_BUDGET, "castVote gas");
    }
}

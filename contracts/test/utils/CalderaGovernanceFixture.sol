// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EraToken} from "../../src/EraToken.sol";
import {NodeStaking} from "../../src/NodeStaking.sol";
import {CalderaGovernor} from "../../src/CalderaGovernor.sol";
import {DerivationRules} from "../../src/DerivationRules.sol";

/// @notice The whole governance stack on real contracts, deployed the way production is (see CalderaGovernor's
///         deploy shape): ERA, NodeStaking, a TimelockController whose only proposer/canceller is the governor,
///         executor open and admin renounced, the governor (dev-chain timings), and DerivationRules owned by the
///         timelock. Three nodes have staked; the chain is one block past their stakes.
abstract contract CalderaGovernanceFixture is Test {
    uint256 internal constant SUPPLY = 1_000_000_000 ether;
    uint256 internal constant UNSTAKE_DELAY = 7 days;
    uint256 internal constant TIMELOCK_DELAY = 2 days;
    uint48 internal constant VOTING_DELAY = 1;
    uint32 internal constant VOTING_PERIOD = 10;
    uint256 internal constant PROPOSAL_THRESHOLD = 1_000 ether;
    uint256 internal constant QUORUM_PERCENT = 4;

    uint256 internal constant STAKE_A = 400_000 ether;
    uint256 internal constant STAKE_B = 300_000 ether;
    uint256 internal constant STAKE_C = 100_000 ether;

    uint8 internal constant AGRICULTURAL = 1;
    uint8 internal constant INDUSTRIAL = 2;
    uint8 internal constant PLANTING_PLAN = 1;
    uint8 internal constant MARKET_FORECAST = 2;
    uint8 internal constant FAULT_WARNING_MODEL = 3;
    uint8 internal constant INTEGRITY = 1;
    uint8 internal constant TIMELINESS = 2;
    uint8 internal constant CONTINUITY = 3;

    uint8 internal constant AGAINST = 0;
    uint8 internal constant FOR = 1;
    uint8 internal constant ABSTAIN = 2;

    address internal constant DEPLOYER = address(0xDE91);
    address internal constant NODE_A = address(0xA0DE);
    address internal constant NODE_B = address(0xB0DE);
    address internal constant NODE_C = address(0xC0DE);

    /// @dev The treasury is this test contract, so tests hand out ERA with plain transfers.
    EraToken internal era;
    NodeStaking internal staking;
    TimelockController internal timelock;
    CalderaGovernor internal governor;
    DerivationRules internal rules;

    function setUp() public virtual {
        vm.startPrank(DEPLOYER);
        era = new EraToken(address(this), SUPPLY);
        staking = new NodeStaking(IERC20(address(era)), UNSTAKE_DELAY);
        address[] memory proposers = new address[](0);
        address[] memory executors = new address[](1); // address(0): anyone may execute a ready operation
        timelock = new TimelockController(TIMELOCK_DELAY, proposers, executors, DEPLOYER);
        governor = new CalderaGovernor(
            IVotes(address(staking)), timelock, VOTING_DELAY, VOTING_PERIOD, PROPOSAL_THRESHOLD, QUORUM_PERCENT
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), DEPLOYER);
        rules = new DerivationRules(address(timelock));
        vm.stopPrank();

        _stakeAs(NODE_A, STAKE_A);
        _stakeAs(NODE_B, STAKE_B);
        _stakeAs(NODE_C, STAKE_C);
        vm.roll(block.number + 1);
    }

    function _fund(address account, uint256 amount) internal {
        era.transfer(account, amount);
    }

    function _stakeAs(address node, uint256 amount) internal {
        _fund(node, amount);
        vm.startPrank(node);
        era.approve(address(staking), amount);
        staking.stake(amount);
        vm.stopPrank();
    }

    /// @dev A one-call proposal: `rules.setRule(ruleId, attribute, thresholdBps, weightBps)`.
    function _setRuleProposal(uint256 ruleId, uint8 attribute, uint16 thresholdBps, uint32 weightBps)
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        return _oneCall(address(rules), abi.encodeCall(rules.setRule, (ruleId, attribute, thresholdBps, weightBps)));
    }

    function _oneCall(address target, bytes memory data)
        internal
        pure
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        targets[0] = target;
        calldatas[0] = data;
    }

    function _propose(address proposer, address[] memory targets, bytes[] memory calldatas, string memory description)
        internal
        returns (uint256 proposalId)
    {
        vm.prank(proposer);
        proposalId = governor.propose(targets, new uint256[](targets.length), calldatas, description);
    }

    function _vote(address voter, uint256 proposalId, uint8 support) internal {
        vm.prank(voter);
        governor.castVote(proposalId, support);
    }

    /// @dev Proposes, lets A and B vote For, and queues; returns with the operation waiting in the timelock.
    function _passAndQueue(address[] memory targets, bytes[] memory calldatas, string memory description)
        internal
        returns (uint256 proposalId)
    {
        proposalId = _propose(NODE_A, targets, calldatas, description);
        vm.roll(governor.proposalSnapshot(proposalId) + 1);
        _vote(NODE_A, proposalId, FOR);
        _vote(NODE_B, proposalId, FOR);
        vm.roll(governor.proposalDeadline(proposalId) + 1);
        governor.queue(targets, new uint256[](targets.length), calldatas, keccak256(bytes(description)));
    }
}

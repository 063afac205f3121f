// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";
import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {EraToken} from "../src/EraToken.sol";
import {NodeStaking} from "../src/NodeStaking.sol";
import {INodeStaking} from "../src/interfaces/INodeStaking.sol";

contract NodeStakingTest is CalderaGovernanceFixture {
    uint256 internal constant NODE_KEY = 0x40DE;
    address internal node;

    function setUp() public override {
        super.setUp();
        node = vm.addr(NODE_KEY);
    }

    function test_stake_addsStakeAndVotesAndEmitsStaked() public {
        _fund(node, 5_000 ether);
        vm.startPrank(node);
        era.approve(address(staking), 5_000 ether);
        vm.expectEmit(true, false, false, true, address(staking));
        emit INodeStaking.Staked(node, 3_000 ether, 3_000 ether);
        staking.stake(3_000 ether);
        vm.expectEmit(true, false, false, true, address(staking));
        emit INodeStaking.Staked(node, 2_000 ether, 5_000 ether);
        staking.stake(2_000 ether);
        vm.stopPrank();

        assertEq(staking.stakeOf(node), 5_000 ether, "stake");
        assertEq(staking.getVotes(node), 5_000 ether, "votes = own stake");
        assertEq(staking.delegates(node), node, "self-delegated");
        assertEq(staking.totalStaked(), STAKE_A + STAKE_B + STAKE_C + 5_000 ether, "total");
        assertEq(era.balanceOf(address(staking)), staking.totalStaked(), "ERA held");
        assertEq(era.balanceOf(node), 0, "pulled");
    }

    /// @dev Votes are checkpointed per block: stake added at block n is visible at n, not at n - 1.
    function testFuzz_stake_isCheckpointedPerBlock(uint256 amount, uint256 blocks) public {
        amount = bound(amount, 1, SUPPLY / 2);
        blocks = bound(blocks, 1, 1_000);
        uint256 before = block.number;
        vm.roll(before + blocks);
        _stakeAs(node, amount);
        vm.roll(block.number + 1);
        assertEq(staking.getPastVotes(node, before + blocks - 1), 0, "before the stake block");
        assertEq(staking.getPastVotes(node, before + blocks), amount, "at the stake block");
        assertEq(staking.getPastTotalSupply(before), STAKE_A + STAKE_B + STAKE_C, "past total");
        assertEq(staking.getPastTotalSupply(before + blocks), STAKE_A + STAKE_B + STAKE_C + amount, "new total");
        assertEq(staking.clock(), block.number, "clock is the block number");
        assertTrue(keccak256(bytes(staking.CLOCK_MODE())) == keccak256("mode=blocknumber&from=default"), "mode");
    }

    function test_stake_revertsOnZeroOrWithoutAllowance() public {
        vm.prank(node);
        vm.expectRevert(INodeStaking.ZeroAmount.selector);
        staking.stake(0);

        _fund(node, 10 ether);
        vm.prank(node);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(staking), 0, 10 ether)
        );
        staking.stake(10 ether);
    }

    function _permit(uint256 amount, uint256 deadline) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                node,
                address(staking),
                amount,
                era.nonces(node),
                deadline
            )
        );
        return vm.sign(NODE_KEY, keccak256(abi.encodePacked("\x19\x01", era.DOMAIN_SEPARATOR(), structHash)));
    }

    function test_stakeWithPermit_stakesWithoutAPriorApprove() public {
        _fund(node, 700 ether);
        (uint8 v, bytes32 r, bytes32 s) = _permit(700 ether, block.timestamp + 1 hours);
        vm.expectEmit(true, false, false, true, address(staking));
        emit INodeStaking.Staked(node, 700 ether, 700 ether);
        vm.prank(node);
        staking.stakeWithPermit(700 ether, block.timestamp + 1 hours, v, r, s);
        assertEq(staking.stakeOf(node), 700 ether, "staked");
        assertEq(era.nonces(node), 1, "permit used");
    }

    /// @dev Someone submitting the node's permit first (griefing) must not block the stake.
    function test_stakeWithPermit_stillStakesWhenThePermitWasFrontRun() public {
        _fund(node, 700 ether);
        (uint8 v, bytes32 r, bytes32 s) = _permit(700 ether, block.timestamp + 1 hours);
        era.permit(node, address(staking), 700 ether, block.timestamp + 1 hours, v, r, s);
        vm.prank(node);
        staking.stakeWithPermit(700 ether, block.timestamp + 1 hours, v, r, s);
        assertEq(staking.stakeOf(node), 700 ether, "staked");
    }

    function test_requestUnstake_removesVotingPowerAtOnce() public {
        uint256 unlockAt = block.timestamp + UNSTAKE_DELAY;
        uint256 stakeBlock = block.number - 1;
        vm.expectEmit(true, false, false, true, address(staking));
        emit INodeStaking.UnstakeRequested(NODE_A, 150_000 ether, 150_000 ether, uint64(unlockAt));
        vm.prank(NODE_A);
        staking.requestUnstake(150_000 ether);

        assertEq(staking.getVotes(NODE_A), STAKE_A - 150_000 ether, "votes drop in the same block");
        assertEq(staking.stakeOf(NODE_A), STAKE_A - 150_000 ether, "stake");
        assertEq(staking.totalStaked(), STAKE_A + STAKE_B + STAKE_C - 150_000 ether, "total stake");
        assertEq(staking.totalPendingUnstake(), 150_000 ether, "total pending");
        INodeStaking.PendingUnstake memory pending = staking.pendingUnstakeOf(NODE_A);
        assertEq(pending.amount, 150_000 ether, "pending");
        assertEq(pending.unlockAt, unlockAt, "unlock time");
        assertEq(era.balanceOf(address(staking)), STAKE_A + STAKE_B + STAKE_C, "ERA stays until withdrawn");
        vm.roll(block.number + 1);
        assertEq(staking.getPastVotes(NODE_A, stakeBlock), STAKE_A, "history kept");
        assertEq(staking.getPastVotes(NODE_A, block.number - 1), STAKE_A - 150_000 ether, "history updated");
    }

    function test_requestUnstake_revertsAboveTheStakeOrOnZero() public {
        vm.prank(NODE_C);
        vm.expectRevert(abi.encodeWithSelector(INodeStaking.InsufficientStake.selector, NODE_C, STAKE_C + 1, STAKE_C));
        staking.requestUnstake(STAKE_C + 1);

        vm.prank(NODE_C);
        vm.expectRevert(INodeStaking.ZeroAmount.selector);
        staking.requestUnstake(0);
    }

    /// @dev A second request adds to the pending amount and restarts the delay for all of it.
    function test_requestUnstake_againRestartsTheDelay() public {
        vm.prank(NODE_B);
        staking.requestUnstake(100 ether);
        vm.warp(block.timestamp + 3 days);
        uint256 unlockAt = block.timestamp + UNSTAKE_DELAY;
        vm.expectEmit(true, false, false, true, address(staking));
        emit INodeStaking.UnstakeRequested(NODE_B, 50 ether, 150 ether, uint64(unlockAt));
        vm.prank(NODE_B);
        staking.requestUnstake(50 ether);

        vm.warp(unlockAt - 1);
        vm.prank(NODE_B);
        vm.expectRevert(abi.encodeWithSelector(INodeStaking.UnstakeLocked.selector, NODE_B, unlockAt, unlockAt - 1));
        staking.withdraw();
    }

    /// @dev Withdrawing is refused at any time before the unlock and allowed at any time from it.
    function testFuzz_withdraw_opensExactlyAfterTheDelay(uint256 amount, uint256 elapsed) public {
        amount = bound(amount, 1, STAKE_C);
        elapsed = bound(elapsed, 0, 2 * UNSTAKE_DELAY);
        uint256 unlockAt = block.timestamp + UNSTAKE_DELAY;
        vm.prank(NODE_C);
        staking.requestUnstake(amount);
        vm.warp(block.timestamp + elapsed);

        if (block.timestamp < unlockAt) {
            vm.prank(NODE_C);
            vm.expectRevert(
                abi.encodeWithSelector(INodeStaking.UnstakeLocked.selector, NODE_C, unlockAt, block.timestamp)
            );
            staking.withdraw();
            return;
        }
        vm.expectEmit(true, true, false, true, address(era));
        emit IERC20.Transfer(address(staking), NODE_C, amount);
        vm.expectEmit(true, false, false, true, address(staking));
        emit INodeStaking.Withdrawn(NODE_C, amount);
        vm.prank(NODE_C);
        assertEq(staking.withdraw(), amount, "returned amount");
        assertEq(era.balanceOf(NODE_C), amount, "ERA back");
        assertEq(staking.stakeOf(NODE_C), STAKE_C - amount, "rest still staked");
        assertEq(staking.pendingUnstakeOf(NODE_C).amount, 0, "pending cleared");
        assertEq(staking.totalPendingUnstake(), 0, "total pending");
    }

    function test_withdraw_revertsBeforeTheDelayAndTransfersAfter() public {
        vm.prank(NODE_C);
        staking.requestUnstake(STAKE_C);
        uint256 unlockAt = block.timestamp + UNSTAKE_DELAY;

        vm.prank(NODE_C);
        vm.expectRevert(abi.encodeWithSelector(INodeStaking.UnstakeLocked.selector, NODE_C, unlockAt, block.timestamp));
        staking.withdraw();

        vm.warp(unlockAt);
        vm.expectEmit(true, false, false, true, address(staking));
        emit INodeStaking.Withdrawn(NODE_C, STAKE_C);
        vm.prank(NODE_C);
        staking.withdraw();
        assertEq(era.balanceOf(NODE_C), STAKE_C, "ERA back");

        vm.prank(NODE_C);
        vm.expectRevert(abi.encodeWithSelector(INodeStaking.NothingToWithdraw.selector, NODE_C));
        staking.withdraw();
    }

    function test_delegation_isDisabled() public {
        assertEq(staking.delegates(NODE_A), NODE_A, "own delegate");
        vm.prank(NODE_A);
        vm.expectRevert(abi.encodeWithSelector(INodeStaking.DelegationDisabled.selector, NODE_B));
        staking.delegate(NODE_B);
        vm.expectRevert(abi.encodeWithSelector(INodeStaking.DelegationDisabled.selector, NODE_B));
        staking.delegateBySig(NODE_B, 0, block.timestamp, 27, bytes32(0), bytes32(0));
    }

    function test_constructor_rejectsAZeroOrHugeUnstakeDelay() public {
        uint256 max = staking.MAX_UNSTAKE_DELAY();
        vm.expectRevert(abi.encodeWithSelector(INodeStaking.InvalidUnstakeDelay.selector, 0, max));
        new NodeStaking(IERC20(address(era)), 0);
        vm.expectRevert(abi.encodeWithSelector(INodeStaking.InvalidUnstakeDelay.selector, max + 1, max));
        new NodeStaking(IERC20(address(era)), max + 1);
        assertEq(staking.UNSTAKE_DELAY(), UNSTAKE_DELAY, "delay");
        assertEq(staking.era(), address(era), "token");
    }
}

/// @notice Random stake / requestUnstake / withdraw / transfer / time travel across four actors, with ghost books.
contract NodeStakingHandler is Test {
    EraToken internal immutable era;
    NodeStaking internal immutable staking;
    address[4] internal actors = [address(0xAC01), address(0xAC02), address(0xAC03), address(0xAC04)];

    mapping(address actor => uint256) public ghostStake;
    mapping(address actor => uint256) public ghostPending;
    /// @dev Total stake at the end of each block the run touched, to check the checkpoints against.
    uint256[] public blocksSeen;
    mapping(uint256 blockNumber => uint256) public ghostTotalAt;
    mapping(bytes32 operation => uint256) public calls;

    constructor(EraToken era_, NodeStaking staking_) {
        era = era_;
        staking = staking_;
    }

    function actorCount() external pure returns (uint256) {
        return 4;
    }

    function actor(uint256 i) external view returns (address) {
        return actors[i];
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _record() internal {
        if (blocksSeen.length == 0 || blocksSeen[blocksSeen.length - 1] != block.number) blocksSeen.push(block.number);
        ghostTotalAt[block.number] = staking.totalStaked();
    }

    function blocksSeenCount() external view returns (uint256) {
        return blocksSeen.length;
    }

    function stake(uint256 actorSeed, uint256 amount) external {
        address who = _actor(actorSeed);
        amount = bound(amount, 0, era.balanceOf(who));
        if (amount == 0) return;
        vm.startPrank(who);
        era.approve(address(staking), amount);
        staking.stake(amount);
        vm.stopPrank();
        ghostStake[who] += amount;
        calls["stake"]++;
        _record();
    }

    function requestUnstake(uint256 actorSeed, uint256 amount) external {
        address who = _actor(actorSeed);
        amount = bound(amount, 0, ghostStake[who]);
        if (amount == 0) return;
        vm.prank(who);
        staking.requestUnstake(amount);
        ghostStake[who] -= amount;
        ghostPending[who] += amount;
        calls["requestUnstake"]++;
        _record();
    }

    function withdraw(uint256 actorSeed) external {
        address who = _actor(actorSeed);
        INodeStaking.PendingUnstake memory pending = staking.pendingUnstakeOf(who);
        if (pending.amount == 0) return;
        vm.prank(who);
        if (block.timestamp < pending.unlockAt) {
            vm.expectRevert(
                abi.encodeWithSelector(INodeStaking.UnstakeLocked.selector, who, pending.unlockAt, block.timestamp)
            );
            staking.withdraw();
            return;
        }
        staking.withdraw();
        ghostPending[who] = 0;
        calls["withdraw"]++;
        _record();
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        address to = _actor(toSeed);
        amount = bound(amount, 0, era.balanceOf(from));
        vm.prank(from);
        era.transfer(to, amount);
        calls["transfer"]++;
    }

    function advance(uint256 blocks, uint256 secondsElapsed) external {
        vm.roll(block.number + bound(blocks, 1, 50));
        vm.warp(block.timestamp + bound(secondsElapsed, 0, 3 days));
        calls["advance"]++;
    }
}

/// @notice foundry.toml has no [invariant] section, and forge runs `invariant_` functions natively with its
///         defaults; the run size is set inline below to keep the suite fast.
contract NodeStakingInvariantTest is CalderaGovernanceFixture, InvariantTest {
    uint256 internal constant PER_ACTOR = 1_000_000 ether;
    NodeStakingHandler internal handler;
    uint256 internal initialHeld;

    function setUp() public override {
        super.setUp();
        handler = new NodeStakingHandler(era, staking);
        for (uint256 i = 0; i < handler.actorCount(); i++) {
            _fund(handler.actor(i), PER_ACTOR);
        }
        initialHeld = era.balanceOf(address(staking)) + handler.actorCount() * PER_ACTOR;
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_eraHeldEqualsActiveStakePlusPendingUnstakes() public view {
        uint256 sumStake = STAKE_A + STAKE_B + STAKE_C;
        uint256 sumPending;
        for (uint256 i = 0; i < handler.actorCount(); i++) {
            address who = handler.actor(i);
            sumStake += staking.stakeOf(who);
            sumPending += staking.pendingUnstakeOf(who).amount;
        }
        assertEq(era.balanceOf(address(staking)), sumStake + sumPending, "ERA held == stake + pending");
        assertEq(staking.totalStaked(), sumStake, "totalStaked == sum of stakes");
        assertEq(staking.totalPendingUnstake(), sumPending, "totalPendingUnstake == sum of pending");
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_votingPowerEqualsActiveStake() public view {
        uint256 sumVotes = staking.getVotes(NODE_A) + staking.getVotes(NODE_B) + staking.getVotes(NODE_C);
        uint256 sumStake = STAKE_A + STAKE_B + STAKE_C;
        for (uint256 i = 0; i < handler.actorCount(); i++) {
            address who = handler.actor(i);
            assertEq(staking.getVotes(who), staking.stakeOf(who), "votes == own stake");
            assertEq(staking.stakeOf(who), handler.ghostStake(who), "stake == ghost stake");
            assertEq(staking.pendingUnstakeOf(who).amount, handler.ghostPending(who), "pending == ghost pending");
            sumVotes += staking.getVotes(who);
            sumStake += handler.ghostStake(who);
        }
        assertEq(sumVotes, sumStake, "total voting power == sum of active stake");
        assertEq(staking.totalStaked(), sumStake, "checkpointed total == sum of active stake");
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_eraIsConservedAndPastTotalsAreCheckpointed() public view {
        uint256 held = era.balanceOf(address(staking));
        for (uint256 i = 0; i < handler.actorCount(); i++) {
            held += era.balanceOf(handler.actor(i));
        }
        assertEq(held, initialHeld, "ERA conserved between actors and staking");
        uint256 seen = handler.blocksSeenCount();
        for (uint256 i = 0; i < seen; i++) {
            uint256 b = handler.blocksSeen(i);
            if (b < block.number) assertEq(staking.getPastTotalSupply(b), handler.ghostTotalAt(b), "past total");
        }
    }
}

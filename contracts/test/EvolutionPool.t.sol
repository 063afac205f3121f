// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {EvolutionFixture} from "./utils/EvolutionHelpers.sol";
import {EvolutionPool} from "../src/EvolutionPool.sol";
import {EraPermit} from "../src/interfaces/EraPermit.sol";
import {IComponentRegistry} from "../src/interfaces/IComponentRegistry.sol";
import {IEvolutionPool} from "../src/interfaces/IEvolutionPool.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";

contract EvolutionPoolTest is EvolutionFixture {
    bytes32 internal constant EVIDENCE = keccak256("telemetry windows");

    function _fundPool(uint256 amount) internal {
        era.approve(address(pool), amount);
        pool.fund(amount, _noPermit());
    }

    function _tier(uint16 bps, uint256 reward) internal pure returns (IEvolutionPool.RewardTier memory) {
        return IEvolutionPool.RewardTier({minImprovementBps: bps, reward: reward});
    }

    function _defaultTiers() internal pure returns (IEvolutionPool.RewardTier[] memory tiers) {
        tiers = new IEvolutionPool.RewardTier[](3);
        tiers[0] = _tier(2_000, 700 ether);
        tiers[1] = _tier(3_000, 1_000 ether);
        tiers[2] = _tier(5_000, 1_500 ether);
    }

    // ---------------------------------------------------------------- construction and governance

    function test_constructor_installsTheDefaultsWithTheEvents() public {
        vm.expectEmit(false, false, false, true);
        emit IEvolutionPool.RewardCurveSet(_defaultTiers(), 3, 700 ether);
        vm.expectEmit(false, false, false, true);
        emit IEvolutionPool.SlashBpsSet(500);
        EvolutionPool fresh = new EvolutionPool(
            IERC20(address(era)), IComponentRegistry(address(registry)), IERC5805(address(staking)), GOVERNANCE, EPOCH
        );
        (IEvolutionPool.RewardTier[] memory tiers, uint16 step, uint256 scenarioReward) = fresh.rewardCurve();
        assertEq(tiers.length, 3, "three tiers");
        assertEq(tiers[0].minImprovementBps, 2_000, "tier 0");
        assertEq(tiers[0].reward, 700 ether, "tier 0 reward");
        assertEq(tiers[1].minImprovementBps, 3_000, "tier 1");
        assertEq(tiers[1].reward, 1_000 ether, "tier 1 reward");
        assertEq(tiers[2].minImprovementBps, 5_000, "tier 2");
        assertEq(tiers[2].reward, 1_500 ether, "tier 2 reward");
        assertEq(step, 3, "scenario step");
        assertEq(scenarioReward, 700 ether, "scenario reward");
        assertEq(fresh.slashBps(), 500, "slash bps");
        assertEq(fresh.genesis(), NOW, "genesis = deployment time");
        assertEq(fresh.epochLength(), EPOCH, "epoch length");
        assertEq(fresh.currentEpoch(), 0, "epoch 0");
        assertEq(fresh.epochEnd(0), NOW + EPOCH, "end of epoch 0");
        assertEq(fresh.balance() + fresh.totalFunded() + fresh.totalSlashed() + fresh.totalRewarded(), 0, "empty");
        assertEq(fresh.timelock(), GOVERNANCE, "timelock");
        assertEq(fresh.era(), address(era), "era");
        assertEq(fresh.registry(), address(registry), "registry");
        assertEq(fresh.staking(), address(staking), "staking");
    }

    function test_constructor_rejectsZeroAddressesAndAZeroEpoch() public {
        IERC20 token = IERC20(address(era));
        IComponentRegistry reg = IComponentRegistry(address(registry));
        IERC5805 votes = IERC5805(address(staking));
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.ZeroAddress.selector, "era"));
        new EvolutionPool(IERC20(address(0)), reg, votes, GOVERNANCE, EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.ZeroAddress.selector, "registry"));
        new EvolutionPool(token, IComponentRegistry(address(0)), votes, GOVERNANCE, EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.ZeroAddress.selector, "staking"));
        new EvolutionPool(token, reg, IERC5805(address(0)), GOVERNANCE, EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.ZeroAddress.selector, "timelock"));
        new EvolutionPool(token, reg, votes, address(0), EPOCH);
        vm.expectRevert(IEvolutionPool.ZeroAmount.selector);
        new EvolutionPool(token, reg, votes, GOVERNANCE, 0);
    }

    function testFuzz_governedFunctions_revertForAnyoneButTheTimelock(address who) public {
        vm.assume(who != GOVERNANCE);
        IEvolutionPool.RewardTier[] memory tiers = _defaultTiers();
        vm.startPrank(who);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.NotGovernance.selector, who));
        pool.setRewardCurve(tiers, 3, 1);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.NotGovernance.selector, who));
        pool.setSlashBps(100);
        vm.stopPrank();
    }

    function test_setRewardCurve_validatesAndEmits() public {
        vm.startPrank(GOVERNANCE);
        IEvolutionPool.RewardTier[] memory tiers = new IEvolutionPool.RewardTier[](2);
        tiers[0] = _tier(0, 1 ether); // threshold below 1 bps
        tiers[1] = _tier(100, 2 ether);
        vm.expectRevert(IEvolutionPool.InvalidRewardCurve.selector);
        pool.setRewardCurve(tiers, 3, 1);
        tiers[0] = _tier(100, 1 ether); // thresholds not strictly rising
        vm.expectRevert(IEvolutionPool.InvalidRewardCurve.selector);
        pool.setRewardCurve(tiers, 3, 1);
        tiers[0] = _tier(50, 2 ether); // rewards not strictly rising
        vm.expectRevert(IEvolutionPool.InvalidRewardCurve.selector);
        pool.setRewardCurve(tiers, 3, 1);
        tiers[0] = _tier(50, 0); // a zero first reward
        vm.expectRevert(IEvolutionPool.InvalidRewardCurve.selector);
        pool.setRewardCurve(tiers, 3, 1);
        tiers[0] = _tier(50, 1 ether);
        tiers[1] = _tier(10_001, 2 ether); // above 10,000 bps
        vm.expectRevert(IEvolutionPool.InvalidRewardCurve.selector);
        pool.setRewardCurve(tiers, 3, 1);
        tiers[1] = _tier(10_000, 2 ether);
        vm.expectRevert(IEvolutionPool.InvalidRewardCurve.selector); // a zero scenario step
        pool.setRewardCurve(tiers, 0, 1);
        vm.expectRevert(IEvolutionPool.InvalidRewardCurve.selector);
        pool.setRewardCurve(new IEvolutionPool.RewardTier[](17), 3, 1);

        vm.expectEmit(false, false, false, true, address(pool));
        emit IEvolutionPool.RewardCurveSet(tiers, 5, 3 ether);
        pool.setRewardCurve(tiers, 5, 3 ether);
        vm.stopPrank();
        (IEvolutionPool.RewardTier[] memory stored, uint16 step, uint256 scenarioReward) = pool.rewardCurve();
        assertEq(stored.length, 2, "replaced");
        assertEq(stored[1].minImprovementBps, 10_000, "tier 1");
        assertEq(step, 5, "step");
        assertEq(scenarioReward, 3 ether, "scenario reward");
        assertEq(pool.rewardFor(49, 4), 0, "below both");
        assertEq(pool.rewardFor(50, 0), 1 ether, "first tier");
        assertEq(pool.rewardFor(49, 5), 3 ether, "scenario step");
        assertEq(pool.rewardFor(10_000, 5), 3 ether, "the larger applies");
    }

    function test_rewardFor_aScenarioStepBeyondInt16IsUnreachable() public {
        vm.prank(GOVERNANCE);
        pool.setRewardCurve(_defaultTiers(), 40_000, 700 ether);
        assertEq(pool.rewardFor(0, type(int16).max), 0, "no delta reaches it");
        assertEq(pool.rewardFor(0, -1), 0, "and no wrap-around");
    }

    function test_epochEnd_saturatesFarAway() public view {
        assertEq(pool.epochEnd(type(uint64).max), type(uint64).max, "saturated");
    }

    function test_setRewardCurve_anEmptyCurveRewardsOnlyTheScenarioStep() public {
        vm.prank(GOVERNANCE);
        pool.setRewardCurve(new IEvolutionPool.RewardTier[](0), 2, 10 ether);
        assertEq(pool.rewardFor(9_000, 1), 0, "no tiers");
        assertEq(pool.rewardFor(0, 2), 10 ether, "scenario");
    }

    function test_setSlashBps_boundsAndEmits() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.InvalidBps.selector, uint16(0)));
        pool.setSlashBps(0);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.InvalidBps.selector, uint16(10_001)));
        pool.setSlashBps(10_001);
        vm.expectEmit(false, false, false, true, address(pool));
        emit IEvolutionPool.SlashBpsSet(10_000);
        pool.setSlashBps(10_000);
        vm.stopPrank();
        assertEq(pool.slashBps(), 10_000, "set");
    }

    function test_rewardFor_theSeedCurve() public view {
        assertEq(pool.rewardFor(1_999, 2), 0, "below the standard: slashed");
        assertEq(pool.rewardFor(2_000, 0), 700 ether, "20%");
        assertEq(pool.rewardFor(3_000, 0), 1_000 ether, "seed: +30% -> 1,000 ERA");
        assertEq(pool.rewardFor(4_999, 0), 1_000 ether, "still tier 1");
        assertEq(pool.rewardFor(5_000, 0), 1_500 ether, "50%");
        assertEq(pool.rewardFor(-3_000, 3), 700 ether, "scenario range +3");
        assertEq(pool.rewardFor(3_000, 3), 1_000 ether, "the larger applies");
        assertEq(pool.rewardFor(type(int32).min, type(int16).min), 0, "extreme negatives");
    }

    function testFuzz_rewardFor_followsTheCurve(int32 improvement, int16 scenarioDelta) public view {
        uint256 reward = pool.rewardFor(improvement, scenarioDelta);
        uint256 tier = improvement >= 5_000
            ? 1_500 ether
            : improvement >= 3_000 ? 1_000 ether : improvement >= 2_000 ? 700 ether : 0;
        uint256 scenario = scenarioDelta >= 3 ? 700 ether : 0;
        assertEq(reward, tier > scenario ? tier : scenario, "max(tier, scenario)");
        if (improvement < 2_000 && scenarioDelta < 3) assertEq(reward, 0, "no standard met, no reward");
        if (improvement < type(int32).max) {
            assertTrue(pool.rewardFor(improvement + 1, scenarioDelta) >= reward, "monotone in the improvement");
        }
    }

    function testFuzz_epochs_cutTimeFromGenesis(uint256 elapsed) public {
        elapsed = bound(elapsed, 0, 100 * 365 days);
        vm.warp(NOW + elapsed);
        uint64 epoch = pool.currentEpoch();
        assertEq(epoch, elapsed / EPOCH, "current epoch");
        assertTrue(pool.epochEnd(epoch) > block.timestamp, "the current epoch is not over");
        assertTrue(pool.epochEnd(epoch) - EPOCH <= block.timestamp, "and has begun");
    }

    // ---------------------------------------------------------------- funding

    function test_fund_booksAndEmits() public {
        era.approve(address(pool), 5_000 ether);
        vm.expectEmit(true, true, false, true, address(pool));
        emit IEvolutionPool.PoolFunded(address(this), 0, 5_000 ether);
        pool.fund(5_000 ether, _noPermit());
        assertEq(pool.totalFunded(), 5_000 ether, "funded");
        assertEq(pool.balance(), 5_000 ether, "balance");
        assertEq(era.balanceOf(address(pool)), 5_000 ether, "held");
        vm.expectRevert(IEvolutionPool.ZeroAmount.selector);
        pool.fund(0, _noPermit());
    }

    function test_fund_withAPermit() public {
        uint256 deadline = _deadline();
        EraPermit memory permit =
            _eraPermit(CALLER_KEY, address(era), address(pool), 10 ether, era.nonces(caller), deadline);
        vm.prank(caller);
        pool.fund(10 ether, permit);
        assertEq(pool.balance(), 10 ether, "funded through the permit");
    }

    // ---------------------------------------------------------------- settlement

    function test_settleEpoch_rewardsAnAttestedImprovement() public {
        uint256 id = _registerDefault(0);
        _fundPool(5_000 ether);
        vm.warp(NOW + EPOCH);
        uint256 before = era.balanceOf(provider);
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) =
            _figures(_keys(NODE1_KEY, NODE3_KEY), 0, id, 3_000, 1, EVIDENCE, deadline);
        vm.expectEmit(true, true, false, true, address(pool));
        emit IEvolutionPool.EpochSettled(0, id, IEvolutionPool.Outcome.REWARDED, 1_000 ether, 3_000, 1, EVIDENCE, nodes);
        vm.prank(HUB);
        (IEvolutionPool.Outcome outcome, uint256 amount) =
            pool.settleEpoch(0, id, 3_000, 1, EVIDENCE, deadline, nodes, signatures);
        assertEq(uint256(outcome), uint256(IEvolutionPool.Outcome.REWARDED), "rewarded");
        assertEq(amount, 1_000 ether, "+30% -> 1,000 ERA");
        assertEq(era.balanceOf(provider) - before, 1_000 ether, "paid to the provider");
        assertEq(pool.totalRewarded(), 1_000 ether, "booked");
        assertEq(pool.balance(), 4_000 ether, "balance");
        assertEq(era.balanceOf(address(pool)), 4_000 ether, "held");
        IEvolutionPool.Settlement memory s = pool.settlement(0, id);
        assertEq(uint256(s.outcome), uint256(IEvolutionPool.Outcome.REWARDED), "stored outcome");
        assertEqInt(s.efficiencyImprovementBps, 3_000, "improvement");
        assertEqInt(s.scenarioRangeDelta, 1, "scenario delta");
        assertEq(s.evidenceHash, EVIDENCE, "evidence");
        assertEq(s.amount, 1_000 ether, "amount");
        assertEq(s.settledAt, block.timestamp, "settled at");
        assertEq(registry.component(id).pledge, 1_000 ether, "pledge untouched");
    }

    function test_settleEpoch_rewardsAScenarioRangeStep() public {
        uint256 id = _registerDefault(0);
        _fundPool(5_000 ether);
        vm.warp(NOW + EPOCH);
        (IEvolutionPool.Outcome outcome, uint256 amount) = _settle(0, id, -400, 3, EVIDENCE);
        assertEq(uint256(outcome), uint256(IEvolutionPool.Outcome.REWARDED), "rewarded");
        assertEq(amount, 700 ether, "scenario range +3 -> 700 ERA");
    }

    function test_settleEpoch_slashesBelowTheStandardRoundedUp() public {
        uint256 pledge = 1_000 ether + 1; // 5% of it is not whole: rounds up
        uint256 id = _register(PROVIDER_KEY, IComponentRegistry.ComponentKind.SERVICE, NAME, 0, pledge, LOGIC);
        vm.warp(NOW + EPOCH);
        uint256 expected = (pledge * 500 + 9_999) / 10_000;
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) =
            _figures(_keys(NODE2_KEY, NODE4_KEY), 0, id, 1_999, 2, EVIDENCE, deadline);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IComponentRegistry.PledgeSlashed(id, expected, pledge - expected);
        vm.expectEmit(true, true, false, true, address(pool));
        emit IEvolutionPool.EpochSettled(0, id, IEvolutionPool.Outcome.SLASHED, expected, 1_999, 2, EVIDENCE, nodes);
        (IEvolutionPool.Outcome outcome, uint256 amount) =
            pool.settleEpoch(0, id, 1_999, 2, EVIDENCE, deadline, nodes, signatures);
        assertEq(uint256(outcome), uint256(IEvolutionPool.Outcome.SLASHED), "slashed");
        assertEq(amount, expected, "ceil(5%)");
        assertEq(amount, 50 ether + 1, "50 ERA and one wei rounded up");
        assertEq(registry.component(id).pledge, pledge - expected, "pledge");
        assertEq(pool.totalSlashed(), expected, "booked");
        assertEq(pool.balance(), expected, "into the pool");
        assertEq(era.balanceOf(address(pool)), expected, "held");
        assertEq(era.balanceOf(address(registry)), pledge - expected, "registry keeps the rest");
    }

    function test_settleEpoch_oncePerEpochAndComponent() public {
        uint256 id = _registerDefault(0);
        uint256 other = _register(PROVIDER2_KEY, IComponentRegistry.ComponentKind.DATA, "other", 0, 1_000 ether, LOGIC2);
        _fundPool(5_000 ether);
        vm.warp(NOW + 2 * EPOCH);
        _settle(0, id, 3_000, 0, EVIDENCE);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.EpochAlreadySettled.selector, uint64(0), id));
        _settle(0, id, 3_000, 0, EVIDENCE);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.EpochAlreadySettled.selector, uint64(0), id));
        _settle(0, id, 100, 0, keccak256("other figures"));
        _settle(1, id, 3_000, 0, EVIDENCE); // the next epoch is its own
        _settle(0, other, 0, 0, EVIDENCE); // another component in the same epoch
        assertEq(pool.totalRewarded(), 2_000 ether, "two rewards");
        assertEq(pool.totalSlashed(), 50 ether, "one slash");
    }

    function test_settleEpoch_refusesBeforeTheEpochEnds() public {
        uint256 id = _registerDefault(0);
        uint64 endsAt = uint64(NOW + EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.EpochNotOver.selector, uint64(0), endsAt));
        _settle(0, id, 3_000, 0, EVIDENCE);
        vm.warp(endsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.EpochNotOver.selector, uint64(0), endsAt));
        _settle(0, id, 3_000, 0, EVIDENCE);
        vm.expectRevert(
            abi.encodeWithSelector(IEvolutionPool.EpochNotOver.selector, uint64(4), uint64(NOW + 5 * EPOCH))
        );
        _settle(4, id, 3_000, 0, EVIDENCE);
    }

    function test_settleEpoch_refusesUnknownComponents() public {
        vm.warp(NOW + EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.UnknownComponent.selector, uint256(0)));
        _settle(0, 0, 3_000, 0, EVIDENCE);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.UnknownComponent.selector, uint256(1)));
        _settle(0, 1, 3_000, 0, EVIDENCE);
    }

    function test_settleEpoch_aRewardNeedsThePoolToHoldIt() public {
        uint256 id = _registerDefault(0);
        _fundPool(999 ether);
        vm.warp(NOW + EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.PoolInsufficient.selector, 1_000 ether, 999 ether));
        _settle(0, id, 3_000, 0, EVIDENCE);
        assertEq(uint256(pool.settlement(0, id).outcome), 0, "nothing stored");
        // ERA sent by plain transfer is not accounted: it does not make a reward payable.
        era.transfer(address(pool), 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.PoolInsufficient.selector, 1_000 ether, 999 ether));
        _settle(0, id, 3_000, 0, EVIDENCE);
        _fundPool(1 ether);
        _settle(0, id, 3_000, 0, EVIDENCE);
        assertEq(pool.balance(), 0, "drained exactly");
    }

    function test_settleEpoch_refusesUnattestedFigures() public {
        uint256 id = _registerDefault(0);
        _fundPool(5_000 ether);
        vm.warp(NOW + EPOCH);
        uint256 deadline = _deadline();
        address[] memory nodes;
        bytes[] memory signatures;

        // The provider's own figures, signed by itself: an unstaked key.
        (nodes, signatures) = _figures(_keys(PROVIDER_KEY, NODE1_KEY), 0, id, 9_000, 9, EVIDENCE, deadline);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.NotAttester.selector, provider, 0, 10_000 ether));
        pool.settleEpoch(0, id, 9_000, 9, EVIDENCE, deadline, nodes, signatures);
        // A staked node below the minimum.
        (nodes, signatures) = _figures(_keys(NODE1_KEY, SMALL_NODE_KEY), 0, id, 9_000, 9, EVIDENCE, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEvolutionPool.NotAttester.selector, vm.addr(SMALL_NODE_KEY), 5_000 ether, 10_000 ether
            )
        );
        pool.settleEpoch(0, id, 9_000, 9, EVIDENCE, deadline, nodes, signatures);
        // One node twice.
        (nodes, signatures) = _figures(_keys(NODE1_KEY, NODE1_KEY), 0, id, 9_000, 9, EVIDENCE, deadline);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.DuplicateAttester.selector, vm.addr(NODE1_KEY)));
        pool.settleEpoch(0, id, 9_000, 9, EVIDENCE, deadline, nodes, signatures);
        // Too few.
        (nodes, signatures) = _figures(_keys(NODE1_KEY), 0, id, 9_000, 9, EVIDENCE, deadline);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.AttestationQuorumNotMet.selector, 1, 2));
        pool.settleEpoch(0, id, 9_000, 9, EVIDENCE, deadline, nodes, signatures);
        // Nodes signed other figures: inflating them voids the signatures.
        (nodes, signatures) = _figures(_keys(NODE1_KEY, NODE2_KEY), 0, id, 1_000, 0, EVIDENCE, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, vm.addr(NODE1_KEY)));
        pool.settleEpoch(0, id, 9_000, 0, EVIDENCE, deadline, nodes, signatures);
        // Signatures for another epoch or component.
        (nodes, signatures) = _figures(_keys(NODE1_KEY, NODE2_KEY), 1, id, 9_000, 9, EVIDENCE, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, vm.addr(NODE1_KEY)));
        pool.settleEpoch(0, id, 9_000, 9, EVIDENCE, deadline, nodes, signatures);
        // Lists of unequal length.
        (nodes, signatures) = _figures(_keys(NODE1_KEY, NODE2_KEY), 0, id, 9_000, 9, EVIDENCE, deadline);
        address[] memory three = new address[](3);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.AttestationQuorumNotMet.selector, 0, 2));
        pool.settleEpoch(0, id, 9_000, 9, EVIDENCE, deadline, three, signatures);
        // Past the deadline.
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, deadline, deadline + 1));
        pool.settleEpoch(0, id, 9_000, 9, EVIDENCE, deadline, nodes, signatures);

        assertEq(pool.totalRewarded() + pool.totalSlashed(), 0, "nothing moved");
        assertEq(pool.balance(), 5_000 ether, "pool untouched");
    }

    function test_settleEpoch_stakeArrivingInTheSettlementBlockCountsForNothing() public {
        uint256 id = _registerDefault(0);
        _fundPool(5_000 ether);
        vm.warp(NOW + EPOCH);
        address flash = vm.addr(OUTSIDER_KEY);
        _stakeAs(flash, 500_000 ether); // same block as the settlement
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) =
            _figures(_keys(NODE1_KEY, OUTSIDER_KEY), 0, id, 9_000, 0, EVIDENCE, deadline);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.NotAttester.selector, flash, 0, 10_000 ether));
        pool.settleEpoch(0, id, 9_000, 0, EVIDENCE, deadline, nodes, signatures);
        vm.roll(block.number + 1); // a block later it is a staked node like any other
        pool.settleEpoch(0, id, 9_000, 0, EVIDENCE, deadline, nodes, signatures);
        assertEq(pool.totalRewarded(), 1_500 ether, "paid once attested");
    }

    function test_settleEpoch_followsTheRegistrysAttestationParameters() public {
        uint256 id = _registerDefault(0);
        _fundPool(5_000 ether);
        vm.prank(GOVERNANCE);
        registry.setAttestationParameters(3, 250_000 ether);
        vm.warp(NOW + EPOCH);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEvolutionPool.NotAttester.selector, vm.addr(NODE3_KEY), 200_000 ether, 250_000 ether
            )
        );
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) =
            _figures(_keys(NODE1_KEY, NODE2_KEY, NODE3_KEY), 0, id, 9_000, 0, EVIDENCE, deadline);
        pool.settleEpoch(0, id, 9_000, 0, EVIDENCE, deadline, nodes, signatures);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.AttestationQuorumNotMet.selector, 2, 3));
        _settle(0, id, 9_000, 0, EVIDENCE);
    }

    function testFuzz_settleEpoch_slashNeverExceedsThePledgeAndRoundsUp(uint256 pledge, uint16 bps) public {
        pledge = bound(pledge, 1_000 ether, 900_000 ether);
        bps = uint16(bound(bps, 1, 10_000));
        vm.prank(GOVERNANCE);
        pool.setSlashBps(bps);
        uint256 id = _register(PROVIDER_KEY, IComponentRegistry.ComponentKind.SERVICE, NAME, 0, pledge, LOGIC);
        vm.warp(NOW + EPOCH);
        (, uint256 amount) = _settle(0, id, 0, 0, EVIDENCE);
        assertTrue(amount <= pledge, "never more than the pledge");
        assertTrue(amount * 10_000 >= pledge * bps, "rounded up");
        assertTrue((amount - 1) * 10_000 < pledge * bps, "by less than one wei");
        assertEq(registry.component(id).pledge, pledge - amount, "pledge");
        assertEq(pool.balance(), amount, "into the pool");
    }
}

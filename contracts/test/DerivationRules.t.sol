// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {DerivationRules} from "../src/DerivationRules.sol";
import {IDerivationRules} from "../src/interfaces/IDerivationRules.sol";

/// @notice Rules and floors on the deployed stack; changes are made as the real timelock (the full proposal path is
///         in Governance.t.sol).
contract DerivationRulesTest is CalderaGovernanceFixture {
    function _asTimelock() internal {
        vm.prank(address(timelock));
    }

    function _assertRule(
        uint256 ruleId,
        uint8 domain,
        uint8 kind,
        uint8 attribute,
        uint256 thresholdBps,
        uint256 weightBps,
        bool active
    ) internal view {
        IDerivationRules.Rule memory stored = rules.rule(ruleId);
        assertEq(stored.domain, domain, "domain");
        assertEq(stored.kind, kind, "kind");
        assertEq(stored.attribute, attribute, "attribute");
        assertEq(stored.thresholdBps, thresholdBps, "threshold");
        assertEq(stored.weightBps, weightBps, "weight");
        assertEq(stored.active, active, "active");
    }

    function test_constructor_installsTheSeedRulesAndFloors() public view {
        assertEq(rules.ruleCount(), 3, "rule count");
        _assertRule(1, AGRICULTURAL, PLANTING_PLAN, INTEGRITY, 9_000, 15_000, true);
        _assertRule(2, AGRICULTURAL, MARKET_FORECAST, TIMELINESS, 8_500, 12_000, true);
        _assertRule(3, INDUSTRIAL, FAULT_WARNING_MODEL, CONTINUITY, 9_500, 13_000, true);
        assertEq(rules.activeRuleFor(AGRICULTURAL, PLANTING_PLAN), 1, "planting plan rule");
        assertEq(rules.activeRuleFor(AGRICULTURAL, MARKET_FORECAST), 2, "market forecast rule");
        assertEq(rules.activeRuleFor(INDUSTRIAL, FAULT_WARNING_MODEL), 3, "fault-warning rule");
        assertEq(rules.activeRuleFor(INDUSTRIAL, PLANTING_PLAN), 0, "no industrial planting plan");
        assertEq(rules.PLANTING_PLAN_WEIGHT_BPS(), rules.CORE_WEIGHT_BPS() * 3 / 2, "1.5x core");

        for (uint8 domain = AGRICULTURAL; domain <= INDUSTRIAL; domain++) {
            IDerivationRules.Floors memory floors = rules.floorsOf(domain);
            assertEq(floors.minIntegrityBps, 5_000, "integrity floor");
            assertEq(floors.minTimelinessBps, 5_000, "timeliness floor");
            assertEq(floors.minContinuityBps, 5_000, "continuity floor");
            assertEq(floors.maxGapSlots, 48, "gap floor");
        }
        // The registry's domain numbering: 1 = agricultural, 2 = industrial.
        assertEq(rules.DOMAIN_AGRICULTURAL(), 1, "agricultural");
        assertEq(rules.DOMAIN_INDUSTRIAL(), 2, "industrial");
    }

    /// @dev An indexer sees the seed values from the deploy transaction.
    function test_constructor_emitsRuleSetAndFloorsSetForTheSeeds() public {
        address next = address(0xF00);
        vm.expectEmit(true, true, true, true);
        emit IDerivationRules.RuleSet(1, AGRICULTURAL, PLANTING_PLAN, INTEGRITY, 9_000, 15_000, true);
        vm.expectEmit(true, true, true, true);
        emit IDerivationRules.RuleSet(2, AGRICULTURAL, MARKET_FORECAST, TIMELINESS, 8_500, 12_000, true);
        vm.expectEmit(true, true, true, true);
        emit IDerivationRules.RuleSet(3, INDUSTRIAL, FAULT_WARNING_MODEL, CONTINUITY, 9_500, 13_000, true);
        vm.expectEmit(true, false, false, true);
        emit IDerivationRules.FloorsSet(AGRICULTURAL, 5_000, 5_000, 5_000, 48);
        vm.expectEmit(true, false, false, true);
        emit IDerivationRules.FloorsSet(INDUSTRIAL, 5_000, 5_000, 5_000, 48);
        new DerivationRules(next);
    }

    function test_constructor_rejectsAZeroTimelock() public {
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.InvalidGovernance.selector, address(0)));
        new DerivationRules(address(0));
    }

    /// @dev Every mutating function is timelock-only, for any caller (deployer, governor, nodes, anyone).
    function testFuzz_mutators_revertForAnyoneButTheTimelock(address caller) public {
        vm.assume(caller != address(timelock));
        bytes memory notGovernance = abi.encodeWithSelector(IDerivationRules.NotGovernance.selector, caller);
        IDerivationRules.Floors memory floors = IDerivationRules.Floors(1, 1, 1, 1);

        vm.startPrank(caller);
        vm.expectRevert(notGovernance);
        rules.setRule(1, INTEGRITY, 1, 1);
        vm.expectRevert(notGovernance);
        rules.addRule(INDUSTRIAL, MARKET_FORECAST, TIMELINESS, 1, 1);
        vm.expectRevert(notGovernance);
        rules.setRuleActive(1, false);
        vm.expectRevert(notGovernance);
        rules.setFloors(AGRICULTURAL, floors);
        vm.stopPrank();
        _assertRule(1, AGRICULTURAL, PLANTING_PLAN, INTEGRITY, 9_000, 15_000, true);
    }

    function test_setRule_changesTermsAndEmits() public {
        vm.expectEmit(true, true, true, true, address(rules));
        emit IDerivationRules.RuleSet(2, AGRICULTURAL, MARKET_FORECAST, CONTINUITY, 8_000, 11_000, true);
        _asTimelock();
        rules.setRule(2, CONTINUITY, 8_000, 11_000);
        _assertRule(2, AGRICULTURAL, MARKET_FORECAST, CONTINUITY, 8_000, 11_000, true);
    }

    function test_setRule_validatesItsInputs() public {
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownRule.selector, 4));
        rules.setRule(4, INTEGRITY, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownRule.selector, 0));
        rules.setRule(0, INTEGRITY, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownAttribute.selector, uint8(0)));
        rules.setRule(1, 0, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownAttribute.selector, uint8(4)));
        rules.setRule(1, 4, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.BpsOutOfRange.selector, 10_001));
        rules.setRule(1, INTEGRITY, 10_001, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.WeightOutOfRange.selector, 0, 100_000));
        rules.setRule(1, INTEGRITY, 9_000, 0);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.WeightOutOfRange.selector, 100_001, 100_000));
        rules.setRule(1, INTEGRITY, 9_000, 100_001);
        rules.setRule(1, INTEGRITY, 10_000, 100_000); // both bounds are inclusive
        vm.stopPrank();
    }

    function test_addRule_addsAnActiveRuleAndEmits() public {
        vm.expectEmit(true, true, true, true, address(rules));
        emit IDerivationRules.RuleSet(4, INDUSTRIAL, MARKET_FORECAST, TIMELINESS, 9_000, 11_000, true);
        _asTimelock();
        uint256 ruleId = rules.addRule(INDUSTRIAL, MARKET_FORECAST, TIMELINESS, 9_000, 11_000);
        assertEq(ruleId, 4, "id");
        assertEq(rules.ruleCount(), 4, "count");
        assertEq(rules.activeRuleFor(INDUSTRIAL, MARKET_FORECAST), 4, "active");
        _assertRule(4, INDUSTRIAL, MARKET_FORECAST, TIMELINESS, 9_000, 11_000, true);
    }

    function test_addRule_validatesItsInputs() public {
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownDomain.selector, uint8(0)));
        rules.addRule(0, PLANTING_PLAN, INTEGRITY, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownDomain.selector, uint8(3)));
        rules.addRule(3, PLANTING_PLAN, INTEGRITY, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownKind.selector, uint8(0)));
        rules.addRule(INDUSTRIAL, 0, INTEGRITY, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownKind.selector, uint8(4)));
        rules.addRule(INDUSTRIAL, 4, INTEGRITY, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownAttribute.selector, uint8(4)));
        rules.addRule(INDUSTRIAL, PLANTING_PLAN, 4, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.BpsOutOfRange.selector, 65_535));
        rules.addRule(INDUSTRIAL, PLANTING_PLAN, INTEGRITY, 65_535, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.WeightOutOfRange.selector, 0, 100_000));
        rules.addRule(INDUSTRIAL, PLANTING_PLAN, INTEGRITY, 1, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IDerivationRules.ActiveRuleExists.selector, AGRICULTURAL, PLANTING_PLAN, 1)
        );
        rules.addRule(AGRICULTURAL, PLANTING_PLAN, TIMELINESS, 9_000, 20_000);
        vm.stopPrank();
        assertEq(rules.ruleCount(), 3, "nothing added");
    }

    /// @dev Deactivate -> replace -> the old rule cannot come back while the new one is active.
    function test_setRuleActive_deactivatesReplacesAndGuardsUniqueness() public {
        vm.expectEmit(true, true, true, true, address(rules));
        emit IDerivationRules.RuleSet(1, AGRICULTURAL, PLANTING_PLAN, INTEGRITY, 9_000, 15_000, false);
        _asTimelock();
        rules.setRuleActive(1, false);
        assertEq(rules.activeRuleFor(AGRICULTURAL, PLANTING_PLAN), 0, "none active");
        assertFalse(rules.satisfies(1, 10_000, 10_000, 10_000), "an inactive rule derives nothing");

        _asTimelock();
        uint256 replacement = rules.addRule(AGRICULTURAL, PLANTING_PLAN, CONTINUITY, 9_200, 15_000);
        assertEq(rules.activeRuleFor(AGRICULTURAL, PLANTING_PLAN), replacement, "replacement active");

        _asTimelock();
        vm.expectRevert(
            abi.encodeWithSelector(IDerivationRules.ActiveRuleExists.selector, AGRICULTURAL, PLANTING_PLAN, replacement)
        );
        rules.setRuleActive(1, true);

        // Deactivating the inactive old rule again leaves the replacement in place.
        _asTimelock();
        rules.setRuleActive(1, false);
        assertEq(rules.activeRuleFor(AGRICULTURAL, PLANTING_PLAN), replacement, "replacement still active");

        _asTimelock();
        rules.setRuleActive(replacement, false);
        vm.expectEmit(true, true, true, true, address(rules));
        emit IDerivationRules.RuleSet(1, AGRICULTURAL, PLANTING_PLAN, INTEGRITY, 9_000, 15_000, true);
        _asTimelock();
        rules.setRuleActive(1, true);
        assertEq(rules.activeRuleFor(AGRICULTURAL, PLANTING_PLAN), 1, "old rule back");

        _asTimelock();
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownRule.selector, 9));
        rules.setRuleActive(9, true);
    }

    /// @dev Each seed rule reads exactly its own attribute against its threshold.
    function testFuzz_satisfies_comparesTheRuleAttributeWithItsThreshold(
        uint16 integrityBps,
        uint16 timelinessBps,
        uint16 continuityBps
    ) public view {
        assertEq(rules.satisfies(1, integrityBps, timelinessBps, continuityBps), integrityBps >= 9_000, "planting");
        assertEq(rules.satisfies(2, integrityBps, timelinessBps, continuityBps), timelinessBps >= 8_500, "forecast");
        assertEq(rules.satisfies(3, integrityBps, timelinessBps, continuityBps), continuityBps >= 9_500, "fault");
    }

    function test_satisfies_atTheThresholdAndForAnUnknownRule() public {
        assertTrue(rules.satisfies(1, 9_000, 0, 0), "at threshold");
        assertFalse(rules.satisfies(1, 8_999, 10_000, 10_000), "just below, other attributes irrelevant");
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownRule.selector, 4));
        rules.satisfies(4, 10_000, 10_000, 10_000);
    }

    function test_setFloors_setsAndEmits() public {
        IDerivationRules.Floors memory floors = IDerivationRules.Floors(6_000, 7_000, 8_000, 12);
        vm.expectEmit(true, false, false, true, address(rules));
        emit IDerivationRules.FloorsSet(INDUSTRIAL, 6_000, 7_000, 8_000, 12);
        _asTimelock();
        rules.setFloors(INDUSTRIAL, floors);
        IDerivationRules.Floors memory stored = rules.floorsOf(INDUSTRIAL);
        assertEq(stored.minIntegrityBps, 6_000, "integrity");
        assertEq(stored.minTimelinessBps, 7_000, "timeliness");
        assertEq(stored.minContinuityBps, 8_000, "continuity");
        assertEq(stored.maxGapSlots, 12, "gap");
        assertEq(rules.floorsOf(AGRICULTURAL).minIntegrityBps, 5_000, "other domain untouched");
    }

    function test_setFloors_rejectsInvalidValues() public {
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownDomain.selector, uint8(0)));
        rules.setFloors(0, IDerivationRules.Floors(1, 1, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownDomain.selector, uint8(3)));
        rules.setFloors(3, IDerivationRules.Floors(1, 1, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.BpsOutOfRange.selector, 10_001));
        rules.setFloors(AGRICULTURAL, IDerivationRules.Floors(10_001, 1, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.BpsOutOfRange.selector, 10_001));
        rules.setFloors(AGRICULTURAL, IDerivationRules.Floors(1, 10_001, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.BpsOutOfRange.selector, 20_000));
        rules.setFloors(AGRICULTURAL, IDerivationRules.Floors(1, 1, 20_000, 1));
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDerivationRules.UnknownDomain.selector, uint8(7)));
        rules.floorsOf(7);
        assertEq(rules.floorsOf(AGRICULTURAL).minIntegrityBps, 5_000, "unchanged");
    }

    /// @dev Floors are inclusive for the bps and for the gap.
    function testFuzz_meetsFloors_matchesTheSeedFloors(
        uint16 integrity,
        uint16 timeliness,
        uint16 continuity,
        uint16 gap
    ) public view {
        bool expected = integrity >= 5_000 && timeliness >= 5_000 && continuity >= 5_000 && gap <= 48;
        assertEq(rules.meetsFloors(INDUSTRIAL, integrity, timeliness, continuity, gap), expected, "meets floors");
        assertTrue(rules.meetsFloors(AGRICULTURAL, 5_000, 5_000, 5_000, 48), "at the floors");
    }
}

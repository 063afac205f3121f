// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {ChannelSchemaRegistry} from "../src/ChannelSchemaRegistry.sol";
import {IChannelSchemaRegistry} from "../src/interfaces/IChannelSchemaRegistry.sol";

contract ChannelSchemaRegistryTest is Test {
    address internal constant GOVERNANCE = address(0x71E10C);
    bytes32 internal constant BASE = bytes32(uint256(0x1111));
    bytes32 internal constant EXTENDED = bytes32(uint256(0x2222));
    string internal constant ID = "soil-moisture-pest-incidence-rate";
    string internal constant DEFINITION =
        '{"channels":[{"decimals":2,"name":"pestIncidenceRate","unit":"unspecified"}],"id":"soil-moisture-pest-incidence-rate"}';

    ChannelSchemaRegistry internal registry;

    function setUp() public {
        vm.warp(1_710_000_000);
        registry = new ChannelSchemaRegistry(GOVERNANCE);
    }

    function test_constructor_needsATimelock() public {
        assertEq(registry.timelock(), GOVERNANCE, "timelock");
        assertEq(registry.extensionCount(), 0, "none");
        vm.expectRevert(abi.encodeWithSelector(IChannelSchemaRegistry.NotGovernance.selector, address(0)));
        new ChannelSchemaRegistry(address(0));
    }

    function test_approveExtension_recordsItAndEmitsTheDefinition() public {
        vm.expectEmit(true, true, false, true, address(registry));
        emit IChannelSchemaRegistry.SchemaExtensionApproved(BASE, EXTENDED, ID, DEFINITION);
        vm.prank(GOVERNANCE);
        registry.approveExtension(BASE, EXTENDED, ID, DEFINITION);
        IChannelSchemaRegistry.Extension memory e = registry.extension(EXTENDED);
        assertEq(e.baseSchemaHash, BASE, "base");
        assertEq(e.extendedSchemaHash, EXTENDED, "extended");
        assertEq(e.approvedAt, block.timestamp, "approved at");
        assertEq(registry.extensionCount(), 1, "count");
        assertEq(registry.extension(BASE).approvedAt, 0, "an unknown hash is all zero");
    }

    function test_approveExtension_refusesBadProposals() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IChannelSchemaRegistry.SameSchema.selector, BASE));
        registry.approveExtension(BASE, BASE, ID, DEFINITION);
        vm.expectRevert(IChannelSchemaRegistry.EmptyDefinition.selector);
        registry.approveExtension(BASE, EXTENDED, ID, "");
        registry.approveExtension(BASE, EXTENDED, ID, DEFINITION);
        vm.expectRevert(abi.encodeWithSelector(IChannelSchemaRegistry.ExtensionAlreadyApproved.selector, EXTENDED));
        registry.approveExtension(bytes32(uint256(0x3333)), EXTENDED, ID, DEFINITION);
        vm.stopPrank();
        assertEq(registry.extension(EXTENDED).baseSchemaHash, BASE, "the first approval stands");
        assertEq(registry.extensionCount(), 1, "count");
    }

    function test_approveExtension_anExtendedSchemaMayBeExtendedAgain() public {
        vm.startPrank(GOVERNANCE);
        registry.approveExtension(BASE, EXTENDED, ID, DEFINITION);
        registry.approveExtension(EXTENDED, bytes32(uint256(0x3333)), "twice-extended", DEFINITION);
        vm.stopPrank();
        assertEq(registry.extension(bytes32(uint256(0x3333))).baseSchemaHash, EXTENDED, "chained");
        assertEq(registry.extensionCount(), 2, "count");
    }

    function testFuzz_approveExtension_onlyTheTimelock(address who) public {
        vm.assume(who != GOVERNANCE);
        vm.prank(who);
        vm.expectRevert(abi.encodeWithSelector(IChannelSchemaRegistry.NotGovernance.selector, who));
        registry.approveExtension(BASE, EXTENDED, ID, DEFINITION);
    }
}

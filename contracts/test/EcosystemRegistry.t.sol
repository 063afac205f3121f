// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {RiskFixture} from "./utils/RiskHelpers.sol";
import {EcosystemRegistry} from "../src/EcosystemRegistry.sol";
import {IEcosystemRegistry} from "../src/interfaces/IEcosystemRegistry.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";

contract EcosystemRegistryTest is RiskFixture {
    address internal constant NEW_OPERATOR = address(0x0E0E);

    function _string(uint256 length) internal pure returns (string memory) {
        bytes memory text = new bytes(length);
        for (uint256 i = 0; i < length; i++) {
            text[i] = "a";
        }
        return string(text);
    }

    function _assertEcosystem(uint32 id, bool active, address operator, string memory name, string memory url)
        internal
        view
    {
        IEcosystemRegistry.Ecosystem memory eco = ecosystems.ecosystem(id);
        assertEq(eco.id, id, "id");
        assertEq(eco.active, active, "active");
        assertEq(eco.operator, operator, "operator");
        assertEq(keccak256(bytes(eco.name)), keccak256(bytes(name)), "name");
        assertEq(keccak256(bytes(eco.subgraphUrl)), keccak256(bytes(url)), "subgraph url");
        assertEq(ecosystems.isActive(id), active, "isActive");
    }

    // ---------------------------------------------------------------- construction

    function test_constructor_registersCalderaAsEcosystemOneWithTheEvent() public {
        address operator = vm.addr(CALDERA_KEY);
        vm.expectEmit(true, true, false, true);
        emit IEcosystemRegistry.EcosystemAdmitted(1, operator, "Caldera", "");
        EcosystemRegistry fresh = new EcosystemRegistry(GOVERNANCE, operator);

        assertEq(fresh.ecosystemCount(), 1, "one ecosystem");
        assertEq(fresh.ecosystemOf(operator), 1, "Caldera's operator");
        assertEq(fresh.timelock(), GOVERNANCE, "timelock");
        IEcosystemRegistry.Ecosystem memory caldera = fresh.ecosystem(1);
        assertEq(caldera.id, 1, "id");
        assertTrue(caldera.active, "active");
        assertEq(caldera.operator, operator, "operator");
        assertEq(keccak256(bytes(caldera.name)), keccak256("Caldera"), "name");
        assertEq(bytes(caldera.subgraphUrl).length, 0, "no subgraph url");
    }

    function test_constructor_rejectsZeroAddresses() public {
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.ZeroAddress.selector, "timelock"));
        new EcosystemRegistry(address(0), vm.addr(CALDERA_KEY));
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.ZeroAddress.selector, "operator"));
        new EcosystemRegistry(GOVERNANCE, address(0));
    }

    // ---------------------------------------------------------------- admission

    function test_admitEcosystem_assignsSequentialIdsAndEmits() public {
        _assertEcosystem(PARTNER1, true, vm.addr(PARTNER1_KEY), "Partner L2", "http://127.0.0.1:4101/graphql");
        _assertEcosystem(PARTNER4, true, vm.addr(PARTNER4_KEY), "Insurer", "");
        assertEq(ecosystems.ecosystemCount(), 5, "Caldera + 4 partners");

        vm.expectEmit(true, true, false, true, address(ecosystems));
        emit IEcosystemRegistry.EcosystemAdmitted(
            6, NEW_OPERATOR, "Port Authority", "https://risk.port.example/graphql"
        );
        vm.prank(GOVERNANCE);
        uint32 id = ecosystems.admitEcosystem("Port Authority", NEW_OPERATOR, "https://risk.port.example/graphql");

        assertEq(id, 6, "next id");
        assertEq(ecosystems.ecosystemCount(), 6, "count");
        assertEq(ecosystems.ecosystemOf(NEW_OPERATOR), 6, "ecosystemOf");
        _assertEcosystem(6, true, NEW_OPERATOR, "Port Authority", "https://risk.port.example/graphql");
    }

    function test_admitEcosystem_acceptsTheFieldLimitsExactly() public {
        vm.prank(GOVERNANCE);
        uint32 id = ecosystems.admitEcosystem(_string(64), NEW_OPERATOR, _string(256));
        _assertEcosystem(id, true, NEW_OPERATOR, _string(64), _string(256));
    }

    function testFuzz_governedFunctions_revertForAnyoneButTheTimelock(address caller) public {
        vm.assume(caller != GOVERNANCE);
        vm.startPrank(caller);
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.NotGovernance.selector, caller));
        ecosystems.admitEcosystem("Rogue", caller, "");
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.NotGovernance.selector, caller));
        ecosystems.setEcosystemActive(PARTNER1, false);
        vm.stopPrank();
        assertEq(ecosystems.ecosystemCount(), 5, "nothing admitted");
        assertTrue(ecosystems.isActive(PARTNER1), "still active");
    }

    function test_admitEcosystem_rejectsADuplicateOperator() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(
            abi.encodeWithSelector(IEcosystemRegistry.OperatorTaken.selector, vm.addr(PARTNER2_KEY), PARTNER2)
        );
        ecosystems.admitEcosystem("Grain Exchange again", vm.addr(PARTNER2_KEY), "");
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.OperatorTaken.selector, vm.addr(CALDERA_KEY), 1));
        ecosystems.admitEcosystem("Caldera II", vm.addr(CALDERA_KEY), "");
        vm.stopPrank();
        assertEq(ecosystems.ecosystemCount(), 5, "nothing admitted");
    }

    function test_admitEcosystem_rejectsBadFields() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.ZeroAddress.selector, "operator"));
        ecosystems.admitEcosystem("Nobody", address(0), "");
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.InvalidEcosystemField.selector, "name"));
        ecosystems.admitEcosystem("", NEW_OPERATOR, "");
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.InvalidEcosystemField.selector, "name"));
        ecosystems.admitEcosystem(_string(65), NEW_OPERATOR, "");
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.InvalidEcosystemField.selector, "subgraphUrl"));
        ecosystems.admitEcosystem("Long URL", NEW_OPERATOR, _string(257));
        vm.stopPrank();
        assertEq(ecosystems.ecosystemCount(), 5, "nothing admitted");
        assertEq(ecosystems.ecosystemOf(NEW_OPERATOR), 0, "operator free");
    }

    // ---------------------------------------------------------------- suspension

    function test_setEcosystemActive_suspendsAndReinstatesWithEvents() public {
        vm.expectEmit(true, false, false, true, address(ecosystems));
        emit IEcosystemRegistry.EcosystemStatusChanged(PARTNER2, false);
        vm.prank(GOVERNANCE);
        ecosystems.setEcosystemActive(PARTNER2, false);
        assertFalse(ecosystems.isActive(PARTNER2), "suspended");
        assertFalse(ecosystems.ecosystem(PARTNER2).active, "record suspended");
        assertEq(ecosystems.ecosystemOf(vm.addr(PARTNER2_KEY)), PARTNER2, "still its operator");

        vm.expectEmit(true, false, false, true, address(ecosystems));
        emit IEcosystemRegistry.EcosystemStatusChanged(PARTNER2, true);
        vm.prank(GOVERNANCE);
        ecosystems.setEcosystemActive(PARTNER2, true);
        assertTrue(ecosystems.isActive(PARTNER2), "reinstated");
    }

    function test_setEcosystemActive_rejectsAnUnknownEcosystem() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.UnknownEcosystem.selector, 0));
        ecosystems.setEcosystemActive(0, true);
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.UnknownEcosystem.selector, 6));
        ecosystems.setEcosystemActive(6, true);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- views

    function test_views_unknownEcosystems() public {
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.UnknownEcosystem.selector, 0));
        ecosystems.ecosystem(0);
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.UnknownEcosystem.selector, 99));
        ecosystems.ecosystem(99);
        assertFalse(ecosystems.isActive(0), "0 is no ecosystem");
        assertFalse(ecosystems.isActive(99), "99 is no ecosystem");
        assertEq(ecosystems.ecosystemOf(address(0xDEAD)), 0, "not an operator");
    }

    // ---------------------------------------------------------------- subgraph URL

    function test_updateSubgraphUrl_onTheOperatorsSignatureRelayedByAnyone() public {
        string memory url = "https://risk.partner.example/graphql";
        address operator = vm.addr(PARTNER1_KEY);
        uint256 deadline = _deadline();
        bytes memory signature = _signSubgraphUrl(PARTNER1_KEY, address(ecosystems), PARTNER1, url, 0, deadline);

        vm.expectEmit(true, false, false, true, address(ecosystems));
        emit IEcosystemRegistry.SubgraphUrlUpdated(PARTNER1, url);
        vm.prank(HUB);
        ecosystems.updateSubgraphUrl(PARTNER1, url, deadline, signature);

        _assertEcosystem(PARTNER1, true, operator, "Partner L2", url);
        assertEq(ecosystems.nonces(operator), 1, "nonce used");

        // The same signature again: its nonce is used, so it is no longer the operator's signature over this action.
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, operator));
        ecosystems.updateSubgraphUrl(PARTNER1, url, deadline, signature);
    }

    function test_updateSubgraphUrl_toEmptyRemovesTheSubgraph_andASuspendedEcosystemMayMoveIt() public {
        vm.prank(GOVERNANCE);
        ecosystems.setEcosystemActive(PARTNER1, false);
        uint256 deadline = _deadline();
        bytes memory signature = _signSubgraphUrl(PARTNER1_KEY, address(ecosystems), PARTNER1, "", 0, deadline);
        ecosystems.updateSubgraphUrl(PARTNER1, "", deadline, signature);
        _assertEcosystem(PARTNER1, false, vm.addr(PARTNER1_KEY), "Partner L2", "");
    }

    function test_updateSubgraphUrl_rejectsAnyoneButTheOperator() public {
        string memory url = "https://evil.example/graphql";
        uint256 deadline = _deadline();
        // Another ecosystem's operator, and an outsider, sign for partner 1.
        bytes memory signature = _signSubgraphUrl(PARTNER2_KEY, address(ecosystems), PARTNER1, url, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, vm.addr(PARTNER1_KEY)));
        ecosystems.updateSubgraphUrl(PARTNER1, url, deadline, signature);
        signature = _signSubgraphUrl(OUTSIDER_KEY, address(ecosystems), PARTNER1, url, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, vm.addr(PARTNER1_KEY)));
        ecosystems.updateSubgraphUrl(PARTNER1, url, deadline, signature);
        // The operator signed another URL than the one submitted.
        signature = _signSubgraphUrl(PARTNER1_KEY, address(ecosystems), PARTNER1, "https://ok.example", 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, vm.addr(PARTNER1_KEY)));
        ecosystems.updateSubgraphUrl(PARTNER1, url, deadline, signature);
        // The operator signed for its own ecosystem, submitted for another.
        signature = _signSubgraphUrl(PARTNER1_KEY, address(ecosystems), PARTNER1, url, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, vm.addr(PARTNER2_KEY)));
        ecosystems.updateSubgraphUrl(PARTNER2, url, deadline, signature);

        _assertEcosystem(PARTNER1, true, vm.addr(PARTNER1_KEY), "Partner L2", "http://127.0.0.1:4101/graphql");
    }

    function test_updateSubgraphUrl_rejectsExpiredUnknownAndTooLong() public {
        uint256 deadline = block.timestamp - 1;
        bytes memory signature = _signSubgraphUrl(PARTNER1_KEY, address(ecosystems), PARTNER1, "x", 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, deadline, block.timestamp));
        ecosystems.updateSubgraphUrl(PARTNER1, "x", deadline, signature);

        deadline = _deadline();
        signature = _signSubgraphUrl(PARTNER1_KEY, address(ecosystems), 9, "x", 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.UnknownEcosystem.selector, 9));
        ecosystems.updateSubgraphUrl(9, "x", deadline, signature);

        string memory tooLong = _string(257);
        signature = _signSubgraphUrl(PARTNER1_KEY, address(ecosystems), PARTNER1, tooLong, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.InvalidEcosystemField.selector, "subgraphUrl"));
        ecosystems.updateSubgraphUrl(PARTNER1, tooLong, deadline, signature);
        assertEq(ecosystems.nonces(vm.addr(PARTNER1_KEY)), 0, "no nonce used");
    }

    function test_domainSeparator_isCalderaEcosystemsVersionOne() public view {
        bytes32 expected = keccak256(
            abi.encode(
                RISK_DOMAIN_TYPEHASH,
                keccak256("Caldera Ecosystems"),
                keccak256("1"),
                block.chainid,
                address(ecosystems)
            )
        );
        assertEq(ecosystems.DOMAIN_SEPARATOR(), expected, "domain");
        assertEq(ecosystems.UPDATE_SUBGRAPH_URL_TYPEHASH(), keccak256(bytes(UPDATE_SUBGRAPH_URL_TYPE)), "type string");
    }
}

/// @notice Admission and suspension the way production does them: a node vote through CalderaGovernor and the
///         2-day timelock, which is the registry's only governance account.
contract EcosystemRegistryGovernanceTest is CalderaGovernanceFixture {
    EcosystemRegistry internal ecosystems;
    address internal constant CALDERA_OPERATOR = address(0xCA1D);
    address internal constant PARTNER_OPERATOR = address(0xE001);

    function setUp() public override {
        super.setUp();
        ecosystems = new EcosystemRegistry(address(timelock), CALDERA_OPERATOR);
    }

    function _passQueueAndWait(bytes memory data, string memory description)
        internal
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        (targets, values, calldatas) = _oneCall(address(ecosystems), data);
        _passAndQueue(targets, calldatas, description);
        vm.warp(block.timestamp + TIMELOCK_DELAY);
    }

    function test_nodesAdmitAndSuspendAnEcosystemByVote() public {
        string memory url = "https://risk.partner.example/graphql";
        vm.expectRevert(abi.encodeWithSelector(IEcosystemRegistry.NotGovernance.selector, NODE_A));
        vm.prank(NODE_A);
        ecosystems.admitEcosystem("Partner L2", PARTNER_OPERATOR, url);

        string memory description = "Admit Partner L2 to the risk network";
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _passQueueAndWait(
            abi.encodeCall(ecosystems.admitEcosystem, ("Partner L2", PARTNER_OPERATOR, url)), description
        );
        vm.expectEmit(true, true, false, true, address(ecosystems));
        emit IEcosystemRegistry.EcosystemAdmitted(2, PARTNER_OPERATOR, "Partner L2", url);
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));
        assertEq(ecosystems.ecosystemCount(), 2, "admitted");
        assertEq(ecosystems.ecosystemOf(PARTNER_OPERATOR), 2, "operator");
        assertTrue(ecosystems.isActive(2), "active");

        description = "Suspend Partner L2";
        (targets, values, calldatas) =
            _passQueueAndWait(abi.encodeCall(ecosystems.setEcosystemActive, (2, false)), description);
        vm.expectEmit(true, false, false, true, address(ecosystems));
        emit IEcosystemRegistry.EcosystemStatusChanged(2, false);
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));
        assertFalse(ecosystems.isActive(2), "suspended by vote");
    }
}

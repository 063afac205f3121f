// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {EvolutionFixture} from "./utils/EvolutionHelpers.sol";
import {ComponentRegistry} from "../src/ComponentRegistry.sol";
import {EraPermit} from "../src/interfaces/EraPermit.sol";
import {IComponentRegistry} from "../src/interfaces/IComponentRegistry.sol";
import {IEvolutionPool} from "../src/interfaces/IEvolutionPool.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";

contract ComponentRegistryTest is EvolutionFixture {
    uint256 internal constant MIN_PLEDGE = 1_000 ether;
    uint256 internal constant COMPENSATION = 800 ether;
    bytes32 internal constant REQUEST = keccak256("request");

    // ---------------------------------------------------------------- construction, pool and governance

    function test_constructor_installsTheDefaultsWithTheEvents() public {
        vm.expectEmit(false, false, false, true);
        emit IComponentRegistry.ComponentParametersSet(2_000, MIN_PLEDGE, COMPENSATION, 7 days);
        vm.expectEmit(false, false, false, true);
        emit IComponentRegistry.AttestationParametersSet(2, 10_000 ether);
        ComponentRegistry fresh = new ComponentRegistry(IERC20(address(era)), IERC5805(address(staking)), GOVERNANCE);
        assertEq(fresh.poolShareBps(), 2_000, "pool share");
        assertEq(fresh.minPledge(), MIN_PLEDGE, "min pledge");
        assertEq(fresh.absorptionCompensation(), COMPENSATION, "compensation");
        assertEq(fresh.absorptionWindow(), 7 days, "window");
        assertEq(fresh.attestationQuorum(), 2, "quorum");
        assertEq(fresh.minAttesterStake(), 10_000 ether, "min stake");
        assertEq(fresh.evolutionPool(), address(0), "no pool yet");
        assertEq(fresh.timelock(), GOVERNANCE, "timelock");
        assertEq(fresh.deployer(), address(this), "deployer");
        assertEq(fresh.era(), address(era), "era");
        assertEq(fresh.staking(), address(staking), "staking");
        assertEq(fresh.componentCount(), 0, "no components");
        assertEq(fresh.reportCount() + fresh.absorptionCount() + fresh.invocationCount(), 0, "nothing counted");
    }

    function test_constructor_rejectsZeroAddresses() public {
        IERC20 token = IERC20(address(era));
        IERC5805 votes = IERC5805(address(staking));
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.ZeroAddress.selector, "era"));
        new ComponentRegistry(IERC20(address(0)), votes, GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.ZeroAddress.selector, "staking"));
        new ComponentRegistry(token, IERC5805(address(0)), GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.ZeroAddress.selector, "timelock"));
        new ComponentRegistry(token, votes, address(0));
    }

    function test_setEvolutionPool_onlyTheDeployerOnceAndNeverZero() public {
        assertEq(registry.evolutionPool(), address(pool), "the fixture set the pool");
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.EvolutionPoolAlreadySet.selector, address(pool)));
        registry.setEvolutionPool(address(0xBEEF));

        ComponentRegistry fresh = new ComponentRegistry(IERC20(address(era)), IERC5805(address(staking)), GOVERNANCE);
        vm.prank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.NotGovernance.selector, GOVERNANCE));
        fresh.setEvolutionPool(address(pool));
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.ZeroAddress.selector, "pool"));
        fresh.setEvolutionPool(address(0));
        fresh.setEvolutionPool(address(0xBEEF));
        assertEq(fresh.evolutionPool(), address(0xBEEF), "set once");
    }

    function testFuzz_governedFunctions_revertForAnyoneButTheTimelock(address who) public {
        vm.assume(who != GOVERNANCE);
        vm.startPrank(who);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.NotGovernance.selector, who));
        registry.setComponentParameters(1, 1, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.NotGovernance.selector, who));
        registry.setAttestationParameters(1, 1);
        vm.stopPrank();
    }

    function test_setComponentParameters_boundsTheShareAndEmits() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.InvalidBps.selector, uint16(10_001)));
        registry.setComponentParameters(10_001, 1, 1, 1);
        vm.expectEmit(false, false, false, true, address(registry));
        emit IComponentRegistry.ComponentParametersSet(10_000, 5 ether, 6 ether, 1 days);
        registry.setComponentParameters(10_000, 5 ether, 6 ether, 1 days);
        vm.stopPrank();
        assertEq(registry.poolShareBps(), 10_000, "share");
        assertEq(registry.minPledge(), 5 ether, "pledge");
        assertEq(registry.absorptionCompensation(), 6 ether, "compensation");
        assertEq(registry.absorptionWindow(), 1 days, "window");
    }

    function test_setAttestationParameters_refusesAZeroQuorumAndEmits() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.InvalidQuorum.selector, uint16(0)));
        registry.setAttestationParameters(0, 1);
        vm.expectEmit(false, false, false, true, address(registry));
        emit IComponentRegistry.AttestationParametersSet(3, 50_000 ether);
        registry.setAttestationParameters(3, 50_000 ether);
        vm.stopPrank();
        assertEq(registry.attestationQuorum(), 3, "quorum");
        assertEq(registry.minAttesterStake(), 50_000 ether, "stake");
    }

    // ---------------------------------------------------------------- registration

    function test_registerComponent_storesItPullsThePledgeAndEmits() public {
        _approve(provider, address(registry), MIN_PLEDGE);
        uint256 deadline = _deadline();
        bytes memory signature = _signRegister(
            PROVIDER_KEY,
            address(registry),
            IComponentRegistry.ComponentKind.SERVICE,
            NAME,
            1 ether,
            MIN_PLEDGE,
            LOGIC,
            0,
            deadline
        );
        uint256 before = era.balanceOf(provider);
        vm.expectEmit(true, true, false, true, address(registry));
        emit IComponentRegistry.ComponentRegistered(
            1, provider, IComponentRegistry.ComponentKind.SERVICE, NAME, 1 ether, MIN_PLEDGE, LOGIC
        );
        vm.prank(HUB);
        uint256 id = registry.registerComponent(
            provider,
            IComponentRegistry.ComponentKind.SERVICE,
            NAME,
            1 ether,
            MIN_PLEDGE,
            LOGIC,
            deadline,
            signature,
            _noPermit()
        );
        assertEq(id, 1, "first id");
        IComponentRegistry.Component memory c = registry.component(1);
        assertEq(c.provider, provider, "provider");
        assertEq(uint256(c.kind), uint256(IComponentRegistry.ComponentKind.SERVICE), "kind");
        assertEq(c.version, 1, "version 1");
        assertEq(c.registeredAt, block.timestamp, "registered at");
        assertEq(c.name, NAME, "name");
        assertEq(c.price, 1 ether, "price");
        assertEq(c.pledge, MIN_PLEDGE, "pledge");
        assertEq(c.logicHash, LOGIC, "logic");
        assertEq(before - era.balanceOf(provider), MIN_PLEDGE, "pledge pulled");
        assertEq(era.balanceOf(address(registry)), MIN_PLEDGE, "registry holds the pledge");
        assertEq(registry.nonces(provider), 1, "nonce used");
        assertEq(registry.componentCount(), 1, "count");
    }

    function test_registerComponent_withAPermitAndNoAllowance() public {
        uint256 deadline = _deadline();
        EraPermit memory permit =
            _eraPermit(PROVIDER_KEY, address(era), address(registry), MIN_PLEDGE, era.nonces(provider), deadline);
        bytes memory signature = _signRegister(
            PROVIDER_KEY,
            address(registry),
            IComponentRegistry.ComponentKind.DATA,
            NAME,
            0,
            MIN_PLEDGE,
            LOGIC,
            0,
            deadline
        );
        vm.prank(HUB);
        registry.registerComponent(
            provider, IComponentRegistry.ComponentKind.DATA, NAME, 0, MIN_PLEDGE, LOGIC, deadline, signature, permit
        );
        assertEq(era.balanceOf(address(registry)), MIN_PLEDGE, "pulled through the permit");
    }

    function test_registerComponent_aFrontRunPermitStillProceedsOnTheAllowance() public {
        uint256 deadline = _deadline();
        EraPermit memory permit =
            _eraPermit(PROVIDER_KEY, address(era), address(registry), MIN_PLEDGE, era.nonces(provider), deadline);
        // Someone submits the permit first: the allowance is there, the permit call inside fails (nonce used).
        era.permit(provider, address(registry), MIN_PLEDGE, deadline, permit.v, permit.r, permit.s);
        bytes memory signature = _signRegister(
            PROVIDER_KEY,
            address(registry),
            IComponentRegistry.ComponentKind.DATA,
            NAME,
            0,
            MIN_PLEDGE,
            LOGIC,
            0,
            deadline
        );
        vm.prank(HUB);
        registry.registerComponent(
            provider, IComponentRegistry.ComponentKind.DATA, NAME, 0, MIN_PLEDGE, LOGIC, deadline, signature, permit
        );
        assertEq(era.balanceOf(address(registry)), MIN_PLEDGE, "pulled on the allowance");
    }

    function test_registerComponent_refusesBadInputs() public {
        uint256 deadline = _deadline();
        IComponentRegistry.ComponentKind none = IComponentRegistry.ComponentKind.NONE;
        IComponentRegistry.ComponentKind rules = IComponentRegistry.ComponentKind.RULES;
        bytes memory signature =
            _signRegister(PROVIDER_KEY, address(registry), none, NAME, 0, MIN_PLEDGE, LOGIC, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.InvalidComponentKind.selector, uint8(0)));
        registry.registerComponent(provider, none, NAME, 0, MIN_PLEDGE, LOGIC, deadline, signature, _noPermit());

        signature = _signRegister(PROVIDER_KEY, address(registry), rules, bytes32(0), 0, MIN_PLEDGE, LOGIC, 0, deadline);
        vm.expectRevert(IComponentRegistry.EmptyName.selector);
        registry.registerComponent(provider, rules, bytes32(0), 0, MIN_PLEDGE, LOGIC, deadline, signature, _noPermit());

        uint256 low = MIN_PLEDGE - 1;
        signature = _signRegister(PROVIDER_KEY, address(registry), rules, NAME, 0, low, LOGIC, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.PledgeTooLow.selector, low, MIN_PLEDGE));
        registry.registerComponent(provider, rules, NAME, 0, low, LOGIC, deadline, signature, _noPermit());

        // Signature checks come first: another's signature, a used nonce, a past deadline.
        signature = _signRegister(OUTSIDER_KEY, address(registry), rules, NAME, 0, MIN_PLEDGE, LOGIC, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        registry.registerComponent(provider, rules, NAME, 0, MIN_PLEDGE, LOGIC, deadline, signature, _noPermit());
        signature = _signRegister(PROVIDER_KEY, address(registry), rules, NAME, 0, MIN_PLEDGE, LOGIC, 0, NOW - 1);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, NOW - 1, NOW));
        registry.registerComponent(provider, rules, NAME, 0, MIN_PLEDGE, LOGIC, NOW - 1, signature, _noPermit());

        // No allowance: the token refuses and nothing is stored.
        signature = _signRegister(PROVIDER_KEY, address(registry), rules, NAME, 0, MIN_PLEDGE, LOGIC, 0, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(registry), 0, MIN_PLEDGE)
        );
        registry.registerComponent(provider, rules, NAME, 0, MIN_PLEDGE, LOGIC, deadline, signature, _noPermit());
        assertEq(registry.componentCount(), 0, "nothing registered");
    }

    function test_registerComponent_aReplayedSignatureIsVoid() public {
        _approve(provider, address(registry), 2 * MIN_PLEDGE);
        uint256 deadline = _deadline();
        IComponentRegistry.ComponentKind kind = IComponentRegistry.ComponentKind.COMPUTE;
        bytes memory signature =
            _signRegister(PROVIDER_KEY, address(registry), kind, NAME, 0, MIN_PLEDGE, LOGIC, 0, deadline);
        registry.registerComponent(provider, kind, NAME, 0, MIN_PLEDGE, LOGIC, deadline, signature, _noPermit());
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        registry.registerComponent(provider, kind, NAME, 0, MIN_PLEDGE, LOGIC, deadline, signature, _noPermit());
    }

    function test_views_revertForUnknownIds() public {
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownComponent.selector, uint256(7)));
        registry.component(7);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownAbsorption.selector, uint256(7)));
        registry.absorption(7);
        assertEq(registry.evolutionReport(7).componentId, 0, "an unknown report is all zero");
    }

    // ---------------------------------------------------------------- price and pledge

    function test_setComponentPrice_byTheProviderOnly() public {
        uint256 id = _registerDefault(1 ether);
        uint256 deadline = _deadline();
        _impersonated = provider;
        bytes memory outsider = _signPrice(OUTSIDER_KEY, address(registry), id, 5 ether, 1, deadline);
        _impersonated = address(0);
        vm.expectRevert(
            abi.encodeWithSelector(IComponentRegistry.NotComponentProvider.selector, id, vm.addr(OUTSIDER_KEY))
        );
        registry.setComponentPrice(id, 5 ether, deadline, outsider);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownComponent.selector, uint256(9)));
        registry.setComponentPrice(9, 5 ether, deadline, outsider);

        bytes memory signature = _signPrice(PROVIDER_KEY, address(registry), id, 5 ether, 1, deadline);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IComponentRegistry.ComponentPriceSet(id, 5 ether);
        registry.setComponentPrice(id, 5 ether, deadline, signature);
        assertEq(registry.component(id).price, 5 ether, "price set");
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, NOW - 1, NOW));
        registry.setComponentPrice(id, 5 ether, NOW - 1, signature);
    }

    function test_addPledge_addsAndEmitsTheNewTotal() public {
        uint256 id = _registerDefault(0);
        _approve(provider, address(registry), 250 ether);
        uint256 deadline = _deadline();
        _impersonated = provider;
        bytes memory outsider = _signAddPledge(OUTSIDER_KEY, address(registry), id, 250 ether, 1, deadline);
        _impersonated = address(0);
        vm.expectRevert(
            abi.encodeWithSelector(IComponentRegistry.NotComponentProvider.selector, id, vm.addr(OUTSIDER_KEY))
        );
        registry.addPledge(id, 250 ether, deadline, outsider, _noPermit());

        bytes memory signature = _signAddPledge(PROVIDER_KEY, address(registry), id, 250 ether, 1, deadline);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IComponentRegistry.PledgeAdded(id, 250 ether, MIN_PLEDGE + 250 ether);
        registry.addPledge(id, 250 ether, deadline, signature, _noPermit());
        assertEq(registry.component(id).pledge, MIN_PLEDGE + 250 ether, "pledge");
        assertEq(era.balanceOf(address(registry)), MIN_PLEDGE + 250 ether, "held");
    }

    // ---------------------------------------------------------------- invocations

    function test_invokeComponent_splitsTheFeeBetweenThePoolAndTheProvider() public {
        uint256 id = _registerDefault(1 ether);
        uint256 providerBefore = era.balanceOf(provider);
        uint256 callerBefore = era.balanceOf(caller);
        _approve(caller, address(registry), 2 ether);
        uint256 deadline = _deadline();
        bytes memory signature = _signInvoke(CALLER_KEY, address(registry), id, 2 ether, REQUEST, 0, deadline);
        vm.expectEmit(true, true, false, true, address(pool));
        emit IEvolutionPool.PoolFunded(address(registry), id, 0.2 ether);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IComponentRegistry.ComponentInvoked(1, id, caller, REQUEST, 1 ether, 0.2 ether, 0.8 ether);
        vm.prank(HUB);
        uint256 invocationId = registry.invokeComponent(caller, id, 2 ether, REQUEST, deadline, signature, _noPermit());
        assertEq(invocationId, 1, "first invocation");
        assertEq(registry.invocationCount(), 1, "counted");
        assertEq(callerBefore - era.balanceOf(caller), 1 ether, "caller paid the price, not the max");
        assertEq(era.balanceOf(provider) - providerBefore, 0.8 ether, "provider got 80%");
        assertEq(era.balanceOf(address(pool)), 0.2 ether, "pool got 20%");
        assertEq(pool.totalFunded(), 0.2 ether, "pool booked it");
        assertEq(era.balanceOf(address(registry)), MIN_PLEDGE, "the fee does not rest in the registry");
    }

    function test_invokeComponent_withAPermit() public {
        uint256 id = _registerDefault(1 ether);
        uint256 deadline = _deadline();
        EraPermit memory permit =
            _eraPermit(CALLER_KEY, address(era), address(registry), 1 ether, era.nonces(caller), deadline);
        bytes memory signature = _signInvoke(CALLER_KEY, address(registry), id, 1 ether, REQUEST, 0, deadline);
        registry.invokeComponent(caller, id, 1 ether, REQUEST, deadline, signature, permit);
        assertEq(era.balanceOf(address(pool)), 0.2 ether, "paid through the permit");
    }

    function test_invokeComponent_aFreeComponentMovesNoEra() public {
        uint256 id = _registerDefault(0);
        uint256 deadline = _deadline();
        bytes memory signature = _signInvoke(CALLER_KEY, address(registry), id, 0, REQUEST, 0, deadline);
        uint256 callerBefore = era.balanceOf(caller);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IComponentRegistry.ComponentInvoked(1, id, caller, REQUEST, 0, 0, 0);
        registry.invokeComponent(caller, id, 0, REQUEST, deadline, signature, _noPermit());
        assertEq(era.balanceOf(caller), callerBefore, "nothing paid");
        assertEq(pool.totalFunded(), 0, "nothing funded");
    }

    function test_invokeComponent_refusesAPriceAboveTheSignedMaximum() public {
        uint256 id = _registerDefault(1 ether);
        uint256 deadline = _deadline();
        bytes memory signature = _signInvoke(CALLER_KEY, address(registry), id, 0.5 ether, REQUEST, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.PriceAboveMax.selector, id, 1 ether, 0.5 ether));
        registry.invokeComponent(caller, id, 0.5 ether, REQUEST, deadline, signature, _noPermit());
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownComponent.selector, uint256(2)));
        registry.invokeComponent(caller, 2, 0.5 ether, REQUEST, deadline, signature, _noPermit());
    }

    function test_invokeComponent_withoutEnoughEraPaysNothing() public {
        uint256 id = _registerDefault(1 ether);
        address poor = vm.addr(OUTSIDER_KEY);
        _approve(poor, address(registry), 1 ether);
        uint256 deadline = _deadline();
        bytes memory signature = _signInvoke(OUTSIDER_KEY, address(registry), id, 1 ether, REQUEST, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, poor, 0, 0.2 ether));
        registry.invokeComponent(poor, id, 1 ether, REQUEST, deadline, signature, _noPermit());
        assertEq(registry.invocationCount(), 0, "no invocation");
        assertEq(pool.totalFunded(), 0, "nothing funded");
    }

    function test_invokeComponent_aPaidCallNeedsThePool() public {
        ComponentRegistry fresh = new ComponentRegistry(IERC20(address(era)), IERC5805(address(staking)), GOVERNANCE);
        _approve(provider, address(fresh), MIN_PLEDGE);
        uint256 deadline = _deadline();
        IComponentRegistry.ComponentKind kind = IComponentRegistry.ComponentKind.SERVICE;
        bytes memory signature =
            _signRegister(PROVIDER_KEY, address(fresh), kind, NAME, 1 ether, MIN_PLEDGE, LOGIC, 0, deadline);
        fresh.registerComponent(provider, kind, NAME, 1 ether, MIN_PLEDGE, LOGIC, deadline, signature, _noPermit());
        _approve(caller, address(fresh), 1 ether);
        signature = _signInvoke(CALLER_KEY, address(fresh), 1, 1 ether, REQUEST, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.ZeroAddress.selector, "evolutionPool"));
        fresh.invokeComponent(caller, 1, 1 ether, REQUEST, deadline, signature, _noPermit());
    }

    function testFuzz_feeSplit_poolShareRoundsDownAndNothingIsLost(uint256 fee, uint16 shareBps) public {
        fee = bound(fee, 0, 1e30);
        shareBps = uint16(bound(shareBps, 0, 10_000));
        vm.prank(GOVERNANCE);
        registry.setComponentParameters(shareBps, MIN_PLEDGE, COMPENSATION, 7 days);
        (uint256 toPool, uint256 toProvider) = registry.feeSplit(fee);
        assertEq(toPool, fee * shareBps / 10_000, "pool share floored");
        assertEq(toPool + toProvider, fee, "the whole fee is split");
        assertTrue(toPool * 10_000 <= fee * shareBps, "never more than the share");
    }

    function testFuzz_invokeComponent_movesExactlyTheSplit(uint256 price, uint16 shareBps) public {
        price = bound(price, 1, 100_000 ether);
        shareBps = uint16(bound(shareBps, 0, 10_000));
        vm.prank(GOVERNANCE);
        registry.setComponentParameters(shareBps, MIN_PLEDGE, COMPENSATION, 7 days);
        uint256 id = _registerDefault(price);
        uint256 providerBefore = era.balanceOf(provider);
        _invoke(CALLER_KEY, id, price, REQUEST);
        uint256 toPool = price * shareBps / 10_000;
        assertEq(era.balanceOf(address(pool)), toPool, "pool");
        assertEq(pool.totalFunded(), toPool, "booked");
        assertEq(era.balanceOf(provider) - providerBefore, price - toPool, "provider");
    }

    function testFuzz_recordFunding_onlyTheRegistry(address who, uint256 amount) public {
        vm.assume(who != address(registry));
        vm.prank(who);
        vm.expectRevert(abi.encodeWithSelector(IEvolutionPool.NotComponentRegistry.selector, who));
        pool.recordFunding(1, amount);
    }

    // ---------------------------------------------------------------- evolution reports

    function _report(uint256 id, int32 improvement)
        internal
        pure
        returns (IComponentRegistry.EvolutionReport memory r)
    {
        r.componentId = id;
        r.beforeMetrics = _metrics(2_800_000, 3_100_000);
        r.afterMetrics = _metrics(1_850_000, 2_000_000);
        r.efficiencyImprovementBps = improvement;
        r.evidenceHash = keccak256("evidence");
        r.decisionLogHash = keccak256("decision log");
        r.logicHash = keccak256("core-prover logic v2");
    }

    function _publish(IComponentRegistry.EvolutionReport memory r, bytes memory signature, uint256 deadline)
        internal
        returns (uint256)
    {
        return registry.publishEvolutionReport(
            r.componentId,
            r.beforeMetrics,
            r.afterMetrics,
            r.efficiencyImprovementBps,
            r.evidenceHash,
            r.decisionLogHash,
            r.logicHash,
            deadline,
            signature
        );
    }

    function test_publishEvolutionReport_storesItAndAdvancesTheLogic() public {
        uint256 id = _registerDefault(0);
        IComponentRegistry.EvolutionReport memory r = _report(id, 3_392);
        uint256 deadline = _deadline();
        bytes memory signature = _signReport(PROVIDER_KEY, address(registry), r, 1, deadline);
        vm.expectEmit(true, true, false, true, address(registry));
        emit IComponentRegistry.EvolutionReportPublished(
            1, id, r.beforeMetrics, r.afterMetrics, 3_392, r.evidenceHash, r.decisionLogHash, r.logicHash
        );
        vm.expectEmit(true, false, false, true, address(registry));
        emit IComponentRegistry.LogicUpdated(id, 2, r.logicHash);
        vm.prank(HUB);
        uint256 reportId = _publish(r, signature, deadline);
        assertEq(reportId, 1, "first report");
        assertEq(registry.reportCount(), 1, "count");
        IComponentRegistry.EvolutionReport memory stored = registry.evolutionReport(1);
        assertEq(stored.componentId, id, "component");
        assertEq(stored.beforeMetrics.p50LatencyMicros, 2_800_000, "before p50");
        assertEq(stored.afterMetrics.p95LatencyMicros, 2_000_000, "after p95");
        assertEq(stored.afterMetrics.invocations, 120, "invocations");
        assertEqInt(stored.efficiencyImprovementBps, 3_392, "improvement");
        assertEq(stored.evidenceHash, r.evidenceHash, "evidence");
        assertEq(stored.decisionLogHash, r.decisionLogHash, "decision log");
        assertEq(stored.logicHash, r.logicHash, "logic");
        assertEq(stored.publishedAt, block.timestamp, "published at");
        IComponentRegistry.Component memory c = registry.component(id);
        assertEq(c.version, 2, "version advanced");
        assertEq(c.logicHash, r.logicHash, "logic advanced");
    }

    function test_publishEvolutionReport_refusesNoImprovementAndOthersSignatures() public {
        uint256 id = _registerDefault(0);
        uint256 deadline = _deadline();
        IComponentRegistry.EvolutionReport memory r = _report(id, 0);
        bytes memory signature = _signReport(PROVIDER_KEY, address(registry), r, 1, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.NoImprovementClaimed.selector, int32(0)));
        _publish(r, signature, deadline);
        r = _report(id, -150);
        signature = _signReport(PROVIDER_KEY, address(registry), r, 1, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.NoImprovementClaimed.selector, int32(-150)));
        _publish(r, signature, deadline);

        r = _report(id, 2_500);
        _impersonated = provider;
        signature = _signReport(OUTSIDER_KEY, address(registry), r, 1, deadline);
        _impersonated = address(0);
        vm.expectRevert(
            abi.encodeWithSelector(IComponentRegistry.NotComponentProvider.selector, id, vm.addr(OUTSIDER_KEY))
        );
        _publish(r, signature, deadline);
        // The provider's signature over other figures does not cover these.
        signature = _signReport(PROVIDER_KEY, address(registry), _report(id, 2_600), 1, deadline);
        // (the address ECDSA recovers from it is some unrelated one)
        vm.expectPartialRevert(IComponentRegistry.NotComponentProvider.selector);
        _publish(r, signature, deadline);
        r.componentId = 5;
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownComponent.selector, uint256(5)));
        _publish(r, signature, deadline);
    }

    // ---------------------------------------------------------------- absorption

    function _twoComponents() internal returns (uint256 absorberId, uint256 sourceId) {
        sourceId = _register(
            PROVIDER_KEY, IComponentRegistry.ComponentKind.DATA, "agricultural-validator", 0, MIN_PLEDGE, LOGIC
        );
        absorberId = _register(
            PROVIDER2_KEY, IComponentRegistry.ComponentKind.DATA, "industrial-validator", 0, MIN_PLEDGE, LOGIC2
        );
    }

    function test_requestAbsorption_escrowsTheCompensation() public {
        (uint256 absorberId, uint256 sourceId) = _twoComponents();
        uint256 before = era.balanceOf(provider2);
        _approve(provider2, address(registry), COMPENSATION);
        uint256 deadline = _deadline();
        bytes memory absorberSignature = _signRequestAbsorption(
            PROVIDER2_KEY, address(registry), absorberId, sourceId, LOGIC, COMPENSATION, 1, deadline
        );
        bytes memory sourceSignature = _signRequestAbsorption(
            PROVIDER_KEY, address(registry), absorberId, sourceId, LOGIC, COMPENSATION, 1, deadline
        );
        vm.expectEmit(true, true, true, true, address(registry));
        emit IComponentRegistry.AbsorptionRequested(1, absorberId, sourceId, LOGIC, COMPENSATION);
        vm.prank(HUB);
        uint256 absorptionId = registry.requestAbsorption(
            absorberId, sourceId, LOGIC, deadline, absorberSignature, sourceSignature, _noPermit()
        );
        assertEq(absorptionId, 1, "first absorption");
        IComponentRegistry.Absorption memory a = registry.absorption(1);
        assertEq(a.absorberId, absorberId, "absorber");
        assertEq(a.sourceId, sourceId, "source");
        assertEq(a.moduleHash, LOGIC, "module");
        assertEq(a.compensation, COMPENSATION, "compensation");
        assertEq(uint256(a.status), uint256(IComponentRegistry.AbsorptionStatus.REQUESTED), "requested");
        assertEq(a.requestedAt, block.timestamp, "requested at");
        assertEq(a.snapshotBlock, block.number - 1, "snapshot");
        assertEq(before - era.balanceOf(provider2), COMPENSATION, "escrow pulled from the absorber's provider");
        assertEq(era.balanceOf(address(registry)), 2 * MIN_PLEDGE + COMPENSATION, "pledges + escrow");
        assertFalse(registry.hasAbsorbed(absorberId, LOGIC), "not absorbed yet");
    }

    function test_requestAbsorption_oneProviderOwningBothSignsTwoNonces() public {
        uint256 sourceId = _registerDefault(0);
        uint256 absorberId =
            _register(PROVIDER_KEY, IComponentRegistry.ComponentKind.COMPUTE, "binding-prover", 0, MIN_PLEDGE, LOGIC2);
        _requestAbsorption(PROVIDER_KEY, PROVIDER_KEY, absorberId, sourceId, LOGIC);
        assertEq(registry.nonces(provider), 4, "two registrations + two request signatures");
    }

    function test_requestAbsorption_refusesBadRequests() public {
        (uint256 absorberId, uint256 sourceId) = _twoComponents();
        uint256 deadline = _deadline();
        bytes memory none;
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownComponent.selector, uint256(9)));
        registry.requestAbsorption(9, sourceId, LOGIC, deadline, none, none, _noPermit());
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownComponent.selector, uint256(9)));
        registry.requestAbsorption(absorberId, 9, LOGIC, deadline, none, none, _noPermit());
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.SelfAbsorption.selector, sourceId));
        registry.requestAbsorption(sourceId, sourceId, LOGIC, deadline, none, none, _noPermit());
        bytes32 wrong = keccak256("not the source's logic");
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.ModuleHashMismatch.selector, sourceId, LOGIC, wrong));
        registry.requestAbsorption(absorberId, sourceId, wrong, deadline, none, none, _noPermit());

        bytes memory absorberSignature = _signRequestAbsorption(
            PROVIDER2_KEY, address(registry), absorberId, sourceId, LOGIC, COMPENSATION, 1, deadline
        );
        _impersonated = provider2;
        bytes memory outsider = _signRequestAbsorption(
            OUTSIDER_KEY, address(registry), absorberId, sourceId, LOGIC, COMPENSATION, 1, deadline
        );
        vm.expectRevert(
            abi.encodeWithSelector(IComponentRegistry.NotComponentProvider.selector, absorberId, vm.addr(OUTSIDER_KEY))
        );
        registry.requestAbsorption(absorberId, sourceId, LOGIC, deadline, outsider, outsider, _noPermit());
        _impersonated = provider;
        outsider = _signRequestAbsorption(
            OUTSIDER_KEY, address(registry), absorberId, sourceId, LOGIC, COMPENSATION, 1, deadline
        );
        _impersonated = address(0);
        vm.expectRevert(
            abi.encodeWithSelector(IComponentRegistry.NotComponentProvider.selector, sourceId, vm.addr(OUTSIDER_KEY))
        );
        registry.requestAbsorption(absorberId, sourceId, LOGIC, deadline, absorberSignature, outsider, _noPermit());
        assertEq(registry.absorptionCount(), 0, "nothing requested");
    }

    function _approveWith(uint256[] memory keys, uint256 absorptionId) internal {
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) = _approvals(keys, absorptionId, LOGIC, deadline);
        registry.approveAbsorption(absorptionId, deadline, nodes, signatures);
    }

    function test_approveAbsorption_paysTheSourceAndAdvancesTheAbsorbersLogic() public {
        (uint256 absorberId, uint256 sourceId) = _twoComponents();
        uint256 absorptionId = _requestAbsorption(PROVIDER2_KEY, PROVIDER_KEY, absorberId, sourceId, LOGIC);
        uint256 sourceBefore = era.balanceOf(provider);
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) =
            _approvals(_keys(NODE3_KEY, NODE1_KEY), absorptionId, LOGIC, deadline);
        bytes32 newLogic = keccak256(abi.encode(LOGIC2, LOGIC));
        vm.expectEmit(true, false, false, true, address(registry));
        emit IComponentRegistry.AbsorptionApproved(absorptionId, nodes, provider, COMPENSATION);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IComponentRegistry.LogicUpdated(absorberId, 2, newLogic);
        vm.prank(HUB);
        registry.approveAbsorption(absorptionId, deadline, nodes, signatures);

        assertEq(era.balanceOf(provider) - sourceBefore, COMPENSATION, "source provider paid");
        assertEq(era.balanceOf(address(registry)), 2 * MIN_PLEDGE, "escrow released");
        assertTrue(registry.hasAbsorbed(absorberId, LOGIC), "absorbed");
        assertFalse(registry.hasAbsorbed(sourceId, LOGIC), "only the absorber");
        assertEq(
            uint256(registry.absorption(absorptionId).status),
            uint256(IComponentRegistry.AbsorptionStatus.APPROVED),
            "approved"
        );
        IComponentRegistry.Component memory absorber = registry.component(absorberId);
        assertEq(absorber.logicHash, newLogic, "keccak256(abi.encode(old, module))");
        assertEq(absorber.version, 2, "version");

        vm.expectRevert(
            abi.encodeWithSelector(
                IComponentRegistry.AbsorptionNotPending.selector,
                absorptionId,
                IComponentRegistry.AbsorptionStatus.APPROVED
            )
        );
        registry.approveAbsorption(absorptionId, deadline, nodes, signatures);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComponentRegistry.AbsorptionNotPending.selector,
                absorptionId,
                IComponentRegistry.AbsorptionStatus.APPROVED
            )
        );
        registry.reclaimAbsorption(absorptionId);
    }

    function test_approveAbsorption_refusesEveryBadAttestation() public {
        (uint256 absorberId, uint256 sourceId) = _twoComponents();
        uint256 id = _requestAbsorption(PROVIDER2_KEY, PROVIDER_KEY, absorberId, sourceId, LOGIC);
        uint256 deadline = _deadline();
        address[] memory nodes;
        bytes[] memory signatures;

        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownAbsorption.selector, uint256(5)));
        registry.approveAbsorption(5, deadline, nodes, signatures);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, NOW - 1, NOW));
        registry.approveAbsorption(id, NOW - 1, nodes, signatures);

        (nodes, signatures) = _approvals(_keys(NODE1_KEY), id, LOGIC, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.AttestationQuorumNotMet.selector, 1, 2));
        registry.approveAbsorption(id, deadline, nodes, signatures);

        (nodes, signatures) = _approvals(_keys(NODE1_KEY, SMALL_NODE_KEY), id, LOGIC, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComponentRegistry.NotAttester.selector, vm.addr(SMALL_NODE_KEY), 5_000 ether, 10_000 ether
            )
        );
        registry.approveAbsorption(id, deadline, nodes, signatures);

        (nodes, signatures) = _approvals(_keys(NODE1_KEY, OUTSIDER_KEY), id, LOGIC, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IComponentRegistry.NotAttester.selector, vm.addr(OUTSIDER_KEY), 0, 10_000 ether)
        );
        registry.approveAbsorption(id, deadline, nodes, signatures);

        (nodes, signatures) = _approvals(_keys(NODE1_KEY, NODE2_KEY, NODE1_KEY), id, LOGIC, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.DuplicateAttester.selector, vm.addr(NODE1_KEY)));
        registry.approveAbsorption(id, deadline, nodes, signatures);

        (nodes, signatures) = _approvals(_keys(NODE1_KEY, NODE2_KEY), id, keccak256("another module"), deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, vm.addr(NODE1_KEY)));
        registry.approveAbsorption(id, deadline, nodes, signatures);

        (nodes, signatures) = _approvals(_keys(NODE1_KEY, NODE2_KEY), id, LOGIC, deadline);
        bytes[] memory short = new bytes[](1);
        short[0] = signatures[0];
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.AttestationQuorumNotMet.selector, 0, 2));
        registry.approveAbsorption(id, deadline, nodes, short);

        assertEq(era.balanceOf(address(registry)), 2 * MIN_PLEDGE + COMPENSATION, "escrow untouched");
    }

    function test_approveAbsorption_stakeAfterTheRequestCountsForNothing() public {
        (uint256 absorberId, uint256 sourceId) = _twoComponents();
        uint256 id = _requestAbsorption(PROVIDER2_KEY, PROVIDER_KEY, absorberId, sourceId, LOGIC);
        address late = vm.addr(OUTSIDER_KEY);
        _stakeAs(late, 500_000 ether);
        vm.roll(block.number + 5);
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) =
            _approvals(_keys(NODE1_KEY, OUTSIDER_KEY), id, LOGIC, deadline);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.NotAttester.selector, late, 0, 10_000 ether));
        registry.approveAbsorption(id, deadline, nodes, signatures);
    }

    function test_reclaimAbsorption_onlyAfterTheWindowAndOnce() public {
        (uint256 absorberId, uint256 sourceId) = _twoComponents();
        uint256 id = _requestAbsorption(PROVIDER2_KEY, PROVIDER_KEY, absorberId, sourceId, LOGIC);
        uint64 reclaimableAt = uint64(block.timestamp + 7 days);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.AbsorptionWindowOpen.selector, id, reclaimableAt));
        registry.reclaimAbsorption(id);
        vm.warp(reclaimableAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.AbsorptionWindowOpen.selector, id, reclaimableAt));
        registry.reclaimAbsorption(id);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownAbsorption.selector, uint256(2)));
        registry.reclaimAbsorption(2);

        vm.warp(reclaimableAt);
        uint256 before = era.balanceOf(provider2);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IComponentRegistry.AbsorptionReclaimed(id, provider2, COMPENSATION);
        registry.reclaimAbsorption(id);
        assertEq(era.balanceOf(provider2) - before, COMPENSATION, "refunded");
        assertEq(era.balanceOf(address(registry)), 2 * MIN_PLEDGE, "escrow gone");
        assertFalse(registry.hasAbsorbed(absorberId, LOGIC), "not absorbed");
        vm.expectRevert(
            abi.encodeWithSelector(
                IComponentRegistry.AbsorptionNotPending.selector, id, IComponentRegistry.AbsorptionStatus.RECLAIMED
            )
        );
        registry.reclaimAbsorption(id);
    }

    // ---------------------------------------------------------------- slashing

    function testFuzz_slash_onlyThePool(address who) public {
        vm.assume(who != address(pool));
        uint256 id = _registerDefault(0);
        vm.prank(who);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.NotEvolutionPool.selector, who));
        registry.slash(id, 500);
    }

    function test_slash_checksTheBpsAndTheComponent() public {
        uint256 id = _registerDefault(0);
        vm.startPrank(address(pool));
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.InvalidBps.selector, uint16(0)));
        registry.slash(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.InvalidBps.selector, uint16(10_001)));
        registry.slash(id, 10_001);
        vm.expectRevert(abi.encodeWithSelector(IComponentRegistry.UnknownComponent.selector, uint256(3)));
        registry.slash(3, 500);
        vm.expectEmit(true, false, false, true, address(registry));
        emit IComponentRegistry.PledgeSlashed(id, 50 ether, 950 ether);
        uint256 amount = registry.slash(id, 500);
        vm.stopPrank();
        assertEq(amount, 50 ether, "5% of 1,000 ERA");
        assertEq(registry.component(id).pledge, 950 ether, "pledge reduced");
        assertEq(era.balanceOf(address(pool)), 50 ether, "moved to the pool");
    }

    function testFuzz_slashAmount_roundsUpAndNeverExceedsThePledge(uint256 pledge, uint16 bps) public view {
        pledge = bound(pledge, 0, 1e30);
        bps = uint16(bound(bps, 1, 10_000));
        uint256 amount = registry.slashAmount(pledge, bps);
        assertTrue(amount <= pledge, "never more than the pledge");
        assertTrue(amount * 10_000 >= pledge * bps, "rounded up: at least the exact share");
        if (amount > 0) assertTrue((amount - 1) * 10_000 < pledge * bps, "the least such amount");
        if (pledge > 0) assertTrue(amount > 0, "a non-zero pledge always loses something");
    }

    function testFuzz_slash_movesTheRoundedUpAmountToThePool(uint256 pledge, uint16 bps) public {
        pledge = bound(pledge, MIN_PLEDGE, 500_000 ether) + 1; // odd wei amounts exercise the rounding
        bps = uint16(bound(bps, 1, 10_000));
        uint256 id = _register(PROVIDER_KEY, IComponentRegistry.ComponentKind.RULES, NAME, 0, pledge, LOGIC);
        vm.prank(address(pool));
        uint256 amount = registry.slash(id, bps);
        assertEq(amount, (pledge * bps + 9_999) / 10_000, "ceil");
        assertEq(registry.component(id).pledge, pledge - amount, "pledge");
        assertEq(era.balanceOf(address(registry)), pledge - amount, "registry holds the rest");
    }
}

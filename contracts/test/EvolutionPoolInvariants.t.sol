// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EvolutionFixture, EvolutionSigner} from "./utils/EvolutionHelpers.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";
import {ComponentRegistry} from "../src/ComponentRegistry.sol";
import {EraToken} from "../src/EraToken.sol";
import {EvolutionPool} from "../src/EvolutionPool.sol";
import {IComponentRegistry} from "../src/interfaces/IComponentRegistry.sol";
import {IEvolutionPool} from "../src/interfaces/IEvolutionPool.sol";

/// @notice Drives the registry and the pool the way the hub and outsiders would — registrations, pledges, paid
///         invocations, price and parameter changes, funding, absorptions (requested, approved, reclaimed), epoch
///         settlements by staked nodes, attempts with unstaked keys and second settlements — and keeps the ghosts the
///         invariants compare against.
contract EvolutionHandler is EvolutionSigner {
    ComponentRegistry internal immutable registry;
    EvolutionPool internal immutable pool;
    EraToken internal immutable era;
    address internal immutable governance;

    uint256[3] internal providerKeys = [uint256(0x9807), 0x9808, 0x9809];
    uint256[2] internal callerKeys = [uint256(0xCA11), 0xCA12];
    uint256[4] internal nodeKeys = [uint256(0xD001), 0xD002, 0xD003, 0xD004];
    /// @dev Unstaked keys and a staked node below the minimum: whatever they sign must never settle.
    uint256[3] internal unattestedKeys = [uint256(0x0BAD), 0x0BAE, 0xD005];

    uint256 public ghostFunded;
    uint256 public ghostSlashed;
    uint256 public ghostRewarded;
    /// @dev Settlements that went through on signatures including an unstaked or under-staked key (must stay 0).
    uint256 public ghostUnattestedSettled;
    /// @dev The most settlements any (epoch, component) got (must stay ≤ 1).
    uint256 public maxSettlementsPerKey;
    mapping(uint64 epoch => mapping(uint256 componentId => uint256)) public settlementCount;
    uint256 public settled;
    uint256 public approved;
    uint256 public reclaimed;
    uint256 public invoked;

    constructor(ComponentRegistry registry_, EvolutionPool pool_, EraToken era_, address governance_) {
        registry = registry_;
        pool = pool_;
        era = era_;
        governance = governance_;
    }

    function actors() external view returns (address[] memory list) {
        list = new address[](10);
        for (uint256 i = 0; i < 3; i++) {
            list[i] = vm.addr(providerKeys[i]);
        }
        list[3] = vm.addr(callerKeys[0]);
        list[4] = vm.addr(callerKeys[1]);
        for (uint256 i = 0; i < 3; i++) {
            list[5 + i] = vm.addr(unattestedKeys[i]);
        }
        list[8] = address(this);
        list[9] = governance;
    }

    function _deadline() internal view returns (uint256) {
        return block.timestamp + 1 hours;
    }

    function _component(uint256 seed) internal view returns (uint256 id) {
        uint256 count = registry.componentCount();
        if (count == 0) return 0;
        return 1 + seed % count;
    }

    function _providerKeyOf(uint256 componentId) internal view returns (uint256) {
        address p = registry.component(componentId).provider;
        for (uint256 i = 0; i < 3; i++) {
            if (vm.addr(providerKeys[i]) == p) return providerKeys[i];
        }
        revert("unknown provider");
    }

    // ---------------------------------------------------------------- actions

    function register(uint256 providerSeed, uint8 kindSeed, uint256 price, uint256 pledgeExtra) external {
        uint256 key = providerKeys[providerSeed % 3];
        IComponentRegistry.ComponentKind kind = IComponentRegistry.ComponentKind(1 + kindSeed % 4);
        price = bound(price, 0, 50 ether);
        uint256 pledge = registry.minPledge() + bound(pledgeExtra, 0, 5_000 ether) + pledgeExtra % 7;
        uint256 deadline = _deadline();
        bytes32 logic = keccak256(abi.encode("logic", registry.componentCount()));
        bytes memory signature = _registerSignature(key, kind, price, pledge, logic, deadline);
        registry.registerComponent(
            vm.addr(key), kind, "component", price, pledge, logic, deadline, signature, _noPermit()
        );
    }

    function _registerSignature(
        uint256 key,
        IComponentRegistry.ComponentKind kind,
        uint256 price,
        uint256 pledge,
        bytes32 logic,
        uint256 deadline
    ) internal view returns (bytes memory) {
        uint256 nonce = registry.nonces(vm.addr(key));
        return _signRegister(key, address(registry), kind, "component", price, pledge, logic, nonce, deadline);
    }

    function addPledge(uint256 componentSeed, uint256 amount) external {
        uint256 id = _component(componentSeed);
        if (id == 0) return;
        uint256 key = _providerKeyOf(id);
        amount = bound(amount, 1, 2_000 ether);
        uint256 deadline = _deadline();
        bytes memory signature =
            _signAddPledge(key, address(registry), id, amount, registry.nonces(vm.addr(key)), deadline);
        registry.addPledge(id, amount, deadline, signature, _noPermit());
    }

    function setPrice(uint256 componentSeed, uint256 price) external {
        uint256 id = _component(componentSeed);
        if (id == 0) return;
        uint256 key = _providerKeyOf(id);
        price = bound(price, 0, 50 ether) + price % 13;
        uint256 deadline = _deadline();
        bytes memory signature = _signPrice(key, address(registry), id, price, registry.nonces(vm.addr(key)), deadline);
        registry.setComponentPrice(id, price, deadline, signature);
    }

    function invoke(uint256 callerSeed, uint256 componentSeed, bytes32 requestHash) external {
        uint256 id = _component(componentSeed);
        if (id == 0) return;
        uint256 key = callerKeys[callerSeed % 2];
        uint256 maxPrice = registry.component(id).price;
        uint256 deadline = _deadline();
        bytes memory signature =
            _signInvoke(key, address(registry), id, maxPrice, requestHash, registry.nonces(vm.addr(key)), deadline);
        uint256 poolBefore = era.balanceOf(address(pool));
        registry.invokeComponent(vm.addr(key), id, maxPrice, requestHash, deadline, signature, _noPermit());
        ghostFunded += era.balanceOf(address(pool)) - poolBefore;
        invoked++;
    }

    function fund(uint256 amount) external {
        amount = bound(amount, 1, 3_000 ether);
        pool.fund(amount, _noPermit());
        ghostFunded += amount;
    }

    function requestAbsorption(uint256 absorberSeed, uint256 sourceSeed) external {
        uint256 absorberId = _component(absorberSeed);
        uint256 sourceId = _component(sourceSeed);
        if (absorberId == 0 || absorberId == sourceId) return;
        uint256 absorberKey = _providerKeyOf(absorberId);
        uint256 sourceKey = _providerKeyOf(sourceId);
        bytes32 moduleHash = registry.component(sourceId).logicHash;
        uint256 compensation = registry.absorptionCompensation();
        uint256 deadline = _deadline();
        uint256 absorberNonce = registry.nonces(vm.addr(absorberKey));
        bytes memory absorberSignature = _signRequestAbsorption(
            absorberKey, address(registry), absorberId, sourceId, moduleHash, compensation, absorberNonce, deadline
        );
        uint256 sourceNonce = registry.nonces(vm.addr(sourceKey)) + (sourceKey == absorberKey ? 1 : 0);
        bytes memory sourceSignature = _signRequestAbsorption(
            sourceKey, address(registry), absorberId, sourceId, moduleHash, compensation, sourceNonce, deadline
        );
        registry.requestAbsorption(
            absorberId, sourceId, moduleHash, deadline, absorberSignature, sourceSignature, _noPermit()
        );
    }

    function approveAbsorption(uint256 seed, uint256 nodeSeed) external {
        uint256 count = registry.absorptionCount();
        if (count == 0) return;
        uint256 id = 1 + seed % count;
        if (registry.absorption(id).status != IComponentRegistry.AbsorptionStatus.REQUESTED) return;
        bytes32 moduleHash = registry.absorption(id).moduleHash;
        uint256 deadline = _deadline();
        address[] memory nodes = new address[](2);
        bytes[] memory signatures = new bytes[](2);
        for (uint256 i = 0; i < 2; i++) {
            uint256 key = nodeKeys[(nodeSeed % 4 + i) % 4];
            nodes[i] = vm.addr(key);
            signatures[i] = _signApproveAbsorption(key, address(registry), id, moduleHash, deadline);
        }
        registry.approveAbsorption(id, deadline, nodes, signatures);
        approved++;
    }

    function reclaimAbsorption(uint256 seed) external {
        uint256 count = registry.absorptionCount();
        if (count == 0) return;
        uint256 id = 1 + seed % count;
        IComponentRegistry.Absorption memory a = registry.absorption(id);
        if (a.status != IComponentRegistry.AbsorptionStatus.REQUESTED) return;
        if (block.timestamp < a.requestedAt + registry.absorptionWindow()) return;
        registry.reclaimAbsorption(id);
        reclaimed++;
    }

    /// @dev Staked nodes sign; a second settlement of a pair is attempted too (its success would be counted).
    function settle(uint256 epochSeed, uint256 componentSeed, int32 improvement, int16 scenarioDelta, uint256 nodeSeed)
        external
    {
        uint256 id = _component(componentSeed);
        uint64 current = pool.currentEpoch();
        if (id == 0 || current == 0) return;
        uint64 epoch = uint64(epochSeed % current);
        improvement =
            int32(int256(bound(uint256(int256(improvement) + 2 ** 31), 2 ** 31 - 1_000, 2 ** 31 + 6_000)) - 2 ** 31);
        scenarioDelta = int16(int256(uint256(uint16(scenarioDelta)) % 6));
        uint256[] memory keys = new uint256[](2);
        keys[0] = nodeKeys[nodeSeed % 4];
        keys[1] = nodeKeys[(nodeSeed % 4 + 1) % 4];
        _trySettle(epoch, id, improvement, scenarioDelta, keys, false);
        // A second settlement of the same pair, on other figures (a double reward attempt): must not go through.
        _trySettle(epoch, id, 9_000, 5, keys, false);
    }

    /// @dev Figures signed with at least one unstaked or under-staked key: must never settle.
    function settleUnattested(uint256 epochSeed, uint256 componentSeed, int32 improvement, uint256 keySeed) external {
        uint256 id = _component(componentSeed);
        uint64 current = pool.currentEpoch();
        if (id == 0 || current == 0) return;
        uint64 epoch = uint64(epochSeed % current);
        uint256[] memory keys = new uint256[](2);
        keys[0] = nodeKeys[keySeed % 4];
        keys[1] = unattestedKeys[keySeed % 3];
        _trySettle(epoch, id, improvement, 3, keys, true);
    }

    function _trySettle(
        uint64 epoch,
        uint256 id,
        int32 improvement,
        int16 scenarioDelta,
        uint256[] memory keys,
        bool unattested
    ) internal {
        uint256 deadline = _deadline();
        address[] memory nodes = new address[](keys.length);
        bytes[] memory signatures = new bytes[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            nodes[i] = vm.addr(keys[i]);
            signatures[i] =
                _signFigures(keys[i], address(pool), epoch, id, improvement, scenarioDelta, bytes32(id), deadline);
        }
        try pool.settleEpoch(epoch, id, improvement, scenarioDelta, bytes32(id), deadline, nodes, signatures) returns (
            IEvolutionPool.Outcome outcome, uint256 amount
        ) {
            if (unattested) ghostUnattestedSettled++;
            uint256 n = ++settlementCount[epoch][id];
            if (n > maxSettlementsPerKey) maxSettlementsPerKey = n;
            if (outcome == IEvolutionPool.Outcome.REWARDED) ghostRewarded += amount;
            else ghostSlashed += amount;
            settled++;
        } catch {}
    }

    function setParameters(uint16 shareBps, uint16 slashBps) external {
        shareBps = uint16(bound(shareBps, 0, 10_000));
        slashBps = uint16(bound(slashBps, 1, 10_000));
        vm.startPrank(governance);
        registry.setComponentParameters(shareBps, registry.minPledge(), registry.absorptionCompensation(), 2 days);
        pool.setSlashBps(slashBps);
        vm.stopPrank();
    }

    function passTime(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1 hours, 8 days));
        vm.roll(block.number + 1);
    }
}

contract EvolutionInvariantTest is EvolutionFixture, InvariantTest {
    EvolutionHandler internal handler;
    uint256 internal initialTotal;

    function setUp() public override {
        super.setUp();
        handler = new EvolutionHandler(registry, pool, era, GOVERNANCE);
        era.transfer(vm.addr(0x9809), 1_000_000 ether);
        era.transfer(address(handler), 1_000_000 ether);
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; i++) {
            vm.prank(actors[i]);
            era.approve(address(registry), type(uint256).max);
            initialTotal += era.balanceOf(actors[i]);
        }
        vm.prank(address(handler));
        era.approve(address(pool), type(uint256).max);
        targetContract(address(handler));
    }

    /// @dev What the runs did (forge prints it with -vv): the invariants mean little if nothing settled.
    function afterInvariant() external {
        emit log_named_uint("settled", handler.settled());
        emit log_named_uint("approved", handler.approved());
        emit log_named_uint("reclaimed", handler.reclaimed());
        emit log_named_uint("invoked", handler.invoked());
    }

    function _actorsTotal() internal view returns (uint256 total) {
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; i++) {
            total += era.balanceOf(actors[i]);
        }
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// @dev Nothing is paid that was not funded or slashed first.
    function invariant_rewardsNeverExceedFundedPlusSlashed() public view {
        assertTrue(pool.totalRewarded() <= pool.totalFunded() + pool.totalSlashed(), "rewarded <= funded + slashed");
        assertEq(pool.totalFunded(), handler.ghostFunded(), "funded as observed");
        assertEq(pool.totalSlashed(), handler.ghostSlashed(), "slashed as observed");
        assertEq(pool.totalRewarded(), handler.ghostRewarded(), "rewarded as observed");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_poolHoldsFundedPlusSlashedMinusRewarded() public view {
        uint256 accounted = pool.totalFunded() + pool.totalSlashed() - pool.totalRewarded();
        assertEq(pool.balance(), accounted, "balance()");
        assertEq(era.balanceOf(address(pool)), accounted, "ERA held");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_registryHoldsPledgesPlusEscrow() public view {
        uint256 pledges;
        uint256 count = registry.componentCount();
        for (uint256 id = 1; id <= count; id++) {
            pledges += registry.component(id).pledge;
        }
        uint256 escrow;
        count = registry.absorptionCount();
        for (uint256 id = 1; id <= count; id++) {
            IComponentRegistry.Absorption memory a = registry.absorption(id);
            if (a.status == IComponentRegistry.AbsorptionStatus.REQUESTED) escrow += a.compensation;
        }
        assertEq(era.balanceOf(address(registry)), pledges + escrow, "pledges + escrow");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_eraIsConserved() public view {
        assertEq(
            _actorsTotal() + era.balanceOf(address(registry)) + era.balanceOf(address(pool)),
            initialTotal,
            "no ERA created or lost"
        );
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_oneSettlementPerEpochAndComponent() public view {
        assertTrue(handler.maxSettlementsPerKey() <= 1, "at most one settlement per (epoch, component)");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_unattestedFiguresNeverSettle() public view {
        assertEq(handler.ghostUnattestedSettled(), 0, "no settlement on an unstaked key's signature");
    }
}

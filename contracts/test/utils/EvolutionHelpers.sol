// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {RiskSigner} from "./RiskHelpers.sol";
import {ComponentRegistry} from "../../src/ComponentRegistry.sol";
import {EraToken} from "../../src/EraToken.sol";
import {EvolutionPool} from "../../src/EvolutionPool.sol";
import {NodeStaking} from "../../src/NodeStaking.sol";
import {EraPermit} from "../../src/interfaces/EraPermit.sol";
import {IComponentRegistry} from "../../src/interfaces/IComponentRegistry.sol";
import {IEvolutionPool} from "../../src/interfaces/IEvolutionPool.sol";

/// @notice Signs ComponentRegistry ("Caldera Components") and EvolutionPool ("Caldera Evolution") actions the way a
///         wallet does: every digest is built here from the EIP-712 standard and the type strings the interfaces
///         document, never from the contracts' constants, so a test fails if a contract hashes anything differently.
abstract contract EvolutionSigner is RiskSigner {
    string internal constant COMPONENTS = "Caldera Components";
    string internal constant EVOLUTION = "Caldera Evolution";

    string internal constant REGISTER_TYPE =
        "RegisterComponent(address provider,uint8 kind,bytes32 name,uint256 price,uint256 pledge,bytes32 logicHash,uint256 nonce,uint256 deadline)";
    string internal constant SET_PRICE_TYPE =
        "SetComponentPrice(address provider,uint256 componentId,uint256 price,uint256 nonce,uint256 deadline)";
    string internal constant ADD_PLEDGE_TYPE =
        "AddPledge(address provider,uint256 componentId,uint256 amount,uint256 nonce,uint256 deadline)";
    string internal constant INVOKE_TYPE =
        "InvokeComponent(address caller,uint256 componentId,uint256 maxPrice,bytes32 requestHash,uint256 nonce,uint256 deadline)";
    string internal constant METRICS_TYPE =
        "Metrics(uint64 p50LatencyMicros,uint64 p95LatencyMicros,uint16 accuracyBps,uint16 complianceBps,uint32 invocations)";
    string internal constant REPORT_TYPE =
        "PublishEvolutionReport(address provider,uint256 componentId,Metrics beforeMetrics,Metrics afterMetrics,int32 efficiencyImprovementBps,bytes32 evidenceHash,bytes32 decisionLogHash,bytes32 logicHash,uint256 nonce,uint256 deadline)";
    string internal constant REQUEST_ABSORPTION_TYPE =
        "RequestAbsorption(uint256 absorberId,uint256 sourceId,bytes32 moduleHash,uint256 compensation,address signer,uint256 nonce,uint256 deadline)";
    string internal constant APPROVE_ABSORPTION_TYPE =
        "ApproveAbsorption(uint256 absorptionId,bytes32 moduleHash,uint256 deadline)";
    string internal constant EPOCH_FIGURES_TYPE =
        "EpochFigures(uint64 epoch,uint256 componentId,int32 efficiencyImprovementBps,int16 scenarioRangeDelta,bytes32 evidenceHash,uint256 deadline)";

    function _signRegister(
        uint256 key,
        address registry,
        IComponentRegistry.ComponentKind kind,
        bytes32 name,
        uint256 price,
        uint256 pledge,
        bytes32 logicHash,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes(REGISTER_TYPE)),
                vm.addr(key),
                uint256(uint8(kind)),
                name,
                price,
                pledge,
                logicHash,
                nonce,
                deadline
            )
        );
        return _sign(key, COMPONENTS, registry, structHash);
    }

    function _signPrice(
        uint256 key,
        address registry,
        uint256 componentId,
        uint256 price,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(SET_PRICE_TYPE)), _as(key), componentId, price, nonce, deadline)
        );
        return _sign(key, COMPONENTS, registry, structHash);
    }

    function _signAddPledge(
        uint256 key,
        address registry,
        uint256 componentId,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(ADD_PLEDGE_TYPE)), _as(key), componentId, amount, nonce, deadline)
        );
        return _sign(key, COMPONENTS, registry, structHash);
    }

    function _signInvoke(
        uint256 key,
        address registry,
        uint256 componentId,
        uint256 maxPrice,
        bytes32 requestHash,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(INVOKE_TYPE)), vm.addr(key), componentId, maxPrice, requestHash, nonce, deadline)
        );
        return _sign(key, COMPONENTS, registry, structHash);
    }

    function _metricsHash(IComponentRegistry.Metrics memory m) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(bytes(METRICS_TYPE)),
                uint256(m.p50LatencyMicros),
                uint256(m.p95LatencyMicros),
                uint256(m.accuracyBps),
                uint256(m.complianceBps),
                uint256(m.invocations)
            )
        );
    }

    /// @dev `r.componentId` names the component; `r.publishedAt` is ignored.
    function _signReport(
        uint256 key,
        address registry,
        IComponentRegistry.EvolutionReport memory r,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        // EIP-712: a referenced struct type is appended to the primary type's string.
        bytes32 typeHash = keccak256(bytes(string.concat(REPORT_TYPE, METRICS_TYPE)));
        bytes32 structHash = keccak256(
            bytes.concat(
                abi.encode(
                    typeHash,
                    _as(key),
                    r.componentId,
                    _metricsHash(r.beforeMetrics),
                    _metricsHash(r.afterMetrics),
                    int256(r.efficiencyImprovementBps)
                ),
                abi.encode(r.evidenceHash, r.decisionLogHash, r.logicHash, nonce, deadline)
            )
        );
        return _sign(key, COMPONENTS, registry, structHash);
    }

    function _signRequestAbsorption(
        uint256 key,
        address registry,
        uint256 absorberId,
        uint256 sourceId,
        bytes32 moduleHash,
        uint256 compensation,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes memory head = abi.encode(
            keccak256(bytes(REQUEST_ABSORPTION_TYPE)), absorberId, sourceId, moduleHash, compensation
        );
        bytes32 structHash = keccak256(bytes.concat(head, abi.encode(_as(key), nonce, deadline)));
        return _sign(key, COMPONENTS, registry, structHash);
    }

    function _signApproveAbsorption(
        uint256 key,
        address registry,
        uint256 absorptionId,
        bytes32 moduleHash,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(APPROVE_ABSORPTION_TYPE)), absorptionId, moduleHash, deadline)
        );
        return _sign(key, COMPONENTS, registry, structHash);
    }

    function _signFigures(
        uint256 key,
        address pool,
        uint64 epoch,
        uint256 componentId,
        int32 efficiencyImprovementBps,
        int16 scenarioRangeDelta,
        bytes32 evidenceHash,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes(EPOCH_FIGURES_TYPE)),
                uint256(epoch),
                componentId,
                int256(efficiencyImprovementBps),
                int256(scenarioRangeDelta),
                evidenceHash,
                deadline
            )
        );
        return _sign(key, EVOLUTION, pool, structHash);
    }

    /// @dev The account a key signs for: itself, unless a test made it impersonate someone (`_impersonating`).
    function _as(uint256 key) internal view returns (address) {
        return _impersonated == address(0) ? vm.addr(key) : _impersonated;
    }

    address internal _impersonated;

    function assertEqInt(int256 a, int256 b, string memory message) internal pure {
        if (a != b) revert(message);
    }
}

/// @notice The evolution contracts on real ERA and NodeStaking: five keyed nodes (400k, 300k, 200k, 95k and a 5k
///         node below the 10,000 ERA attester minimum), the registry deployed by this contract (so it may set the
///         pool), the pool with 7-day epochs, two providers, two callers. The governance account is a plain address
///         (the timelock's role). The chain is one block past the stakes.
abstract contract EvolutionFixture is EvolutionSigner {
    uint256 internal constant SUPPLY = 1_000_000_000 ether;
    uint256 internal constant NOW = 1_710_000_000;
    uint64 internal constant EPOCH = 7 days;
    address internal constant GOVERNANCE = address(0x71E10C);
    /// @dev Relays signed actions (any account may).
    address internal constant HUB = address(0x4B0B);

    uint256 internal constant PROVIDER_KEY = 0x9807;
    uint256 internal constant PROVIDER2_KEY = 0x9808;
    uint256 internal constant CALLER_KEY = 0xCA11;
    uint256 internal constant CALLER2_KEY = 0xCA12;
    uint256 internal constant NODE1_KEY = 0xD001;
    uint256 internal constant NODE2_KEY = 0xD002;
    uint256 internal constant NODE3_KEY = 0xD003;
    uint256 internal constant NODE4_KEY = 0xD004;
    uint256 internal constant SMALL_NODE_KEY = 0xD005;
    uint256 internal constant OUTSIDER_KEY = 0x0BAD;

    bytes32 internal constant NAME = bytes32("core-prover");
    bytes32 internal constant LOGIC = keccak256("core-prover logic v1");
    bytes32 internal constant LOGIC2 = keccak256("binding-prover logic v1");

    EraToken internal era;
    NodeStaking internal staking;
    ComponentRegistry internal registry;
    EvolutionPool internal pool;

    address internal provider;
    address internal provider2;
    address internal caller;
    address internal caller2;

    function setUp() public virtual {
        vm.warp(NOW);
        era = new EraToken(address(this), SUPPLY);
        staking = new NodeStaking(IERC20(address(era)), 7 days);
        _stakeAs(vm.addr(NODE1_KEY), 400_000 ether);
        _stakeAs(vm.addr(NODE2_KEY), 300_000 ether);
        _stakeAs(vm.addr(NODE3_KEY), 200_000 ether);
        _stakeAs(vm.addr(NODE4_KEY), 95_000 ether);
        _stakeAs(vm.addr(SMALL_NODE_KEY), 5_000 ether);
        vm.roll(block.number + 1);

        registry = new ComponentRegistry(IERC20(address(era)), IERC5805(address(staking)), GOVERNANCE);
        pool = new EvolutionPool(
            IERC20(address(era)), IComponentRegistry(address(registry)), IERC5805(address(staking)), GOVERNANCE, EPOCH
        );
        registry.setEvolutionPool(address(pool));

        provider = vm.addr(PROVIDER_KEY);
        provider2 = vm.addr(PROVIDER2_KEY);
        caller = vm.addr(CALLER_KEY);
        caller2 = vm.addr(CALLER2_KEY);
        era.transfer(provider, 1_000_000 ether);
        era.transfer(provider2, 1_000_000 ether);
        era.transfer(caller, 1_000_000 ether);
        era.transfer(caller2, 1_000_000 ether);
    }

    function _stakeAs(address node, uint256 amount) internal {
        era.transfer(node, amount);
        vm.startPrank(node);
        era.approve(address(staking), amount);
        staking.stake(amount);
        vm.stopPrank();
    }

    function _deadline() internal view returns (uint256) {
        return block.timestamp + 1 hours;
    }

    function _approve(address account, address spender, uint256 amount) internal {
        vm.prank(account);
        era.approve(spender, amount);
    }

    // ---------------------------------------------------------------- registry actions, relayed by HUB

    function _register(
        uint256 key,
        IComponentRegistry.ComponentKind kind,
        bytes32 name,
        uint256 price,
        uint256 pledge,
        bytes32 logicHash
    ) internal returns (uint256) {
        address account = vm.addr(key);
        _approve(account, address(registry), pledge);
        uint256 deadline = _deadline();
        bytes memory signature = _signRegister(
            key, address(registry), kind, name, price, pledge, logicHash, registry.nonces(account), deadline
        );
        vm.prank(HUB);
        return
            registry.registerComponent(account, kind, name, price, pledge, logicHash, deadline, signature, _noPermit());
    }

    /// @dev A COMPUTE component of PROVIDER with the minimum pledge.
    function _registerDefault(uint256 price) internal returns (uint256) {
        return _register(PROVIDER_KEY, IComponentRegistry.ComponentKind.COMPUTE, NAME, price, 1_000 ether, LOGIC);
    }

    function _invoke(uint256 key, uint256 componentId, uint256 maxPrice, bytes32 requestHash)
        internal
        returns (uint256)
    {
        address account = vm.addr(key);
        _approve(account, address(registry), maxPrice);
        uint256 deadline = _deadline();
        bytes memory signature =
            _signInvoke(key, address(registry), componentId, maxPrice, requestHash, registry.nonces(account), deadline);
        vm.prank(HUB);
        return registry.invokeComponent(account, componentId, maxPrice, requestHash, deadline, signature, _noPermit());
    }

    function _requestAbsorption(
        uint256 absorberKey,
        uint256 sourceKey,
        uint256 absorberId,
        uint256 sourceId,
        bytes32 moduleHash
    ) internal returns (uint256) {
        uint256 compensation = registry.absorptionCompensation();
        address absorberProvider = vm.addr(absorberKey);
        _approve(absorberProvider, address(registry), compensation);
        uint256 deadline = _deadline();
        uint256 absorberNonce = registry.nonces(absorberProvider);
        bytes memory absorberSignature = _signRequestAbsorption(
            absorberKey, address(registry), absorberId, sourceId, moduleHash, compensation, absorberNonce, deadline
        );
        uint256 sourceNonce = registry.nonces(vm.addr(sourceKey)) + (sourceKey == absorberKey ? 1 : 0);
        bytes memory sourceSignature = _signRequestAbsorption(
            sourceKey, address(registry), absorberId, sourceId, moduleHash, compensation, sourceNonce, deadline
        );
        vm.prank(HUB);
        return registry.requestAbsorption(
            absorberId, sourceId, moduleHash, deadline, absorberSignature, sourceSignature, _noPermit()
        );
    }

    function _approvals(uint256[] memory keys, uint256 absorptionId, bytes32 moduleHash, uint256 deadline)
        internal
        view
        returns (address[] memory nodes, bytes[] memory signatures)
    {
        nodes = new address[](keys.length);
        signatures = new bytes[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            nodes[i] = vm.addr(keys[i]);
            signatures[i] = _signApproveAbsorption(keys[i], address(registry), absorptionId, moduleHash, deadline);
        }
    }

    function _figures(
        uint256[] memory keys,
        uint64 epoch,
        uint256 componentId,
        int32 improvement,
        int16 scenarioDelta,
        bytes32 evidenceHash,
        uint256 deadline
    ) internal view returns (address[] memory nodes, bytes[] memory signatures) {
        nodes = new address[](keys.length);
        signatures = new bytes[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            nodes[i] = vm.addr(keys[i]);
            signatures[i] = _signFigures(
                keys[i], address(pool), epoch, componentId, improvement, scenarioDelta, evidenceHash, deadline
            );
        }
    }

    /// @dev Settles with NODE1 and NODE2's signatures over the figures.
    function _settle(uint64 epoch, uint256 componentId, int32 improvement, int16 scenarioDelta, bytes32 evidenceHash)
        internal
        returns (IEvolutionPool.Outcome, uint256)
    {
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) = _figures(
            _keys(NODE1_KEY, NODE2_KEY), epoch, componentId, improvement, scenarioDelta, evidenceHash, deadline
        );
        return
            pool.settleEpoch(epoch, componentId, improvement, scenarioDelta, evidenceHash, deadline, nodes, signatures);
    }

    function _keys(uint256 a) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](1);
        keys[0] = a;
    }

    function _keys(uint256 a, uint256 b) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](2);
        keys[0] = a;
        keys[1] = b;
    }

    function _keys(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](3);
        keys[0] = a;
        keys[1] = b;
        keys[2] = c;
    }

    function _metrics(uint64 p50, uint64 p95) internal pure returns (IComponentRegistry.Metrics memory) {
        return IComponentRegistry.Metrics({
            p50LatencyMicros: p50, p95LatencyMicros: p95, accuracyBps: 9_500, complianceBps: 10_000, invocations: 120
        });
    }
}

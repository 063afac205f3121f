// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {NodeQuorum} from "./NodeQuorum.sol";
import {SignedActions} from "./SignedActions.sol";
import {EraPermit} from "./interfaces/EraPermit.sol";
import {IComponentRegistry} from "./interfaces/IComponentRegistry.sol";
import {IEvolutionPool} from "./interfaces/IEvolutionPool.sol";

/// @title ComponentRegistry
/// @notice The hub's capability components, their paid invocations, evolution reports and absorptions (see
///         IComponentRegistry).
/// @dev ERA custody: this contract holds exactly Σ pledges + Σ compensation escrowed by REQUESTED absorptions.
///      Pledges come in at registration and `addPledge` and leave only through `slash` (to the pool); escrow comes
///      in at `requestAbsorption` and leaves once, to the source's provider on approval or back to the absorber's
///      provider on reclaim. Invocation fees never rest here: they go from the caller straight to the pool
///      (`poolShareBps`, rounded down, then `recordFunding`) and to the provider (the rest), in the same call.
///      ERA sent here by plain transfer is not accounted and stays here.
///
///      Signed actions (SignedActions: deadline, then the signer's next nonce, then the signature). Actions on an
///      existing component are signed by its current provider, whose nonce is used; a signature by anyone else
///      reverts NotComponentProvider naming who signed (as far as ECDSA recovers it, 0 if not at all). An
///      absorption request carries two signatures, the absorber's provider's first: when one provider owns both
///      components it signs with its next nonce and then the one after.
///
///      Node approvals (NodeQuorum): `attestationQuorum` distinct nodes, each with NodeStaking votes of at least
///      `minAttesterStake` at the absorption's snapshot block (the block before the request), each signing
///      `ApproveAbsorption(absorptionId, moduleHash, deadline)`.
///
///      Every function that moves ERA is nonReentrant and follows checks-effects-interactions: state first, then
///      the transfers, then the past-tense events.
contract ComponentRegistry is IComponentRegistry, NodeQuorum, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint256 internal constant BPS = 10_000;

    uint16 public constant DEFAULT_POOL_SHARE_BPS = 2_000;
    uint256 public constant DEFAULT_MIN_PLEDGE = 1_000 ether;
    uint256 public constant DEFAULT_ABSORPTION_COMPENSATION = 800 ether;
    uint64 public constant DEFAULT_ABSORPTION_WINDOW = 7 days;
    uint16 public constant DEFAULT_ATTESTATION_QUORUM = 2;
    uint256 public constant DEFAULT_MIN_ATTESTER_STAKE = 10_000 ether;

    bytes32 public constant REGISTER_COMPONENT_TYPEHASH = keccak256(
        "RegisterComponent(address provider,uint8 kind,bytes32 name,uint256 price,uint256 pledge,bytes32 logicHash,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant SET_COMPONENT_PRICE_TYPEHASH = keccak256(
        "SetComponentPrice(address provider,uint256 componentId,uint256 price,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant ADD_PLEDGE_TYPEHASH =
        keccak256("AddPledge(address provider,uint256 componentId,uint256 amount,uint256 nonce,uint256 deadline)");
    bytes32 public constant INVOKE_COMPONENT_TYPEHASH = keccak256(
        "InvokeComponent(address caller,uint256 componentId,uint256 maxPrice,bytes32 requestHash,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant METRICS_TYPEHASH = keccak256(
        "Metrics(uint64 p50LatencyMicros,uint64 p95LatencyMicros,uint16 accuracyBps,uint16 complianceBps,uint32 invocations)"
    );
    bytes32 public constant PUBLISH_EVOLUTION_REPORT_TYPEHASH = keccak256(
        "PublishEvolutionReport(address provider,uint256 componentId,Metrics beforeMetrics,Metrics afterMetrics,int32 efficiencyImprovementBps,bytes32 evidenceHash,bytes32 decisionLogHash,bytes32 logicHash,uint256 nonce,uint256 deadline)Metrics(uint64 p50LatencyMicros,uint64 p95LatencyMicros,uint16 accuracyBps,uint16 complianceBps,uint32 invocations)"
    );
    bytes32 public constant REQUEST_ABSORPTION_TYPEHASH = keccak256(
        "RequestAbsorption(uint256 absorberId,uint256 sourceId,bytes32 moduleHash,uint256 compensation,address signer,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant APPROVE_ABSORPTION_TYPEHASH =
        keccak256("ApproveAbsorption(uint256 absorptionId,bytes32 moduleHash,uint256 deadline)");

    IERC20 internal immutable _era;
    IERC5805 internal immutable _staking;
    /// @notice The governance timelock, the only account that sets the parameters.
    address public immutable timelock;
    /// @notice The account that deployed the registry: the only one that may set the evolution pool, once.
    address public immutable deployer;

    /// @inheritdoc IComponentRegistry
    uint16 public poolShareBps;
    /// @inheritdoc IComponentRegistry
    uint16 public attestationQuorum;
    /// @inheritdoc IComponentRegistry
    uint64 public absorptionWindow;
    /// @inheritdoc IComponentRegistry
    address public evolutionPool;
    /// @inheritdoc IComponentRegistry
    uint256 public minPledge;
    /// @inheritdoc IComponentRegistry
    uint256 public absorptionCompensation;
    /// @inheritdoc IComponentRegistry
    uint256 public minAttesterStake;

    uint256 internal _componentCount;
    uint256 internal _reportCount;
    uint256 internal _absorptionCount;
    uint256 internal _invocationCount;
    mapping(uint256 componentId => Component) internal _components;
    mapping(uint256 reportId => EvolutionReport) internal _reports;
    mapping(uint256 absorptionId => Absorption) internal _absorptions;
    mapping(uint256 absorberId => mapping(bytes32 moduleHash => bool)) internal _absorbed;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    /// @param era_ ERA: pledges, fees and compensation.
    /// @param staking_ NodeStaking: approving nodes' votes at an absorption's snapshot block.
    /// @param timelock_ The governance timelock.
    constructor(IERC20 era_, IERC5805 staking_, address timelock_) SignedActions("Caldera Components", "1") {
        if (address(era_) == address(0)) revert ZeroAddress("era");
        if (address(staking_) == address(0)) revert ZeroAddress("staking");
        if (timelock_ == address(0)) revert ZeroAddress("timelock");
        _era = era_;
        _staking = staking_;
        timelock = timelock_;
        deployer = msg.sender;
        _setComponentParameters(
            DEFAULT_POOL_SHARE_BPS, DEFAULT_MIN_PLEDGE, DEFAULT_ABSORPTION_COMPENSATION, DEFAULT_ABSORPTION_WINDOW
        );
        _setAttestationParameters(DEFAULT_ATTESTATION_QUORUM, DEFAULT_MIN_ATTESTER_STAKE);
    }

    // ---------------------------------------------------------------- components

    /// @inheritdoc IComponentRegistry
    /// @dev Checks, in order: the provider's signature; the kind (not NONE); a non-empty name; the pledge at least
    ///      `minPledge`. Then the component is stored at version 1 and the pledge pulled (after the permit, if any).
    function registerComponent(
        address provider,
        ComponentKind kind,
        bytes32 name,
        uint256 price,
        uint256 pledge,
        bytes32 logicHash,
        uint256 deadline,
        bytes calldata signature,
        EraPermit calldata permit
    ) external nonReentrant returns (uint256 componentId) {
        uint256 nonce = nonces(provider);
        _verifyAction(
            provider,
            keccak256(
                abi.encode(
                    REGISTER_COMPONENT_TYPEHASH, provider, uint8(kind), name, price, pledge, logicHash, nonce, deadline
                )
            ),
            deadline,
            nonce,
            signature
        );
        if (kind == ComponentKind.NONE) revert InvalidComponentKind(uint8(kind));
        if (name == bytes32(0)) revert EmptyName();
        uint256 minimum = minPledge;
        if (pledge < minimum) revert PledgeTooLow(pledge, minimum);

        componentId = ++_componentCount;
        _components[componentId] = Component({
            provider: provider,
            kind: kind,
            version: 1,
            registeredAt: uint64(block.timestamp),
            name: name,
            price: price,
            pledge: pledge,
            logicHash: logicHash
        });

        if (pledge != 0) _pull(provider, pledge, permit);
        emit ComponentRegistered(componentId, provider, kind, name, price, pledge, logicHash);
    }

    /// @inheritdoc IComponentRegistry
    /// @dev Signed by the component's provider. A price change does not affect invocations already signed for a
    ///      higher `maxPrice`; a caller that signed below the new price is refused (PriceAboveMax).
    function setComponentPrice(uint256 componentId, uint256 price, uint256 deadline, bytes calldata signature)
        external
    {
        Component storage c = _existing(componentId);
        address provider = c.provider;
        _verifyProviderAction(
            componentId,
            provider,
            keccak256(
                abi.encode(SET_COMPONENT_PRICE_TYPEHASH, provider, componentId, price, nonces(provider), deadline)
            ),
            deadline,
            signature
        );
        c.price = price;
        emit ComponentPriceSet(componentId, price);
    }

    /// @inheritdoc IComponentRegistry
    /// @dev Signed by the component's provider; the ERA is pulled from it (after the permit, if any).
    function addPledge(
        uint256 componentId,
        uint256 amount,
        uint256 deadline,
        bytes calldata signature,
        EraPermit calldata permit
    ) external nonReentrant {
        Component storage c = _existing(componentId);
        address provider = c.provider;
        _verifyProviderAction(
            componentId,
            provider,
            keccak256(abi.encode(ADD_PLEDGE_TYPEHASH, provider, componentId, amount, nonces(provider), deadline)),
            deadline,
            signature
        );
        uint256 pledge = c.pledge + amount;
        c.pledge = pledge;

        if (amount != 0) _pull(provider, amount, permit);
        emit PledgeAdded(componentId, amount, pledge);
    }

    /// @inheritdoc IComponentRegistry
    /// @dev Checks, in order: the component exists; the caller's signature; the price is at most `maxPrice`; a
    ///      non-zero fee needs the evolution pool set. The fee goes from the caller straight to the pool
    ///      (fee × poolShareBps / 10,000, rounded down — the provider gets the dust) and to the provider; a free
    ///      component moves no ERA (the permit is then not used) but the invocation is still numbered and emitted.
    function invokeComponent(
        address caller,
        uint256 componentId,
        uint256 maxPrice,
        bytes32 requestHash,
        uint256 deadline,
        bytes calldata signature,
        EraPermit calldata permit
    ) external nonReentrant returns (uint256 invocationId) {
        Component storage c = _existing(componentId);
        _verifyInvocation(caller, componentId, maxPrice, requestHash, deadline, signature);
        uint256 fee = c.price;
        if (fee > maxPrice) revert PriceAboveMax(componentId, fee, maxPrice);

        invocationId = ++_invocationCount;

        (uint256 toPool, uint256 toProvider) = _payFee(caller, componentId, c.provider, fee, permit);
        emit ComponentInvoked(invocationId, componentId, caller, requestHash, fee, toPool, toProvider);
    }

    /// @notice How an invocation fee is split at the current `poolShareBps`: the pool's share rounded down, the rest
    ///         to the provider.
    function feeSplit(uint256 fee) public view returns (uint256 toPool, uint256 toProvider) {
        toPool = fee * poolShareBps / BPS;
        toProvider = fee - toPool;
    }

    /// @inheritdoc IComponentRegistry
    /// @dev Signed by the component's provider; the claimed efficiency improvement must be positive
    ///      (NoImprovementClaimed). The figures are the provider's own: the report records them with their evidence
    ///      hash, and only node-attested epoch figures (EvolutionPool) move ERA.
    function publishEvolutionReport(
        uint256 componentId,
        Metrics calldata beforeMetrics,
        Metrics calldata afterMetrics,
        int32 efficiencyImprovementBps,
        bytes32 evidenceHash,
        bytes32 decisionLogHash,
        bytes32 logicHash,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 reportId) {
        EvolutionReport memory r;
        r.componentId = componentId;
        r.beforeMetrics = beforeMetrics;
        r.afterMetrics = afterMetrics;
        r.efficiencyImprovementBps = efficiencyImprovementBps;
        r.evidenceHash = evidenceHash;
        r.decisionLogHash = decisionLogHash;
        r.logicHash = logicHash;
        r.publishedAt = uint64(block.timestamp);
        return _publishReport(r, deadline, signature);
    }

    // ---------------------------------------------------------------- absorption

    /// @inheritdoc IComponentRegistry
    /// @dev Checks, in order: both components exist; they differ; `moduleHash` is the source's current logic hash;
    ///      the absorber's provider's signature, then the source's provider's (each at its next nonce). The
    ///      compensation is the `absorptionCompensation` in force now, pulled from the absorber's provider (after
    ///      the permit, if any); the snapshot for the approving nodes' stake is the block before this one.
    function requestAbsorption(
        uint256 absorberId,
        uint256 sourceId,
        bytes32 moduleHash,
        uint256 deadline,
        bytes calldata absorberSignature,
        bytes calldata sourceSignature,
        EraPermit calldata permit
    ) external nonReentrant returns (uint256 absorptionId) {
        uint256 compensation = _checkAbsorptionRequest(
            absorberId, sourceId, moduleHash, deadline, absorberSignature, sourceSignature
        );

        absorptionId = ++_absorptionCount;
        Absorption storage a = _absorptions[absorptionId];
        a.absorberId = absorberId;
        a.sourceId = sourceId;
        a.moduleHash = moduleHash;
        a.compensation = compensation;
        a.status = AbsorptionStatus.REQUESTED;
        a.requestedAt = uint64(block.timestamp);
        a.snapshotBlock = uint64(block.number - 1);

        if (compensation != 0) _pull(_components[absorberId].provider, compensation, permit);
        emit AbsorptionRequested(absorptionId, absorberId, sourceId, moduleHash, compensation);
    }

    /// @inheritdoc IComponentRegistry
    /// @dev Checks, in order: the absorption exists and is REQUESTED (approval stays possible after the window
    ///      until someone reclaims); the deadline; the node quorum (see the contract notes). The compensation goes
    ///      to the source component's provider at approval time.
    function approveAbsorption(
        uint256 absorptionId,
        uint256 deadline,
        address[] calldata nodes,
        bytes[] calldata signatures
    ) external nonReentrant {
        Absorption storage a = _pendingAbsorption(absorptionId);
        if (block.timestamp > deadline) revert ExpiredSignature(deadline, block.timestamp);
        bytes32 moduleHash = a.moduleHash;
        _requireNodeQuorum(
            _staking,
            a.snapshotBlock,
            _hashTypedDataV4(keccak256(abi.encode(APPROVE_ABSORPTION_TYPEHASH, absorptionId, moduleHash, deadline))),
            nodes,
            signatures,
            attestationQuorum,
            minAttesterStake
        );

        uint256 absorberId = a.absorberId;
        uint256 compensation = a.compensation;
        address paidTo = _components[a.sourceId].provider;
        a.status = AbsorptionStatus.APPROVED;
        _absorbed[absorberId][moduleHash] = true;
        Component storage absorber = _components[absorberId];
        bytes32 logicHash = keccak256(abi.encode(absorber.logicHash, moduleHash));
        uint32 version = absorber.version + 1;
        absorber.logicHash = logicHash;
        absorber.version = version;

        if (compensation != 0) _era.safeTransfer(paidTo, compensation);
        emit AbsorptionApproved(absorptionId, nodes, paidTo, compensation);
        emit LogicUpdated(absorberId, version, logicHash);
    }

    /// @inheritdoc IComponentRegistry
    /// @dev The window is the `absorptionWindow` in force now, counted from the request.
    function reclaimAbsorption(uint256 absorptionId) external nonReentrant {
        Absorption storage a = _pendingAbsorption(absorptionId);
        uint256 end = uint256(a.requestedAt) + absorptionWindow;
        uint64 reclaimableAt = end > type(uint64).max ? type(uint64).max : uint64(end);
        if (block.timestamp < reclaimableAt) revert AbsorptionWindowOpen(absorptionId, reclaimableAt);

        uint256 compensation = a.compensation;
        address refundedTo = _components[a.absorberId].provider;
        a.status = AbsorptionStatus.RECLAIMED;

        if (compensation != 0) _era.safeTransfer(refundedTo, compensation);
        emit AbsorptionReclaimed(absorptionId, refundedTo, compensation);
    }

    // ---------------------------------------------------------------- the pool

    /// @inheritdoc IComponentRegistry
    /// @dev ceil(pledge × bps / 10,000): never 0 for a non-zero pledge, never more than the pledge (bps ≤ 10,000).
    function slash(uint256 componentId, uint16 bps) external nonReentrant returns (uint256 amount) {
        address pool = evolutionPool;
        if (msg.sender != pool || pool == address(0)) revert NotEvolutionPool(msg.sender);
        Component storage c = _existing(componentId);
        if (bps == 0 || bps > BPS) revert InvalidBps(bps);
        uint256 pledge = c.pledge;
        amount = slashAmount(pledge, bps);
        pledge -= amount;
        c.pledge = pledge;

        if (amount != 0) _era.safeTransfer(pool, amount);
        emit PledgeSlashed(componentId, amount, pledge);
    }

    /// @notice What slashing `bps` of `pledge` takes: ceil(pledge × bps / 10,000), at most the pledge.
    function slashAmount(uint256 pledge, uint16 bps) public pure returns (uint256 amount) {
        amount = (pledge * bps + BPS - 1) / BPS;
        if (amount > pledge) amount = pledge;
    }

    /// @inheritdoc IComponentRegistry
    function setEvolutionPool(address pool) external {
        if (msg.sender != deployer) revert NotGovernance(msg.sender);
        address current = evolutionPool;
        if (current != address(0)) revert EvolutionPoolAlreadySet(current);
        if (pool == address(0)) revert ZeroAddress("pool");
        evolutionPool = pool;
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IComponentRegistry
    /// @dev `poolShareBps` ≤ 10,000 (InvalidBps). The new minimum pledge binds new registrations only; the new
    ///      compensation new requests only (a pending absorption keeps its escrow).
    function setComponentParameters(
        uint16 poolShareBps_,
        uint256 minPledge_,
        uint256 absorptionCompensation_,
        uint64 absorptionWindow_
    ) external onlyGovernance {
        _setComponentParameters(poolShareBps_, minPledge_, absorptionCompensation_, absorptionWindow_);
    }

    /// @inheritdoc IComponentRegistry
    /// @dev A quorum of 0 is refused (InvalidQuorum). Both apply to approvals (and epoch settlements) from now on.
    function setAttestationParameters(uint16 quorum, uint256 minAttesterStake_) external onlyGovernance {
        _setAttestationParameters(quorum, minAttesterStake_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IComponentRegistry
    /// @dev Reverts UnknownComponent for an id never registered.
    function component(uint256 componentId) external view returns (Component memory) {
        return _existing(componentId);
    }

    /// @inheritdoc IComponentRegistry
    function componentCount() external view returns (uint256) {
        return _componentCount;
    }

    /// @inheritdoc IComponentRegistry
    /// @dev All zero for an id never published.
    function evolutionReport(uint256 reportId) external view returns (EvolutionReport memory) {
        return _reports[reportId];
    }

    /// @inheritdoc IComponentRegistry
    function reportCount() external view returns (uint256) {
        return _reportCount;
    }

    /// @inheritdoc IComponentRegistry
    /// @dev Reverts UnknownAbsorption for an id never requested.
    function absorption(uint256 absorptionId) external view returns (Absorption memory) {
        return _existingAbsorption(absorptionId);
    }

    /// @inheritdoc IComponentRegistry
    function absorptionCount() external view returns (uint256) {
        return _absorptionCount;
    }

    /// @inheritdoc IComponentRegistry
    function invocationCount() external view returns (uint256) {
        return _invocationCount;
    }

    /// @inheritdoc IComponentRegistry
    function hasAbsorbed(uint256 absorberId, bytes32 moduleHash) external view returns (bool) {
        return _absorbed[absorberId][moduleHash];
    }

    function era() external view returns (address) {
        return address(_era);
    }

    function staking() external view returns (address) {
        return address(_staking);
    }

    // ---------------------------------------------------------------- internals

    function _existing(uint256 componentId) internal view returns (Component storage c) {
        c = _components[componentId];
        if (c.kind == ComponentKind.NONE) revert UnknownComponent(componentId);
    }

    function _existingAbsorption(uint256 absorptionId) internal view returns (Absorption storage a) {
        a = _absorptions[absorptionId];
        if (a.status == AbsorptionStatus.NONE) revert UnknownAbsorption(absorptionId);
    }

    function _pendingAbsorption(uint256 absorptionId) internal view returns (Absorption storage a) {
        a = _existingAbsorption(absorptionId);
        AbsorptionStatus status = a.status;
        if (status != AbsorptionStatus.REQUESTED) revert AbsorptionNotPending(absorptionId, status);
    }

    /// @dev `_verifyAction` for the provider of `componentId`, at its next nonce; a signature that is not the
    ///      provider's reverts NotComponentProvider with the recovered signer (0 if none).
    function _verifyProviderAction(
        uint256 componentId,
        address provider,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) internal {
        if (block.timestamp > deadline) revert ExpiredSignature(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(structHash);
        if (!_isValidSignatureNow(provider, digest, signature)) {
            (address signer,,) = ECDSA.tryRecover(digest, signature);
            revert NotComponentProvider(componentId, signer);
        }
        _useNonce(provider);
    }

    /// @dev requestAbsorption's checks (see there); returns the compensation to escrow.
    function _checkAbsorptionRequest(
        uint256 absorberId,
        uint256 sourceId,
        bytes32 moduleHash,
        uint256 deadline,
        bytes calldata absorberSignature,
        bytes calldata sourceSignature
    ) internal returns (uint256 compensation) {
        address absorberProvider = _existing(absorberId).provider;
        Component storage source = _existing(sourceId);
        if (absorberId == sourceId) revert SelfAbsorption(absorberId);
        bytes32 expected = source.logicHash;
        if (moduleHash != expected) revert ModuleHashMismatch(sourceId, expected, moduleHash);
        compensation = absorptionCompensation;
        bytes memory request = abi.encode(REQUEST_ABSORPTION_TYPEHASH, absorberId, sourceId, moduleHash, compensation);
        _verifyAbsorptionSigner(absorberId, request, absorberProvider, deadline, absorberSignature);
        _verifyAbsorptionSigner(sourceId, request, source.provider, deadline, sourceSignature);
    }

    /// @dev One provider's RequestAbsorption signature: `request` is the encoded type hash and the first four
    ///      fields; signer = the provider of `componentId`, at its next nonce.
    function _verifyAbsorptionSigner(
        uint256 componentId,
        bytes memory request,
        address signer,
        uint256 deadline,
        bytes calldata signature
    ) internal {
        _verifyProviderAction(
            componentId,
            signer,
            keccak256(bytes.concat(request, abi.encode(signer, nonces(signer), deadline))),
            deadline,
            signature
        );
    }

    /// @dev publishEvolutionReport past its arguments (kept in memory: too many for the stack).
    function _publishReport(EvolutionReport memory r, uint256 deadline, bytes calldata signature)
        internal
        returns (uint256 reportId)
    {
        Component storage c = _existing(r.componentId);
        {
            address provider = c.provider;
            _verifyProviderAction(
                r.componentId, provider, _reportStructHash(provider, r, deadline), deadline, signature
            );
        }
        if (r.efficiencyImprovementBps <= 0) revert NoImprovementClaimed(r.efficiencyImprovementBps);

        reportId = ++_reportCount;
        _reports[reportId] = r;
        c.version += 1;
        c.logicHash = r.logicHash;

        emit EvolutionReportPublished(
            reportId,
            r.componentId,
            r.beforeMetrics,
            r.afterMetrics,
            r.efficiencyImprovementBps,
            r.evidenceHash,
            r.decisionLogHash,
            r.logicHash
        );
        emit LogicUpdated(r.componentId, c.version, r.logicHash);
    }

    function _verifyInvocation(
        address caller,
        uint256 componentId,
        uint256 maxPrice,
        bytes32 requestHash,
        uint256 deadline,
        bytes calldata signature
    ) internal {
        uint256 nonce = nonces(caller);
        _verifyAction(
            caller,
            keccak256(
                abi.encode(INVOKE_COMPONENT_TYPEHASH, caller, componentId, maxPrice, requestHash, nonce, deadline)
            ),
            deadline,
            nonce,
            signature
        );
    }

    /// @dev Moves an invocation fee from `caller` straight to the pool (its share, then `recordFunding`) and to
    ///      `provider`; a zero fee moves nothing and uses no permit. A non-zero fee needs the pool set.
    function _payFee(address caller, uint256 componentId, address provider, uint256 fee, EraPermit calldata permit)
        internal
        returns (uint256 toPool, uint256 toProvider)
    {
        if (fee == 0) return (0, 0);
        address pool = evolutionPool;
        if (pool == address(0)) revert ZeroAddress("evolutionPool");
        (toPool, toProvider) = feeSplit(fee);
        _permit(caller, permit);
        if (toPool != 0) {
            _era.safeTransferFrom(caller, pool, toPool);
            IEvolutionPool(pool).recordFunding(componentId, toPool);
        }
        if (toProvider != 0) _era.safeTransferFrom(caller, provider, toProvider);
    }

    function _reportStructHash(address provider, EvolutionReport memory r, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(
                abi.encode(
                    PUBLISH_EVOLUTION_REPORT_TYPEHASH,
                    provider,
                    r.componentId,
                    _metricsHash(r.beforeMetrics),
                    _metricsHash(r.afterMetrics),
                    r.efficiencyImprovementBps
                ),
                abi.encode(r.evidenceHash, r.decisionLogHash, r.logicHash, nonces(provider), deadline)
            )
        );
    }

    function _metricsHash(Metrics memory m) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                METRICS_TYPEHASH, m.p50LatencyMicros, m.p95LatencyMicros, m.accuracyBps, m.complianceBps, m.invocations
            )
        );
    }

    /// @dev `from`'s optional ERC-2612 permit for this contract. A permit that fails (e.g. front-run: someone
    ///      submitted the same signature first, so the allowance is already there) falls through to the allowance,
    ///      and transferFrom decides.
    function _permit(address from, EraPermit calldata permit) internal {
        if (permit.deadline != 0) {
            try IERC20Permit(address(_era))
                .permit(from, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s) {}
                catch {}
        }
    }

    /// @dev Pulls `amount` ERA from `from` to this contract after its optional permit.
    function _pull(address from, uint256 amount, EraPermit calldata permit) internal {
        _permit(from, permit);
        _era.safeTransferFrom(from, address(this), amount);
    }

    function _setComponentParameters(
        uint16 poolShareBps_,
        uint256 minPledge_,
        uint256 absorptionCompensation_,
        uint64 absorptionWindow_
    ) internal {
        if (poolShareBps_ > BPS) revert InvalidBps(poolShareBps_);
        poolShareBps = poolShareBps_;
        minPledge = minPledge_;
        absorptionCompensation = absorptionCompensation_;
        absorptionWindow = absorptionWindow_;
        emit ComponentParametersSet(poolShareBps_, minPledge_, absorptionCompensation_, absorptionWindow_);
    }

    function _setAttestationParameters(uint16 quorum, uint256 minAttesterStake_) internal {
        if (quorum == 0) revert InvalidQuorum(quorum);
        attestationQuorum = quorum;
        minAttesterStake = minAttesterStake_;
        emit AttestationParametersSet(quorum, minAttesterStake_);
    }

    // ---------------------------------------------------------------- NodeQuorum's errors

    function _revertQuorumNotMet(uint256 got, uint256 needed) internal pure override {
        revert AttestationQuorumNotMet(got, needed);
    }

    function _revertDuplicateAttester(address node) internal pure override {
        revert DuplicateAttester(node);
    }

    function _revertNotAttester(address node, uint256 stake, uint256 minStake) internal pure override {
        revert NotAttester(node, stake, minStake);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EraPermit} from "./EraPermit.sol";

/// @title Component registry
/// @notice The hub's capability components — compute (provers), data (dataset validators), rules (derivation rules)
///         and services (models) — each with a provider, an ERA pledge, a price per invocation and the content hash
///         of its current logic version. Outside callers pay per invocation (a signed action): `poolShareBps` of the
///         fee (default 2,000) goes to the evolution reward pool, the rest to the provider. Providers publish
///         evolution reports (before/after metrics of an accepted improvement, the telemetry evidence hash and the
///         self-learning kernel's decision-log hash). A component absorbs another's logic module once both providers
///         signed the request and `attestationQuorum` staked nodes approved it; the absorbing provider escrows the
///         compensation (default 800 ERA) at the request and the source provider receives it on approval.
/// @dev EIP-712 domain "Caldera Components", version 1. Nonces are the SignedActions ones (per signer, sequential).
///      Types (each signed by the account named in the first field unless said otherwise):
///      `RegisterComponent(address provider,uint8 kind,bytes32 name,uint256 price,uint256 pledge,bytes32 logicHash,uint256 nonce,uint256 deadline)`;
///      `SetComponentPrice(address provider,uint256 componentId,uint256 price,uint256 nonce,uint256 deadline)`;
///      `AddPledge(address provider,uint256 componentId,uint256 amount,uint256 nonce,uint256 deadline)`;
///      `InvokeComponent(address caller,uint256 componentId,uint256 maxPrice,bytes32 requestHash,uint256 nonce,uint256 deadline)`;
///      `PublishEvolutionReport(address provider,uint256 componentId,Metrics beforeMetrics,Metrics afterMetrics,int32 efficiencyImprovementBps,bytes32 evidenceHash,bytes32 decisionLogHash,bytes32 logicHash,uint256 nonce,uint256 deadline)Metrics(uint64 p50LatencyMicros,uint64 p95LatencyMicros,uint16 accuracyBps,uint16 complianceBps,uint32 invocations)`;
///      `RequestAbsorption(uint256 absorberId,uint256 sourceId,bytes32 moduleHash,uint256 compensation,address signer,uint256 nonce,uint256 deadline)`
///      signed twice: by the absorber's provider (signer = it, its nonce) and by the source's provider (signer = it,
///      its nonce);
///      `ApproveAbsorption(uint256 absorptionId,bytes32 moduleHash,uint256 deadline)` signed by each approving node
///      (no nonce: an absorption is approved once). A node counts when its NodeStaking votes at the block before the
///      request were at least `minAttesterStake`.
///      Only the evolution pool may `slash`. ERA moves: pledge and compensation in through `transferFrom` (after the
///      permit, if any); fees out to the pool and the provider in the same call; compensation out on approval or back
///      on `reclaimAbsorption`. Σ pledges + Σ escrowed compensation = this contract's ERA balance.
interface IComponentRegistry {
    enum ComponentKind {
        NONE,
        COMPUTE,
        DATA,
        RULES,
        SERVICE
    }

    enum AbsorptionStatus {
        NONE,
        REQUESTED,
        APPROVED,
        RECLAIMED
    }

    struct Component {
        address provider;
        ComponentKind kind;
        /// @notice Logic versions published: 1 at registration, +1 per evolution report and per approved absorption.
        uint32 version;
        uint64 registeredAt;
        bytes32 name;
        uint256 price;
        uint256 pledge;
        bytes32 logicHash;
    }

    /// @notice A telemetry window's figures; latencies in microseconds, rates in basis points.
    struct Metrics {
        uint64 p50LatencyMicros;
        uint64 p95LatencyMicros;
        uint16 accuracyBps;
        uint16 complianceBps;
        uint32 invocations;
    }

    struct EvolutionReport {
        uint256 componentId;
        Metrics beforeMetrics;
        Metrics afterMetrics;
        /// @notice (before − after) / before of p50 latency in bps, floored; negative when slower.
        int32 efficiencyImprovementBps;
        bytes32 evidenceHash;
        bytes32 decisionLogHash;
        /// @notice The component's logic hash after the improvement (becomes `Component.logicHash`).
        bytes32 logicHash;
        uint64 publishedAt;
    }

    struct Absorption {
        uint256 absorberId;
        uint256 sourceId;
        bytes32 moduleHash;
        uint256 compensation;
        AbsorptionStatus status;
        uint64 requestedAt;
        uint64 snapshotBlock;
    }

    error NotGovernance(address caller);
    error NotEvolutionPool(address caller);
    error EvolutionPoolAlreadySet(address pool);
    error ZeroAddress(string parameter);
    error InvalidComponentKind(uint8 kind);
    error EmptyName();
    /// @notice The pledge is below `minPledge`.
    error PledgeTooLow(uint256 pledge, uint256 minPledge);
    error UnknownComponent(uint256 componentId);
    error NotComponentProvider(uint256 componentId, address signer);
    /// @notice The component's price rose above what the caller signed for.
    error PriceAboveMax(uint256 componentId, uint256 price, uint256 maxPrice);
    error InvalidBps(uint16 bps);
    /// @notice The module hash is not the source component's current logic hash.
    error ModuleHashMismatch(uint256 sourceId, bytes32 expected, bytes32 got);
    error SelfAbsorption(uint256 componentId);
    error UnknownAbsorption(uint256 absorptionId);
    error AbsorptionNotPending(uint256 absorptionId, AbsorptionStatus status);
    /// @notice A requested absorption may be reclaimed only after `absorptionWindow`.
    error AbsorptionWindowOpen(uint256 absorptionId, uint64 reclaimableAt);
    error NotAttester(address node, uint256 stake, uint256 minStake);
    error DuplicateAttester(address node);
    error AttestationQuorumNotMet(uint256 got, uint256 needed);
    error InvalidQuorum(uint16 quorum);
    error NoImprovementClaimed(int32 efficiencyImprovementBps);

    event ComponentRegistered(
        uint256 indexed componentId,
        address indexed provider,
        ComponentKind kind,
        bytes32 name,
        uint256 price,
        uint256 pledge,
        bytes32 logicHash
    );
    event ComponentPriceSet(uint256 indexed componentId, uint256 price);
    event PledgeAdded(uint256 indexed componentId, uint256 amount, uint256 pledge);
    event PledgeSlashed(uint256 indexed componentId, uint256 amount, uint256 pledge);
    event ComponentInvoked(
        uint256 indexed invocationId,
        uint256 indexed componentId,
        address indexed caller,
        bytes32 requestHash,
        uint256 fee,
        uint256 toPool,
        uint256 toProvider
    );
    event EvolutionReportPublished(
        uint256 indexed reportId,
        uint256 indexed componentId,
        Metrics beforeMetrics,
        Metrics afterMetrics,
        int32 efficiencyImprovementBps,
        bytes32 evidenceHash,
        bytes32 decisionLogHash,
        bytes32 logicHash
    );
    event LogicUpdated(uint256 indexed componentId, uint32 version, bytes32 logicHash);
    event AbsorptionRequested(
        uint256 indexed absorptionId,
        uint256 indexed absorberId,
        uint256 indexed sourceId,
        bytes32 moduleHash,
        uint256 compensation
    );
    event AbsorptionApproved(uint256 indexed absorptionId, address[] nodes, address paidTo, uint256 compensation);
    event AbsorptionReclaimed(uint256 indexed absorptionId, address refundedTo, uint256 compensation);
    event ComponentParametersSet(
        uint16 poolShareBps, uint256 minPledge, uint256 absorptionCompensation, uint64 absorptionWindow
    );
    event AttestationParametersSet(uint16 quorum, uint256 minAttesterStake);

    /// @notice Registers a component for `provider` (its signature) and pulls `pledge` ERA from it.
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
    ) external returns (uint256 componentId);

    function setComponentPrice(uint256 componentId, uint256 price, uint256 deadline, bytes calldata signature)
        external;

    function addPledge(
        uint256 componentId,
        uint256 amount,
        uint256 deadline,
        bytes calldata signature,
        EraPermit calldata permit
    ) external;

    /// @notice A paid invocation by `caller` (its signature): pulls the price, pays the pool and the provider.
    function invokeComponent(
        address caller,
        uint256 componentId,
        uint256 maxPrice,
        bytes32 requestHash,
        uint256 deadline,
        bytes calldata signature,
        EraPermit calldata permit
    ) external returns (uint256 invocationId);

    /// @notice Publishes an accepted improvement, signed by the component's provider; the logic hash advances.
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
    ) external returns (uint256 reportId);

    /// @notice Both providers' signatures; escrows `absorptionCompensation` pulled from the absorber's provider.
    function requestAbsorption(
        uint256 absorberId,
        uint256 sourceId,
        bytes32 moduleHash,
        uint256 deadline,
        bytes calldata absorberSignature,
        bytes calldata sourceSignature,
        EraPermit calldata permit
    ) external returns (uint256 absorptionId);

    /// @notice Nodes' approval: pays the escrow to the source provider; the absorber's logic hash becomes
    ///         keccak256(abi.encode(oldLogicHash, moduleHash)).
    function approveAbsorption(
        uint256 absorptionId,
        uint256 deadline,
        address[] calldata nodes,
        bytes[] calldata signatures
    ) external;

    /// @notice Anyone, after `absorptionWindow` without approval: returns the escrow to the absorber's provider.
    function reclaimAbsorption(uint256 absorptionId) external;

    /// @notice Evolution pool only: moves ceil(pledge × bps / 10,000) of the component's pledge to the pool.
    function slash(uint256 componentId, uint16 bps) external returns (uint256 amount);

    /// @notice The deployer, once: the pool is deployed after the registry (it needs the registry's address).
    function setEvolutionPool(address pool) external;

    /// @notice Governance.
    function setComponentParameters(
        uint16 poolShareBps,
        uint256 minPledge,
        uint256 absorptionCompensation,
        uint64 absorptionWindow
    ) external;

    /// @notice Governance.
    function setAttestationParameters(uint16 quorum, uint256 minAttesterStake) external;

    function component(uint256 componentId) external view returns (Component memory);
    function componentCount() external view returns (uint256);
    function evolutionReport(uint256 reportId) external view returns (EvolutionReport memory);
    function reportCount() external view returns (uint256);
    function absorption(uint256 absorptionId) external view returns (Absorption memory);
    function absorptionCount() external view returns (uint256);
    function invocationCount() external view returns (uint256);
    /// @notice True once an absorption of `moduleHash` into `absorberId` was approved.
    function hasAbsorbed(uint256 absorberId, bytes32 moduleHash) external view returns (bool);
    function poolShareBps() external view returns (uint16);
    function minPledge() external view returns (uint256);
    function absorptionCompensation() external view returns (uint256);
    function absorptionWindow() external view returns (uint64);
    function attestationQuorum() external view returns (uint16);
    function minAttesterStake() external view returns (uint256);
    function evolutionPool() external view returns (address);
}

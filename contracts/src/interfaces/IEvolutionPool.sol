// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EraPermit} from "./EraPermit.sol";

/// @title Evolution reward pool and epochs
/// @notice Funded by `poolShareBps` of every paid component invocation (through the component registry), by slashed
///         pledges and by anyone's `fund`. Time is cut into epochs of `epochLength` seconds from `genesis`. Once an
///         epoch is over, each component is settled once for it on figures that `attestationQuorum` staked nodes
///         (the registry's attestation parameters) signed — computed by the hub from telemetry, never taken from the
///         provider: efficiency improvement ≥ `rewardThresholdBps` (default 2,000) or scenario range ≥ +3 earns the
///         reward curve's amount from the pool (default: ≥ 2,000 bps → 700 ERA, ≥ 3,000 → 1,000 ERA, ≥ 5,000 →
///         1,500 ERA; scenario range +3 → 700 ERA; the larger applies), paid to the component's provider; anything
///         else slashes `slashBps` (default 500) of its pledge, rounded up, into the pool.
/// @dev EIP-712 domain "Caldera Evolution", version 1. Type signed by each node (no nonce: one settlement per
///      component and epoch):
///      `EpochFigures(uint64 epoch,uint256 componentId,int32 efficiencyImprovementBps,int16 scenarioRangeDelta,bytes32 evidenceHash,uint256 deadline)`.
///      A node counts when its NodeStaking votes at the epoch's last block-time (`getPastVotes` at the block before
///      the settlement) are at least the registry's `minAttesterStake`.
///      Invariants: Σ rewarded ≤ Σ funded + Σ slashed; balance = Σ funded + Σ slashed − Σ rewarded; at most one
///      settlement per (epoch, component); a reward needs the pool to hold it (else PoolInsufficient, nothing paid).
interface IEvolutionPool {
    enum Outcome {
        NONE,
        REWARDED,
        SLASHED
    }

    struct Settlement {
        Outcome outcome;
        int32 efficiencyImprovementBps;
        int16 scenarioRangeDelta;
        bytes32 evidenceHash;
        uint256 amount;
        uint64 settledAt;
    }

    /// @notice One step of the reward curve: an improvement of at least `minImprovementBps` earns `reward`.
    struct RewardTier {
        uint16 minImprovementBps;
        uint256 reward;
    }

    error NotGovernance(address caller);
    error NotComponentRegistry(address caller);
    error ZeroAddress(string parameter);
    error UnknownComponent(uint256 componentId);
    /// @notice Epoch `epoch` ends at `endsAt`; it cannot be settled before.
    error EpochNotOver(uint64 epoch, uint64 endsAt);
    error EpochAlreadySettled(uint64 epoch, uint256 componentId);
    error PoolInsufficient(uint256 required, uint256 available);
    error NotAttester(address node, uint256 stake, uint256 minStake);
    error DuplicateAttester(address node);
    error AttestationQuorumNotMet(uint256 got, uint256 needed);
    /// @notice Tiers must rise strictly in both threshold and reward, the first at or above 1 bps; bps ≤ 10,000.
    error InvalidRewardCurve();
    error InvalidBps(uint16 bps);
    error ZeroAmount();

    event PoolFunded(address indexed from, uint256 indexed componentId, uint256 amount);
    event EpochSettled(
        uint64 indexed epoch,
        uint256 indexed componentId,
        Outcome outcome,
        uint256 amount,
        int32 efficiencyImprovementBps,
        int16 scenarioRangeDelta,
        bytes32 evidenceHash,
        address[] nodes
    );
    event RewardCurveSet(RewardTier[] tiers, uint16 scenarioRangeStep, uint256 scenarioReward);
    event SlashBpsSet(uint16 slashBps);

    /// @notice Anyone adds `amount` ERA to the pool (componentId 0 in the event).
    function fund(uint256 amount, EraPermit calldata permit) external;

    /// @notice The component registry, after transferring an invocation fee's pool share here.
    function recordFunding(uint256 componentId, uint256 amount) external;

    /// @notice Anyone, with the nodes' signatures over the figures, once the epoch is over.
    function settleEpoch(
        uint64 epoch,
        uint256 componentId,
        int32 efficiencyImprovementBps,
        int16 scenarioRangeDelta,
        bytes32 evidenceHash,
        uint256 deadline,
        address[] calldata nodes,
        bytes[] calldata signatures
    ) external returns (Outcome outcome, uint256 amount);

    /// @notice Governance: the reward curve (the reward condition is the first tier's threshold or the step).
    function setRewardCurve(RewardTier[] calldata tiers, uint16 scenarioRangeStep, uint256 scenarioReward) external;

    /// @notice Governance.
    function setSlashBps(uint16 slashBps) external;

    /// @notice The reward the figures earn (0: they do not meet the standard, the component is slashed).
    function rewardFor(int32 efficiencyImprovementBps, int16 scenarioRangeDelta) external view returns (uint256);
    function currentEpoch() external view returns (uint64);
    function epochEnd(uint64 epoch) external view returns (uint64);
    function genesis() external view returns (uint64);
    function epochLength() external view returns (uint64);
    function settlement(uint64 epoch, uint256 componentId) external view returns (Settlement memory);
    function rewardCurve() external view returns (RewardTier[] memory tiers, uint16 scenarioRangeStep, uint256 scenarioReward);
    function slashBps() external view returns (uint16);
    function totalFunded() external view returns (uint256);
    function totalSlashed() external view returns (uint256);
    function totalRewarded() external view returns (uint256);
    function balance() external view returns (uint256);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {NodeQuorum} from "./NodeQuorum.sol";
import {SignedActions} from "./SignedActions.sol";
import {EraPermit} from "./interfaces/EraPermit.sol";
import {IComponentRegistry} from "./interfaces/IComponentRegistry.sol";
import {IEvolutionPool} from "./interfaces/IEvolutionPool.sol";

/// @title EvolutionPool
/// @notice The evolution reward pool and its epochs (see IEvolutionPool).
/// @dev Accounting: `balance()` = totalFunded + totalSlashed − totalRewarded, and that is exactly the ERA this
///      contract received through `fund`, `recordFunding` (the registry transfers the fee share first) and slashes
///      (the registry transfers the slashed pledge to it inside `slash`), less what it paid. A reward is paid only
///      when `balance()` holds it (PoolInsufficient otherwise, nothing stored), so Σ rewarded ≤ Σ funded + Σ
///      slashed always. ERA sent here by plain transfer is not accounted and is never paid out.
///
///      Epochs: epoch e spans [genesis + e × epochLength, genesis + (e + 1) × epochLength); it may be settled once
///      block time reached its end. Each (epoch, component) is settled once, REWARDED or SLASHED.
///
///      Attestations (NodeQuorum): the registry's `attestationQuorum` distinct nodes, each with NodeStaking votes of
///      at least the registry's `minAttesterStake` at the block before the settlement (stake that arrives in the
///      settlement block counts for nothing), each signing the EpochFigures struct. The figures are never taken
///      from anyone else: a signature by an unstaked key reverts NotAttester and nothing moves.
///
///      `settleEpoch` is nonReentrant and follows checks-effects-interactions: the settlement is stored before the
///      reward transfer or the registry's slash (which transfers the slashed ERA here), the slashed amount the
///      registry returns is booked right after, and the event comes last.
contract EvolutionPool is IEvolutionPool, NodeQuorum, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint256 internal constant BPS = 10_000;
    /// @notice The most tiers a reward curve may have.
    uint256 public constant MAX_REWARD_TIERS = 16;
    uint16 public constant DEFAULT_SLASH_BPS = 500;
    uint16 public constant DEFAULT_SCENARIO_RANGE_STEP = 3;
    uint256 public constant DEFAULT_SCENARIO_REWARD = 700 ether;

    bytes32 public constant EPOCH_FIGURES_TYPEHASH = keccak256(
        "EpochFigures(uint64 epoch,uint256 componentId,int32 efficiencyImprovementBps,int16 scenarioRangeDelta,bytes32 evidenceHash,uint256 deadline)"
    );

    IERC20 internal immutable _era;
    IComponentRegistry internal immutable _registry;
    IERC5805 internal immutable _staking;
    /// @notice The governance timelock, the only account that sets the reward curve and the slash rate.
    address public immutable timelock;
    /// @inheritdoc IEvolutionPool
    uint64 public immutable genesis;
    /// @inheritdoc IEvolutionPool
    uint64 public immutable epochLength;

    /// @inheritdoc IEvolutionPool
    uint16 public slashBps;
    uint16 internal _scenarioRangeStep;
    uint256 internal _scenarioReward;
    RewardTier[] internal _tiers;

    /// @inheritdoc IEvolutionPool
    uint256 public totalFunded;
    /// @inheritdoc IEvolutionPool
    uint256 public totalSlashed;
    /// @inheritdoc IEvolutionPool
    uint256 public totalRewarded;

    mapping(uint64 epoch => mapping(uint256 componentId => Settlement)) internal _settlements;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    /// @param era_ ERA, the reward currency.
    /// @param registry_ The component registry: components, their providers, slashing and the attestation
    ///        parameters.
    /// @param staking_ NodeStaking: attesters' votes at the block before a settlement.
    /// @param timelock_ The governance timelock.
    /// @param epochLength_ Seconds per epoch (non-zero: ZeroAmount otherwise).
    constructor(IERC20 era_, IComponentRegistry registry_, IERC5805 staking_, address timelock_, uint64 epochLength_)
        SignedActions("Caldera Evolution", "1")
    {
        if (address(era_) == address(0)) revert ZeroAddress("era");
        if (address(registry_) == address(0)) revert ZeroAddress("registry");
        if (address(staking_) == address(0)) revert ZeroAddress("staking");
        if (timelock_ == address(0)) revert ZeroAddress("timelock");
        if (epochLength_ == 0) revert ZeroAmount();
        _era = era_;
        _registry = registry_;
        _staking = staking_;
        timelock = timelock_;
        genesis = uint64(block.timestamp);
        epochLength = epochLength_;

        RewardTier[] memory tiers = new RewardTier[](3);
        tiers[0] = RewardTier({minImprovementBps: 2_000, reward: 700 ether});
        tiers[1] = RewardTier({minImprovementBps: 3_000, reward: 1_000 ether});
        tiers[2] = RewardTier({minImprovementBps: 5_000, reward: 1_500 ether});
        _setRewardCurve(tiers, DEFAULT_SCENARIO_RANGE_STEP, DEFAULT_SCENARIO_REWARD);
        _setSlashBps(DEFAULT_SLASH_BPS);
    }

    // ---------------------------------------------------------------- funding

    /// @inheritdoc IEvolutionPool
    /// @dev From `msg.sender`, after its optional permit for this contract (a failed permit still proceeds when the
    ///      allowance suffices).
    function fund(uint256 amount, EraPermit calldata permit) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        totalFunded += amount;

        if (permit.deadline != 0) {
            try IERC20Permit(address(_era))
                .permit(msg.sender, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s) {}
                catch {}
        }
        _era.safeTransferFrom(msg.sender, address(this), amount);
        emit PoolFunded(msg.sender, 0, amount);
    }

    /// @inheritdoc IEvolutionPool
    /// @dev Trusts the registry to have transferred `amount` here first (it does, in the same call).
    function recordFunding(uint256 componentId, uint256 amount) external {
        if (msg.sender != address(_registry)) revert NotComponentRegistry(msg.sender);
        totalFunded += amount;
        emit PoolFunded(msg.sender, componentId, amount);
    }

    // ---------------------------------------------------------------- epochs

    /// @inheritdoc IEvolutionPool
    /// @dev Checks, in order: the component exists; the epoch is over; not settled before; the deadline; the node
    ///      quorum over the figures (see the contract notes); for a reward, that the pool holds it. Then the
    ///      settlement is stored and the reward paid to the component's provider, or `slashBps` of its pledge
    ///      slashed into the pool (through the registry).
    function settleEpoch(
        uint64 epoch,
        uint256 componentId,
        int32 efficiencyImprovementBps,
        int16 scenarioRangeDelta,
        bytes32 evidenceHash,
        uint256 deadline,
        address[] calldata nodes,
        bytes[] calldata signatures
    ) external nonReentrant returns (Outcome outcome, uint256 amount) {
        _checkSettleable(epoch, componentId, deadline);
        _requireNodeQuorum(
            _staking,
            block.number - 1,
            _figuresDigest(epoch, componentId, efficiencyImprovementBps, scenarioRangeDelta, evidenceHash, deadline),
            nodes,
            signatures,
            _registry.attestationQuorum(),
            _registry.minAttesterStake()
        );

        (outcome, amount) = _settle(epoch, componentId, efficiencyImprovementBps, scenarioRangeDelta, evidenceHash);
        _emitSettled(epoch, componentId, nodes);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IEvolutionPool
    /// @dev At most MAX_REWARD_TIERS tiers, thresholds strictly rising from ≥ 1 bps to ≤ 10,000, rewards strictly
    ///      rising from > 0; `scenarioRangeStep` ≥ 1 (InvalidRewardCurve otherwise). Applies to settlements from now
    ///      on, also of past epochs not settled yet.
    function setRewardCurve(RewardTier[] calldata tiers, uint16 scenarioRangeStep, uint256 scenarioReward)
        external
        onlyGovernance
    {
        _setRewardCurve(tiers, scenarioRangeStep, scenarioReward);
    }

    /// @inheritdoc IEvolutionPool
    /// @dev 1 ≤ slashBps ≤ 10,000 (InvalidBps otherwise).
    function setSlashBps(uint16 slashBps_) external onlyGovernance {
        _setSlashBps(slashBps_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IEvolutionPool
    /// @dev The highest tier whose threshold the improvement reaches, or `scenarioReward` when the scenario range
    ///      grew by at least the step; the larger of the two.
    function rewardFor(int32 efficiencyImprovementBps, int16 scenarioRangeDelta) public view returns (uint256 reward) {
        uint256 count = _tiers.length;
        for (uint256 i = count; i > 0; i--) {
            RewardTier storage tier = _tiers[i - 1];
            if (efficiencyImprovementBps >= int32(uint32(tier.minImprovementBps))) {
                reward = tier.reward;
                break;
            }
        }
        // Compared as int256: a step above int16's range (governance may set up to 65,535) is simply unreachable.
        if (int256(scenarioRangeDelta) >= int256(uint256(_scenarioRangeStep)) && _scenarioReward > reward) {
            reward = _scenarioReward;
        }
    }

    /// @inheritdoc IEvolutionPool
    function currentEpoch() external view returns (uint64) {
        return uint64((block.timestamp - genesis) / epochLength);
    }

    /// @inheritdoc IEvolutionPool
    /// @dev Saturates at the largest uint64 (an epoch that far away never ends).
    function epochEnd(uint64 epoch) public view returns (uint64) {
        uint256 end = uint256(genesis) + (uint256(epoch) + 1) * epochLength;
        return end > type(uint64).max ? type(uint64).max : uint64(end);
    }

    /// @inheritdoc IEvolutionPool
    /// @dev Outcome NONE while not settled.
    function settlement(uint64 epoch, uint256 componentId) external view returns (Settlement memory) {
        return _settlements[epoch][componentId];
    }

    /// @inheritdoc IEvolutionPool
    function rewardCurve()
        external
        view
        returns (RewardTier[] memory tiers, uint16 scenarioRangeStep, uint256 scenarioReward)
    {
        return (_tiers, _scenarioRangeStep, _scenarioReward);
    }

    /// @inheritdoc IEvolutionPool
    function balance() public view returns (uint256) {
        return totalFunded + totalSlashed - totalRewarded;
    }

    function era() external view returns (address) {
        return address(_era);
    }

    function registry() external view returns (address) {
        return address(_registry);
    }

    function staking() external view returns (address) {
        return address(_staking);
    }

    // ---------------------------------------------------------------- internals

    function _checkSettleable(uint64 epoch, uint256 componentId, uint256 deadline) internal view {
        if (componentId == 0 || componentId > _registry.componentCount()) revert UnknownComponent(componentId);
        uint64 endsAt = epochEnd(epoch);
        if (block.timestamp < endsAt) revert EpochNotOver(epoch, endsAt);
        if (_settlements[epoch][componentId].outcome != Outcome.NONE) {
            revert EpochAlreadySettled(epoch, componentId);
        }
        if (block.timestamp > deadline) revert ExpiredSignature(deadline, block.timestamp);
    }

    /// @dev Stores the settlement, then pays the reward (PoolInsufficient unless the pool holds it) or has the
    ///      registry slash the pledge into the pool and books what arrived.
    function _settle(
        uint64 epoch,
        uint256 componentId,
        int32 efficiencyImprovementBps,
        int16 scenarioRangeDelta,
        bytes32 evidenceHash
    ) internal returns (Outcome outcome, uint256 amount) {
        uint256 reward = rewardFor(efficiencyImprovementBps, scenarioRangeDelta);
        Settlement storage s = _settlements[epoch][componentId];
        s.efficiencyImprovementBps = efficiencyImprovementBps;
        s.scenarioRangeDelta = scenarioRangeDelta;
        s.evidenceHash = evidenceHash;
        s.settledAt = uint64(block.timestamp);
        if (reward != 0) {
            uint256 available = balance();
            if (reward > available) revert PoolInsufficient(reward, available);
            outcome = Outcome.REWARDED;
            amount = reward;
            s.outcome = outcome;
            s.amount = amount;
            totalRewarded += amount;
            _era.safeTransfer(_registry.component(componentId).provider, amount);
        } else {
            outcome = Outcome.SLASHED;
            s.outcome = outcome;
            // The registry transfers the slashed ERA here and returns how much; it is a fixed, trusted contract
            // and this call is inside nonReentrant.
            amount = _registry.slash(componentId, slashBps);
            s.amount = amount;
            totalSlashed += amount;
        }
    }

    function _figuresDigest(
        uint64 epoch,
        uint256 componentId,
        int32 efficiencyImprovementBps,
        int16 scenarioRangeDelta,
        bytes32 evidenceHash,
        uint256 deadline
    ) internal view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    EPOCH_FIGURES_TYPEHASH,
                    epoch,
                    componentId,
                    efficiencyImprovementBps,
                    scenarioRangeDelta,
                    evidenceHash,
                    deadline
                )
            )
        );
    }

    function _emitSettled(uint64 epoch, uint256 componentId, address[] calldata nodes) internal {
        Settlement storage s = _settlements[epoch][componentId];
        emit EpochSettled(
            epoch,
            componentId,
            s.outcome,
            s.amount,
            s.efficiencyImprovementBps,
            s.scenarioRangeDelta,
            s.evidenceHash,
            nodes
        );
    }

    function _setRewardCurve(RewardTier[] memory tiers, uint16 scenarioRangeStep, uint256 scenarioReward) internal {
        uint256 count = tiers.length;
        if (count > MAX_REWARD_TIERS || scenarioRangeStep == 0) revert InvalidRewardCurve();
        uint16 lastBps;
        uint256 lastReward;
        for (uint256 i = 0; i < count; i++) {
            RewardTier memory tier = tiers[i];
            if (tier.minImprovementBps <= lastBps || tier.minImprovementBps > BPS || tier.reward <= lastReward) {
                revert InvalidRewardCurve();
            }
            lastBps = tier.minImprovementBps;
            lastReward = tier.reward;
        }
        delete _tiers;
        for (uint256 i = 0; i < count; i++) {
            _tiers.push(tiers[i]);
        }
        _scenarioRangeStep = scenarioRangeStep;
        _scenarioReward = scenarioReward;
        emit RewardCurveSet(tiers, scenarioRangeStep, scenarioReward);
    }

    function _setSlashBps(uint16 slashBps_) internal {
        if (slashBps_ == 0 || slashBps_ > BPS) revert InvalidBps(slashBps_);
        slashBps = slashBps_;
        emit SlashBpsSet(slashBps_);
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

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SignedActions} from "./SignedActions.sol";
import {EraPermit} from "./interfaces/EraPermit.sol";
import {IEcosystemRegistry} from "./interfaces/IEcosystemRegistry.sol";
import {IMarginVault} from "./interfaces/IMarginVault.sol";
import {IRiskFeatureRegistry} from "./interfaces/IRiskFeatureRegistry.sol";

/// @title MarginVault
/// @notice Cross-domain margin, freeze cases voted by staked nodes, and the disposal of seized margin (see
///         IMarginVault).
/// @dev ERA custody: every wei this contract accounts for is in exactly one of Σ margins (locked + queued), the
///      deposits of open cases, the seized ERA of upheld cases not yet settled, Σ unclaimed payouts, or the
///      reserve. Every path moves ERA between those buckets (or in and out of the contract) by exactly the
///      amount it books: a seizure moves min(claim, locked + queued) from the margin (locked first, then queued)
///      into the case's disposal; a settlement splits it into payouts (seized × bps / 10,000, rounded down, so
///      the payouts never exceed it) and the reserve (unassigned bps and rounding dust); a claim pays one
///      payout, once. ERA sent here by plain transfer is not accounted and stays here.
///
///      Freezing: a margin is frozen exactly while a case against it is OPEN (`frozenBy`), and a frozen margin
///      cannot be queued for unlock or withdrawn, so neither locked nor queued ERA can leave while a case is
///      pending; locking more is allowed (it is seizable too). Filing does not need the margin to be adequate.
///
///      Votes: a node's weight is its NodeStaking votes at the case's snapshot block (the block before filing),
///      so stake staked or flash-borrowed after the filing was visible counts for nothing, and a zero-stake
///      address (a sybil) cannot vote. Resolution, by anyone: once one verdict holds more than half of the total
///      stake at the snapshot (it cannot lose any more); otherwise after `voteEnd`: EXPIRED when fewer than
///      `caseQuorumBps` of that stake (or nobody) voted, else the verdict with strictly the most weight, and
///      DISMISSED — the neutral outcome — on a tie at the top. The quorum read is the one in force at resolution.
///
///      Disposal attestations: `nodes` must be sorted ascending; a pair counts when its node is above the last
///      counted node (so nobody counts twice), had at least the risk registry's `minAttesterStake` (and more than
///      zero) at the case's snapshot block, and its signature (ECDSA, or ERC-1271 for a contract node) is over
///      `SettleDisposal(caseId, assessmentHash, deadline)`. Other pairs are skipped; fewer than
///      `attestationQuorum` counted pairs revert AttestationQuorumNotMet (also for lists of unequal length).
///
///      Every function that moves ERA is nonReentrant and follows checks-effects-interactions: state first, then
///      the transfer, then the past-tense events.
contract MarginVault is IMarginVault, SignedActions, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint256 internal constant BPS = 10_000;
    /// @notice The most ecosystems one disposal pays (exact Shapley values are computed off-chain for ≤ 10).
    uint256 public constant MAX_DISPOSAL_ECOSYSTEMS = 10;
    uint64 public constant MIN_REVIEW_WINDOW = 1 hours;
    uint64 public constant MAX_REVIEW_WINDOW = 30 days;

    uint256 public constant DEFAULT_MIN_MARGIN = 20_000 ether;
    uint256 public constant DEFAULT_PER_ECOSYSTEM_MARGIN = 20_000 ether;
    uint256 public constant DEFAULT_FREEZE_DEPOSIT = 1_000 ether;
    uint64 public constant DEFAULT_REVIEW_WINDOW = 3 days;
    uint64 public constant DEFAULT_UNLOCK_DELAY = 4 days;
    uint16 public constant DEFAULT_CASE_QUORUM_BPS = 4_000;

    bytes32 public constant LOCK_MARGIN_TYPEHASH =
        keccak256("LockMargin(address provider,uint256 amount,uint256 nonce,uint256 deadline)");
    bytes32 public constant SET_SERVED_ECOSYSTEMS_TYPEHASH =
        keccak256("SetServedEcosystems(address provider,uint32[] ecosystemIds,uint256 nonce,uint256 deadline)");
    bytes32 public constant REQUEST_UNLOCK_TYPEHASH =
        keccak256("RequestUnlock(address provider,uint256 amount,uint256 nonce,uint256 deadline)");
    bytes32 public constant WITHDRAW_MARGIN_TYPEHASH =
        keccak256("WithdrawMargin(address provider,uint256 nonce,uint256 deadline)");
    bytes32 public constant FILE_FREEZE_TYPEHASH = keccak256(
        "FileFreeze(address provider,uint32 ecosystemId,uint256 claimAmount,bytes32 evidenceHash,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant CAST_CASE_VOTE_TYPEHASH =
        keccak256("CastCaseVote(uint256 caseId,uint8 verdict,uint256 nonce,uint256 deadline)");
    bytes32 public constant SETTLE_DISPOSAL_TYPEHASH =
        keccak256("SettleDisposal(uint256 caseId,bytes32 assessmentHash,uint256 deadline)");
    bytes32 public constant CLAIM_PAYOUT_TYPEHASH =
        keccak256("ClaimPayout(uint256 caseId,uint32 ecosystemId,uint256 nonce,uint256 deadline)");

    IERC20 internal immutable _era;
    IERC5805 internal immutable _staking;
    IEcosystemRegistry internal immutable _ecosystems;
    IRiskFeatureRegistry internal immutable _risk;
    /// @notice The governance timelock, the only account that sets the parameters and withdraws the reserve.
    address public immutable timelock;

    /// @inheritdoc IMarginVault
    uint256 public minMargin;
    /// @inheritdoc IMarginVault
    uint256 public perEcosystemMargin;
    /// @inheritdoc IMarginVault
    uint256 public freezeDeposit;
    /// @inheritdoc IMarginVault
    uint64 public reviewWindow;
    /// @inheritdoc IMarginVault
    uint64 public unlockDelay;
    /// @inheritdoc IMarginVault
    uint16 public caseQuorumBps;
    /// @inheritdoc IMarginVault
    uint256 public reserve;

    /// @dev One slot per payout: an ERA amount always fits 128 bits (the supply is 10^27 wei).
    struct Payout {
        uint128 owed;
        bool claimed;
    }

    mapping(address provider => Margin) internal _margins;
    uint256 internal _caseCount;
    mapping(uint256 caseId => FreezeCase) internal _cases;
    mapping(uint256 caseId => mapping(address node => bool)) internal _voted;
    mapping(uint256 caseId => Disposal) internal _disposals;
    mapping(uint256 caseId => mapping(uint32 ecosystemId => Payout)) internal _payouts;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    /// @param era_ ERA, the margin and deposit currency.
    /// @param staking_ NodeStaking: voters' and attesters' stake at a case's snapshot block.
    /// @param ecosystems_ The ecosystem registry: who may file, who is paid.
    /// @param risk_ The risk feature registry: its attestation quorum and attester stake apply to disposals.
    /// @param timelock_ The governance timelock.
    constructor(
        IERC20 era_,
        IERC5805 staking_,
        IEcosystemRegistry ecosystems_,
        IRiskFeatureRegistry risk_,
        address timelock_
    ) SignedActions("Caldera Margin", "1") {
        if (address(era_) == address(0)) revert ZeroAddress("era");
        if (address(staking_) == address(0)) revert ZeroAddress("staking");
        if (address(ecosystems_) == address(0)) revert ZeroAddress("ecosystems");
        if (address(risk_) == address(0)) revert ZeroAddress("risk");
        if (timelock_ == address(0)) revert ZeroAddress("timelock");
        _era = era_;
        _staking = staking_;
        _ecosystems = ecosystems_;
        _risk = risk_;
        timelock = timelock_;
        _setMarginParameters(
            DEFAULT_MIN_MARGIN,
            DEFAULT_PER_ECOSYSTEM_MARGIN,
            DEFAULT_FREEZE_DEPOSIT,
            DEFAULT_REVIEW_WINDOW,
            DEFAULT_UNLOCK_DELAY,
            DEFAULT_CASE_QUORUM_BPS
        );
    }

    // ---------------------------------------------------------------- margin

    /// @inheritdoc IMarginVault
    /// @dev Allowed while frozen: what is added is seizable too.
    function lockMargin(
        address provider,
        uint256 amount,
        uint256 deadline,
        bytes calldata signature,
        EraPermit calldata permit
    ) external nonReentrant {
        uint256 nonce = nonces(provider);
        _verifyAction(
            provider,
            keccak256(abi.encode(LOCK_MARGIN_TYPEHASH, provider, amount, nonce, deadline)),
            deadline,
            nonce,
            signature
        );
        if (amount == 0) revert ZeroAmount();
        Margin storage m = _margins[provider];
        uint256 locked = m.locked + amount;
        m.locked = locked;

        _pull(provider, amount, permit);
        emit MarginLocked(provider, amount, locked);
    }

    /// @inheritdoc IMarginVault
    /// @dev Any order; an empty list serves none (required = minMargin). The list is not stored, its length is.
    function setServedEcosystems(
        address provider,
        uint32[] calldata ecosystemIds,
        uint256 deadline,
        bytes calldata signature
    ) external {
        uint256 nonce = nonces(provider);
        bytes32 structHash = keccak256(
            abi.encode(
                SET_SERVED_ECOSYSTEMS_TYPEHASH, provider, keccak256(abi.encodePacked(ecosystemIds)), nonce, deadline
            )
        );
        _verifyAction(provider, structHash, deadline, nonce, signature);
        uint256 count = ecosystemIds.length;
        for (uint256 i = 0; i < count; i++) {
            uint32 id = ecosystemIds[i];
            if (!_ecosystems.isActive(id)) revert InvalidEcosystemList();
            for (uint256 j = 0; j < i; j++) {
                if (ecosystemIds[j] == id) revert InvalidEcosystemList();
            }
        }
        _margins[provider].ecosystemsServed = SafeCast.toUint32(count);
        emit ServedEcosystemsSet(provider, ecosystemIds, requiredMargin(provider));
    }

    /// @inheritdoc IMarginVault
    /// @dev Refused while frozen. A new request adds to the queue and restarts the delay for all of it.
    function requestUnlock(address provider, uint256 amount, uint256 deadline, bytes calldata signature)
        external
        nonReentrant
    {
        uint256 nonce = nonces(provider);
        _verifyAction(
            provider,
            keccak256(abi.encode(REQUEST_UNLOCK_TYPEHASH, provider, amount, nonce, deadline)),
            deadline,
            nonce,
            signature
        );
        if (amount == 0) revert ZeroAmount();
        Margin storage m = _margins[provider];
        uint256 frozenBy = m.frozenBy;
        if (frozenBy != 0) revert MarginIsFrozen(provider, frozenBy);
        uint256 locked = m.locked;
        if (amount > locked) revert InsufficientMargin(provider, amount, locked);

        uint256 queued = m.queued + amount;
        uint64 unlockAt = SafeCast.toUint64(block.timestamp + unlockDelay);
        m.locked = locked - amount;
        m.queued = queued;
        m.unlockAt = unlockAt;
        emit UnlockRequested(provider, amount, queued, unlockAt);
    }

    /// @inheritdoc IMarginVault
    function withdrawMargin(address provider, uint256 deadline, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 amount)
    {
        uint256 nonce = nonces(provider);
        _verifyAction(
            provider,
            keccak256(abi.encode(WITHDRAW_MARGIN_TYPEHASH, provider, nonce, deadline)),
            deadline,
            nonce,
            signature
        );
        Margin storage m = _margins[provider];
        uint256 frozenBy = m.frozenBy;
        if (frozenBy != 0) revert MarginIsFrozen(provider, frozenBy);
        amount = m.queued;
        uint64 unlockAt = m.unlockAt;
        if (amount == 0 || block.timestamp < unlockAt) revert UnlockNotReady(provider, unlockAt);

        m.queued = 0;
        m.unlockAt = 0;

        _era.safeTransfer(provider, amount);
        emit MarginWithdrawn(provider, amount);
    }

    // ---------------------------------------------------------------- cases

    /// @inheritdoc IMarginVault
    /// @dev Checks, in order: the ecosystem is active; its operator signed (NotEcosystemOperator otherwise); the
    ///      operator is not the provider; a non-zero claim; no open case against the margin; some margin. Then the
    ///      deposit is pulled from the operator (after its optional permit).
    function fileFreeze(
        address provider,
        uint32 ecosystemId,
        uint256 claimAmount,
        bytes32 evidenceHash,
        uint256 deadline,
        bytes calldata signature,
        EraPermit calldata permit
    ) external nonReentrant returns (uint256 caseId) {
        address operator = _activeOperator(ecosystemId);
        _verifyOperatorAction(
            ecosystemId,
            operator,
            keccak256(
                abi.encode(
                    FILE_FREEZE_TYPEHASH, provider, ecosystemId, claimAmount, evidenceHash, nonces(operator), deadline
                )
            ),
            deadline,
            signature
        );
        if (operator == provider) revert SelfFreeze(provider);
        if (claimAmount == 0) revert ZeroAmount();
        caseId = _openCase(provider, ecosystemId, operator, claimAmount, evidenceHash);

        uint256 deposit = _cases[caseId].deposit;
        if (deposit != 0) _pull(operator, deposit, permit);
        _emitFiled(caseId);
    }

    /// @inheritdoc IMarginVault
    /// @dev Checks, in order: the case is open and voting has not closed; the verdict; the node's signature; not
    ///      voted before; the node's stake at the snapshot (NoVotingPower for none).
    function castCaseVote(uint256 caseId, address node, Verdict verdict, uint256 deadline, bytes calldata signature)
        external
    {
        FreezeCase storage fc = _openCaseOf(caseId);
        uint64 voteEnd = fc.voteEnd;
        if (block.timestamp > voteEnd) revert VotingClosed(caseId, voteEnd);
        if (verdict == Verdict.NONE) revert InvalidVerdict(uint8(verdict));
        uint256 nonce = nonces(node);
        _verifyAction(
            node,
            keccak256(abi.encode(CAST_CASE_VOTE_TYPEHASH, caseId, uint8(verdict), nonce, deadline)),
            deadline,
            nonce,
            signature
        );
        if (_voted[caseId][node]) revert AlreadyVoted(caseId, node);
        uint64 snapshotBlock = fc.snapshotBlock;
        uint256 weight = _staking.getPastVotes(node, snapshotBlock);
        if (weight == 0) revert NoVotingPower(node, snapshotBlock);

        _voted[caseId][node] = true;
        if (verdict == Verdict.UPHOLD) fc.votesUphold += weight;
        else if (verdict == Verdict.REJECT) fc.votesReject += weight;
        else fc.votesDismiss += weight;
        emit CaseVoteCast(caseId, node, verdict, weight);
    }

    /// @inheritdoc IMarginVault
    function resolveCase(uint256 caseId) external nonReentrant returns (CaseStatus status) {
        FreezeCase storage fc = _openCaseOf(caseId);
        status = _outcome(caseId, fc);

        address provider = fc.provider;
        fc.status = status;
        Margin storage m = _margins[provider];
        m.frozenBy = 0;
        uint256 seized;
        if (status == CaseStatus.UPHELD) {
            seized = _seize(m, fc.claimAmount);
            fc.seized = seized;
            _disposals[caseId].seized = seized;
        }
        bool toProvider = status == CaseStatus.REJECTED;
        address to = toProvider ? provider : fc.applicant;
        uint256 deposit = fc.deposit;

        if (deposit != 0) _era.safeTransfer(to, deposit);
        emit CaseResolved(caseId, status, seized, fc.votesUphold, fc.votesReject, fc.votesDismiss);
        emit DepositReleased(caseId, to, deposit, toProvider);
        emit MarginUnfrozen(provider, caseId);
    }

    // ---------------------------------------------------------------- disposal

    /// @inheritdoc IMarginVault
    function settleDisposal(
        uint256 caseId,
        uint32[] calldata ecosystemIds,
        uint16[] calldata sharesBps,
        bytes32 inputsHash,
        uint256 deadline,
        address[] calldata nodes,
        bytes[] calldata signatures
    ) external nonReentrant {
        _checkSettleable(caseId, deadline);
        _checkShares(ecosystemIds, sharesBps);
        bytes32 assessmentHash = keccak256(abi.encode(caseId, ecosystemIds, sharesBps, inputsHash));
        _checkAttestations(caseId, assessmentHash, deadline, nodes, signatures);
        _disposals[caseId].inputsHash = inputsHash;
        _settle(caseId, assessmentHash, ecosystemIds, sharesBps);
    }

    /// @inheritdoc IMarginVault
    /// @dev Checks, in order: the case exists and its disposal is settled; an unclaimed payout is owed; the
    ///      operator's signature. Pays the operator (fixed per ecosystem in the registry).
    function claimPayout(uint256 caseId, uint32 ecosystemId, uint256 deadline, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _existingCase(caseId);
        Disposal storage d = _disposals[caseId];
        if (!d.settled) revert DisposalNotSettled(caseId);
        Payout storage payout = _payouts[caseId][ecosystemId];
        amount = payout.owed;
        if (amount == 0 || payout.claimed) revert NothingToClaim(caseId, ecosystemId);
        address operator = _ecosystems.ecosystem(ecosystemId).operator;
        _verifyOperatorAction(
            ecosystemId,
            operator,
            keccak256(abi.encode(CLAIM_PAYOUT_TYPEHASH, caseId, ecosystemId, nonces(operator), deadline)),
            deadline,
            signature
        );

        payout.claimed = true;
        d.paidOut += amount;

        _era.safeTransfer(operator, amount);
        emit PayoutClaimed(caseId, ecosystemId, operator, amount);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IMarginVault
    /// @dev Open cases keep their voteEnd and deposit; queued unlocks keep their unlockAt.
    function setMarginParameters(
        uint256 minMargin_,
        uint256 perEcosystemMargin_,
        uint256 freezeDeposit_,
        uint64 reviewWindow_,
        uint64 unlockDelay_,
        uint16 caseQuorumBps_
    ) external onlyGovernance {
        _setMarginParameters(
            minMargin_, perEcosystemMargin_, freezeDeposit_, reviewWindow_, unlockDelay_, caseQuorumBps_
        );
    }

    /// @inheritdoc IMarginVault
    function withdrawReserve(address to) external onlyGovernance nonReentrant {
        if (to == address(0)) revert ZeroAddress("to");
        uint256 amount = reserve;
        if (amount == 0) revert ZeroAmount();
        reserve = 0;

        _era.safeTransfer(to, amount);
        emit ReserveWithdrawn(to, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMarginVault
    function margin(address provider) external view returns (Margin memory) {
        return _margins[provider];
    }

    /// @inheritdoc IMarginVault
    function requiredMargin(address provider) public view returns (uint256) {
        return Math.max(minMargin, perEcosystemMargin * _margins[provider].ecosystemsServed);
    }

    /// @inheritdoc IMarginVault
    /// @dev Reverts UnknownCase for an id never filed.
    function freezeCase(uint256 caseId) external view returns (FreezeCase memory) {
        return _existingCase(caseId);
    }

    /// @inheritdoc IMarginVault
    function caseCount() external view returns (uint256) {
        return _caseCount;
    }

    /// @inheritdoc IMarginVault
    /// @dev Reverts UnknownCase; an upheld case shows its seized ERA before it is settled.
    function disposal(uint256 caseId) external view returns (Disposal memory) {
        _existingCase(caseId);
        return _disposals[caseId];
    }

    /// @inheritdoc IMarginVault
    function payoutOf(uint256 caseId, uint32 ecosystemId) external view returns (uint256 owed, bool claimed) {
        Payout storage payout = _payouts[caseId][ecosystemId];
        return (payout.owed, payout.claimed);
    }

    /// @inheritdoc IMarginVault
    function hasVoted(uint256 caseId, address node) external view returns (bool) {
        return _voted[caseId][node];
    }

    /// @notice ERA.
    function era() external view returns (address) {
        return address(_era);
    }

    /// @notice NodeStaking, whose past votes weigh case votes and qualify disposal attesters.
    function staking() external view returns (address) {
        return address(_staking);
    }

    /// @notice The ecosystem registry.
    function ecosystemRegistry() external view returns (address) {
        return address(_ecosystems);
    }

    /// @notice The risk feature registry, whose attestation quorum and attester stake disposals use.
    function riskRegistry() external view returns (address) {
        return address(_risk);
    }

    // ---------------------------------------------------------------- internals

    function _existingCase(uint256 caseId) internal view returns (FreezeCase storage fc) {
        fc = _cases[caseId];
        if (fc.status == CaseStatus.NONE) revert UnknownCase(caseId);
    }

    function _openCaseOf(uint256 caseId) internal view returns (FreezeCase storage fc) {
        fc = _existingCase(caseId);
        CaseStatus status = fc.status;
        if (status != CaseStatus.OPEN) revert CaseNotOpen(caseId, status);
    }

    /// @dev The operator of an active ecosystem (EcosystemNotActive for an unknown or suspended one).
    function _activeOperator(uint32 ecosystemId) internal view returns (address) {
        if (!_ecosystems.isActive(ecosystemId)) revert EcosystemNotActive(ecosystemId);
        return _ecosystems.ecosystem(ecosystemId).operator;
    }

    /// @dev Records case `caseId` and freezes the margin; the caller pulls the deposit and emits.
    function _openCase(
        address provider,
        uint32 ecosystemId,
        address applicant,
        uint256 claimAmount,
        bytes32 evidenceHash
    ) internal returns (uint256 caseId) {
        Margin storage m = _margins[provider];
        uint256 frozenBy = m.frozenBy;
        if (frozenBy != 0) revert MarginIsFrozen(provider, frozenBy);
        if (m.locked + m.queued == 0) revert NoMargin(provider);

        caseId = ++_caseCount;
        FreezeCase storage fc = _cases[caseId];
        fc.provider = provider;
        fc.ecosystemId = ecosystemId;
        fc.status = CaseStatus.OPEN;
        fc.applicant = applicant;
        fc.filedAt = uint64(block.timestamp);
        fc.voteEnd = SafeCast.toUint64(block.timestamp + reviewWindow);
        fc.snapshotBlock = SafeCast.toUint64(block.number - 1);
        fc.claimAmount = claimAmount;
        fc.deposit = freezeDeposit;
        fc.evidenceHash = evidenceHash;
        m.frozenBy = caseId;
    }

    function _emitFiled(uint256 caseId) internal {
        FreezeCase storage fc = _cases[caseId];
        address provider = fc.provider;
        emit FreezeFiled(
            caseId,
            provider,
            fc.ecosystemId,
            fc.applicant,
            fc.claimAmount,
            fc.deposit,
            fc.evidenceHash,
            fc.snapshotBlock,
            fc.voteEnd
        );
        Margin storage m = _margins[provider];
        emit MarginFrozen(provider, caseId, m.locked + m.queued);
    }

    /// @dev The outcome `resolveCase` applies now, or VotingOpen when it is too early (see the contract notes).
    function _outcome(uint256 caseId, FreezeCase storage fc) internal view returns (CaseStatus) {
        uint256 total = _staking.getPastTotalSupply(fc.snapshotBlock);
        uint256 uphold = fc.votesUphold;
        uint256 reject = fc.votesReject;
        uint256 dismiss = fc.votesDismiss;
        if (uphold * 2 > total) return CaseStatus.UPHELD;
        if (reject * 2 > total) return CaseStatus.REJECTED;
        if (dismiss * 2 > total) return CaseStatus.DISMISSED;
        uint64 voteEnd = fc.voteEnd;
        if (block.timestamp <= voteEnd) revert VotingOpen(caseId, voteEnd);
        uint256 turnout = uphold + reject + dismiss;
        if (turnout == 0 || turnout * BPS < uint256(caseQuorumBps) * total) return CaseStatus.EXPIRED;
        if (uphold > reject && uphold > dismiss) return CaseStatus.UPHELD;
        if (reject > uphold && reject > dismiss) return CaseStatus.REJECTED;
        return CaseStatus.DISMISSED;
    }

    /// @dev Takes up to `claimAmount` from the margin, locked first, then queued.
    function _seize(Margin storage m, uint256 claimAmount) internal returns (uint256 seized) {
        uint256 locked = m.locked;
        uint256 queued = m.queued;
        seized = Math.min(claimAmount, locked + queued);
        uint256 fromLocked = Math.min(seized, locked);
        uint256 fromQueued = seized - fromLocked;
        m.locked = locked - fromLocked;
        if (fromQueued != 0) {
            m.queued = queued - fromQueued;
            if (queued == fromQueued) m.unlockAt = 0;
        }
    }

    /// @dev The case is upheld, its disposal not settled yet, and the attestations' deadline not passed.
    function _checkSettleable(uint256 caseId, uint256 deadline) internal view {
        CaseStatus status = _existingCase(caseId).status;
        if (status != CaseStatus.UPHELD) revert CaseNotUpheld(caseId, status);
        if (_disposals[caseId].settled) revert DisposalAlreadySettled(caseId);
        if (block.timestamp > deadline) revert ExpiredSignature(deadline, block.timestamp);
    }

    /// @dev InvalidShares unless the lists are equally long (≤ MAX_DISPOSAL_ECOSYSTEMS), the ecosystems distinct
    ///      and active, every share non-zero and Σ shares ≤ 10,000.
    function _checkShares(uint32[] calldata ecosystemIds, uint16[] calldata sharesBps) internal view {
        uint256 count = ecosystemIds.length;
        if (count != sharesBps.length || count > MAX_DISPOSAL_ECOSYSTEMS) revert InvalidShares();
        uint256 total;
        for (uint256 i = 0; i < count; i++) {
            uint16 share = sharesBps[i];
            if (share == 0) revert InvalidShares();
            total += share;
            uint32 id = ecosystemIds[i];
            for (uint256 j = 0; j < i; j++) {
                if (ecosystemIds[j] == id) revert InvalidShares();
            }
            if (!_ecosystems.isActive(id)) revert InvalidShares();
        }
        if (total > BPS) revert InvalidShares();
    }

    /// @dev Counts valid node attestations (see the contract notes) and stops at the quorum.
    function _checkAttestations(
        uint256 caseId,
        bytes32 assessmentHash,
        uint256 deadline,
        address[] calldata nodes,
        bytes[] calldata signatures
    ) internal view {
        uint256 needed = _risk.attestationQuorum();
        if (nodes.length != signatures.length) revert AttestationQuorumNotMet(0, needed);
        uint256 minStake = _risk.minAttesterStake();
        uint64 snapshotBlock = _cases[caseId].snapshotBlock;
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(SETTLE_DISPOSAL_TYPEHASH, caseId, assessmentHash, deadline)));
        uint256 got;
        address last;
        for (uint256 i = 0; i < nodes.length && got < needed; i++) {
            address node = nodes[i];
            if (node <= last) continue;
            uint256 stake = _staking.getPastVotes(node, snapshotBlock);
            if (stake == 0 || stake < minStake) continue;
            if (!_isValidSignatureNow(node, digest, signatures[i])) continue;
            got++;
            last = node;
        }
        if (got < needed) revert AttestationQuorumNotMet(got, needed);
    }

    /// @dev Books the payouts (rounded down) and the rest into the reserve, then emits (the caller stored the
    ///      inputs hash).
    function _settle(
        uint256 caseId,
        bytes32 assessmentHash,
        uint32[] calldata ecosystemIds,
        uint16[] calldata sharesBps
    ) internal {
        Disposal storage d = _disposals[caseId];
        uint256 seized = d.seized;
        uint256 assigned;
        for (uint256 i = 0; i < ecosystemIds.length; i++) {
            uint256 amount = seized * sharesBps[i] / BPS;
            _payouts[caseId][ecosystemIds[i]].owed = SafeCast.toUint128(amount);
            assigned += amount;
        }
        uint256 dust = seized - assigned;
        d.settled = true;
        d.assessmentHash = assessmentHash;
        d.dust = dust;
        reserve += dust;

        emit DisposalSettled(caseId, assessmentHash, d.inputsHash, seized, assigned, dust);
        for (uint256 i = 0; i < ecosystemIds.length; i++) {
            emit DisposalShareAssigned(caseId, ecosystemIds[i], sharesBps[i], seized * sharesBps[i] / BPS);
        }
    }

    /// @dev `_verifyAction` for the operator of `ecosystemId`, at its next nonce; a signature that is not the
    ///      operator's reverts NotEcosystemOperator with the recovered signer (0 if none).
    function _verifyOperatorAction(
        uint32 ecosystemId,
        address operator,
        bytes32 structHash,
        uint256 deadline,
        bytes calldata signature
    ) internal {
        if (block.timestamp > deadline) revert ExpiredSignature(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(structHash);
        if (!_isValidSignatureNow(operator, digest, signature)) {
            (address signer,,) = ECDSA.tryRecover(digest, signature);
            revert NotEcosystemOperator(ecosystemId, signer);
        }
        _useNonce(operator);
    }

    /// @dev Pulls `amount` ERA from `from` after its optional ERC-2612 permit. A permit that fails (e.g. front-run:
    ///      someone submitted the same signature first, so the allowance is already there) falls through to the
    ///      allowance, and transferFrom decides.
    function _pull(address from, uint256 amount, EraPermit calldata permit) internal {
        if (permit.deadline != 0) {
            try IERC20Permit(address(_era))
                .permit(from, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s) {}
                catch {}
        }
        _era.safeTransferFrom(from, address(this), amount);
    }

    function _setMarginParameters(
        uint256 minMargin_,
        uint256 perEcosystemMargin_,
        uint256 freezeDeposit_,
        uint64 reviewWindow_,
        uint64 unlockDelay_,
        uint16 caseQuorumBps_
    ) internal {
        if (reviewWindow_ < MIN_REVIEW_WINDOW || reviewWindow_ > MAX_REVIEW_WINDOW) {
            revert InvalidParameter("reviewWindow");
        }
        if (unlockDelay_ < reviewWindow_) revert InvalidParameter("unlockDelay");
        if (caseQuorumBps_ == 0 || caseQuorumBps_ > BPS) revert InvalidParameter("caseQuorumBps");
        minMargin = minMargin_;
        perEcosystemMargin = perEcosystemMargin_;
        freezeDeposit = freezeDeposit_;
        reviewWindow = reviewWindow_;
        unlockDelay = unlockDelay_;
        caseQuorumBps = caseQuorumBps_;
        emit MarginParametersSet(
            minMargin_, perEcosystemMargin_, freezeDeposit_, reviewWindow_, unlockDelay_, caseQuorumBps_
        );
    }
}

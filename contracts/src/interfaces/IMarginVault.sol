// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EraPermit} from "./EraPermit.sol";

/// @title Cross-domain margin vault
/// @notice Providers lock ERA here as cross-domain joint-prevention margin. The margin stays the provider's (only
///         the provider's signature unlocks it) unless a case seizes it. Required margin =
///         max(minMargin, perEcosystemMargin × ecosystems served) (defaults 20,000 ERA and 20,000 ERA: five
///         ecosystems → 100,000 ERA); a provider below it is `adequate == false` (reported, not enforced here).
///
///         Unlocking is two-step: `requestUnlock` queues an amount for `unlockDelay` (always ≥ `reviewWindow`, so a
///         provider cannot outrun a case), and queued margin stays freezable and seizable until withdrawn.
///
///         Freeze cases: any active registered ecosystem files an application (its operator's signature, a deposit
///         of `freezeDeposit` ERA, the compensation it claims and an evidence hash). The provider's whole margin
///         (locked and queued) freezes at once. Staked nodes vote at the snapshot block (the block before filing)
///         to UPHOLD (up to the claimed amount is seized into a disposal; deposit refunded), REJECT (deposit paid
///         to the provider; unfrozen) or DISMISS (deposit refunded; unfrozen). Anyone resolves after the review
///         window, or earlier once one verdict holds more than half of all stake at the snapshot. Without
///         `caseQuorumBps` of the snapshot stake voting, the case EXPIRES at the window's end: the margin is
///         released and the deposit refunded (auto-release). One open case per margin.
///
///         Disposal: after an upheld case, the shares of the seized ERA per participating ecosystem (bps, Σ ≤
///         10,000, computed off-chain as Shapley values from the documented contribution assessment) are settled
///         on the signatures of `attestationQuorum` staked nodes (stake at the case's snapshot ≥ the risk
///         registry's `minAttesterStake`) over the assessment. Each payout = seized × bps / 10,000 rounded down;
///         the rest (unassigned bps and rounding dust) goes to the reserve, so Σ payouts + dust = seized. Payouts
///         are pull claims to the ecosystem's current operator.
/// @dev EIP-712 domain "Caldera Margin", version 1. Types:
///      `LockMargin(address provider,uint256 amount,uint256 nonce,uint256 deadline)`,
///      `SetServedEcosystems(address provider,uint32[] ecosystemIds,uint256 nonce,uint256 deadline)`,
///      `RequestUnlock(address provider,uint256 amount,uint256 nonce,uint256 deadline)`,
///      `WithdrawMargin(address provider,uint256 nonce,uint256 deadline)`,
///      `FileFreeze(address provider,uint32 ecosystemId,uint256 claimAmount,bytes32 evidenceHash,uint256 nonce,uint256 deadline)`
///      (the ecosystem operator),
///      `CastCaseVote(uint256 caseId,uint8 verdict,uint256 nonce,uint256 deadline)` (a node),
///      `SettleDisposal(uint256 caseId,bytes32 assessmentHash,uint256 deadline)` (each attesting node; no nonce —
///      a case settles once), where assessmentHash = keccak256(abi.encode(caseId, ecosystemIds, sharesBps,
///      inputsHash)),
///      `ClaimPayout(uint256 caseId,uint32 ecosystemId,uint256 nonce,uint256 deadline)` (the operator).
///      Nonces are ISignedActions' (per signer). Every ERA movement is nonReentrant, checks-effects-interactions.
interface IMarginVault {
    enum CaseStatus {
        NONE,
        OPEN,
        UPHELD,
        REJECTED,
        DISMISSED,
        EXPIRED
    }

    enum Verdict {
        NONE,
        UPHOLD,
        REJECT,
        DISMISS
    }

    struct Margin {
        uint256 locked;
        uint256 queued;
        uint64 unlockAt;
        uint32 ecosystemsServed;
        /// @notice The open case freezing this margin, 0 if none.
        uint256 frozenBy;
    }

    struct FreezeCase {
        address provider;
        uint32 ecosystemId;
        CaseStatus status;
        address applicant;
        uint64 filedAt;
        uint64 voteEnd;
        uint64 snapshotBlock;
        uint256 claimAmount;
        uint256 deposit;
        bytes32 evidenceHash;
        uint256 votesUphold;
        uint256 votesReject;
        uint256 votesDismiss;
        uint256 seized;
    }

    struct Disposal {
        bool settled;
        bytes32 assessmentHash;
        bytes32 inputsHash;
        uint256 seized;
        uint256 paidOut;
        uint256 dust;
    }

    error NotGovernance(address caller);
    error ZeroAddress(string parameter);
    error ZeroAmount();
    /// @notice `provider` asked to queue `requested` but has only `locked` locked.
    error InsufficientMargin(address provider, uint256 requested, uint256 locked);
    /// @notice The margin is frozen by open case `caseId`.
    error MarginIsFrozen(address provider, uint256 caseId);
    /// @notice Nothing queued, or the queue unlocks at `unlockAt`.
    error UnlockNotReady(address provider, uint64 unlockAt);
    /// @notice `provider` has no margin to freeze.
    error NoMargin(address provider);
    error EcosystemNotActive(uint32 ecosystemId);
    error NotEcosystemOperator(uint32 ecosystemId, address signer);
    /// @notice A served-ecosystem list must name distinct active ecosystems.
    error InvalidEcosystemList();
    /// @notice Filing against your own margin.
    error SelfFreeze(address provider);
    error UnknownCase(uint256 caseId);
    error CaseNotOpen(uint256 caseId, CaseStatus status);
    /// @notice Voting on `caseId` closed at `voteEnd`.
    error VotingClosed(uint256 caseId, uint64 voteEnd);
    /// @notice The case cannot be resolved before `voteEnd` without a majority of the snapshot stake.
    error VotingOpen(uint256 caseId, uint64 voteEnd);
    error InvalidVerdict(uint8 verdict);
    error NoVotingPower(address node, uint64 snapshotBlock);
    error AlreadyVoted(uint256 caseId, address node);
    error CaseNotUpheld(uint256 caseId, CaseStatus status);
    error DisposalAlreadySettled(uint256 caseId);
    error DisposalNotSettled(uint256 caseId);
    /// @notice Ecosystems must be distinct and active, shares non-zero, lists equally long (≤ 10), Σ ≤ 10,000.
    error InvalidShares();
    /// @notice `got` valid node attestations, `needed` required.
    error AttestationQuorumNotMet(uint256 got, uint256 needed);
    /// @notice `ecosystemId` has no unclaimed payout in `caseId`.
    error NothingToClaim(uint256 caseId, uint32 ecosystemId);
    /// @notice unlockDelay must be ≥ reviewWindow; quorum 1..10,000 bps; review window 1 h .. 30 days.
    error InvalidParameter(string name);

    event MarginLocked(address indexed provider, uint256 amount, uint256 locked);
    event ServedEcosystemsSet(address indexed provider, uint32[] ecosystemIds, uint256 required);
    event UnlockRequested(address indexed provider, uint256 amount, uint256 queued, uint64 unlockAt);
    event MarginWithdrawn(address indexed provider, uint256 amount);
    event FreezeFiled(
        uint256 indexed caseId,
        address indexed provider,
        uint32 indexed ecosystemId,
        address applicant,
        uint256 claimAmount,
        uint256 deposit,
        bytes32 evidenceHash,
        uint64 snapshotBlock,
        uint64 voteEnd
    );
    /// @notice Emitted with FreezeFiled: `frozenAmount` = locked + queued at filing.
    event MarginFrozen(address indexed provider, uint256 indexed caseId, uint256 frozenAmount);
    event CaseVoteCast(uint256 indexed caseId, address indexed node, Verdict verdict, uint256 weight);
    event CaseResolved(
        uint256 indexed caseId,
        CaseStatus status,
        uint256 seized,
        uint256 votesUphold,
        uint256 votesReject,
        uint256 votesDismiss
    );
    event MarginUnfrozen(address indexed provider, uint256 indexed caseId);
    /// @notice `toProvider`: the deposit went to the provider (REJECTED) rather than back to the applicant.
    event DepositReleased(uint256 indexed caseId, address indexed to, uint256 amount, bool toProvider);
    /// @notice `inputsHash` commits to the off-chain contribution assessment (the hub stores the document under it).
    event DisposalSettled(
        uint256 indexed caseId, bytes32 assessmentHash, bytes32 inputsHash, uint256 seized, uint256 assigned, uint256 dust
    );
    event DisposalShareAssigned(uint256 indexed caseId, uint32 indexed ecosystemId, uint16 shareBps, uint256 amount);
    event PayoutClaimed(uint256 indexed caseId, uint32 indexed ecosystemId, address indexed to, uint256 amount);
    event MarginParametersSet(
        uint256 minMargin,
        uint256 perEcosystemMargin,
        uint256 freezeDeposit,
        uint64 reviewWindow,
        uint64 unlockDelay,
        uint16 caseQuorumBps
    );
    event ReserveWithdrawn(address indexed to, uint256 amount);

    function lockMargin(address provider, uint256 amount, uint256 deadline, bytes calldata signature, EraPermit calldata permit)
        external;
    function setServedEcosystems(address provider, uint32[] calldata ecosystemIds, uint256 deadline, bytes calldata signature)
        external;
    function requestUnlock(address provider, uint256 amount, uint256 deadline, bytes calldata signature) external;
    function withdrawMargin(address provider, uint256 deadline, bytes calldata signature) external returns (uint256 amount);

    /// @notice Files a freeze case, pulling `freezeDeposit` from the operator (signer). Freezes at once.
    function fileFreeze(
        address provider,
        uint32 ecosystemId,
        uint256 claimAmount,
        bytes32 evidenceHash,
        uint256 deadline,
        bytes calldata signature,
        EraPermit calldata permit
    ) external returns (uint256 caseId);

    function castCaseVote(uint256 caseId, address node, Verdict verdict, uint256 deadline, bytes calldata signature)
        external;

    /// @notice Anyone: resolves an open case (see the contract notes for when).
    function resolveCase(uint256 caseId) external returns (CaseStatus status);

    /// @notice Anyone: settles an upheld case's disposal with `nodes`' signatures over the assessment.
    function settleDisposal(
        uint256 caseId,
        uint32[] calldata ecosystemIds,
        uint16[] calldata sharesBps,
        bytes32 inputsHash,
        uint256 deadline,
        address[] calldata nodes,
        bytes[] calldata signatures
    ) external;

    /// @notice Pays `ecosystemId`'s share of `caseId` to its current operator, on the operator's signature.
    function claimPayout(uint256 caseId, uint32 ecosystemId, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 amount);

    /// @notice Governance: all margin parameters at once (unlockDelay ≥ reviewWindow enforced).
    function setMarginParameters(
        uint256 minMargin,
        uint256 perEcosystemMargin,
        uint256 freezeDeposit,
        uint64 reviewWindow,
        uint64 unlockDelay,
        uint16 caseQuorumBps
    ) external;

    /// @notice Governance: sends the reserve (unassigned shares and dust) to `to`.
    function withdrawReserve(address to) external;

    function margin(address provider) external view returns (Margin memory);
    function requiredMargin(address provider) external view returns (uint256);
    function freezeCase(uint256 caseId) external view returns (FreezeCase memory);
    function caseCount() external view returns (uint256);
    function disposal(uint256 caseId) external view returns (Disposal memory);
    function payoutOf(uint256 caseId, uint32 ecosystemId) external view returns (uint256 owed, bool claimed);
    function hasVoted(uint256 caseId, address node) external view returns (bool);
    function reserve() external view returns (uint256);
    function minMargin() external view returns (uint256);
    function perEcosystemMargin() external view returns (uint256);
    function freezeDeposit() external view returns (uint256);
    function reviewWindow() external view returns (uint64);
    function unlockDelay() external view returns (uint64);
    function caseQuorumBps() external view returns (uint16);
}

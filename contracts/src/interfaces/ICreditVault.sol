// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISignedActions} from "./ISignedActions.sol";

/// @title Credit vault: ERA credit lines against pledged derivative units
/// @notice A provider pledges a derivative unit (the vault takes custody of it: DerivativeRegistry lets the vault,
///         and only the vault, move units) and opens a credit line whose limit is the governed base of the unit's
///         domain × the unit's rule weight (weight 15,000 bps = 1.5× the core → limit +50%). It borrows up to the
///         limit from a pool lenders fund, pays simple interest at a governed annual rate, repays, and gets the unit
///         back (unpledge) only when principal and interest are zero. Past the term, anyone may declare a default:
///         the unit stays with the vault for good (its licence revenue and rewards then go to the lenders' pool),
///         the unpaid principal is booked as a loss, and CreditDefaulted is emitted for the cross-domain risk module.
/// @dev Signed actions (ISignedActions), EIP-712 domain name "Caldera Credit", version "1":
///        Pledge(uint256 derivativeId,address borrower,uint256 nonce,uint256 deadline) signed by the unit's owner;
///        Borrow(uint256 lineId,uint256 amount,uint256 nonce,uint256 deadline) signed by the line's borrower;
///        Repay(uint256 lineId,address payer,uint256 amount,uint256 nonce,uint256 deadline) signed by the payer;
///        Unpledge(uint256 lineId,uint256 nonce,uint256 deadline) signed by the borrower;
///        Deposit(address lender,uint256 amount,uint256 nonce,uint256 deadline) signed by the lender;
///        Withdrawal(address lender,uint256 shares,uint256 nonce,uint256 deadline) signed by the lender.
///      ERA is pulled with `transferFrom` after an optional ERC-2612 permit in the same call.
///
///      Lenders hold shares of the pool (not a token). Pool assets = idle ERA + outstanding principal; interest
///      paid and revenue of seized units raise it, booked losses lower it. Deposits mint
///      shares = amount × totalShares / assets (rounded down); withdrawals pay shares × assets / totalShares
///      (rounded down) from idle ERA only. All rounding favours the pool, never the caller: interest rounds up,
///      shares and payouts round down. The first deposit mints shares 1:1 plus a virtual offset (OpenZeppelin
///      ERC-4626 style) against donation attacks.
///
///      Interest: principal × rateBps × elapsed / (10,000 × 365 days), accrued on every change of principal.
///      Repayments pay accrued interest first, then principal; a repayment above the debt pulls only the debt.
///      Seeds (governed): base per domain 1 (agricultural) 1,000 ERA, 2 (industrial) 2,000 ERA; rate 800 bps a
///      year; term 90 days from the pledge.
///
///      Custody of ERA: this contract's ERA balance always equals the pool's idle ERA.
interface ICreditVault is ISignedActions {
    enum LineStatus {
        None,
        Open,
        Closed,
        Defaulted
    }

    struct CreditLine {
        uint256 derivativeId;
        address borrower;
        uint8 domain;
        uint32 weightBps;
        LineStatus status;
        uint64 openedAt;
        uint64 dueAt;
        /// When interest was last accrued into `interest`.
        uint64 accruedAt;
        uint256 limit;
        uint256 principal;
        /// Accrued, unpaid interest up to `accruedAt`.
        uint256 interest;
    }

    struct PledgeRequest {
        uint256 derivativeId;
        address borrower;
        uint256 nonce;
        uint256 deadline;
    }

    struct BorrowRequest {
        uint256 lineId;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
    }

    struct RepayRequest {
        uint256 lineId;
        address payer;
        /// The most to pull; the debt at execution if lower.
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
    }

    struct UnpledgeRequest {
        uint256 lineId;
        uint256 nonce;
        uint256 deadline;
    }

    struct DepositRequest {
        address lender;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
    }

    struct WithdrawalRequest {
        address lender;
        uint256 shares;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice An ERC-2612 permit for the ERA the call pulls; `deadline == 0` means "no permit, use the allowance".
    struct Permit {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    error NotGovernance(address caller);
    error ZeroAddress(string parameter);
    error ZeroAmount();
    error BpsOutOfRange(uint256 valueBps);
    /// @notice `signer` does not own `derivativeId` (`owner` does).
    error NotUnitOwner(uint256 derivativeId, address signer, address owner);
    /// @notice `derivativeId` is already pledged on line `lineId`.
    error AlreadyPledged(uint256 derivativeId, uint256 lineId);
    /// @notice No base is set for `domain`, so its units cannot be pledged.
    error NoCreditForDomain(uint8 domain);
    error UnknownLine(uint256 lineId);
    /// @notice Line `lineId` is `status`, not Open.
    error LineNotOpen(uint256 lineId, LineStatus status);
    /// @notice Borrowing `amount` would take the debt to `debtAfter`, above the line's `limit`.
    error AboveLimit(uint256 lineId, uint256 debtAfter, uint256 limit);
    /// @notice The pool holds `available` idle ERA; `requested` is more.
    error InsufficientLiquidity(uint256 requested, uint256 available);
    /// @notice Line `lineId` still owes `debt` (principal + interest); repay it before unpledging.
    error DebtOutstanding(uint256 lineId, uint256 debt);
    /// @notice Line `lineId` is due at `dueAt`; a default can only be declared after it.
    error NotYetDue(uint256 lineId, uint64 dueAt);
    /// @notice Line `lineId` owes nothing, so it cannot default (the borrower can unpledge).
    error NothingOwed(uint256 lineId);
    /// @notice Line `lineId` is past its due time `dueAt`: no more borrowing.
    error LineOverdue(uint256 lineId, uint64 dueAt);
    /// @notice `lender` holds `held` shares; `requested` is more.
    error InsufficientShares(address lender, uint256 requested, uint256 held);
    /// @notice A deposit too small to mint one share.
    error DepositTooSmall(uint256 amount);

    event CreditLineOpened(
        uint256 indexed lineId,
        uint256 indexed derivativeId,
        address indexed borrower,
        uint8 domain,
        uint32 weightBps,
        uint256 limit,
        uint64 dueAt
    );
    /// @notice `principal` and `interest` are the line's after the change.
    event Borrowed(uint256 indexed lineId, address indexed borrower, uint256 amount, uint256 principal, uint256 interest);
    event Repaid(
        uint256 indexed lineId,
        address indexed payer,
        uint256 interestPaid,
        uint256 principalPaid,
        uint256 principal,
        uint256 interest
    );
    /// @notice Emitted after the unit went back to the borrower and the line closed.
    event Unpledged(uint256 indexed lineId, uint256 indexed derivativeId, address indexed borrower);
    /// @notice A performance-risk event: line `lineId` defaulted; the vault keeps the unit; `principalLost` is
    ///         booked as a loss of the pool and `interestLost` forgone. `declaredBy` triggered it.
    event CreditDefaulted(
        uint256 indexed lineId,
        uint256 indexed derivativeId,
        address indexed borrower,
        uint8 domain,
        uint256 principalLost,
        uint256 interestLost,
        uint64 dueAt,
        address declaredBy
    );
    event Deposited(address indexed lender, uint256 amount, uint256 shares, uint256 totalAssets, uint256 totalShares);
    event Withdrawn(address indexed lender, uint256 amount, uint256 shares, uint256 totalAssets, uint256 totalShares);
    /// @notice ERA that arrived without a deposit (licence revenue of seized units released to the vault) was
    ///         added to the pool's assets.
    event RecoveryBooked(uint256 amount, uint256 totalAssets);
    event DomainBaseSet(uint8 indexed domain, uint256 base);
    event InterestRateSet(uint16 rateBps);
    event TermSet(uint64 termSeconds);

    /// @notice Takes custody of the unit on its owner's signature and opens a credit line for it.
    /// @return lineId Sequential, from 1.
    function pledge(PledgeRequest calldata req, bytes calldata signature) external returns (uint256 lineId);

    /// @notice Sends `req.amount` ERA from the pool to the borrower, up to the limit (principal + interest after).
    function borrow(BorrowRequest calldata req, bytes calldata signature) external;

    /// @notice Pulls up to `req.amount` ERA from the payer (after `permit`): interest first, then principal.
    /// @return paid What was pulled.
    function repay(RepayRequest calldata req, bytes calldata signature, Permit calldata permit)
        external
        returns (uint256 paid);

    /// @notice Returns the unit to the borrower and closes the line; reverts DebtOutstanding while anything is owed.
    function unpledge(UnpledgeRequest calldata req, bytes calldata signature) external;

    /// @notice Declares line `lineId` defaulted once past its due time with debt outstanding; anyone may call it.
    function declareDefault(uint256 lineId) external;

    function deposit(DepositRequest calldata req, bytes calldata signature, Permit calldata permit)
        external
        returns (uint256 shares);

    function withdraw(WithdrawalRequest calldata req, bytes calldata signature) external returns (uint256 amount);

    /// @notice Adds ERA that reached the vault outside deposits and repayments (released licence revenue of
    ///         seized units) to the pool's assets; anyone may call it.
    function bookRecovery() external returns (uint256 amount);

    /// @notice Timelock only.
    function setDomainBase(uint8 domain, uint256 base) external;
    function setInterestRate(uint16 rateBps) external;
    function setTerm(uint64 termSeconds) external;

    function creditLine(uint256 lineId) external view returns (CreditLine memory);
    /// @notice The open line of a pledged unit (0 = not pledged).
    function lineOf(uint256 derivativeId) external view returns (uint256);
    /// @notice Principal + interest accrued up to now.
    function debtOf(uint256 lineId) external view returns (uint256);
    /// @notice base(domain) × weightBps / 10,000 for the unit (what pledging it would allow).
    function creditLimitOf(uint256 derivativeId) external view returns (uint256);
    /// @notice The account that pledged `derivativeId` (its provider) while the vault holds it, else 0.
    function pledgorOf(uint256 derivativeId) external view returns (address);
    /// @notice Whether the vault keeps `derivativeId` for good after a default.
    function isSeized(uint256 derivativeId) external view returns (bool);
    function domainBase(uint8 domain) external view returns (uint256);
    function interestRateBps() external view returns (uint16);
    function termSeconds() external view returns (uint64);
    /// @notice Idle ERA + outstanding principal.
    function totalAssets() external view returns (uint256);
    function totalShares() external view returns (uint256);
    function sharesOf(address lender) external view returns (uint256);
    function idleAssets() external view returns (uint256);
    function outstandingPrincipal() external view returns (uint256);
    /// @notice Σ principal booked as lost by defaults.
    function totalLosses() external view returns (uint256);
    function era() external view returns (address);
    function derivativeRegistry() external view returns (address);
    function derivationRules() external view returns (address);
    function timelock() external view returns (address);
}

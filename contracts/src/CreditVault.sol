// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedActions} from "./SignedActions.sol";
import {ICreditVault} from "./interfaces/ICreditVault.sol";
import {IDerivationRules} from "./interfaces/IDerivationRules.sol";
import {IDerivativeRegistry} from "./interfaces/IDerivativeRegistry.sol";
import {ISignedActions} from "./interfaces/ISignedActions.sol";

/// @title CreditVault
/// @notice ERA credit lines against pledged derivative units, funded by lenders' pool shares (see ICreditVault).
/// @dev Custody: DerivativeRegistry lets this contract, and only it, move units: owner → vault on a pledge (no
///      ERC-721 approval needed; the owner's EIP-712 Pledge signature here is the authority), vault → pledgor on
///      an unpledge. A defaulted unit stays here for good (`isSeized`).
///
///      Terms fixed at the pledge: the limit (base of the unit's domain × its rule weight / 10,000, rounded down),
///      the due time (pledge time + the term) and the annual rate. A later vote on base, rate or term applies to
///      lines opened after it, never retroactively to a line a borrower already signed for.
///
///      Accounting: `idleAssets` is the ERA this contract holds for the pool (its balance, less ERA that arrived
///      outside deposits and repayments and is not booked yet, see `bookRecovery`); `outstandingPrincipal` is Σ
///      open lines' principal; totalAssets = idle + outstanding. Interest raises idle when paid; a default removes
///      the line's principal from outstanding and books it in `totalLosses`.
///
///      Shares: price = (totalAssets + V) / (totalShares + V) with V = VIRTUAL_LIQUIDITY virtual assets and shares
///      (OpenZeppelin ERC-4626's virtual-offset defence; equal virtual assets and shares keep the first deposit at
///      1 share per wei). A donation (booked through `bookRecovery`) is shared with the V virtual shares, so an
///      attacker who deposits dust first and then donates loses nearly all of the donation, and a victim loses at
///      most one share's worth to rounding. Deposits round shares down; withdrawals round ERA down and never pay
///      more than the shares' pro-rata part of the real assets (`min` with shares × assets / totalShares), which
///      only bites when the pool is below 1 ERA per share after losses, where the virtual assets would otherwise
///      overpay by up to V wei. Interest rounds up. Every rounding thus favours the pool, never the caller.
///
///      Every state-changing function is nonReentrant and follows checks-effects-interactions: state and
///      bookkeeping first, then the ERA/unit transfer, then the (past-tense) event.
contract CreditVault is ICreditVault, SignedActions, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Virtual assets and virtual shares in the share price (see the contract notes).
    uint256 public constant VIRTUAL_LIQUIDITY = 1e6;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant YEAR = 365 days;
    /// @notice The highest annual rate governance may set (100% a year).
    uint16 public constant MAX_RATE_BPS = 10_000;

    bytes32 public constant PLEDGE_TYPEHASH =
        keccak256("Pledge(uint256 derivativeId,address borrower,uint256 nonce,uint256 deadline)");
    bytes32 public constant BORROW_TYPEHASH =
        keccak256("Borrow(uint256 lineId,uint256 amount,uint256 nonce,uint256 deadline)");
    bytes32 public constant REPAY_TYPEHASH =
        keccak256("Repay(uint256 lineId,address payer,uint256 amount,uint256 nonce,uint256 deadline)");
    bytes32 public constant UNPLEDGE_TYPEHASH = keccak256("Unpledge(uint256 lineId,uint256 nonce,uint256 deadline)");
    bytes32 public constant DEPOSIT_TYPEHASH =
        keccak256("Deposit(address lender,uint256 amount,uint256 nonce,uint256 deadline)");
    bytes32 public constant WITHDRAWAL_TYPEHASH =
        keccak256("Withdrawal(address lender,uint256 shares,uint256 nonce,uint256 deadline)");

    IERC20 internal immutable _era;
    IDerivativeRegistry internal immutable _registry;
    IDerivationRules internal immutable _rules;
    /// @inheritdoc ICreditVault
    address public immutable timelock;

    /// @inheritdoc ICreditVault
    mapping(uint8 domain => uint256) public domainBase;
    /// @inheritdoc ICreditVault
    uint16 public interestRateBps;
    /// @inheritdoc ICreditVault
    uint64 public termSeconds;

    /// @dev Starts at 1 so that line id 0 means "none" in `lineOf`.
    uint256 internal _nextLineId = 1;
    mapping(uint256 lineId => CreditLine) internal _lines;
    /// @dev The annual rate a line was opened at (fixed for its life).
    mapping(uint256 lineId => uint16) internal _rateOf;
    /// @inheritdoc ICreditVault
    mapping(uint256 derivativeId => uint256) public lineOf;
    /// @dev The line whose default seized the unit (0 = not seized).
    mapping(uint256 derivativeId => uint256) internal _seizedBy;

    /// @inheritdoc ICreditVault
    uint256 public totalShares;
    /// @inheritdoc ICreditVault
    mapping(address lender => uint256) public sharesOf;
    /// @inheritdoc ICreditVault
    uint256 public idleAssets;
    /// @inheritdoc ICreditVault
    uint256 public outstandingPrincipal;
    /// @inheritdoc ICreditVault
    uint256 public totalLosses;

    modifier onlyGovernance() {
        if (msg.sender != timelock) revert NotGovernance(msg.sender);
        _;
    }

    /// @param era_ The ERA token lent, repaid and deposited.
    /// @param registry_ The derivative registry whose units are pledged (it must name this vault its credit vault).
    /// @param rules_ The derivation rules, read for a unit's domain.
    /// @param timelock_ The governance timelock, the only account that may change bases, rate and term.
    constructor(IERC20 era_, IDerivativeRegistry registry_, IDerivationRules rules_, address timelock_)
        SignedActions("Caldera Credit", "1")
    {
        if (address(era_) == address(0)) revert ZeroAddress("era");
        if (address(registry_) == address(0)) revert ZeroAddress("registry");
        if (address(rules_) == address(0)) revert ZeroAddress("rules");
        if (timelock_ == address(0)) revert ZeroAddress("timelock");
        _era = era_;
        _registry = registry_;
        _rules = rules_;
        timelock = timelock_;

        _setDomainBase(1, 1_000 ether);
        _setDomainBase(2, 2_000 ether);
        _setInterestRate(800);
        _setTerm(90 days);
    }

    // ---------------------------------------------------------------- credit lines

    /// @inheritdoc ICreditVault
    function pledge(PledgeRequest calldata req, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 lineId)
    {
        _verifyAction(
            req.borrower,
            keccak256(abi.encode(PLEDGE_TYPEHASH, req.derivativeId, req.borrower, req.nonce, req.deadline)),
            req.deadline,
            req.nonce,
            signature
        );
        // Reverts with UnknownDerivative for an id the registry never minted.
        IDerivativeRegistry.Derivative memory unit = _registry.derivative(req.derivativeId);
        address owner = _registry.ownerOf(req.derivativeId);
        if (owner == address(this)) {
            uint256 holding = lineOf[req.derivativeId];
            revert AlreadyPledged(req.derivativeId, holding != 0 ? holding : _seizedBy[req.derivativeId]);
        }
        if (owner != req.borrower) revert NotUnitOwner(req.derivativeId, req.borrower, owner);
        uint8 domain = _rules.rule(unit.ruleId).domain;
        uint256 base = domainBase[domain];
        if (base == 0) revert NoCreditForDomain(domain);

        lineId = _nextLineId++;
        uint64 dueAt = SafeCast.toUint64(block.timestamp + termSeconds);
        uint256 limit = base * unit.weightBps / BPS;
        _lines[lineId] = CreditLine({
            derivativeId: req.derivativeId,
            borrower: req.borrower,
            domain: domain,
            weightBps: unit.weightBps,
            status: LineStatus.Open,
            openedAt: uint64(block.timestamp),
            dueAt: dueAt,
            accruedAt: uint64(block.timestamp),
            limit: limit,
            principal: 0,
            interest: 0
        });
        _rateOf[lineId] = interestRateBps;
        lineOf[req.derivativeId] = lineId;

        _registry.transferFrom(req.borrower, address(this), req.derivativeId);
        emit CreditLineOpened(lineId, req.derivativeId, req.borrower, domain, unit.weightBps, limit, dueAt);
    }

    /// @inheritdoc ICreditVault
    function borrow(BorrowRequest calldata req, bytes calldata signature) external nonReentrant {
        CreditLine storage line = _openLine(req.lineId);
        address borrower = line.borrower;
        _verifyAction(
            borrower,
            keccak256(abi.encode(BORROW_TYPEHASH, req.lineId, req.amount, req.nonce, req.deadline)),
            req.deadline,
            req.nonce,
            signature
        );
        if (req.amount == 0) revert ZeroAmount();
        if (block.timestamp > line.dueAt) revert LineOverdue(req.lineId, line.dueAt);
        _accrue(req.lineId, line);
        uint256 debtAfter = line.principal + line.interest + req.amount;
        if (debtAfter > line.limit) revert AboveLimit(req.lineId, debtAfter, line.limit);
        uint256 idle = idleAssets;
        if (req.amount > idle) revert InsufficientLiquidity(req.amount, idle);

        line.principal += req.amount;
        outstandingPrincipal += req.amount;
        idleAssets = idle - req.amount;

        _era.safeTransfer(borrower, req.amount);
        emit Borrowed(req.lineId, borrower, req.amount, line.principal, line.interest);
    }

    /// @inheritdoc ICreditVault
    function repay(RepayRequest calldata req, bytes calldata signature, Permit calldata permit)
        external
        nonReentrant
        returns (uint256 paid)
    {
        CreditLine storage line = _openLine(req.lineId);
        _verifyAction(
            req.payer,
            keccak256(abi.encode(REPAY_TYPEHASH, req.lineId, req.payer, req.amount, req.nonce, req.deadline)),
            req.deadline,
            req.nonce,
            signature
        );
        if (req.amount == 0) revert ZeroAmount();
        _accrue(req.lineId, line);
        uint256 interest = line.interest;
        uint256 debt = line.principal + interest;
        if (debt == 0) revert NothingOwed(req.lineId);

        paid = Math.min(req.amount, debt);
        uint256 interestPaid = Math.min(paid, interest);
        uint256 principalPaid = paid - interestPaid;
        line.interest = interest - interestPaid;
        line.principal -= principalPaid;
        outstandingPrincipal -= principalPaid;
        idleAssets += paid;

        _pull(req.payer, paid, permit);
        emit Repaid(req.lineId, req.payer, interestPaid, principalPaid, line.principal, line.interest);
    }

    /// @inheritdoc ICreditVault
    function unpledge(UnpledgeRequest calldata req, bytes calldata signature) external nonReentrant {
        CreditLine storage line = _openLine(req.lineId);
        address borrower = line.borrower;
        _verifyAction(
            borrower,
            keccak256(abi.encode(UNPLEDGE_TYPEHASH, req.lineId, req.nonce, req.deadline)),
            req.deadline,
            req.nonce,
            signature
        );
        _accrue(req.lineId, line);
        uint256 debt = line.principal + line.interest;
        if (debt != 0) revert DebtOutstanding(req.lineId, debt);

        uint256 derivativeId = line.derivativeId;
        line.status = LineStatus.Closed;
        delete lineOf[derivativeId];

        _registry.transferFrom(address(this), borrower, derivativeId);
        emit Unpledged(req.lineId, derivativeId, borrower);
    }

    /// @inheritdoc ICreditVault
    /// @dev The line keeps the principal and interest it defaulted with (its record); `debtOf` is 0 from then on.
    function declareDefault(uint256 lineId) external nonReentrant {
        CreditLine storage line = _openLine(lineId);
        uint64 dueAt = line.dueAt;
        if (block.timestamp <= dueAt) revert NotYetDue(lineId, dueAt);
        _accrue(lineId, line);
        uint256 principalLost = line.principal;
        uint256 interestLost = line.interest;
        if (principalLost + interestLost == 0) revert NothingOwed(lineId);

        uint256 derivativeId = line.derivativeId;
        line.status = LineStatus.Defaulted;
        outstandingPrincipal -= principalLost;
        totalLosses += principalLost;
        delete lineOf[derivativeId];
        _seizedBy[derivativeId] = lineId;

        emit CreditDefaulted(
            lineId, derivativeId, line.borrower, line.domain, principalLost, interestLost, dueAt, msg.sender
        );
    }

    // ---------------------------------------------------------------- lenders

    /// @inheritdoc ICreditVault
    function deposit(DepositRequest calldata req, bytes calldata signature, Permit calldata permit)
        external
        nonReentrant
        returns (uint256 shares)
    {
        _verifyAction(
            req.lender,
            keccak256(abi.encode(DEPOSIT_TYPEHASH, req.lender, req.amount, req.nonce, req.deadline)),
            req.deadline,
            req.nonce,
            signature
        );
        if (req.amount == 0) revert ZeroAmount();
        shares = previewDeposit(req.amount);
        if (shares == 0) revert DepositTooSmall(req.amount);

        sharesOf[req.lender] += shares;
        totalShares += shares;
        idleAssets += req.amount;

        _pull(req.lender, req.amount, permit);
        emit Deposited(req.lender, req.amount, shares, totalAssets(), totalShares);
    }

    /// @inheritdoc ICreditVault
    function withdraw(WithdrawalRequest calldata req, bytes calldata signature)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _verifyAction(
            req.lender,
            keccak256(abi.encode(WITHDRAWAL_TYPEHASH, req.lender, req.shares, req.nonce, req.deadline)),
            req.deadline,
            req.nonce,
            signature
        );
        if (req.shares == 0) revert ZeroAmount();
        uint256 held = sharesOf[req.lender];
        if (req.shares > held) revert InsufficientShares(req.lender, req.shares, held);
        amount = previewWithdraw(req.shares);
        // Shares worth less than 1 wei: burning them for nothing would only hurt the lender.
        if (amount == 0) revert ZeroAmount();
        uint256 idle = idleAssets;
        if (amount > idle) revert InsufficientLiquidity(amount, idle);

        sharesOf[req.lender] = held - req.shares;
        totalShares -= req.shares;
        idleAssets = idle - amount;

        _era.safeTransfer(req.lender, amount);
        emit Withdrawn(req.lender, amount, req.shares, totalAssets(), totalShares);
    }

    /// @inheritdoc ICreditVault
    function bookRecovery() external nonReentrant returns (uint256 amount) {
        amount = _era.balanceOf(address(this)) - idleAssets;
        if (amount == 0) return 0;
        idleAssets += amount;
        emit RecoveryBooked(amount, totalAssets());
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ICreditVault
    /// @dev A base of 0 closes the domain to new pledges; open lines keep their limits.
    function setDomainBase(uint8 domain, uint256 base) external onlyGovernance {
        _setDomainBase(domain, base);
    }

    /// @inheritdoc ICreditVault
    /// @dev At most MAX_RATE_BPS; applies to lines opened afterwards.
    function setInterestRate(uint16 rateBps) external onlyGovernance {
        _setInterestRate(rateBps);
    }

    /// @inheritdoc ICreditVault
    /// @dev Nonzero; applies to lines opened afterwards.
    function setTerm(uint64 termSeconds_) external onlyGovernance {
        _setTerm(termSeconds_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICreditVault
    /// @dev Reverts with UnknownLine for an id never opened.
    function creditLine(uint256 lineId) external view returns (CreditLine memory) {
        return _existingLine(lineId);
    }

    /// @inheritdoc ICreditVault
    /// @dev 0 for a closed or defaulted line (nothing can be repaid on it); reverts with UnknownLine.
    function debtOf(uint256 lineId) external view returns (uint256) {
        CreditLine storage line = _existingLine(lineId);
        if (line.status != LineStatus.Open) return 0;
        return line.principal + line.interest + _pendingInterest(lineId, line);
    }

    /// @inheritdoc ICreditVault
    function creditLimitOf(uint256 derivativeId) external view returns (uint256) {
        IDerivativeRegistry.Derivative memory unit = _registry.derivative(derivativeId);
        return domainBase[_rules.rule(unit.ruleId).domain] * unit.weightBps / BPS;
    }

    /// @inheritdoc ICreditVault
    /// @dev The open line's borrower: a seized unit has no pledgor any more.
    function pledgorOf(uint256 derivativeId) external view returns (address) {
        uint256 lineId = lineOf[derivativeId];
        return lineId == 0 ? address(0) : _lines[lineId].borrower;
    }

    /// @inheritdoc ICreditVault
    function isSeized(uint256 derivativeId) external view returns (bool) {
        return _seizedBy[derivativeId] != 0;
    }

    /// @notice The annual rate line `lineId` accrues at (fixed when it opened); reverts with UnknownLine.
    function interestRateOf(uint256 lineId) external view returns (uint16) {
        _existingLine(lineId);
        return _rateOf[lineId];
    }

    /// @inheritdoc ICreditVault
    function totalAssets() public view returns (uint256) {
        return idleAssets + outstandingPrincipal;
    }

    /// @notice Shares a deposit of `amount` ERA would mint now (rounded down).
    function previewDeposit(uint256 amount) public view returns (uint256) {
        return Math.mulDiv(amount, totalShares + VIRTUAL_LIQUIDITY, totalAssets() + VIRTUAL_LIQUIDITY);
    }

    /// @notice ERA a withdrawal of `shares` would pay now (rounded down, never above their pro-rata real assets).
    function previewWithdraw(uint256 shares) public view returns (uint256) {
        uint256 supply = totalShares;
        if (supply == 0) return 0;
        uint256 assets = totalAssets();
        return Math.min(
            Math.mulDiv(shares, assets + VIRTUAL_LIQUIDITY, supply + VIRTUAL_LIQUIDITY),
            Math.mulDiv(shares, assets, supply)
        );
    }

    /// @inheritdoc ICreditVault
    function era() external view returns (address) {
        return address(_era);
    }

    /// @inheritdoc ICreditVault
    function derivativeRegistry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ICreditVault
    function derivationRules() external view returns (address) {
        return address(_rules);
    }

    /// @inheritdoc SignedActions
    function nonces(address signer) public view override(ISignedActions, SignedActions) returns (uint256) {
        return super.nonces(signer);
    }

    // ---------------------------------------------------------------- internals

    function _existingLine(uint256 lineId) internal view returns (CreditLine storage line) {
        line = _lines[lineId];
        if (line.status == LineStatus.None) revert UnknownLine(lineId);
    }

    function _openLine(uint256 lineId) internal view returns (CreditLine storage line) {
        line = _existingLine(lineId);
        if (line.status != LineStatus.Open) revert LineNotOpen(lineId, line.status);
    }

    /// @dev Simple interest since the last accrual at the line's rate, rounded up (in the pool's favour).
    function _pendingInterest(uint256 lineId, CreditLine storage line) internal view returns (uint256) {
        uint256 elapsed = block.timestamp - line.accruedAt;
        if (elapsed == 0 || line.principal == 0) return 0;
        return Math.mulDiv(line.principal, uint256(_rateOf[lineId]) * elapsed, BPS * YEAR, Math.Rounding.Ceil);
    }

    function _accrue(uint256 lineId, CreditLine storage line) internal {
        uint256 pending = _pendingInterest(lineId, line);
        if (pending != 0) line.interest += pending;
        line.accruedAt = uint64(block.timestamp);
    }

    /// @dev Pulls `amount` ERA from `from` after its optional ERC-2612 permit. A permit that fails (e.g. front-run:
    ///      someone submitted the same signature first, so the allowance is already there) falls through to the
    ///      allowance, and transferFrom decides.
    function _pull(address from, uint256 amount, Permit calldata permit) internal {
        if (permit.deadline != 0) {
            try IERC20Permit(address(_era))
                .permit(from, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s) {}
                catch {}
        }
        _era.safeTransferFrom(from, address(this), amount);
    }

    function _setDomainBase(uint8 domain, uint256 base) internal {
        domainBase[domain] = base;
        emit DomainBaseSet(domain, base);
    }

    function _setInterestRate(uint16 rateBps) internal {
        if (rateBps > MAX_RATE_BPS) revert BpsOutOfRange(rateBps);
        interestRateBps = rateBps;
        emit InterestRateSet(rateBps);
    }

    function _setTerm(uint64 termSeconds_) internal {
        if (termSeconds_ == 0) revert ZeroAmount();
        termSeconds = termSeconds_;
        emit TermSet(termSeconds_);
    }
}

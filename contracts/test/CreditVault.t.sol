// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {CoreCertificationSigner} from "./utils/CoreCertificationSigner.sol";
import {CreditVaultActions} from "./utils/CreditVaultSigner.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";
import {AcceptingCoreVerifier, DerivationHelpers, ExpectingBindingVerifier} from "./DerivativeRegistry.t.sol";
import {CoreCertificateRegistry} from "../src/CoreCertificateRegistry.sol";
import {CreditVault} from "../src/CreditVault.sol";
import {DerivativeRegistry} from "../src/DerivativeRegistry.sol";
import {EraToken} from "../src/EraToken.sol";
import {ICoreCertificateRegistry} from "../src/interfaces/ICoreCertificateRegistry.sol";
import {ICreditVault} from "../src/interfaces/ICreditVault.sol";
import {IDerivationRules} from "../src/interfaces/IDerivationRules.sol";
import {IDerivativeRegistry} from "../src/interfaces/IDerivativeRegistry.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";

/// @notice The vault on real contracts: ERA, the governance stack (rules owned by the timelock the governor runs),
///         the real CoreCertificateRegistry (its quality verifier accepts every proof) and DerivativeRegistry (its
///         binding verifier accepts exactly the proofs a test expects), with the vault set as the registry's credit
///         vault the way the deploy step does it. Units are minted through `derive`, never faked.
abstract contract CreditVaultFixture is
    CalderaGovernanceFixture,
    DerivationHelpers,
    CoreCertificationSigner,
    CreditVaultActions
{
    uint256 internal constant RULE_PLANTING_PLAN = 1; // agricultural, weight 15,000: limit 1,500 ERA
    uint256 internal constant RULE_MARKET_FORECAST = 2; // agricultural, weight 12,000: limit 1,200 ERA
    uint256 internal constant RULE_FAULT_WARNING = 3; // industrial, weight 13,000: limit 2,600 ERA

    uint256 internal _coreSalt;
    mapping(address provider => bool) internal _registered;

    function setUp() public virtual override {
        super.setUp();
        cores = new CoreCertificateRegistry(new AcceptingCoreVerifier(), rules);
        binding = new ExpectingBindingVerifier();
        registry = new DerivativeRegistry(cores, rules, binding, address(timelock));
        vault = new CreditVault(IERC20(address(era)), registry, rules, address(timelock));
        registry.setCreditVault(address(vault));
    }

    /// @dev Certifies a fresh core of `key`'s account and derives one unit from it under `ruleId`.
    function _mintUnit(uint256 key, uint256 ruleId) internal returns (uint256 derivativeId) {
        address provider = vm.addr(key);
        if (!_registered[provider]) {
            vm.prank(provider);
            cores.registerProvider("Farm");
            _registered[provider] = true;
        }
        bool industrial = ruleId == RULE_FAULT_WARNING;
        ICoreCertificateRegistry.CoreClaim memory claim = ICoreCertificateRegistry.CoreClaim({
            provider: provider,
            domain: industrial ? INDUSTRIAL : AGRICULTURAL,
            datasetCommitment: bytes32(++_coreSalt),
            schemaHash: industrial ? EQUIPMENT_SCHEMA : WEATHER_SCHEMA,
            minIntegrityBps: 9_500,
            minTimelinessBps: 9_000,
            minContinuityBps: 9_600,
            maxGapSlots: 1,
            deadlineSeconds: 300,
            slotSeconds: 900,
            windowStart: 1_700_000_000
        });
        uint256[2] memory zero2;
        uint256[2][2] memory zero22;
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signCertification(key, address(cores), claim, cores.nonces(provider), deadline);
        uint256 coreId = cores.certify(claim, zero2, zero22, zero2, deadline, signature);
        uint8 mask =
            ruleId == RULE_PLANTING_PLAN ? WEATHER_MASK : ruleId == RULE_MARKET_FORECAST ? PRICE_MASK : EQUIPMENT_MASK;
        derivativeId = _signAndDerive(key, _request(provider, ruleId, _ids(coreId), mask));
    }

    /// @dev Simple interest, rounded up, computed independently of the vault.
    function _interest(uint256 principal, uint256 rateBps, uint256 elapsed) internal pure returns (uint256) {
        uint256 numerator = principal * rateBps * elapsed;
        uint256 denominator = 10_000 * 365 days;
        return (numerator + denominator - 1) / denominator;
    }
}

/// @notice A token that calls a hook on every transfer: what an ERC-777-style token would let an attacker do.
contract HookedToken is ERC20 {
    address public hook;

    constructor() ERC20("Hooked", "HOOK") {
        _mint(msg.sender, 1_000_000 ether);
    }

    function setHook(address hook_) external {
        hook = hook_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hook != address(0)) ReentrantHook(hook).onTokenTransfer();
    }
}

/// @notice Re-enters the vault from inside a token transfer.
contract ReentrantHook {
    CreditVault internal immutable _vault;

    constructor(CreditVault vault_) {
        _vault = vault_;
    }

    function onTokenTransfer() external {
        _vault.bookRecovery();
    }
}

contract CreditVaultTest is CreditVaultFixture {
    uint256 internal constant BORROWER_KEY = 0xB0B1;
    uint256 internal constant OTHER_KEY = 0xB0B2;
    uint256 internal constant LENDER_KEY = 0x1E1D;
    uint256 internal constant LENDER2_KEY = 0x1E2D;
    uint256 internal constant PAYER_KEY = 0x9A7E;
    uint256 internal constant ATTACKER_KEY = 0xA77A;
    uint256 internal constant VICTIM_KEY = 0x71C7;
    uint256 internal constant LIMIT_PLAN = 1_500 ether;
    uint256 internal constant LIMIT_FAULT = 2_600 ether;

    address internal borrower;
    address internal otherBorrower;
    address internal lender;
    address internal lender2;
    address internal payer;
    uint256 internal plan; // the borrower's planting plan (agricultural)
    uint256 internal faultModel; // the borrower's fault-warning model (industrial)
    uint256 internal forecast; // another provider's market forecast (agricultural)

    function setUp() public override {
        super.setUp();
        borrower = vm.addr(BORROWER_KEY);
        otherBorrower = vm.addr(OTHER_KEY);
        lender = vm.addr(LENDER_KEY);
        lender2 = vm.addr(LENDER2_KEY);
        payer = vm.addr(PAYER_KEY);
        plan = _mintUnit(BORROWER_KEY, RULE_PLANTING_PLAN);
        faultModel = _mintUnit(BORROWER_KEY, RULE_FAULT_WARNING);
        forecast = _mintUnit(OTHER_KEY, RULE_MARKET_FORECAST);
        _fund(borrower, 1_000 ether); // to pay interest
        _fund(lender, 100_000 ether);
        _fund(lender2, 100_000 ether);
        _fund(payer, 10_000 ether);
    }

    function _withLiquidity(uint256 amount) internal {
        _depositAs(LENDER_KEY, amount);
    }

    function _status(uint256 lineId) internal view returns (uint256) {
        return uint256(vault.creditLine(lineId).status);
    }

    function _assertBooks() internal view {
        assertEq(era.balanceOf(address(vault)), vault.idleAssets(), "vault ERA == idle");
        assertEq(vault.totalAssets(), vault.idleAssets() + vault.outstandingPrincipal(), "assets == idle + outstanding");
    }

    // ---------------------------------------------------------------- construction and governance

    function test_constructor_wiresDependenciesAndSeedsTheTermsWithEvents() public {
        vm.expectEmit(true, false, false, true);
        emit ICreditVault.DomainBaseSet(1, 1_000 ether);
        vm.expectEmit(true, false, false, true);
        emit ICreditVault.DomainBaseSet(2, 2_000 ether);
        vm.expectEmit(false, false, false, true);
        emit ICreditVault.InterestRateSet(800);
        vm.expectEmit(false, false, false, true);
        emit ICreditVault.TermSet(90 days);
        CreditVault fresh = new CreditVault(IERC20(address(era)), registry, rules, address(timelock));

        assertEq(fresh.era(), address(era), "era");
        assertEq(fresh.derivativeRegistry(), address(registry), "registry");
        assertEq(fresh.derivationRules(), address(rules), "rules");
        assertEq(fresh.timelock(), address(timelock), "timelock");
        assertEq(fresh.domainBase(1), 1_000 ether, "agricultural base");
        assertEq(fresh.domainBase(2), 2_000 ether, "industrial base");
        assertEq(fresh.domainBase(3), 0, "no other domain");
        assertEq(fresh.interestRateBps(), 800, "rate");
        assertEq(fresh.termSeconds(), 90 days, "term");
        assertEq(fresh.totalAssets(), 0, "empty pool");
        assertEq(fresh.totalShares(), 0, "no shares");
        assertEq(registry.creditVault(), address(vault), "the registry's vault is the deployed one");
    }

    function test_constructor_rejectsZeroAddresses() public {
        IERC20 token = IERC20(address(era));
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAddress.selector, "era"));
        new CreditVault(IERC20(address(0)), registry, rules, address(timelock));
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAddress.selector, "registry"));
        new CreditVault(token, IDerivativeRegistry(address(0)), rules, address(timelock));
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAddress.selector, "rules"));
        new CreditVault(token, registry, IDerivationRules(address(0)), address(timelock));
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAddress.selector, "timelock"));
        new CreditVault(token, registry, rules, address(0));
    }

    function testFuzz_governanceSetters_revertForAnyoneButTheTimelock(address caller) public {
        vm.assume(caller != address(timelock));
        bytes memory notGovernance = abi.encodeWithSelector(ICreditVault.NotGovernance.selector, caller);
        vm.startPrank(caller);
        vm.expectRevert(notGovernance);
        vault.setDomainBase(1, 5_000 ether);
        vm.expectRevert(notGovernance);
        vault.setInterestRate(100);
        vm.expectRevert(notGovernance);
        vault.setTerm(1 days);
        vm.stopPrank();
        assertEq(vault.domainBase(1), 1_000 ether, "base unchanged");
        assertEq(vault.interestRateBps(), 800, "rate unchanged");
        assertEq(vault.termSeconds(), 90 days, "term unchanged");
    }

    function test_governanceSetters_validateSetAndEmit() public {
        vm.startPrank(address(timelock));
        vm.expectEmit(true, false, false, true, address(vault));
        emit ICreditVault.DomainBaseSet(3, 700 ether);
        vault.setDomainBase(3, 700 ether);
        vm.expectEmit(false, false, false, true, address(vault));
        emit ICreditVault.InterestRateSet(10_000);
        vault.setInterestRate(10_000);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.BpsOutOfRange.selector, 10_001));
        vault.setInterestRate(10_001);
        vm.expectEmit(false, false, false, true, address(vault));
        emit ICreditVault.TermSet(30 days);
        vault.setTerm(30 days);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAmount.selector));
        vault.setTerm(0);
        vm.stopPrank();
        assertEq(vault.domainBase(3), 700 ether, "base");
        assertEq(vault.interestRateBps(), 10_000, "rate");
        assertEq(vault.termSeconds(), 30 days, "term");
    }

    function test_governance_aPassedVoteRaisesTheBaseForNewPledgesOnly() public {
        uint256 before = _pledgeAs(BORROWER_KEY, plan);
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _oneCall(address(vault), abi.encodeCall(vault.setDomainBase, (AGRICULTURAL, 3_000 ether)));
        string memory description = "Raise the agricultural credit base to 3,000 ERA";
        _passAndQueue(targets, calldatas, description);
        vm.warp(block.timestamp + TIMELOCK_DELAY);
        vm.expectEmit(true, false, false, true, address(vault));
        emit ICreditVault.DomainBaseSet(AGRICULTURAL, 3_000 ether);
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));

        assertEq(vault.creditLimitOf(forecast), 3_600 ether, "3,000 x 1.2");
        assertEq(vault.creditLine(before).limit, LIMIT_PLAN, "an open line keeps its limit");
        uint256 after_ = _pledgeAs(OTHER_KEY, forecast);
        assertEq(vault.creditLine(after_).limit, 3_600 ether, "a new line gets the voted base");
    }

    function test_setInterestRate_appliesToLinesOpenedAfterwards() public {
        _withLiquidity(10_000 ether);
        uint256 first = _pledgeAs(BORROWER_KEY, plan);
        vm.prank(address(timelock));
        vault.setInterestRate(1_600);
        uint256 second = _pledgeAs(OTHER_KEY, forecast);
        assertEq(vault.interestRateOf(first), 800, "fixed at the pledge");
        assertEq(vault.interestRateOf(second), 1_600, "the new rate");
        _borrowAs(BORROWER_KEY, first, 1_000 ether);
        _borrowAs(OTHER_KEY, second, 1_000 ether);
        vm.warp(block.timestamp + 365 days);
        assertEq(vault.debtOf(first), 1_080 ether, "8% a year");
        assertEq(vault.debtOf(second), 1_160 ether, "16% a year");
    }

    // ---------------------------------------------------------------- pledge

    function test_pledge_takesCustodyOpensTheLineAndEmits() public {
        (ICreditVault.PledgeRequest memory req, bytes memory signature) = _pledgeReq(BORROWER_KEY, plan);
        uint64 dueAt = uint64(block.timestamp + 90 days);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IERC721Transfer.Transfer(borrower, address(vault), plan);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICreditVault.CreditLineOpened(1, plan, borrower, AGRICULTURAL, 15_000, LIMIT_PLAN, dueAt);
        vm.prank(HUB);
        assertEq(vault.pledge(req, signature), 1, "first line");

        assertEq(registry.ownerOf(plan), address(vault), "the vault holds the unit");
        assertTrue(registry.locked(plan), "still locked");
        assertEq(vault.lineOf(plan), 1, "line of the unit");
        assertEq(vault.pledgorOf(plan), borrower, "pledgor");
        assertFalse(vault.isSeized(plan), "not seized");
        assertEq(vault.nonces(borrower), 1, "nonce used");
        ICreditVault.CreditLine memory line = vault.creditLine(1);
        assertEq(line.derivativeId, plan, "unit");
        assertEq(line.borrower, borrower, "borrower");
        assertEq(uint256(line.domain), AGRICULTURAL, "domain");
        assertEq(uint256(line.weightBps), 15_000, "weight");
        assertEq(uint256(line.status), uint256(ICreditVault.LineStatus.Open), "open");
        assertEq(uint256(line.openedAt), block.timestamp, "opened");
        assertEq(uint256(line.dueAt), dueAt, "due");
        assertEq(line.limit, LIMIT_PLAN, "1,000 ERA x 1.5");
        assertEq(line.principal + line.interest, 0, "no debt");
        assertEq(vault.debtOf(1), 0, "debtOf");
    }

    function test_pledge_limitIsTheDomainBaseTimesTheRuleWeight() public {
        assertEq(vault.creditLimitOf(plan), 1_500 ether, "agricultural plan: 1,000 x 1.5");
        assertEq(vault.creditLimitOf(forecast), 1_200 ether, "agricultural forecast: 1,000 x 1.2");
        assertEq(vault.creditLimitOf(faultModel), 2_600 ether, "industrial fault model: 2,000 x 1.3");
        uint256 lineId = _pledgeAs(BORROWER_KEY, faultModel);
        assertEq(vault.creditLine(lineId).limit, LIMIT_FAULT, "industrial line");
        assertEq(uint256(vault.creditLine(lineId).domain), INDUSTRIAL, "industrial domain");
    }

    function test_pledge_byANonOwnerReverts() public {
        (ICreditVault.PledgeRequest memory req, bytes memory signature) = _pledgeReq(OTHER_KEY, plan);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.NotUnitOwner.selector, plan, otherBorrower, borrower));
        vault.pledge(req, signature);
        assertEq(registry.ownerOf(plan), borrower, "unit untouched");
        assertEq(vault.nonces(otherBorrower), 0, "nothing stored");
    }

    function test_pledge_aSignatureByAnotherKeyReverts() public {
        (ICreditVault.PledgeRequest memory req,) = _pledgeReq(BORROWER_KEY, plan);
        bytes memory forged = _signCredit(OTHER_KEY, address(vault), _pledgeHash(req));
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, borrower));
        vault.pledge(req, forged);
    }

    function test_pledge_twiceRevertsAndThePledgedUnitCannotMove() public {
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        // The owner signs again: the vault holds the unit, so it is already pledged.
        (ICreditVault.PledgeRequest memory req, bytes memory signature) = _pledgeReq(BORROWER_KEY, plan);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.AlreadyPledged.selector, plan, lineId));
        vault.pledge(req, signature);
        // Anyone else, likewise.
        (req, signature) = _pledgeReq(OTHER_KEY, plan);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.AlreadyPledged.selector, plan, lineId));
        vault.pledge(req, signature);

        // The borrower can neither take it back nor pass it on.
        bytes memory notTransferable =
            abi.encodeWithSelector(IDerivativeRegistry.DerivativeNotTransferable.selector, plan);
        vm.startPrank(borrower);
        vm.expectRevert(notTransferable);
        registry.transferFrom(address(vault), borrower, plan);
        vm.expectRevert(notTransferable);
        registry.transferFrom(address(vault), otherBorrower, plan);
        vm.stopPrank();
        assertEq(registry.ownerOf(plan), address(vault), "still in custody");
        assertEq(vault.lineOf(plan), lineId, "one line");
    }

    function test_pledge_anUnpledgedUnitCanBePledgedAgain() public {
        uint256 first = _pledgeAs(BORROWER_KEY, plan);
        _unpledgeAs(BORROWER_KEY, first);
        uint256 second = _pledgeAs(BORROWER_KEY, plan);
        assertEq(second, first + 1, "a new line");
        assertEq(vault.lineOf(plan), second, "the open line");
    }

    function test_pledge_revertsWithoutABaseForTheDomain() public {
        vm.prank(address(timelock));
        vault.setDomainBase(AGRICULTURAL, 0);
        (ICreditVault.PledgeRequest memory req, bytes memory signature) = _pledgeReq(BORROWER_KEY, plan);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.NoCreditForDomain.selector, AGRICULTURAL));
        vault.pledge(req, signature);
        assertEq(vault.creditLimitOf(plan), 0, "no credit");
        assertEq(_pledgeAs(BORROWER_KEY, faultModel), 1, "the other domain still lends");
    }

    function test_pledge_revertsForAnUnknownUnit() public {
        (ICreditVault.PledgeRequest memory req, bytes memory signature) = _pledgeReq(BORROWER_KEY, 99);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.UnknownDerivative.selector, 99));
        vault.pledge(req, signature);
    }

    // ---------------------------------------------------------------- borrow

    function test_borrow_paysTheBorrowerAndEmits() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        uint256 balance = era.balanceOf(borrower);
        (ICreditVault.BorrowRequest memory req, bytes memory signature) = _borrowReq(BORROWER_KEY, lineId, 600 ether);
        vm.expectEmit(true, true, true, true, address(era));
        emit IERC20.Transfer(address(vault), borrower, 600 ether);
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICreditVault.Borrowed(lineId, borrower, 600 ether, 600 ether, 0);
        vm.prank(HUB);
        vault.borrow(req, signature);
        assertEq(era.balanceOf(borrower), balance + 600 ether, "paid out");
        assertEq(vault.idleAssets(), 9_400 ether, "idle");
        assertEq(vault.outstandingPrincipal(), 600 ether, "outstanding");
        assertEq(vault.totalAssets(), 10_000 ether, "assets unchanged by lending");
        _assertBooks();
    }

    function test_borrow_aboveTheLimitReverts() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        (ICreditVault.BorrowRequest memory req, bytes memory signature) =
            _borrowReq(BORROWER_KEY, lineId, LIMIT_PLAN + 1);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.AboveLimit.selector, lineId, LIMIT_PLAN + 1, LIMIT_PLAN));
        vault.borrow(req, signature);
        _borrowAs(BORROWER_KEY, lineId, LIMIT_PLAN); // exactly the limit passes
        assertEq(vault.debtOf(lineId), LIMIT_PLAN, "at the limit");
    }

    function test_borrow_countsAccruedInterestAgainstTheLimit() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_400 ether);
        vm.warp(block.timestamp + 30 days);
        uint256 interest = _interest(1_400 ether, 800, 30 days);
        (ICreditVault.BorrowRequest memory req, bytes memory signature) = _borrowReq(BORROWER_KEY, lineId, 100 ether);
        vm.prank(HUB);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditVault.AboveLimit.selector, lineId, 1_500 ether + interest, LIMIT_PLAN)
        );
        vault.borrow(req, signature);
        _borrowAs(BORROWER_KEY, lineId, 100 ether - interest);
        assertEq(vault.debtOf(lineId), LIMIT_PLAN, "principal + interest == limit");
    }

    function test_borrow_beyondTheIdleLiquidityReverts() public {
        _withLiquidity(1_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        (ICreditVault.BorrowRequest memory req, bytes memory signature) = _borrowReq(BORROWER_KEY, lineId, 1_200 ether);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.InsufficientLiquidity.selector, 1_200 ether, 1_000 ether));
        vault.borrow(req, signature);
    }

    function test_borrow_pastTheDueTimeReverts() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        uint64 dueAt = vault.creditLine(lineId).dueAt;
        vm.warp(dueAt);
        _borrowAs(BORROWER_KEY, lineId, 100 ether); // at the due time itself: still open for borrowing
        vm.warp(uint256(dueAt) + 1);
        (ICreditVault.BorrowRequest memory req, bytes memory signature) = _borrowReq(BORROWER_KEY, lineId, 100 ether);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.LineOverdue.selector, lineId, dueAt));
        vault.borrow(req, signature);
    }

    function test_borrow_onlyTheBorrowerSignsAndOnlyOnAnOpenLine() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        (ICreditVault.BorrowRequest memory req, bytes memory signature) = _borrowReq(OTHER_KEY, lineId, 100 ether);
        req.nonce = 0;
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidNonce.selector, borrower, 1, 0));
        vault.borrow(req, signature);
        req.nonce = 1;
        signature = _signCredit(OTHER_KEY, address(vault), _borrowHash(req));
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, borrower));
        vault.borrow(req, signature);

        (req, signature) = _borrowReq(BORROWER_KEY, lineId, 0);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAmount.selector));
        vault.borrow(req, signature);

        (req, signature) = _borrowReq(BORROWER_KEY, 7, 1 ether);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.UnknownLine.selector, 7));
        vault.borrow(req, signature);

        _unpledgeAs(BORROWER_KEY, lineId);
        (req, signature) = _borrowReq(BORROWER_KEY, lineId, 1 ether);
        vm.prank(HUB);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditVault.LineNotOpen.selector, lineId, ICreditVault.LineStatus.Closed)
        );
        vault.borrow(req, signature);
    }

    // ---------------------------------------------------------------- interest

    function test_interest_aYearAt800BpsIsExactlyEightPercent() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        vm.warp(block.timestamp + 365 days);
        assertEq(vault.debtOf(lineId), 1_080 ether, "1,000 ERA + 80 ERA");
    }

    function test_interest_roundsUpInThePoolsFavour() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether + 1);
        vm.warp(block.timestamp + 365 days);
        // (1,000 ERA + 1 wei) x 8% = 80 ERA + 0.08 wei, rounded up to 80 ERA + 1 wei.
        assertEq(vault.debtOf(lineId), 1_080 ether + 2, "interest 80 ERA + 1 wei");

        uint256 tiny = _pledgeAs(BORROWER_KEY, faultModel);
        _borrowAs(BORROWER_KEY, tiny, 1);
        vm.warp(block.timestamp + 1);
        assertEq(vault.debtOf(tiny), 2, "one wei for one second is still one wei of interest");
    }

    function test_interest_isSimpleAndAccruesOnEveryChangeOfPrincipal() public {
        vm.prank(address(timelock));
        vault.setTerm(2 * 365 days);
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 500 ether);
        vm.warp(block.timestamp + 365 days / 2);
        (ICreditVault.BorrowRequest memory req, bytes memory signature) = _borrowReq(BORROWER_KEY, lineId, 500 ether);
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICreditVault.Borrowed(lineId, borrower, 500 ether, 1_000 ether, 20 ether);
        vm.prank(HUB);
        vault.borrow(req, signature);
        vm.warp(block.timestamp + 365 days / 2);
        assertEq(vault.debtOf(lineId), 1_060 ether, "20 + 40 ERA, no interest on interest");
        assertEq(vault.creditLine(lineId).interest, 20 ether, "stored up to the last change");
    }

    // ---------------------------------------------------------------- repay

    function test_repay_paysInterestFirstThenPrincipal() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        vm.warp(block.timestamp + 365 days);

        _approveVault(borrower, 50 ether);
        (ICreditVault.RepayRequest memory req, bytes memory signature) = _repayReq(BORROWER_KEY, lineId, 50 ether);
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICreditVault.Repaid(lineId, borrower, 50 ether, 0, 1_000 ether, 30 ether);
        vm.prank(HUB);
        assertEq(vault.repay(req, signature, _noPermit()), 50 ether, "partial");

        _approveVault(borrower, 100 ether);
        (req, signature) = _repayReq(BORROWER_KEY, lineId, 100 ether);
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICreditVault.Repaid(lineId, borrower, 30 ether, 70 ether, 930 ether, 0);
        vm.prank(HUB);
        vault.repay(req, signature, _noPermit());

        assertEq(vault.outstandingPrincipal(), 930 ether, "principal repaid leaves outstanding");
        assertEq(vault.idleAssets(), 9_150 ether, "9,000 + 150");
        assertEq(vault.totalAssets(), 10_080 ether, "the pool earned the interest");
        _assertBooks();
    }

    function test_repay_aboveTheDebtPullsOnlyTheDebt() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        vm.warp(block.timestamp + 365 days);
        // A third party pays for the borrower, offering far more than is owed.
        uint256 before = era.balanceOf(payer);
        _approveVault(payer, 5_000 ether);
        (ICreditVault.RepayRequest memory req, bytes memory signature) = _repayReq(PAYER_KEY, lineId, 5_000 ether);
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICreditVault.Repaid(lineId, payer, 80 ether, 1_000 ether, 0, 0);
        vm.prank(HUB);
        assertEq(vault.repay(req, signature, _noPermit()), 1_080 ether, "the debt, not the offer");
        assertEq(era.balanceOf(payer), before - 1_080 ether, "pulled only the debt");
        assertEq(era.allowance(payer, address(vault)), 5_000 ether - 1_080 ether, "the rest of the allowance unused");
        assertEq(vault.debtOf(lineId), 0, "paid off");
        assertEq(vault.outstandingPrincipal(), 0, "nothing outstanding");
        _assertBooks();

        _approveVault(payer, 1 ether);
        (req, signature) = _repayReq(PAYER_KEY, lineId, 1 ether);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.NothingOwed.selector, lineId));
        vault.repay(req, signature, _noPermit());
    }

    function test_repay_withAPermitInTheSameCall() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 300 ether);
        uint256 deadline = block.timestamp + 1 hours;
        ICreditVault.Permit memory permit =
            _eraPermit(PAYER_KEY, address(era), address(vault), 300 ether, era.nonces(payer), deadline);
        (ICreditVault.RepayRequest memory req, bytes memory signature) = _repayReq(PAYER_KEY, lineId, 300 ether);
        vm.prank(HUB);
        assertEq(vault.repay(req, signature, permit), 300 ether, "repaid by permit");
        assertEq(era.nonces(payer), 1, "permit used");
        assertEq(vault.debtOf(lineId), 0, "paid off");
    }

    function test_repay_aFrontRunPermitFallsThroughToTheAllowance() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 300 ether);
        uint256 deadline = block.timestamp + 1 hours;
        ICreditVault.Permit memory permit = _eraPermit(PAYER_KEY, address(era), address(vault), 300 ether, 0, deadline);
        era.permit(payer, address(vault), 300 ether, deadline, permit.v, permit.r, permit.s); // someone submits it first
        (ICreditVault.RepayRequest memory req, bytes memory signature) = _repayReq(PAYER_KEY, lineId, 300 ether);
        vm.prank(HUB);
        assertEq(vault.repay(req, signature, permit), 300 ether, "repaid on the allowance the permit set");
    }

    function test_repay_withoutAllowanceRevertsAndChangesNothing() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 300 ether);
        (ICreditVault.RepayRequest memory req, bytes memory signature) = _repayReq(PAYER_KEY, lineId, 300 ether);
        vm.prank(HUB);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), 0, 300 ether)
        );
        vault.repay(req, signature, _noPermit());
        assertEq(vault.debtOf(lineId), 300 ether, "still owed");
        _assertBooks();
    }

    // ---------------------------------------------------------------- unpledge

    function test_unpledge_withDebtReverts() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        (ICreditVault.UnpledgeRequest memory req, bytes memory signature) = _unpledgeReq(BORROWER_KEY, lineId);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.DebtOutstanding.selector, lineId, 1_000 ether));
        vault.unpledge(req, signature);

        // Principal repaid to the wei but interest accrued since: still owed.
        vm.warp(block.timestamp + 10 days);
        uint256 debt = vault.debtOf(lineId);
        _repayAs(BORROWER_KEY, lineId, debt - 1);
        (req, signature) = _unpledgeReq(BORROWER_KEY, lineId);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.DebtOutstanding.selector, lineId, 1));
        vault.unpledge(req, signature);
        assertEq(registry.ownerOf(plan), address(vault), "kept");
    }

    function test_unpledge_afterRepayingReturnsTheUnitAndClosesTheLine() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        vm.warp(block.timestamp + 60 days);
        _repayAs(BORROWER_KEY, lineId, vault.debtOf(lineId));
        (ICreditVault.UnpledgeRequest memory req, bytes memory signature) = _unpledgeReq(BORROWER_KEY, lineId);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IERC721Transfer.Transfer(address(vault), borrower, plan);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICreditVault.Unpledged(lineId, plan, borrower);
        vm.prank(HUB);
        vault.unpledge(req, signature);

        assertEq(registry.ownerOf(plan), borrower, "back with its provider");
        assertEq(_status(lineId), uint256(ICreditVault.LineStatus.Closed), "closed");
        assertEq(vault.lineOf(plan), 0, "no open line");
        assertEq(vault.pledgorOf(plan), address(0), "not pledged");
        assertEq(vault.debtOf(lineId), 0, "nothing owed");
        // The holder still cannot move it.
        vm.prank(borrower);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeRegistry.DerivativeNotTransferable.selector, plan));
        registry.transferFrom(borrower, otherBorrower, plan);
        _assertBooks();
    }

    function test_unpledge_onlyByTheBorrowersSignature() public {
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        (ICreditVault.UnpledgeRequest memory req,) = _unpledgeReq(BORROWER_KEY, lineId);
        bytes memory forged = _signCredit(OTHER_KEY, address(vault), _unpledgeHash(req));
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, borrower));
        vault.unpledge(req, forged);
    }

    function test_unpledge_anOverdueLineWithoutDebtStillReturnsTheUnit() public {
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        vm.warp(block.timestamp + 200 days);
        _unpledgeAs(BORROWER_KEY, lineId);
        assertEq(registry.ownerOf(plan), borrower, "returned");
    }

    // ---------------------------------------------------------------- default

    function test_declareDefault_beforeTheDueTimeReverts() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        uint64 dueAt = vault.creditLine(lineId).dueAt;
        vm.warp(dueAt);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.NotYetDue.selector, lineId, dueAt));
        vault.declareDefault(lineId);
    }

    function test_declareDefault_withoutDebtReverts() public {
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        vm.warp(uint256(vault.creditLine(lineId).dueAt) + 1);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.NothingOwed.selector, lineId));
        vault.declareDefault(lineId);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.UnknownLine.selector, 2));
        vault.declareDefault(2);
    }

    function test_declareDefault_afterTheDueTimeSeizesTheUnitBooksTheLossAndEmits() public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        uint64 dueAt = vault.creditLine(lineId).dueAt;
        vm.warp(uint256(dueAt) + 1);
        uint256 interest = _interest(1_000 ether, 800, 90 days + 1);
        address anyone = address(0xD1CE);

        vm.expectEmit(true, true, true, true, address(vault));
        emit ICreditVault.CreditDefaulted(lineId, plan, borrower, AGRICULTURAL, 1_000 ether, interest, dueAt, anyone);
        vm.prank(anyone);
        vault.declareDefault(lineId);

        assertTrue(vault.isSeized(plan), "seized");
        assertEq(registry.ownerOf(plan), address(vault), "the unit stays with the pool");
        assertEq(_status(lineId), uint256(ICreditVault.LineStatus.Defaulted), "defaulted");
        assertEq(vault.lineOf(plan), 0, "no open line");
        assertEq(vault.pledgorOf(plan), address(0), "no pledgor any more");
        assertEq(vault.totalLosses(), 1_000 ether, "loss booked");
        assertEq(vault.outstandingPrincipal(), 0, "removed from outstanding");
        assertEq(vault.totalAssets(), 9_000 ether, "the lenders bear the loss");
        assertEq(vault.debtOf(lineId), 0, "nothing collectible");
        ICreditVault.CreditLine memory line = vault.creditLine(lineId);
        assertEq(line.principal, 1_000 ether, "the record keeps what defaulted");
        assertEq(line.interest, interest, "and its interest");
        _assertBooks();

        // Nothing more happens on the line; the unit cannot be pledged again.
        vm.expectRevert(
            abi.encodeWithSelector(ICreditVault.LineNotOpen.selector, lineId, ICreditVault.LineStatus.Defaulted)
        );
        vault.declareDefault(lineId);
        (ICreditVault.UnpledgeRequest memory unpledgeReq, bytes memory signature) = _unpledgeReq(BORROWER_KEY, lineId);
        vm.prank(HUB);
        vm.expectRevert(
            abi.encodeWithSelector(ICreditVault.LineNotOpen.selector, lineId, ICreditVault.LineStatus.Defaulted)
        );
        vault.unpledge(unpledgeReq, signature);
        (ICreditVault.PledgeRequest memory pledgeReq, bytes memory pledgeSig) = _pledgeReq(BORROWER_KEY, plan);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.AlreadyPledged.selector, plan, lineId));
        vault.pledge(pledgeReq, pledgeSig);

        // The lender gets exactly what is left: 9,000 ERA, never more (the virtual assets cannot overpay).
        assertEq(vault.previewWithdraw(vault.sharesOf(lender)), 9_000 ether, "pro-rata after the loss");
        uint256 shares = vault.sharesOf(lender);
        assertEq(_withdrawAs(LENDER_KEY, shares), 9_000 ether, "withdrawn");
        _assertBooks();
    }

    // ---------------------------------------------------------------- lenders

    function test_deposit_firstMintsOneShareAWeiThenPricesByAssets() public {
        _approveVault(lender, 1_000 ether);
        (ICreditVault.DepositRequest memory req, bytes memory signature) = _depositReq(LENDER_KEY, 1_000 ether);
        vm.expectEmit(true, false, false, true, address(vault));
        emit ICreditVault.Deposited(lender, 1_000 ether, 1_000 ether, 1_000 ether, 1_000 ether);
        vm.prank(HUB);
        assertEq(vault.deposit(req, signature, _noPermit()), 1_000 ether, "1:1");

        // Interest raises the share price: a later lender gets fewer shares per ERA.
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        vm.warp(block.timestamp + 365 days);
        _repayAs(BORROWER_KEY, lineId, 1_080 ether);
        assertEq(vault.totalAssets(), 1_080 ether, "interest earned");
        uint256 expected = (uint256(540 ether) * (1_000 ether + 1e6)) / (1_080 ether + 1e6);
        assertEq(_depositAs(LENDER2_KEY, 540 ether), expected, "priced at 1.08, rounded down");
        // 540 ERA at 1.08 ERA a share: 500 shares, plus under 1e6 wei of shares from the virtual liquidity.
        assertTrue(expected >= 500 ether && expected < 500 ether + 1e6, "about 500 shares");
        assertEq(vault.sharesOf(lender) + vault.sharesOf(lender2), vault.totalShares(), "all shares held");

        // The first lender's shares carry the interest.
        uint256 out = _withdrawAs(LENDER_KEY, 1_000 ether);
        assertTrue(out <= 1_080 ether && out > 1_080 ether - 1e6, "about 1,080 ERA, rounded down");
        _assertBooks();
    }

    function test_deposit_withAPermit() public {
        uint256 deadline = block.timestamp + 1 hours;
        ICreditVault.Permit memory permit = _eraPermit(LENDER_KEY, address(era), address(vault), 500 ether, 0, deadline);
        (ICreditVault.DepositRequest memory req, bytes memory signature) = _depositReq(LENDER_KEY, 500 ether);
        vm.prank(HUB);
        assertEq(vault.deposit(req, signature, permit), 500 ether, "deposited by permit");
        assertEq(era.balanceOf(address(vault)), 500 ether, "pulled");
    }

    function test_deposit_tooSmallForOneShareReverts() public {
        _depositAs(LENDER_KEY, 1); // one wei, one share
        _fund(address(vault), 10 ether);
        vault.bookRecovery();
        _approveVault(lender2, 1e12);
        (ICreditVault.DepositRequest memory req, bytes memory signature) = _depositReq(LENDER2_KEY, 1e12);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.DepositTooSmall.selector, 1e12));
        vault.deposit(req, signature, _noPermit());
        (req, signature) = _depositReq(LENDER2_KEY, 0);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAmount.selector));
        vault.deposit(req, signature, _noPermit());
    }

    function test_withdraw_moreSharesThanHeldReverts() public {
        uint256 shares = _depositAs(LENDER_KEY, 1_000 ether);
        (ICreditVault.WithdrawalRequest memory req, bytes memory signature) = _withdrawReq(LENDER_KEY, shares + 1);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.InsufficientShares.selector, lender, shares + 1, shares));
        vault.withdraw(req, signature);
        (req, signature) = _withdrawReq(LENDER2_KEY, 1);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.InsufficientShares.selector, lender2, 1, 0));
        vault.withdraw(req, signature);
        (req, signature) = _withdrawReq(LENDER_KEY, 0);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAmount.selector));
        vault.withdraw(req, signature);
    }

    function test_withdraw_paysFromIdleOnlyAndEmits() public {
        _depositAs(LENDER_KEY, 1_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        _borrowAs(BORROWER_KEY, lineId, 1_000 ether);
        (ICreditVault.WithdrawalRequest memory req, bytes memory signature) = _withdrawReq(LENDER_KEY, 1 ether);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ICreditVault.InsufficientLiquidity.selector, 1 ether, 0));
        vault.withdraw(req, signature);

        _repayAs(BORROWER_KEY, lineId, 400 ether);
        (req, signature) = _withdrawReq(LENDER_KEY, 400 ether);
        vm.expectEmit(true, false, false, true, address(vault));
        emit ICreditVault.Withdrawn(lender, 400 ether, 400 ether, 600 ether, 600 ether);
        vm.prank(HUB);
        assertEq(vault.withdraw(req, signature), 400 ether, "paid");
        assertEq(vault.sharesOf(lender), 600 ether, "shares burnt");
        _assertBooks();
    }

    function test_donationAttack_theFirstDepositorDoesNotProfit() public {
        address attacker = vm.addr(ATTACKER_KEY);
        address victim = vm.addr(VICTIM_KEY);
        _fund(attacker, 10_001 ether);
        _fund(victim, 10_000 ether);
        uint256 attackerStart = era.balanceOf(attacker);

        assertEq(_depositAs(ATTACKER_KEY, 1), 1, "one wei, one share");
        vm.prank(attacker);
        era.transfer(address(vault), 10_000 ether); // the donation
        vm.expectEmit(false, false, false, true, address(vault));
        emit ICreditVault.RecoveryBooked(10_000 ether, 10_000 ether + 1);
        assertEq(vault.bookRecovery(), 10_000 ether, "booked");

        uint256 victimShares = _depositAs(VICTIM_KEY, 10_000 ether);
        assertTrue(victimShares > 0, "the victim got shares");
        _withdrawAs(ATTACKER_KEY, 1);
        uint256 victimOut = _withdrawAs(VICTIM_KEY, victimShares);

        uint256 attackerEnd = era.balanceOf(attacker);
        assertTrue(attackerEnd < attackerStart, "the attacker lost");
        assertTrue(attackerStart - attackerEnd > 9_999 ether, "nearly all of the donation");
        assertTrue(victimOut <= 10_000 ether, "the victim gets no more than it paid");
        assertTrue(10_000 ether - victimOut <= 10_000 ether / 1e6, "and loses at most a millionth to rounding");
        _assertBooks();
    }

    function test_bookRecovery_addsUnbookedEraToTheAssets() public {
        _depositAs(LENDER_KEY, 1_000 ether);
        assertEq(vault.bookRecovery(), 0, "nothing to book");
        _fund(address(vault), 25 ether); // e.g. released licence revenue of a seized unit
        assertEq(vault.idleAssets(), 1_000 ether, "not yet booked");
        vm.expectEmit(false, false, false, true, address(vault));
        emit ICreditVault.RecoveryBooked(25 ether, 1_025 ether);
        assertEq(vault.bookRecovery(), 25 ether, "booked");
        _assertBooks();
        uint256 value = vault.previewWithdraw(1_000 ether);
        assertTrue(value > 1_024 ether && value <= 1_025 ether, "the lender's shares gained it");
    }

    // ---------------------------------------------------------------- reentrancy

    function test_reentrancy_throughATokenHookReverts() public {
        HookedToken token = new HookedToken();
        CreditVault hooked = new CreditVault(IERC20(address(token)), registry, rules, address(timelock));
        token.transfer(lender, 1_000 ether);
        vault = hooked; // the signing helpers target this vault
        _approveVault(lender, 100 ether);
        token.setHook(address(new ReentrantHook(hooked)));
        (ICreditVault.DepositRequest memory req, bytes memory signature) = _depositReq(LENDER_KEY, 100 ether);
        vm.prank(HUB);
        vm.expectRevert(abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector));
        hooked.deposit(req, signature, _noPermit());
        assertEq(hooked.totalShares(), 0, "nothing minted");

        token.setHook(address(0));
        vm.prank(HUB);
        assertEq(hooked.deposit(req, signature, _noPermit()), 100 ether, "the same deposit without the hook");
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Any sequence of borrows and waits inside the term: a borrow passes exactly when the debt after it
    ///      (principal + interest accrued so far + the amount) is within the limit, so no borrow ever takes the debt
    ///      above the limit. (Interest accrued later may: that is what the term and the default are for.)
    function testFuzz_borrow_debtNeverExceedsTheLimit(uint256[5] memory amounts, uint32[5] memory waits) public {
        _withLiquidity(10_000 ether);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        for (uint256 i = 0; i < amounts.length; i++) {
            vm.warp(block.timestamp + bound(waits[i], 0, 17 days));
            uint256 amount = bound(amounts[i], 1, 2 * LIMIT_PLAN);
            uint256 debtAfter = vault.debtOf(lineId) + amount;
            (ICreditVault.BorrowRequest memory req, bytes memory signature) = _borrowReq(BORROWER_KEY, lineId, amount);
            uint256 principal = vault.creditLine(lineId).principal;
            if (debtAfter > LIMIT_PLAN) {
                vm.expectRevert(abi.encodeWithSelector(ICreditVault.AboveLimit.selector, lineId, debtAfter, LIMIT_PLAN));
            }
            vm.prank(HUB);
            vault.borrow(req, signature);
            if (debtAfter <= LIMIT_PLAN) {
                assertEq(vault.debtOf(lineId), debtAfter, "debt right after the borrow");
                assertTrue(vault.debtOf(lineId) <= LIMIT_PLAN, "debt <= limit when borrowing");
                assertEq(vault.creditLine(lineId).principal, principal + amount, "principal grew by the amount");
            } else {
                assertEq(vault.creditLine(lineId).principal, principal, "a refused borrow lends nothing");
            }
        }
        _assertBooks();
    }

    /// @dev Deposits, a loan, its full repayment and both lenders leaving: together they never take out more than
    ///      they put in plus the interest paid, each lender at most its deposit plus the interest, and a lender
    ///      who deposits and withdraws at once never gains.
    function testFuzz_roundTrips_neverPayMoreThanDepositsPlusInterest(
        uint96 deposit1,
        uint96 deposit2,
        uint256 borrowed,
        uint32 elapsed,
        uint96 probe
    ) public {
        uint256 d1 = bound(deposit1, 1, 50_000 ether);
        uint256 d2 = bound(deposit2, 1, 50_000 ether);
        _depositAs(LENDER_KEY, d1);
        _depositAs(LENDER2_KEY, d2);
        uint256 lineId = _pledgeAs(BORROWER_KEY, plan);
        uint256 b = bound(borrowed, 1, d1 + d2 < LIMIT_PLAN ? d1 + d2 : LIMIT_PLAN);
        _borrowAs(BORROWER_KEY, lineId, b);
        vm.warp(block.timestamp + bound(elapsed, 0, 90 days));
        uint256 debt = vault.debtOf(lineId);
        uint256 interest = debt - b;
        _repayAs(BORROWER_KEY, lineId, debt);

        // A probe deposit withdrawn at once never comes back larger.
        uint256 p = bound(probe, 1, 10_000 ether);
        _fund(payer, p);
        uint256 probeShares = vault.previewDeposit(p);
        if (probeShares > 0) {
            _depositAs(PAYER_KEY, p);
            uint256 back = vault.previewWithdraw(probeShares);
            assertTrue(back <= p, "deposit-withdraw round trip never gains");
            if (back > 0) _withdrawAs(PAYER_KEY, probeShares);
        }

        uint256 s1 = vault.sharesOf(lender);
        uint256 out1 = vault.previewWithdraw(s1) == 0 ? 0 : _withdrawAs(LENDER_KEY, s1);
        uint256 s2 = vault.sharesOf(lender2);
        uint256 out2 = vault.previewWithdraw(s2) == 0 ? 0 : _withdrawAs(LENDER2_KEY, s2);
        assertTrue(out1 + out2 <= d1 + d2 + interest, "together no more than deposits + interest");
        assertTrue(out1 <= d1 + interest, "lender 1 no more than its deposit + interest");
        assertTrue(out2 <= d2 + interest, "lender 2 no more than its deposit + interest");
        _assertBooks();
    }

    // ---------------------------------------------------------------- gas

    function _cool() internal {
        vm.cool(address(vault));
        vm.cool(address(registry));
        vm.cool(address(era));
        vm.cool(address(rules));
    }

    function _logGas(string memory label, uint256 execution, bytes memory data) internal {
        uint256 calldataGas;
        for (uint256 i; i < data.length; ++i) {
            calldataGas += data[i] == 0 ? 4 : 16;
        }
        emit log_named_uint(string.concat(label, ": execution gas"), execution);
        emit log_named_uint(string.concat(label, ": transaction gas"), execution - 2_600 + 21_000 + calldataGas);
    }

    /// @dev Each step measured on cold storage (as its own transaction would see it): the call's execution gas, and
    ///      as a transaction (minus the cold-account surcharge of the transaction's own target, plus the 21,000 base
    ///      and the calldata). First pledge, borrow, full repay and unpledge of a borrower; a default on another line.
    function test_gas_creditLifecycle() public {
        _withLiquidity(10_000 ether);
        _approveVault(borrower, type(uint256).max);

        (ICreditVault.PledgeRequest memory pledgeReq, bytes memory sig) = _pledgeReq(BORROWER_KEY, plan);
        _cool();
        vm.prank(HUB);
        uint256 before = gasleft();
        uint256 lineId = vault.pledge(pledgeReq, sig);
        _logGas("pledge", before - gasleft(), abi.encodeCall(vault.pledge, (pledgeReq, sig)));

        (ICreditVault.BorrowRequest memory borrowReq, bytes memory borrowSig) =
            _borrowReq(BORROWER_KEY, lineId, 1_000 ether);
        _cool();
        vm.prank(HUB);
        before = gasleft();
        vault.borrow(borrowReq, borrowSig);
        _logGas("borrow", before - gasleft(), abi.encodeCall(vault.borrow, (borrowReq, borrowSig)));

        vm.warp(block.timestamp + 30 days);
        (ICreditVault.RepayRequest memory repayReq, bytes memory repaySig) =
            _repayReq(BORROWER_KEY, lineId, type(uint256).max);
        ICreditVault.Permit memory none = _noPermit();
        _cool();
        vm.prank(HUB);
        before = gasleft();
        vault.repay(repayReq, repaySig, none);
        _logGas("repay (in full)", before - gasleft(), abi.encodeCall(vault.repay, (repayReq, repaySig, none)));

        (ICreditVault.UnpledgeRequest memory unpledgeReq, bytes memory unpledgeSig) = _unpledgeReq(BORROWER_KEY, lineId);
        _cool();
        vm.prank(HUB);
        before = gasleft();
        vault.unpledge(unpledgeReq, unpledgeSig);
        _logGas("unpledge", before - gasleft(), abi.encodeCall(vault.unpledge, (unpledgeReq, unpledgeSig)));

        uint256 defaulting = _pledgeAs(OTHER_KEY, forecast);
        _borrowAs(OTHER_KEY, defaulting, 1_000 ether);
        vm.warp(block.timestamp + 91 days);
        _cool();
        before = gasleft();
        vault.declareDefault(defaulting);
        _logGas("declareDefault", before - gasleft(), abi.encodeCall(vault.declareDefault, (defaulting)));
        assertTrue(vault.isSeized(forecast), "seized");
    }
}

/// @notice The ERC-721 Transfer event, for expectEmit.
interface IERC721Transfer {
    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
}

/// @notice Drives the vault across actors: three borrowers with two units each (both domains), three lenders, and
///         time. Every action predicts its outcome from the vault's public state and expects the exact custom
///         error when it must fail, so the run fails on any unexpected revert (fail-on-revert) and on any success
///         that should have failed.
contract CreditVaultHandler is CreditVaultActions {
    EraToken internal immutable _era;
    DerivativeRegistry internal immutable _registry;
    uint256[3] internal _borrowerKeys;
    uint256[3] internal _lenderKeys;
    uint256[] internal _units;
    mapping(uint256 derivativeId => uint256 key) internal _keyOfUnit;

    uint256[] public lineIds;
    /// @dev Debt (principal + interest) right after each successful borrow, the highest per line.
    mapping(uint256 lineId => uint256) public ghostMaxDebtAtBorrow;
    uint256 public ghostLosses;
    uint256 public ghostInterestPaid;
    mapping(uint256 derivativeId => uint256 lineId) public ghostSeizedBy;
    mapping(bytes32 action => uint256) public calls;

    constructor(
        CreditVault vault_,
        EraToken era_,
        DerivativeRegistry registry_,
        uint256[3] memory borrowerKeys,
        uint256[3] memory lenderKeys,
        uint256[] memory units,
        uint256[] memory unitKeys
    ) {
        vault = vault_;
        _era = era_;
        _registry = registry_;
        _borrowerKeys = borrowerKeys;
        _lenderKeys = lenderKeys;
        for (uint256 i = 0; i < units.length; i++) {
            _units.push(units[i]);
            _keyOfUnit[units[i]] = unitKeys[i];
        }
    }

    function lineCount() external view returns (uint256) {
        return lineIds.length;
    }

    function unitCount() external view returns (uint256) {
        return _units.length;
    }

    function unitAt(uint256 i) external view returns (uint256) {
        return _units[i];
    }

    function providerOf(uint256 derivativeId) external view returns (address) {
        return vm.addr(_keyOfUnit[derivativeId]);
    }

    function pledge(uint256 unitSeed) external {
        uint256 derivativeId = _units[unitSeed % _units.length];
        (ICreditVault.PledgeRequest memory req, bytes memory signature) =
            _pledgeReq(_keyOfUnit[derivativeId], derivativeId);
        if (_registry.ownerOf(derivativeId) == address(vault)) {
            uint256 open = vault.lineOf(derivativeId);
            uint256 holding = open != 0 ? open : ghostSeizedBy[derivativeId];
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.AlreadyPledged.selector, derivativeId, holding));
            vm.prank(HUB);
            vault.pledge(req, signature);
            calls["pledge: already pledged"]++;
            return;
        }
        vm.prank(HUB);
        lineIds.push(vault.pledge(req, signature));
        calls["pledge"]++;
    }

    function borrow(uint256 lineSeed, uint256 amount) external {
        if (lineIds.length == 0) return;
        uint256 lineId = lineIds[lineSeed % lineIds.length];
        ICreditVault.CreditLine memory line = vault.creditLine(lineId);
        amount = bound(amount, 1, line.limit);
        (ICreditVault.BorrowRequest memory req, bytes memory signature) =
            _borrowReq(_keyOfUnit[line.derivativeId], lineId, amount);
        uint256 debtAfter = vault.debtOf(lineId) + amount;
        uint256 idle = vault.idleAssets();
        bytes memory expected;
        if (line.status != ICreditVault.LineStatus.Open) {
            expected = abi.encodeWithSelector(ICreditVault.LineNotOpen.selector, lineId, line.status);
        } else if (block.timestamp > line.dueAt) {
            expected = abi.encodeWithSelector(ICreditVault.LineOverdue.selector, lineId, line.dueAt);
        } else if (debtAfter > line.limit) {
            expected = abi.encodeWithSelector(ICreditVault.AboveLimit.selector, lineId, debtAfter, line.limit);
        } else if (amount > idle) {
            expected = abi.encodeWithSelector(ICreditVault.InsufficientLiquidity.selector, amount, idle);
        }
        if (expected.length != 0) {
            vm.expectRevert(expected);
            vm.prank(HUB);
            vault.borrow(req, signature);
            calls["borrow: refused"]++;
            return;
        }
        vm.prank(HUB);
        vault.borrow(req, signature);
        uint256 debt = vault.debtOf(lineId);
        if (debt > ghostMaxDebtAtBorrow[lineId]) ghostMaxDebtAtBorrow[lineId] = debt;
        calls["borrow"]++;
    }

    function repay(uint256 lineSeed, uint256 amount) external {
        if (lineIds.length == 0) return;
        uint256 lineId = lineIds[lineSeed % lineIds.length];
        ICreditVault.CreditLine memory line = vault.creditLine(lineId);
        uint256 key = _keyOfUnit[line.derivativeId];
        address payer = vm.addr(key);
        uint256 balance = _era.balanceOf(payer);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        uint256 debt = vault.debtOf(lineId);
        _approveVault(payer, amount);
        (ICreditVault.RepayRequest memory req, bytes memory signature) = _repayReq(key, lineId, amount);
        if (line.status != ICreditVault.LineStatus.Open) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.LineNotOpen.selector, lineId, line.status));
        } else if (debt == 0) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.NothingOwed.selector, lineId));
        } else {
            uint256 interestBefore = line.interest + (debt - line.principal - line.interest);
            vm.prank(HUB);
            uint256 paid = vault.repay(req, signature, _noPermit());
            assertEq(paid, amount < debt ? amount : debt, "pulls min(amount, debt)");
            ghostInterestPaid += paid < interestBefore ? paid : interestBefore;
            calls["repay"]++;
            return;
        }
        vm.prank(HUB);
        vault.repay(req, signature, _noPermit());
        calls["repay: refused"]++;
    }

    function unpledge(uint256 lineSeed) external {
        if (lineIds.length == 0) return;
        uint256 lineId = lineIds[lineSeed % lineIds.length];
        ICreditVault.CreditLine memory line = vault.creditLine(lineId);
        (ICreditVault.UnpledgeRequest memory req, bytes memory signature) =
            _unpledgeReq(_keyOfUnit[line.derivativeId], lineId);
        uint256 debt = vault.debtOf(lineId);
        if (line.status != ICreditVault.LineStatus.Open) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.LineNotOpen.selector, lineId, line.status));
        } else if (debt != 0) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.DebtOutstanding.selector, lineId, debt));
        } else {
            vm.prank(HUB);
            vault.unpledge(req, signature);
            assertEq(_registry.ownerOf(line.derivativeId), line.borrower, "returned to the pledgor");
            calls["unpledge"]++;
            return;
        }
        vm.prank(HUB);
        vault.unpledge(req, signature);
        calls["unpledge: refused"]++;
    }

    function declareDefault(uint256 lineSeed) external {
        if (lineIds.length == 0) return;
        uint256 lineId = lineIds[lineSeed % lineIds.length];
        ICreditVault.CreditLine memory line = vault.creditLine(lineId);
        uint256 debt = vault.debtOf(lineId);
        if (line.status != ICreditVault.LineStatus.Open) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.LineNotOpen.selector, lineId, line.status));
        } else if (block.timestamp <= line.dueAt) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.NotYetDue.selector, lineId, line.dueAt));
        } else if (debt == 0) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.NothingOwed.selector, lineId));
        } else {
            vm.prank(HUB);
            vault.declareDefault(lineId);
            ghostLosses += line.principal;
            ghostSeizedBy[line.derivativeId] = lineId;
            calls["declareDefault"]++;
            return;
        }
        vm.prank(HUB);
        vault.declareDefault(lineId);
        calls["declareDefault: refused"]++;
    }

    function deposit(uint256 lenderSeed, uint256 amount) external {
        uint256 key = _lenderKeys[lenderSeed % 3];
        address lender = vm.addr(key);
        uint256 balance = _era.balanceOf(lender);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        uint256 shares = vault.previewDeposit(amount);
        _approveVault(lender, amount);
        (ICreditVault.DepositRequest memory req, bytes memory signature) = _depositReq(key, amount);
        if (shares == 0) vm.expectRevert(abi.encodeWithSelector(ICreditVault.DepositTooSmall.selector, amount));
        vm.prank(HUB);
        vault.deposit(req, signature, _noPermit());
        calls[shares == 0 ? bytes32("deposit: too small") : bytes32("deposit")]++;
    }

    function withdraw(uint256 lenderSeed, uint256 shares) external {
        // The first lender from the seed's on that holds shares.
        uint256 key;
        uint256 held;
        for (uint256 i = 0; i < 3 && held == 0; i++) {
            key = _lenderKeys[(lenderSeed % 3 + i) % 3];
            held = vault.sharesOf(vm.addr(key));
        }
        if (held == 0) return;
        shares = bound(shares, 1, held);
        uint256 amount = vault.previewWithdraw(shares);
        uint256 idle = vault.idleAssets();
        (ICreditVault.WithdrawalRequest memory req, bytes memory signature) = _withdrawReq(key, shares);
        if (amount == 0) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.ZeroAmount.selector));
        } else if (amount > idle) {
            vm.expectRevert(abi.encodeWithSelector(ICreditVault.InsufficientLiquidity.selector, amount, idle));
        } else {
            vm.prank(HUB);
            assertEq(vault.withdraw(req, signature), amount, "pays the preview");
            calls["withdraw"]++;
            return;
        }
        vm.prank(HUB);
        vault.withdraw(req, signature);
        calls["withdraw: refused"]++;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 15 days));
        calls["warp"]++;
    }
}

contract CreditVaultInvariantTest is CreditVaultFixture, InvariantTest {
    CreditVaultHandler internal handler;
    address[] internal actors;

    function setUp() public override {
        super.setUp();
        uint256[3] memory borrowerKeys = [uint256(0xB001), uint256(0xB002), uint256(0xB003)];
        uint256[3] memory lenderKeys = [uint256(0x1001), uint256(0x1002), uint256(0x1003)];
        uint256[] memory units = new uint256[](6);
        uint256[] memory unitKeys = new uint256[](6);
        for (uint256 i = 0; i < 3; i++) {
            units[2 * i] = _mintUnit(borrowerKeys[i], RULE_PLANTING_PLAN);
            units[2 * i + 1] = _mintUnit(borrowerKeys[i], i == 0 ? RULE_MARKET_FORECAST : RULE_FAULT_WARNING);
            unitKeys[2 * i] = borrowerKeys[i];
            unitKeys[2 * i + 1] = borrowerKeys[i];
            actors.push(vm.addr(borrowerKeys[i]));
            actors.push(vm.addr(lenderKeys[i]));
            _fund(vm.addr(borrowerKeys[i]), 500 ether); // interest money
            _fund(vm.addr(lenderKeys[i]), 5_000 ether);
        }
        // A governed term of 20 days (the seed is 90), so that runs of a few dozen calls reach defaults.
        vm.prank(address(timelock));
        vault.setTerm(20 days);
        handler = new CreditVaultHandler(vault, era, registry, borrowerKeys, lenderKeys, units, unitKeys);
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 48
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_eraIsConservedAndTheVaultHoldsExactlyItsIdleAssets() public view {
        uint256 sum = era.balanceOf(address(vault)) + era.balanceOf(address(this)) + era.balanceOf(address(staking))
            + era.balanceOf(address(handler)) + era.balanceOf(HUB);
        for (uint256 i = 0; i < actors.length; i++) {
            sum += era.balanceOf(actors[i]);
        }
        assertEq(sum, era.totalSupply(), "ERA conserved: actors + vault + rest == supply");
        // No ERA reaches the vault outside deposits and repayments here, so nothing is left unbooked.
        assertEq(era.balanceOf(address(vault)), vault.idleAssets(), "vault ERA == idle");
        assertEq(vault.totalAssets(), vault.idleAssets() + vault.outstandingPrincipal(), "assets == idle + outstanding");
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 48
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_linesAddUpAndNeverBorrowedAboveTheirLimit() public view {
        uint256 open;
        uint256 losses;
        for (uint256 i = 0; i < handler.lineCount(); i++) {
            uint256 lineId = handler.lineIds(i);
            ICreditVault.CreditLine memory line = vault.creditLine(lineId);
            if (line.status == ICreditVault.LineStatus.Open) open += line.principal;
            if (line.status == ICreditVault.LineStatus.Defaulted) losses += line.principal;
            assertTrue(handler.ghostMaxDebtAtBorrow(lineId) <= line.limit, "principal + interest <= limit at borrow");
        }
        assertEq(vault.outstandingPrincipal(), open, "outstanding == sum of open lines' principal");
        assertEq(vault.totalLosses(), losses, "losses == sum of defaulted principal");
        assertEq(vault.totalLosses(), handler.ghostLosses(), "losses == what the defaults booked");
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 48
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_pledgedAndSeizedUnitsAreWithTheVaultAllOthersWithTheirProvider() public view {
        for (uint256 i = 0; i < handler.unitCount(); i++) {
            uint256 derivativeId = handler.unitAt(i);
            address owner = registry.ownerOf(derivativeId);
            uint256 lineId = vault.lineOf(derivativeId);
            if (lineId != 0) {
                assertEq(owner, address(vault), "a pledged unit is the vault's");
                assertEq(vault.pledgorOf(derivativeId), handler.providerOf(derivativeId), "pledgor == provider");
                assertEq(
                    uint256(vault.creditLine(lineId).status), uint256(ICreditVault.LineStatus.Open), "its line is open"
                );
            } else if (vault.isSeized(derivativeId)) {
                assertEq(owner, address(vault), "a seized unit stays with the vault");
            } else {
                assertEq(owner, handler.providerOf(derivativeId), "an unpledged unit is its provider's");
            }
            assertTrue(registry.locked(derivativeId), "locked");
        }
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 48
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_sharesAddUpAndCannotClaimMoreThanTheAssets() public view {
        uint256 shares;
        for (uint256 i = 0; i < actors.length; i++) {
            shares += vault.sharesOf(actors[i]);
        }
        assertEq(shares, vault.totalShares(), "sum of shares == totalShares");
        uint256 claims;
        for (uint256 i = 0; i < actors.length; i++) {
            claims += vault.previewWithdraw(vault.sharesOf(actors[i]));
        }
        assertTrue(claims <= vault.totalAssets(), "lenders' claims never exceed the pool's assets");
    }
}

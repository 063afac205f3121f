// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {CoreCertificationSigner} from "./utils/CoreCertificationSigner.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";
import {CustodyOnlyVault, HookedToken, MarketSigner} from "./utils/MarketHelpers.sol";
import {AcceptingCoreVerifier, DerivationHelpers, ExpectingBindingVerifier} from "./DerivativeRegistry.t.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {CoreCertificateRegistry} from "../src/CoreCertificateRegistry.sol";
import {DerivativeMarket} from "../src/DerivativeMarket.sol";
import {DerivativeRegistry} from "../src/DerivativeRegistry.sol";
import {ICoreCertificateRegistry} from "../src/interfaces/ICoreCertificateRegistry.sol";
import {ICreditVault} from "../src/interfaces/ICreditVault.sol";
import {IDerivativeMarket} from "../src/interfaces/IDerivativeMarket.sol";
import {IDerivativeRegistry} from "../src/interfaces/IDerivativeRegistry.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";

/// @notice The market on real parts: ERA (EraToken), the governance stack (timelock), the real CoreCertificateRegistry
///         (behind an accepting core verifier, so certificates can be made at will) and the real DerivativeRegistry
///         minting a planting plan (kind 1), a fault-warning model (kind 3) and a market forecast (kind 2). The
///         binding verifier and the credit vault are test doubles (CustodyOnlyVault: the real CreditVault is
///         written in parallel; the double moves units through the registry's real custody rule).
abstract contract MarketFixture is CalderaGovernanceFixture, DerivationHelpers, CoreCertificationSigner, MarketSigner {
    uint256 internal constant PROVIDER_KEY = 0xFA12;
    uint256 internal constant OTHER_KEY = 0xFA13;
    uint256 internal constant PRICE = 20 ether;
    uint8 internal constant ADOPTERS = 1;
    uint8 internal constant ENTERPRISES = 2;
    IDerivativeMarket.LicenceMode internal constant PER_USE = IDerivativeMarket.LicenceMode.PerUse;
    IDerivativeMarket.LicenceMode internal constant TIME_LIMITED = IDerivativeMarket.LicenceMode.TimeLimited;

    CustodyOnlyVault internal vault;
    DerivativeMarket internal market;
    address internal provider;
    address internal other;
    uint256 internal plan;
    uint256 internal fault;
    uint256 internal forecast;
    uint256 internal certified;

    function setUp() public virtual override {
        super.setUp();
        cores = new CoreCertificateRegistry(new AcceptingCoreVerifier(), rules);
        binding = new ExpectingBindingVerifier();
        registry = new DerivativeRegistry(cores, rules, binding, address(timelock));
        vault = new CustodyOnlyVault(registry);
        registry.setCreditVault(address(vault));
        market = _deployMarket(IERC20(address(era)));
        provider = vm.addr(PROVIDER_KEY);
        other = vm.addr(OTHER_KEY);
        vm.prank(provider);
        cores.registerProvider("Provider farm");

        uint256 agricultural = _certify(AGRICULTURAL);
        uint256 industrial = _certify(INDUSTRIAL);
        plan = _signAndDerive(PROVIDER_KEY, _request(provider, 1, _ids(agricultural), WEATHER_MASK));
        fault = _signAndDerive(PROVIDER_KEY, _request(provider, 3, _ids(industrial), EQUIPMENT_MASK));
        forecast = _signAndDerive(PROVIDER_KEY, _request(provider, 2, _ids(agricultural), PRICE_MASK));
        assertEq(registry.derivative(plan).kind, PLANTING_PLAN, "plan");
        assertEq(registry.derivative(fault).kind, FAULT_WARNING_MODEL, "fault model");
        assertEq(registry.derivative(forecast).kind, MARKET_FORECAST, "forecast");
    }

    function _deployMarket(IERC20 token) internal returns (DerivativeMarket) {
        return new DerivativeMarket(token, registry, ICreditVault(address(vault)), address(timelock));
    }

    function _certify(uint8 domain) internal returns (uint256) {
        certified++;
        ICoreCertificateRegistry.CoreClaim memory claim = ICoreCertificateRegistry.CoreClaim({
            provider: provider,
            domain: domain,
            datasetCommitment: bytes32(uint256(keccak256(abi.encode("dataset", certified))) % SNARK_SCALAR_FIELD),
            schemaHash: domain == AGRICULTURAL ? WEATHER_SCHEMA : EQUIPMENT_SCHEMA,
            minIntegrityBps: 9_600,
            minTimelinessBps: 9_600,
            minContinuityBps: 9_600,
            maxGapSlots: 2,
            deadlineSeconds: 300,
            slotSeconds: 900,
            windowStart: 1_700_000_000
        });
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature =
            _signCertification(PROVIDER_KEY, address(cores), claim, cores.nonces(provider), deadline);
        uint256[2] memory zero2;
        uint256[2][2] memory zero22;
        return cores.certify(claim, zero2, zero22, zero2, deadline, signature);
    }

    // ------------------------------------------------------------------ signed actions, relayed by RELAYER

    function _termsRequest(uint256 id, uint256 price, IDerivativeMarket.LicenceMode mode, uint64 quantity)
        internal
        view
        returns (IDerivativeMarket.TermsRequest memory)
    {
        return IDerivativeMarket.TermsRequest({
            derivativeId: id,
            price: price,
            mode: mode,
            quantity: quantity,
            active: true,
            nonce: market.nonces(provider),
            deadline: block.timestamp + 1 hours
        });
    }

    function _setTerms(uint256 id, uint256 price, IDerivativeMarket.LicenceMode mode, uint64 quantity) internal {
        IDerivativeMarket.TermsRequest memory req = _termsRequest(id, price, mode, quantity);
        bytes memory signature = _signTerms(PROVIDER_KEY, address(market), req);
        vm.prank(RELAYER);
        market.setLicenceTerms(req, signature);
    }

    function _purchase(uint256 key, uint256 id, uint256 maxPrice)
        internal
        view
        returns (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature)
    {
        address licensee = vm.addr(key);
        req = IDerivativeMarket.PurchaseRequest({
            derivativeId: id,
            licensee: licensee,
            maxPrice: maxPrice,
            nonce: market.nonces(licensee),
            deadline: block.timestamp + 1 hours
        });
        signature = _signPurchase(key, address(market), req);
    }

    /// @dev Hands `key`'s account `amount` ERA from the treasury and approves the market for it.
    function _fundAndApprove(uint256 key, uint256 amount) internal {
        address account = vm.addr(key);
        era.transfer(account, amount);
        vm.prank(account);
        era.approve(address(market), amount);
    }

    /// @dev Funds, approves and buys at the current price; returns the licence id.
    function _buy(uint256 key, uint256 id) internal returns (uint256) {
        uint256 price = market.termsOf(id).price;
        _fundAndApprove(key, price);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, id, price);
        vm.prank(RELAYER);
        return market.buyLicence(req, signature, _noPermit());
    }

    function _adoption(uint256 key, uint256 id)
        internal
        view
        returns (IDerivativeMarket.AdoptionRequest memory req, bytes memory signature)
    {
        address adopter = vm.addr(key);
        req = IDerivativeMarket.AdoptionRequest({
            derivativeId: id, adopter: adopter, nonce: market.nonces(adopter), deadline: block.timestamp + 1 hours
        });
        signature = _signAdoption(key, address(market), req);
    }

    function _adopt(uint256 key, uint256 id) internal {
        (IDerivativeMarket.AdoptionRequest memory req, bytes memory signature) = _adoption(key, id);
        vm.prank(RELAYER);
        market.recordAdoption(req, signature);
    }

    function _invocation(uint256 key, uint256 id)
        internal
        view
        returns (IDerivativeMarket.InvocationRequest memory req, bytes memory signature)
    {
        address enterprise = vm.addr(key);
        req = IDerivativeMarket.InvocationRequest({
            derivativeId: id,
            enterprise: enterprise,
            inputHash: keccak256(abi.encode("readings", enterprise, market.nonces(enterprise))),
            nonce: market.nonces(enterprise),
            deadline: block.timestamp + 1 hours
        });
        signature = _signInvocation(key, address(market), req);
    }

    function _invoke(uint256 key, uint256 id) internal {
        (IDerivativeMarket.InvocationRequest memory req, bytes memory signature) = _invocation(key, id);
        vm.prank(RELAYER);
        market.recordInvocation(req, keccak256(abi.encode("result", req.inputHash)), signature);
    }

    function _fundPool(uint256 key, uint256 amount) internal {
        address funder = vm.addr(key);
        _fundAndApprove(key, amount);
        IDerivativeMarket.FundingRequest memory req = IDerivativeMarket.FundingRequest({
            funder: funder, amount: amount, nonce: market.nonces(funder), deadline: block.timestamp + 1 hours
        });
        bytes memory signature = _signFunding(key, address(market), req);
        vm.prank(RELAYER);
        market.fundPool(req, signature, _noPermit());
    }

    function _admit(address account) internal {
        address[] memory accounts = new address[](1);
        accounts[0] = account;
        vm.prank(address(timelock));
        market.setAdmitted(accounts, true);
    }

    function _farmerKey(uint256 i) internal pure returns (uint256) {
        return 0xF000 + i;
    }

    function _enterpriseKey(uint256 i) internal pure returns (uint256) {
        return 0xE000 + i;
    }

    /// @dev Licensed, admitted farmer `i` adopts `id`.
    function _admittedAdoption(uint256 i, uint256 id) internal {
        _admit(vm.addr(_farmerKey(i)));
        _buy(_farmerKey(i), id);
        _adopt(_farmerKey(i), id);
    }

    function _admittedInvocation(uint256 i, uint256 id) internal {
        _admit(vm.addr(_enterpriseKey(i)));
        _buy(_enterpriseKey(i), id);
        _invoke(_enterpriseKey(i), id);
    }

    /// @dev Custody identity: the market's ERA is exactly Σ revenue owed (to `payees`) + the pool.
    function _assertCustody(address[] memory payees) internal view {
        uint256 owed;
        for (uint256 i = 0; i < payees.length; i++) {
            owed += market.revenueOf(payees[i]);
        }
        assertEq(era.balanceOf(address(market)), owed + market.poolBalance(), "market ERA == revenue owed + pool");
        assertEq(market.poolBalance(), market.totalFunded() - market.totalClaimed(), "pool == funded - claimed");
    }

    function _providerOnly() internal view returns (address[] memory payees) {
        payees = new address[](1);
        payees[0] = provider;
    }
}

contract DerivativeMarketTest is MarketFixture {
    // ---------------------------------------------------------------- construction and governance

    function test_constructor_wiresDependenciesAndSeedsRulesAndShare() public {
        assertEq(market.era(), address(era), "era");
        assertEq(market.derivativeRegistry(), address(registry), "registry");
        assertEq(market.creditVault(), address(vault), "vault");
        assertEq(market.timelock(), address(timelock), "timelock");
        assertEq(market.poolShareBps(), 1_000, "seed pool share");
        assertEq(market.rewardRule(PLANTING_PLAN, ADOPTERS).threshold, 10, "10 adopters");
        assertEq(market.rewardRule(PLANTING_PLAN, ADOPTERS).amount, 500 ether, "500 ERA");
        assertEq(market.rewardRule(FAULT_WARNING_MODEL, ENTERPRISES).threshold, 3, "3 enterprises");
        assertEq(market.rewardRule(FAULT_WARNING_MODEL, ENTERPRISES).amount, 1_200 ether, "1,200 ERA");
        assertEq(market.rewardRule(MARKET_FORECAST, ADOPTERS).threshold, 0, "no forecast rule");
        assertEq(market.poolBalance(), 0, "empty pool");

        vm.expectEmit(true, true, false, true);
        emit IDerivativeMarket.RewardRuleSet(PLANTING_PLAN, ADOPTERS, 10, 500 ether);
        vm.expectEmit(true, true, false, true);
        emit IDerivativeMarket.RewardRuleSet(FAULT_WARNING_MODEL, ENTERPRISES, 3, 1_200 ether);
        vm.expectEmit(false, false, false, true);
        emit IDerivativeMarket.PoolShareSet(1_000);
        _deployMarket(IERC20(address(era)));
    }

    function test_constructor_rejectsZeroAddresses() public {
        ICreditVault v = ICreditVault(address(vault));
        address t = address(timelock);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.ZeroAddress.selector, "era"));
        new DerivativeMarket(IERC20(address(0)), registry, v, t);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.ZeroAddress.selector, "derivativeRegistry"));
        new DerivativeMarket(IERC20(address(era)), IDerivativeRegistry(address(0)), v, t);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.ZeroAddress.selector, "creditVault"));
        new DerivativeMarket(IERC20(address(era)), registry, ICreditVault(address(0)), t);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.ZeroAddress.selector, "timelock"));
        new DerivativeMarket(IERC20(address(era)), registry, v, address(0));
    }

    function testFuzz_governedSetters_revertForAnyoneButTheTimelock(address caller) public {
        vm.assume(caller != address(timelock));
        address[] memory accounts = new address[](1);
        accounts[0] = caller;
        vm.startPrank(caller);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NotGovernance.selector, caller));
        market.setRewardRule(PLANTING_PLAN, ADOPTERS, 1, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NotGovernance.selector, caller));
        market.setPoolShare(5_000);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NotGovernance.selector, caller));
        market.setAdmitted(accounts, true);
        vm.stopPrank();
        assertEq(market.rewardRule(PLANTING_PLAN, ADOPTERS).threshold, 10, "rule unchanged");
        assertEq(market.poolShareBps(), 1_000, "share unchanged");
        assertFalse(market.isAdmitted(caller), "not admitted");
    }

    function test_governedSetters_validateSetAndEmit() public {
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.BpsOutOfRange.selector, uint256(10_001)));
        market.setPoolShare(10_001);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.UnknownRewardRule.selector, uint8(0), uint8(1)));
        market.setRewardRule(0, 1, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.UnknownRewardRule.selector, uint8(4), uint8(1)));
        market.setRewardRule(4, 1, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.UnknownRewardRule.selector, uint8(1), uint8(0)));
        market.setRewardRule(1, 0, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.UnknownRewardRule.selector, uint8(1), uint8(3)));
        market.setRewardRule(1, 3, 1, 1);

        vm.expectEmit(false, false, false, true, address(market));
        emit IDerivativeMarket.PoolShareSet(10_000);
        market.setPoolShare(10_000);
        vm.expectEmit(true, true, false, true, address(market));
        emit IDerivativeMarket.RewardRuleSet(MARKET_FORECAST, ADOPTERS, 2, 7 ether);
        market.setRewardRule(MARKET_FORECAST, ADOPTERS, 2, 7 ether);
        address[] memory accounts = new address[](2);
        accounts[0] = address(0xA1);
        accounts[1] = address(0xA2);
        vm.expectEmit(true, false, false, true, address(market));
        emit IDerivativeMarket.AdmissionSet(address(0xA1), true);
        vm.expectEmit(true, false, false, true, address(market));
        emit IDerivativeMarket.AdmissionSet(address(0xA2), true);
        market.setAdmitted(accounts, true);
        vm.stopPrank();
        assertEq(market.poolShareBps(), 10_000, "share");
        assertEq(market.rewardRule(MARKET_FORECAST, ADOPTERS).amount, 7 ether, "rule");
        assertTrue(market.isAdmitted(address(0xA1)) && market.isAdmitted(address(0xA2)), "admitted");
    }

    /// @dev The way the demo admits its farmers: a proposal, a node vote, the timelock's delay, execution.
    function test_setAdmitted_byAPassedVote() public {
        address farmer = vm.addr(_farmerKey(1));
        address[] memory accounts = new address[](1);
        accounts[0] = farmer;
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _oneCall(address(market), abi.encodeCall(market.setAdmitted, (accounts, true)));
        string memory description = "Admit the cooperative's farmer";
        _passAndQueue(targets, calldatas, description);
        vm.warp(block.timestamp + TIMELOCK_DELAY + 1);
        vm.expectEmit(true, false, false, true, address(market));
        emit IDerivativeMarket.AdmissionSet(farmer, true);
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));
        assertTrue(market.isAdmitted(farmer), "admitted by the vote");
    }

    // ---------------------------------------------------------------- licence terms

    function test_setLicenceTerms_byTheProvidersSignature_relayed() public {
        IDerivativeMarket.TermsRequest memory req = _termsRequest(plan, PRICE, PER_USE, 3);
        bytes memory signature = _signTerms(PROVIDER_KEY, address(market), req);
        vm.expectEmit(true, true, false, true, address(market));
        emit IDerivativeMarket.LicenceTermsSet(plan, provider, PRICE, PER_USE, 3, true);
        vm.prank(RELAYER);
        market.setLicenceTerms(req, signature);
        IDerivativeMarket.Terms memory terms = market.termsOf(plan);
        assertEq(terms.price, PRICE, "price");
        assertTrue(terms.mode == PER_USE, "mode");
        assertEq(terms.quantity, 3, "quantity");
        assertTrue(terms.active, "active");
        assertEq(market.nonces(provider), 1, "nonce used");
    }

    function test_setLicenceTerms_revertsNotProviderForAnyoneElse() public {
        IDerivativeMarket.TermsRequest memory req = _termsRequest(plan, 1, PER_USE, 3);
        bytes memory signature = _signTerms(OTHER_KEY, address(market), req);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NotProvider.selector, plan, other, provider));
        market.setLicenceTerms(req, signature);
        assertEq(market.termsOf(plan).price, 0, "nothing stored");
        assertEq(market.nonces(provider), 0, "nonce unused");
    }

    function test_setLicenceTerms_rejectsInvalidTermsUnknownIdsExpiryAndReplay() public {
        IDerivativeMarket.TermsRequest memory req = _termsRequest(plan, 1, IDerivativeMarket.LicenceMode.None, 3);
        bytes memory signature = _signTerms(PROVIDER_KEY, address(market), req);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDerivativeMarket.InvalidLicenceTerms.selector, IDerivativeMarket.LicenceMode.None, uint64(3)
            )
        );
        market.setLicenceTerms(req, signature);
        req = _termsRequest(plan, 1, TIME_LIMITED, 0);
        signature = _signTerms(PROVIDER_KEY, address(market), req);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.InvalidLicenceTerms.selector, TIME_LIMITED, uint64(0)));
        market.setLicenceTerms(req, signature);

        req = _termsRequest(99, 1, PER_USE, 1);
        signature = _signTerms(PROVIDER_KEY, address(market), req);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.UnknownDerivative.selector, uint256(99)));
        market.setLicenceTerms(req, signature);

        req = _termsRequest(plan, 1, PER_USE, 1);
        signature = _signTerms(PROVIDER_KEY, address(market), req);
        vm.warp(req.deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, req.deadline, req.deadline + 1)
        );
        market.setLicenceTerms(req, signature);

        req = _termsRequest(plan, 1, PER_USE, 1);
        signature = _signTerms(PROVIDER_KEY, address(market), req);
        market.setLicenceTerms(req, signature);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidNonce.selector, provider, 1, 0));
        market.setLicenceTerms(req, signature);
    }

    // ---------------------------------------------------------------- buying

    function test_buyLicence_withAllowance_splitsThePriceExactlyAndEmits() public {
        _setTerms(plan, PRICE, PER_USE, 2);
        uint256 key = _farmerKey(1);
        address farmer = vm.addr(key);
        _fundAndApprove(key, PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);

        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.LicencePurchased(1, plan, farmer, provider, PRICE, 18 ether, 2 ether, PER_USE, 2, 0);
        vm.expectEmit(true, false, false, true, address(market));
        emit IDerivativeMarket.PoolFunded(address(market), 2 ether, 2 ether);
        vm.prank(RELAYER);
        assertEq(market.buyLicence(req, signature, _noPermit()), 1, "first licence id");

        assertEq(era.balanceOf(farmer), 0, "farmer paid the price");
        assertEq(era.balanceOf(address(market)), PRICE, "market holds it");
        assertEq(market.revenueOf(provider), 18 ether, "90% owed to the provider");
        assertEq(market.poolBalance(), 2 ether, "10% into the pool");
        assertEq(market.totalFunded(), 2 ether, "funded");
        assertEq(market.licenceOf(plan, farmer), 1, "licence of the farmer");
        IDerivativeMarket.Licence memory bought = market.licence(1);
        assertEq(bought.derivativeId, plan, "derivative");
        assertEq(bought.licensee, farmer, "licensee");
        assertEq(bought.pricePaid, PRICE, "price paid");
        assertEq(bought.usesLeft, 2, "uses");
        assertTrue(market.hasValidLicence(plan, farmer), "valid");
        assertEq(market.nonces(farmer), 1, "nonce used");
        _assertCustody(_providerOnly());
    }

    function test_buyLicence_withAnErc2612Permit_inOneCall() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        uint256 key = _farmerKey(2);
        address farmer = vm.addr(key);
        era.transfer(farmer, PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);
        IDerivativeMarket.Permit memory permit =
            _signPermit(key, address(era), address(market), PRICE, era.nonces(farmer), block.timestamp + 1 hours);
        assertEq(era.allowance(farmer, address(market)), 0, "no approval before");

        vm.prank(RELAYER);
        uint256 id = market.buyLicence(req, signature, permit);
        assertEq(id, 1, "licence");
        assertEq(era.nonces(farmer), 1, "permit used");
        assertEq(era.allowance(farmer, address(market)), 0, "allowance spent");
        assertEq(era.balanceOf(farmer), 0, "paid");
        assertTrue(market.hasValidLicence(plan, farmer), "licensed");
    }

    function test_buyLicence_ignoresAFrontRunPermitAndUsesTheAllowance() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        uint256 key = _farmerKey(3);
        address farmer = vm.addr(key);
        era.transfer(farmer, PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);
        IDerivativeMarket.Permit memory permit =
            _signPermit(key, address(era), address(market), PRICE, 0, block.timestamp + 1 hours);
        // Someone submits the permit first: the market's own permit call then fails, the allowance remains.
        era.permit(farmer, address(market), PRICE, permit.deadline, permit.v, permit.r, permit.s);
        vm.prank(RELAYER);
        market.buyLicence(req, signature, permit);
        assertEq(era.balanceOf(farmer), 0, "paid through the allowance");

        // No permit and no allowance: the transferFrom decides, nothing is stored.
        _setTerms(fault, PRICE, PER_USE, 1);
        era.transfer(farmer, PRICE);
        (req, signature) = _purchase(key, fault, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, PRICE)
        );
        market.buyLicence(req, signature, _noPermit());
        assertEq(market.licenceOf(fault, farmer), 0, "no licence");
    }

    function test_buyLicence_revertsPriceAboveMaximumAndNotForSale() public {
        uint256 key = _farmerKey(4);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NotForSale.selector, plan));
        market.buyLicence(req, signature, _noPermit());

        _setTerms(plan, PRICE, PER_USE, 1);
        _fundAndApprove(key, PRICE);
        (req, signature) = _purchase(key, plan, PRICE - 1);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.PriceAboveMaximum.selector, PRICE, PRICE - 1));
        market.buyLicence(req, signature, _noPermit());

        IDerivativeMarket.TermsRequest memory terms = _termsRequest(plan, PRICE, PER_USE, 1);
        terms.active = false;
        market.setLicenceTerms(terms, _signTerms(PROVIDER_KEY, address(market), terms));
        (req, signature) = _purchase(key, plan, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NotForSale.selector, plan));
        market.buyLicence(req, signature, _noPermit());
        assertEq(era.balanceOf(vm.addr(key)), PRICE, "nothing paid");
        assertEq(market.licenceOf(plan, vm.addr(key)), 0, "no licence");
    }

    function test_buyLicence_rejectsAnotherSignerExpiryAndReplay() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        uint256 key = _farmerKey(8);
        address farmer = vm.addr(key);
        _fundAndApprove(key, 2 * PRICE);
        (IDerivativeMarket.PurchaseRequest memory req,) = _purchase(key, plan, PRICE);
        bytes memory forged = _signPurchase(OTHER_KEY, address(market), req);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, farmer));
        market.buyLicence(req, forged, _noPermit());

        bytes memory signature = _signPurchase(key, address(market), req);
        vm.warp(req.deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, req.deadline, req.deadline + 1)
        );
        market.buyLicence(req, signature, _noPermit());
        vm.warp(req.deadline);
        market.buyLicence(req, signature, _noPermit());
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidNonce.selector, farmer, 1, 0));
        market.buyLicence(req, signature, _noPermit());
        assertEq(era.balanceOf(farmer), PRICE, "paid once");
        assertEq(market.licenceOf(plan, farmer), 1, "one licence");
    }

    function test_buyLicence_again_addsUses_andSupersedesTheOldRecord() public {
        _setTerms(fault, PRICE, PER_USE, 2);
        uint256 key = _enterpriseKey(1);
        address enterprise = vm.addr(key);
        assertEq(_buy(key, fault), 1, "first");
        _invoke(key, fault);
        assertEq(market.licence(1).usesLeft, 1, "one left");
        _fundAndApprove(key, PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, fault, PRICE);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.LicencePurchased(2, fault, enterprise, provider, PRICE, 18 ether, 2 ether, PER_USE, 3, 0);
        market.buyLicence(req, signature, _noPermit());
        assertEq(market.licenceOf(fault, enterprise), 2, "the new one is in force");
        assertEq(market.licence(2).usesLeft, 3, "2 new + 1 carried");
        assertEq(market.licence(1).usesLeft, 0, "carried over, not duplicated");
        for (uint256 i = 0; i < 3; i++) {
            _invoke(key, fault);
        }
        assertFalse(market.hasValidLicence(fault, enterprise), "used up");
        (IDerivativeMarket.InvocationRequest memory inv, bytes memory invSignature) = _invocation(key, fault);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NoLicence.selector, fault, enterprise));
        market.recordInvocation(inv, bytes32(0), invSignature);
    }

    function test_buyLicence_again_extendsATimeLimitedLicence_thenItExpires() public {
        _setTerms(fault, PRICE, TIME_LIMITED, 30 days);
        uint256 key = _enterpriseKey(2);
        address enterprise = vm.addr(key);
        uint256 start = block.timestamp;
        _buy(key, fault);
        assertEq(market.licence(1).validUntil, start + 30 days, "30 days");
        vm.warp(start + 10 days);
        _fundAndApprove(key, PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, fault, PRICE);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.LicencePurchased(
            2, fault, enterprise, provider, PRICE, 18 ether, 2 ether, TIME_LIMITED, 0, uint64(start + 60 days)
        );
        market.buyLicence(req, signature, _noPermit());

        vm.warp(start + 60 days - 1);
        _invoke(key, fault);
        _invoke(key, fault);
        assertTrue(market.hasValidLicence(fault, enterprise), "unlimited uses within the period");
        vm.warp(start + 60 days);
        assertFalse(market.hasValidLicence(fault, enterprise), "expired at validUntil");
        (IDerivativeMarket.InvocationRequest memory inv, bytes memory invSignature) = _invocation(key, fault);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NoLicence.selector, fault, enterprise));
        market.recordInvocation(inv, bytes32(0), invSignature);

        // After expiry a new purchase starts from now, not from the old end.
        vm.warp(start + 100 days);
        _buy(key, fault);
        assertEq(market.licence(3).validUntil, start + 130 days, "from now");
    }

    // ---------------------------------------------------------------- adoption and invocation

    function test_recordAdoption_oncePerAccount_usesAUse_andCountsAdmittedAccounts() public {
        _setTerms(plan, PRICE, PER_USE, 2);
        uint256 key = _farmerKey(5);
        address farmer = vm.addr(key);
        _admit(farmer);
        _buy(key, plan);
        (IDerivativeMarket.AdoptionRequest memory req, bytes memory signature) = _adoption(key, plan);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.AdoptionRecorded(plan, farmer, 1, true, 1);
        vm.prank(RELAYER);
        market.recordAdoption(req, signature);
        assertTrue(market.hasAdopted(plan, farmer), "adopted");
        assertEq(market.countedAccounts(plan, ADOPTERS), 1, "counted once");
        assertEq(market.licence(1).usesLeft, 1, "one use used");

        (req, signature) = _adoption(key, plan);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.AlreadyAdopted.selector, plan, farmer));
        market.recordAdoption(req, signature);
        assertEq(market.countedAccounts(plan, ADOPTERS), 1, "still one");
        assertEq(market.licence(1).usesLeft, 1, "no use taken by the failed adoption");
    }

    function test_recordAdoption_needsALicence_andAnUnadmittedAccountDoesNotCount() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        uint256 key = _farmerKey(6);
        address farmer = vm.addr(key);
        (IDerivativeMarket.AdoptionRequest memory req, bytes memory signature) = _adoption(key, plan);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NoLicence.selector, plan, farmer));
        market.recordAdoption(req, signature);

        _buy(key, plan);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.AdoptionRecorded(plan, farmer, 1, false, 0);
        _adopt(key, plan);
        assertEq(market.countedAccounts(plan, ADOPTERS), 0, "not admitted: recorded, not counted");
        assertFalse(market.hasValidLicence(plan, farmer), "its single use is used");
    }

    function test_usageKinds_adoptionIsForPlansAndForecasts_invocationForFaultModels() public {
        _setTerms(plan, PRICE, PER_USE, 5);
        _setTerms(fault, PRICE, PER_USE, 5);
        _setTerms(forecast, PRICE, PER_USE, 5);
        uint256 key = _farmerKey(7);
        _buy(key, plan);
        _buy(key, fault);
        _buy(key, forecast);
        (IDerivativeMarket.AdoptionRequest memory adoption, bytes memory adoptionSignature) = _adoption(key, fault);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.WrongUsageKind.selector, fault, FAULT_WARNING_MODEL));
        market.recordAdoption(adoption, adoptionSignature);
        (IDerivativeMarket.InvocationRequest memory inv, bytes memory invSignature) = _invocation(key, plan);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.WrongUsageKind.selector, plan, PLANTING_PLAN));
        market.recordInvocation(inv, bytes32(0), invSignature);
        (adoption, adoptionSignature) = _adoption(key, 99);
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.UnknownDerivative.selector, uint256(99)));
        market.recordAdoption(adoption, adoptionSignature);

        _adopt(key, forecast);
        assertTrue(market.hasAdopted(forecast, vm.addr(key)), "forecasts are adopted");
    }

    function test_recordInvocation_countsEachEnterpriseOnce_everyInvocationUsesAUse() public {
        _setTerms(fault, PRICE, PER_USE, 3);
        uint256 key = _enterpriseKey(3);
        address enterprise = vm.addr(key);
        _admit(enterprise);
        _buy(key, fault);
        (IDerivativeMarket.InvocationRequest memory req, bytes memory signature) = _invocation(key, fault);
        bytes32 resultHash = keccak256("risk 0.82, warning");
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.InvocationRecorded(fault, enterprise, 1, req.inputHash, resultHash, true, 1);
        market.recordInvocation(req, resultHash, signature);

        (req, signature) = _invocation(key, fault);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.InvocationRecorded(fault, enterprise, 1, req.inputHash, resultHash, false, 1);
        market.recordInvocation(req, resultHash, signature);
        assertTrue(market.hasInvoked(fault, enterprise), "invoked");
        assertEq(market.countedAccounts(fault, ENTERPRISES), 1, "once per enterprise");
        assertEq(market.licence(1).usesLeft, 1, "two uses used");
    }

    // ---------------------------------------------------------------- rewards

    function test_tenAdmittedAdopters_earn500Once() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        for (uint256 i = 1; i <= 9; i++) {
            _admittedAdoption(i, plan);
        }
        assertEq(market.claimable(plan, ADOPTERS), 0, "nine: not yet");
        _admit(vm.addr(_farmerKey(10)));
        _buy(_farmerKey(10), plan);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.AdoptionRecorded(plan, vm.addr(_farmerKey(10)), 10, true, 10);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.RewardEarned(plan, ADOPTERS, provider, 500 ether);
        _adopt(_farmerKey(10), plan);
        IDerivativeMarket.Reward memory earned = market.reward(plan, ADOPTERS);
        assertEq(earned.owed, 500 ether, "owed");
        assertEq(earned.paid, 0, "not paid yet");
        assertEq(earned.earnedAt, block.timestamp, "earned now");

        vm.warp(block.timestamp + 1 days);
        _admittedAdoption(11, plan);
        assertEq(market.countedAccounts(plan, ADOPTERS), 11, "eleven");
        assertEq(market.reward(plan, ADOPTERS).owed, 500 ether, "once per derivative");
        assertEq(market.reward(plan, ADOPTERS).earnedAt, block.timestamp - 1 days, "earned at the tenth");
    }

    function test_threeAdmittedEnterprises_earn1200_andClaimPaysIt() public {
        _setTerms(fault, PRICE, PER_USE, 1);
        _admittedInvocation(1, fault);
        _admittedInvocation(2, fault);
        _admit(vm.addr(_enterpriseKey(3)));
        _buy(_enterpriseKey(3), fault);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.RewardEarned(fault, ENTERPRISES, provider, 1_200 ether);
        _invoke(_enterpriseKey(3), fault);
        assertEq(market.claimable(fault, ENTERPRISES), 1_200 ether, "claimable");

        _fundPool(OTHER_KEY, 2_000 ether);
        uint256 before = era.balanceOf(provider);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.RewardClaimed(fault, ENTERPRISES, provider, 1_200 ether, 0);
        vm.prank(address(0xD00D)); // anyone may call; the ERA goes to the payee
        assertEq(market.claimReward(fault, ENTERPRISES), 1_200 ether, "paid");
        assertEq(era.balanceOf(provider) - before, 1_200 ether, "provider got 1,200 ERA");
        assertEq(era.balanceOf(address(0xD00D)), 0, "caller got nothing");
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NothingToClaim.selector, fault, ENTERPRISES));
        market.claimReward(fault, ENTERPRISES);
        _assertCustody(_providerOnly());
    }

    // ---------------------------------------------------------------- claims and releases

    function test_claimReward_nothingBeforeTheThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NothingToClaim.selector, plan, ADOPTERS));
        market.claimReward(plan, ADOPTERS);
    }

    function test_claimReward_underfundedPoolPaysPart_recordsDebt_thenPaysTheRestAfterARefill() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        for (uint256 i = 1; i <= 10; i++) {
            _admittedAdoption(i, plan);
        }
        // Ten licence fees put 10 × 2 ERA into the pool.
        assertEq(market.poolBalance(), 20 ether, "pool from licence shares");
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.RewardClaimed(plan, ADOPTERS, provider, 20 ether, 480 ether);
        assertEq(market.claimReward(plan, ADOPTERS), 20 ether, "all the pool holds");
        assertEq(market.poolBalance(), 0, "drained");
        assertEq(market.claimable(plan, ADOPTERS), 480 ether, "debt recorded");

        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.PoolEmpty.selector, plan, ADOPTERS, 480 ether));
        market.claimReward(plan, ADOPTERS);

        _fundPool(OTHER_KEY, 100 ether);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.RewardClaimed(plan, ADOPTERS, provider, 100 ether, 380 ether);
        market.claimReward(plan, ADOPTERS);

        _fundPool(OTHER_KEY, 1_000 ether);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.RewardClaimed(plan, ADOPTERS, provider, 380 ether, 0);
        assertEq(market.claimReward(plan, ADOPTERS), 380 ether, "the rest");
        assertEq(market.reward(plan, ADOPTERS).paid, 500 ether, "paid in full, never more");
        assertEq(market.poolBalance(), 620 ether, "the rest stays in the pool");
        assertEq(market.totalClaimed(), 500 ether, "claimed");
        assertEq(market.totalFunded(), 1_120 ether, "funded");
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NothingToClaim.selector, plan, ADOPTERS));
        market.claimReward(plan, ADOPTERS);
        _assertCustody(_providerOnly());
    }

    function test_fundPool_signedWithPermit_andRejectsZero() public {
        uint256 key = OTHER_KEY;
        era.transfer(other, 50 ether);
        IDerivativeMarket.FundingRequest memory req = IDerivativeMarket.FundingRequest({
            funder: other, amount: 50 ether, nonce: market.nonces(other), deadline: block.timestamp + 1 hours
        });
        bytes memory signature = _signFunding(key, address(market), req);
        IDerivativeMarket.Permit memory permit =
            _signPermit(key, address(era), address(market), 50 ether, 0, block.timestamp + 1 hours);
        vm.expectEmit(true, false, false, true, address(market));
        emit IDerivativeMarket.PoolFunded(other, 50 ether, 50 ether);
        market.fundPool(req, signature, permit);
        assertEq(market.poolBalance(), 50 ether, "funded");
        assertEq(era.balanceOf(other), 0, "pulled");

        req.amount = 0;
        vm.expectRevert(IDerivativeMarket.ZeroAmount.selector);
        market.fundPool(req, signature, _noPermit());
    }

    function test_releaseRevenue_paysAllOwed_toTheAccount_anyoneMayCall() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        _buy(_farmerKey(1), plan);
        _buy(_farmerKey(2), plan);
        uint256 before = era.balanceOf(provider);
        vm.expectEmit(true, false, false, true, address(market));
        emit IDerivativeMarket.RevenueReleased(provider, 36 ether);
        vm.prank(address(0xD00D));
        assertEq(market.releaseRevenue(provider), 36 ether, "released");
        assertEq(era.balanceOf(provider) - before, 36 ether, "to the provider");
        assertEq(market.revenueOf(provider), 0, "nothing owed");
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NothingToRelease.selector, provider));
        market.releaseRevenue(provider);
        _assertCustody(_providerOnly());
    }

    // ---------------------------------------------------------------- pledged and seized units

    function test_pledgedUnit_providerStillSetsTermsAndIsPaid_seizedUnitPaysTheVault() public {
        vault.pledge(plan);
        assertEq(registry.ownerOf(plan), address(vault), "the vault holds it");
        assertEq(market.providerOf(plan), provider, "provider = pledgor");
        assertEq(market.payeeOf(plan), provider, "still paid");
        _setTerms(plan, PRICE, PER_USE, 1);
        _buy(_farmerKey(1), plan);
        assertEq(market.revenueOf(provider), 18 ether, "revenue to the pledgor");

        vault.seize(plan);
        assertEq(market.payeeOf(plan), address(vault), "seized: the vault is paid");
        uint256 key = _farmerKey(2);
        _fundAndApprove(key, PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);
        vm.expectEmit(true, true, true, true, address(market));
        emit IDerivativeMarket.LicencePurchased(
            2, plan, vm.addr(key), address(vault), PRICE, 18 ether, 2 ether, PER_USE, 1, 0
        );
        market.buyLicence(req, signature, _noPermit());
        assertEq(market.revenueOf(address(vault)), 18 ether, "lenders' pool is owed");
        market.releaseRevenue(address(vault));
        assertEq(era.balanceOf(address(vault)), 18 ether, "released to the vault");
        assertEq(market.providerOf(fault), provider, "others unaffected");
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.UnknownDerivative.selector, uint256(99)));
        market.providerOf(99);
    }

    // ---------------------------------------------------------------- sybil resistance

    /// @dev 50 fresh addresses, unadmitted, each buy a licence and adopt: recorded, never counted, no reward;
    ///      the attacker (who funds them all) ends strictly poorer.
    function test_sybil_fiftyFreshAddressesNeverCount_andTheAttackerLoses() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        address attacker = address(0xBAD);
        era.transfer(attacker, 50 * PRICE);
        uint256 before = era.balanceOf(attacker);
        for (uint256 i = 0; i < 50; i++) {
            uint256 key = 0x5B11 + i;
            vm.prank(attacker);
            era.transfer(vm.addr(key), PRICE);
            vm.prank(vm.addr(key));
            era.approve(address(market), PRICE);
            (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);
            market.buyLicence(req, signature, _noPermit());
            _adopt(key, plan);
            assertTrue(market.hasAdopted(plan, vm.addr(key)), "recorded");
        }
        assertEq(market.countedAccounts(plan, ADOPTERS), 0, "none counted");
        assertEq(market.claimable(plan, ADOPTERS), 0, "no reward");
        assertEq(market.reward(plan, ADOPTERS).earnedAt, 0, "not earned");
        uint256 after_ = era.balanceOf(attacker);
        for (uint256 i = 0; i < 50; i++) {
            after_ += era.balanceOf(vm.addr(0x5B11 + i));
        }
        assertLt(after_, before, "strictly poorer");
        assertEq(before - after_, 50 * PRICE, "lost every fee");
    }

    /// @dev The strongest sybil: the provider itself buys from fresh addresses (getting 90% back as revenue). It
    ///      still earns no reward and loses the pool share of every fee.
    function testFuzz_sybil_unprofitableEvenForTheProvider(uint256 count, uint256 price) public {
        count = bound(count, 1, 25);
        price = bound(price, 10, 1_000 ether); // ≥ 10 wei: the 10% pool share is at least 1 wei
        _setTerms(plan, price, PER_USE, 1);
        era.transfer(provider, count * price);
        uint256 before = era.balanceOf(provider);
        uint256 poolShares;
        for (uint256 i = 0; i < count; i++) {
            uint256 key = 0x5B11 + i;
            vm.prank(provider);
            era.transfer(vm.addr(key), price);
            vm.prank(vm.addr(key));
            era.approve(address(market), price);
            (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, price);
            market.buyLicence(req, signature, _noPermit());
            _adopt(key, plan);
            poolShares += price * 1_000 / 10_000;
        }
        market.releaseRevenue(provider);
        assertEq(market.countedAccounts(plan, ADOPTERS), 0, "none counted");
        vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NothingToClaim.selector, plan, ADOPTERS));
        market.claimReward(plan, ADOPTERS);
        uint256 after_ = era.balanceOf(provider);
        for (uint256 i = 0; i < count; i++) {
            after_ += era.balanceOf(vm.addr(0x5B11 + i));
        }
        assertLt(after_, before, "strictly poorer");
        assertEq(before - after_, poolShares, "lost exactly the pool shares");
    }

    // ---------------------------------------------------------------- gas (bench rows read these logs: -vv)

    /// @dev Gas of each market call as the hub relays it, measured with gasleft() around the call (no intrinsic
    ///      21,000 nor calldata gas): a first licence of a new licensee paid by allowance, a counted adoption, the
    ///      adoption that crosses the threshold, a counted invocation, a full claim and a release. Before each call
    ///      every contract's storage is made cold again (a test is one transaction, and the helpers' reads would
    ///      otherwise warm the slots a real transaction finds cold). The bounds are budgets that catch a
    ///      regression, not targets.
    function test_gas_licenceAdoptionInvocationClaim() public {
        _setTerms(plan, PRICE, PER_USE, 1);
        _setTerms(fault, PRICE, PER_USE, 1);
        for (uint256 i = 1; i <= 8; i++) {
            _admittedAdoption(i, plan);
        }
        uint256 key = _farmerKey(9);
        _admit(vm.addr(key));
        _fundAndApprove(key, PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);
        IDerivativeMarket.Permit memory none = _noPermit();
        _coolAll();
        uint256 start = gasleft();
        market.buyLicence(req, signature, none);
        uint256 buyGas = start - gasleft();

        (IDerivativeMarket.AdoptionRequest memory adoption, bytes memory adoptionSignature) = _adoption(key, plan);
        _coolAll();
        start = gasleft();
        market.recordAdoption(adoption, adoptionSignature);
        uint256 adoptGas = start - gasleft();

        key = _farmerKey(10);
        _admit(vm.addr(key));
        _buy(key, plan);
        (adoption, adoptionSignature) = _adoption(key, plan);
        _coolAll();
        start = gasleft();
        market.recordAdoption(adoption, adoptionSignature);
        uint256 earningAdoptGas = start - gasleft();

        key = _enterpriseKey(1);
        _admit(vm.addr(key));
        _buy(key, fault);
        (IDerivativeMarket.InvocationRequest memory inv, bytes memory invSignature) = _invocation(key, fault);
        bytes32 resultHash = keccak256("result");
        _coolAll();
        start = gasleft();
        market.recordInvocation(inv, resultHash, invSignature);
        uint256 invokeGas = start - gasleft();

        _fundPool(OTHER_KEY, 500 ether);
        _coolAll();
        start = gasleft();
        market.claimReward(plan, ADOPTERS);
        uint256 claimGas = start - gasleft();
        _coolAll();
        start = gasleft();
        market.releaseRevenue(provider);
        uint256 releaseGas = start - gasleft();

        emit log_named_uint("gas buyLicence (new licensee, allowance)", buyGas);
        emit log_named_uint("gas recordAdoption (counted)", adoptGas);
        emit log_named_uint("gas recordAdoption (counted, earns the reward)", earningAdoptGas);
        emit log_named_uint("gas recordInvocation (counted)", invokeGas);
        emit log_named_uint("gas claimReward (paid in full)", claimGas);
        emit log_named_uint("gas releaseRevenue", releaseGas);
        assertLt(buyGas, 250_000, "buyLicence budget");
        assertLt(adoptGas, 150_000, "recordAdoption budget");
        assertLt(earningAdoptGas, 200_000, "earning adoption budget");
        assertLt(invokeGas, 150_000, "recordInvocation budget");
        assertLt(claimGas, 120_000, "claimReward budget");
        assertLt(releaseGas, 100_000, "releaseRevenue budget");
    }

    function _coolAll() internal {
        vm.cool(address(market));
        vm.cool(address(era));
        vm.cool(address(registry));
        vm.cool(address(vault));
    }

    // ---------------------------------------------------------------- fuzz: exact accounting

    function testFuzz_buyLicence_splitConservesEveryWei(uint256 price, uint16 shareBps) public {
        price = bound(price, 0, 100_000_000 ether);
        shareBps = uint16(bound(shareBps, 0, 10_000));
        vm.prank(address(timelock));
        market.setPoolShare(shareBps);
        _setTerms(plan, price, PER_USE, 1);
        uint256 supply = era.totalSupply();
        _buy(_farmerKey(1), plan);
        uint256 poolShare = price * shareBps / 10_000;
        assertEq(market.poolBalance(), poolShare, "pool share rounded down");
        assertEq(market.revenueOf(provider), price - poolShare, "revenue is the rest");
        assertEq(market.revenueOf(provider) + market.poolBalance(), price, "no wei lost or created");
        assertEq(era.balanceOf(address(market)), price, "market holds the price");
        _assertCustody(_providerOnly());
        if (price - poolShare != 0) market.releaseRevenue(provider);
        assertEq(era.balanceOf(address(market)), poolShare, "what is left is the pool");
        assertEq(era.totalSupply(), supply, "supply unchanged");
    }

    function testFuzz_claims_neverExceedWhatWasFunded(uint256 first, uint256 second, uint256 third) public {
        _setTerms(plan, 0, PER_USE, 1); // free licences: the pool is funded by transfers only
        for (uint256 i = 1; i <= 10; i++) {
            _admittedAdoption(i, plan);
        }
        uint256[3] memory fundings =
            [bound(first, 1, 600 ether), bound(second, 1, 600 ether), bound(third, 1, 600 ether)];
        uint256 paid;
        for (uint256 k = 0; k < 3; k++) {
            _fundPool(OTHER_KEY, fundings[k]);
            uint256 due = market.claimable(plan, ADOPTERS);
            if (due == 0) {
                vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NothingToClaim.selector, plan, ADOPTERS));
                market.claimReward(plan, ADOPTERS);
                continue;
            }
            uint256 pool = market.poolBalance();
            uint256 got = market.claimReward(plan, ADOPTERS);
            assertEq(got, due < pool ? due : pool, "min(claimable, pool)");
            paid += got;
            assertTrue(market.totalClaimed() <= market.totalFunded(), "claimed <= funded");
            assertEq(paid + market.claimable(plan, ADOPTERS), 500 ether, "paid + debt == reward");
        }
        assertEq(market.totalClaimed(), paid, "claimed");
        assertEq(era.balanceOf(address(market)), market.totalFunded() - paid, "the rest is still held");
        _assertCustody(_providerOnly());
    }
}

/// @notice A token whose transfers re-enter the market: every ERA-moving entry point is guarded.
contract DerivativeMarketReentrancyTest is MarketFixture {
    HookedToken internal hooked;
    DerivativeMarket internal hookedMarket;

    function setUp() public override {
        super.setUp();
        hooked = new HookedToken(address(this), 1_000_000 ether);
        hookedMarket = _deployMarket(IERC20(address(hooked)));
        market = hookedMarket; // the fixture's helpers sign for and call this market
        _setTerms(plan, PRICE, PER_USE, 1);
    }

    function _buyWithHookedToken(uint256 key) internal returns (uint256) {
        address buyer = vm.addr(key);
        hooked.transfer(buyer, PRICE);
        vm.prank(buyer);
        hooked.approve(address(market), PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);
        return market.buyLicence(req, signature, _noPermit());
    }

    /// @dev Ten admitted adopters and a funded pool: 500 claimable, 18 ERA revenue owed per licence.
    function _earnReward() internal {
        for (uint256 i = 1; i <= 10; i++) {
            _admit(vm.addr(_farmerKey(i)));
            _buyWithHookedToken(_farmerKey(i));
            _adopt(_farmerKey(i), plan);
        }
        hooked.transfer(other, 1_000 ether);
        vm.prank(other);
        hooked.approve(address(market), 1_000 ether);
        IDerivativeMarket.FundingRequest memory req = IDerivativeMarket.FundingRequest({
            funder: other, amount: 1_000 ether, nonce: market.nonces(other), deadline: block.timestamp + 1 hours
        });
        market.fundPool(req, _signFunding(OTHER_KEY, address(market), req), _noPermit());
    }

    function _assertHookWasRefused() internal view {
        assertTrue(hooked.hookRan(), "the hook ran");
        assertFalse(hooked.hookSucceeded(), "the re-entry failed");
        assertEq(
            keccak256(hooked.hookResult()),
            keccak256(abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)),
            "ReentrancyGuardReentrantCall"
        );
    }

    function _assertHookedCustody() internal view {
        assertEq(
            hooked.balanceOf(address(market)),
            market.revenueOf(provider) + market.poolBalance(),
            "market balance == revenue owed + pool"
        );
        assertEq(hooked.totalSupply(), 1_000_000 ether, "no token created");
    }

    function test_reentrantClaimReward_reverts_andPaysOnce() public {
        _earnReward();
        uint256 pool = market.poolBalance();
        hooked.arm(address(market), abi.encodeCall(market.claimReward, (plan, ADOPTERS)), true);
        vm.expectRevert(ReentrancyGuard.ReentrancyGuardReentrantCall.selector);
        market.claimReward(plan, ADOPTERS);
        assertEq(market.claimable(plan, ADOPTERS), 500 ether, "nothing paid");
        assertEq(market.poolBalance(), pool, "pool intact");

        uint256 before = hooked.balanceOf(provider);
        hooked.arm(address(market), abi.encodeCall(market.claimReward, (plan, ADOPTERS)), false);
        assertEq(market.claimReward(plan, ADOPTERS), 500 ether, "paid once");
        _assertHookWasRefused();
        assertEq(hooked.balanceOf(provider) - before, 500 ether, "exactly once");
        _assertHookedCustody();
    }

    function test_reentrantReleaseRevenue_reverts_andPaysOnce() public {
        _earnReward();
        uint256 owed = market.revenueOf(provider);
        assertEq(owed, 180 ether, "ten licences");
        hooked.arm(address(market), abi.encodeCall(market.releaseRevenue, (provider)), true);
        vm.expectRevert(ReentrancyGuard.ReentrancyGuardReentrantCall.selector);
        market.releaseRevenue(provider);
        assertEq(market.revenueOf(provider), owed, "still owed");

        uint256 before = hooked.balanceOf(provider);
        hooked.arm(address(market), abi.encodeCall(market.releaseRevenue, (provider)), false);
        market.releaseRevenue(provider);
        _assertHookWasRefused();
        assertEq(hooked.balanceOf(provider) - before, owed, "exactly once");
        _assertHookedCustody();
    }

    function test_reentrantBuyLicence_reverts() public {
        uint256 key = _farmerKey(20);
        address buyer = vm.addr(key);
        hooked.transfer(buyer, 2 * PRICE);
        vm.prank(buyer);
        hooked.approve(address(market), 2 * PRICE);
        (IDerivativeMarket.PurchaseRequest memory req, bytes memory signature) = _purchase(key, plan, PRICE);
        // The inner purchase is a valid signed request (the next nonce): only the guard stops it.
        (IDerivativeMarket.PurchaseRequest memory inner,) = _purchase(key, plan, PRICE); // a copy, not an alias
        inner.nonce = req.nonce + 1;
        bytes memory innerSignature = _signPurchase(key, address(market), inner);
        hooked.arm(address(market), abi.encodeCall(market.buyLicence, (inner, innerSignature, _noPermit())), true);
        vm.expectRevert(ReentrancyGuard.ReentrancyGuardReentrantCall.selector);
        market.buyLicence(req, signature, _noPermit());
        assertEq(market.licenceOf(plan, buyer), 0, "no licence");
        assertEq(hooked.balanceOf(buyer), 2 * PRICE, "nothing paid");

        hooked.arm(address(market), abi.encodeCall(market.buyLicence, (inner, innerSignature, _noPermit())), false);
        market.buyLicence(req, signature, _noPermit());
        _assertHookWasRefused();
        assertEq(market.licenceOf(plan, buyer), 1, "one licence");
        assertEq(hooked.balanceOf(buyer), PRICE, "paid once");
        _assertHookedCustody();
    }
}

/// @notice Buys, adopts, invokes, funds, claims and releases across actors (some admitted), with price changes and
///         time passing; ghost counts of what succeeded.
contract MarketHandler is MarketSigner {
    DerivativeMarket internal market;
    IERC20 internal era;
    uint256 internal providerKey;
    uint256[] internal ids;
    uint256[8] internal keys;
    mapping(address account => bool) public admitted;

    uint256 public ghostFunded;
    uint256 public ghostClaimed;
    uint256 public ghostReleased;
    uint256 public ghostSpent;
    uint256 public ghostShares;
    /// @dev Successful calls per path, so a run that never reaches a path can be told apart.
    uint256 public adoptions;
    uint256 public invocations;
    uint256 public claims;

    constructor(
        DerivativeMarket market_,
        IERC20 era_,
        uint256 providerKey_,
        uint256[] memory ids_,
        uint256[8] memory keys_,
        bool[8] memory admitted_
    ) {
        market = market_;
        era = era_;
        providerKey = providerKey_;
        ids = ids_;
        keys = keys_;
        for (uint256 i = 0; i < 8; i++) {
            admitted[vm.addr(keys_[i])] = admitted_[i];
        }
    }

    function actor(uint256 i) public view returns (address) {
        return vm.addr(keys[i]);
    }

    function actorCount() external pure returns (uint256) {
        return 8;
    }

    function _id(uint256 seed) internal view returns (uint256) {
        return ids[seed % ids.length];
    }

    function setTerms(uint256 idSeed, uint256 price, uint64 quantity, bool timeLimited) external {
        uint256 id = _id(idSeed);
        address provider = vm.addr(providerKey);
        IDerivativeMarket.TermsRequest memory req = IDerivativeMarket.TermsRequest({
            derivativeId: id,
            price: bound(price, 0, 50 ether),
            mode: timeLimited ? IDerivativeMarket.LicenceMode.TimeLimited : IDerivativeMarket.LicenceMode.PerUse,
            quantity: uint64(bound(quantity, 1, timeLimited ? 30 days : 3)),
            active: true,
            nonce: market.nonces(provider),
            deadline: block.timestamp
        });
        market.setLicenceTerms(req, _signTerms(providerKey, address(market), req));
    }

    function buy(uint256 actorSeed, uint256 idSeed) external {
        uint256 key = keys[actorSeed % 8];
        address licensee = vm.addr(key);
        uint256 id = _id(idSeed);
        IDerivativeMarket.Terms memory terms = market.termsOf(id);
        IDerivativeMarket.PurchaseRequest memory req = IDerivativeMarket.PurchaseRequest({
            derivativeId: id,
            licensee: licensee,
            maxPrice: terms.price,
            nonce: market.nonces(licensee),
            deadline: block.timestamp
        });
        bytes memory signature = _signPurchase(key, address(market), req);
        if (!terms.active) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NotForSale.selector, id));
            market.buyLicence(req, signature, _noPermit());
            return;
        }
        if (era.balanceOf(licensee) < terms.price) return;
        vm.prank(licensee);
        era.approve(address(market), terms.price);
        market.buyLicence(req, signature, _noPermit());
        uint256 share = terms.price * market.poolShareBps() / 10_000;
        ghostSpent += terms.price;
        ghostShares += share;
        ghostFunded += share;
    }

    /// @dev The common path (a licence, then its use), so thresholds are reached within a run.
    function buyAndUse(uint256 actorSeed, uint256 idSeed) external {
        this.buy(actorSeed, idSeed);
        if (_id(idSeed) == ids[1]) this.invoke(actorSeed);
        else this.adopt(actorSeed, idSeed);
    }

    function adopt(uint256 actorSeed, uint256 idSeed) external {
        uint256 key = keys[actorSeed % 8];
        address adopter = vm.addr(key);
        uint256 id = _id(idSeed);
        IDerivativeMarket.AdoptionRequest memory req = IDerivativeMarket.AdoptionRequest({
            derivativeId: id, adopter: adopter, nonce: market.nonces(adopter), deadline: block.timestamp
        });
        bytes memory signature = _signAdoption(key, address(market), req);
        bool succeeds = id != ids[1] && !market.hasAdopted(id, adopter) && market.hasValidLicence(id, adopter);
        if (id == ids[1]) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.WrongUsageKind.selector, id, uint8(3)));
        } else if (market.hasAdopted(id, adopter)) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.AlreadyAdopted.selector, id, adopter));
        } else if (!market.hasValidLicence(id, adopter)) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NoLicence.selector, id, adopter));
        }
        market.recordAdoption(req, signature);
        if (succeeds) adoptions++;
    }

    function invoke(uint256 actorSeed) external {
        uint256 key = keys[actorSeed % 8];
        address enterprise = vm.addr(key);
        uint256 id = ids[1];
        IDerivativeMarket.InvocationRequest memory req = IDerivativeMarket.InvocationRequest({
            derivativeId: id,
            enterprise: enterprise,
            inputHash: keccak256(abi.encode(actorSeed)),
            nonce: market.nonces(enterprise),
            deadline: block.timestamp
        });
        bytes memory signature = _signInvocation(key, address(market), req);
        bool licensed = market.hasValidLicence(id, enterprise);
        if (!licensed) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NoLicence.selector, id, enterprise));
        }
        market.recordInvocation(req, keccak256(abi.encode(req.inputHash)), signature);
        if (licensed) invocations++;
    }

    function fund(uint256 actorSeed, uint256 amount) external {
        uint256 key = keys[actorSeed % 8];
        address funder = vm.addr(key);
        amount = bound(amount, 1, 400 ether);
        if (era.balanceOf(funder) < amount) return;
        vm.prank(funder);
        era.approve(address(market), amount);
        IDerivativeMarket.FundingRequest memory req = IDerivativeMarket.FundingRequest({
            funder: funder, amount: amount, nonce: market.nonces(funder), deadline: block.timestamp
        });
        market.fundPool(req, _signFunding(key, address(market), req), _noPermit());
        ghostFunded += amount;
    }

    function claim(uint256 idSeed, bool enterprises) external {
        uint256 id = _id(idSeed);
        uint8 metric = enterprises ? 2 : 1;
        uint256 due = market.claimable(id, metric);
        uint256 pool = market.poolBalance();
        if (due == 0) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NothingToClaim.selector, id, metric));
        } else if (pool == 0) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.PoolEmpty.selector, id, metric, due));
        }
        uint256 paid = market.claimReward(id, metric);
        if (due != 0 && pool != 0) {
            assertEq(paid, due < pool ? due : pool, "min(claimable, pool)");
            ghostClaimed += paid;
            claims++;
        }
    }

    function release() external {
        address provider = vm.addr(providerKey);
        uint256 owed = market.revenueOf(provider);
        if (owed == 0) {
            vm.expectRevert(abi.encodeWithSelector(IDerivativeMarket.NothingToRelease.selector, provider));
        }
        uint256 amount = market.releaseRevenue(provider);
        assertEq(amount, owed, "all owed");
        ghostReleased += amount;
    }

    function passTime(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 10 days));
    }
}

contract DerivativeMarketInvariantTest is MarketFixture, InvariantTest {
    MarketHandler internal handler;
    uint256 internal supply;

    function setUp() public override {
        super.setUp();
        uint256[] memory ids = new uint256[](2);
        ids[0] = plan;
        ids[1] = fault;
        uint256[8] memory keys;
        bool[8] memory admittedActors;
        for (uint256 i = 0; i < 8; i++) {
            keys[i] = 0xAC70 + i;
            admittedActors[i] = i < 5; // five admitted, three fresh
            era.transfer(vm.addr(keys[i]), 1_000 ether);
            if (i < 5) _admit(vm.addr(keys[i]));
        }
        // Small thresholds so rewards are earned (and pools drained) within a run.
        vm.startPrank(address(timelock));
        market.setRewardRule(PLANTING_PLAN, ADOPTERS, 3, 40 ether);
        market.setRewardRule(FAULT_WARNING_MODEL, ENTERPRISES, 2, 60 ether);
        vm.stopPrank();
        _setTerms(plan, 10 ether, PER_USE, 1);
        _setTerms(fault, 10 ether, PER_USE, 2);
        handler = new MarketHandler(market, IERC20(address(era)), PROVIDER_KEY, ids, keys, admittedActors);
        supply = era.totalSupply();
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_eraConservedAndPoolAccountingExact() public view {
        uint256 held = era.balanceOf(address(this)) + era.balanceOf(address(staking)) + era.balanceOf(provider)
            + era.balanceOf(address(market));
        uint256 counted;
        uint256 invoking;
        for (uint256 i = 0; i < handler.actorCount(); i++) {
            address account = handler.actor(i);
            held += era.balanceOf(account);
            if (handler.admitted(account) && market.hasAdopted(plan, account)) counted++;
            if (handler.admitted(account) && market.hasInvoked(fault, account)) invoking++;
        }
        assertEq(held, supply, "ERA conserved: actors + provider + market + treasury + staking == supply");
        assertEq(era.totalSupply(), supply, "no ERA created");
        assertEq(
            era.balanceOf(address(market)), market.revenueOf(provider) + market.poolBalance(), "market == owed + pool"
        );
        assertTrue(market.totalClaimed() <= market.totalFunded(), "claimed <= funded");
        assertEq(market.poolBalance(), market.totalFunded() - market.totalClaimed(), "pool == funded - claimed");
        assertEq(market.totalFunded(), handler.ghostFunded(), "funded == licence shares + transfers");
        assertEq(market.totalClaimed(), handler.ghostClaimed(), "claimed == successful claims");
        assertEq(market.countedAccounts(plan, ADOPTERS), counted, "counted == distinct admitted licensed adopters");
        assertEq(market.countedAccounts(fault, ENTERPRISES), invoking, "counted == distinct admitted invokers");
        assertEq(
            market.revenueOf(provider) + handler.ghostReleased() + handler.ghostShares(),
            handler.ghostSpent(),
            "every fee is revenue (owed or released) or pool share, to the wei"
        );
        IDerivativeMarket.Reward memory planReward = market.reward(plan, ADOPTERS);
        assertTrue(planReward.paid <= planReward.owed, "paid <= owed");
        assertEq(planReward.owed, counted >= 3 ? 40 ether : 0, "earned once at the threshold");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {InvariantTest} from "./utils/InvariantTest.sol";
import {HookedToken} from "./utils/MarketHelpers.sol";
import {RiskFixture, RiskSigner} from "./utils/RiskHelpers.sol";
import {OwnerSignedWallet} from "./SignedActions.t.sol";
import {EcosystemRegistry} from "../src/EcosystemRegistry.sol";
import {EraToken} from "../src/EraToken.sol";
import {MarginVault} from "../src/MarginVault.sol";
import {EraPermit} from "../src/interfaces/EraPermit.sol";
import {IEcosystemRegistry} from "../src/interfaces/IEcosystemRegistry.sol";
import {IMarginVault} from "../src/interfaces/IMarginVault.sol";
import {IRiskFeatureRegistry} from "../src/interfaces/IRiskFeatureRegistry.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";

abstract contract MarginVaultFixture is RiskFixture {
    uint256 internal constant DEPOSIT = 1_000 ether;
    uint64 internal constant REVIEW_WINDOW = 3 days;
    uint64 internal constant UNLOCK_DELAY = 4 days;
    bytes32 internal constant EVIDENCE = keccak256("evidence: 3 defaulted obligations, 2 tampered readings");
    bytes32 internal constant INPUTS = keccak256("assessment inputs");

    IMarginVault.Verdict internal constant UPHOLD = IMarginVault.Verdict.UPHOLD;
    IMarginVault.Verdict internal constant REJECT = IMarginVault.Verdict.REJECT;
    IMarginVault.Verdict internal constant DISMISS = IMarginVault.Verdict.DISMISS;

    function _status(uint256 caseId) internal view returns (IMarginVault.CaseStatus) {
        return vault.freezeCase(caseId).status;
    }

    function _assertStatus(uint256 caseId, IMarginVault.CaseStatus expected) internal view {
        assertEq(uint256(_status(caseId)), uint256(expected), "case status");
    }

    /// @dev The custody identity for the fixture's actors: the vault holds exactly Σ margins + open deposits +
    ///      seized-but-unsettled + unclaimed payouts + reserve.
    function _assertCustody() internal view {
        uint256 accounted = vault.reserve();
        address[3] memory providers = [provider, provider2, _operator(PARTNER1)];
        for (uint256 i = 0; i < providers.length; i++) {
            IMarginVault.Margin memory m = vault.margin(providers[i]);
            accounted += m.locked + m.queued;
        }
        for (uint256 caseId = 1; caseId <= vault.caseCount(); caseId++) {
            IMarginVault.FreezeCase memory fc = vault.freezeCase(caseId);
            if (fc.status == IMarginVault.CaseStatus.OPEN) accounted += fc.deposit;
            IMarginVault.Disposal memory d = vault.disposal(caseId);
            if (fc.status == IMarginVault.CaseStatus.UPHELD) {
                accounted += d.settled ? d.seized - d.dust - d.paidOut : d.seized;
            }
        }
        assertEq(era.balanceOf(address(vault)), accounted, "vault ERA == everything it accounts for");
    }

    /// @dev Locks 100,000 ERA for the provider and files partner 1's 60,000 ERA claim against it.
    function _openCase() internal returns (uint256 caseId) {
        _lock(PROVIDER_KEY, 100_000 ether);
        return _file(PARTNER1, provider, 60_000 ether, EVIDENCE);
    }

    /// @dev An open case upheld early by nodes 1 and 2 (700,000 of 1,000,000 staked).
    function _upheldCase() internal returns (uint256 caseId) {
        caseId = _openCase();
        _vote(NODE1_KEY, caseId, UPHOLD);
        _vote(NODE2_KEY, caseId, UPHOLD);
        vault.resolveCase(caseId);
    }
}

contract MarginVaultTest is MarginVaultFixture {
    // ---------------------------------------------------------------- construction and governance

    function test_constructor_installsTheDefaultsWithTheEvent() public {
        vm.expectEmit(false, false, false, true);
        emit IMarginVault.MarginParametersSet(20_000 ether, 20_000 ether, DEPOSIT, REVIEW_WINDOW, UNLOCK_DELAY, 4_000);
        MarginVault fresh = _deployVault(IERC20(address(era)));
        assertEq(fresh.minMargin(), 20_000 ether, "min margin");
        assertEq(fresh.perEcosystemMargin(), 20_000 ether, "per ecosystem");
        assertEq(fresh.freezeDeposit(), DEPOSIT, "deposit");
        assertEq(fresh.reviewWindow(), REVIEW_WINDOW, "review window");
        assertEq(fresh.unlockDelay(), UNLOCK_DELAY, "unlock delay");
        assertEq(fresh.caseQuorumBps(), 4_000, "quorum");
        assertEq(fresh.reserve(), 0, "empty reserve");
        assertEq(fresh.caseCount(), 0, "no cases");
        assertEq(fresh.era(), address(era), "era");
        assertEq(fresh.staking(), address(staking), "staking");
        assertEq(fresh.ecosystemRegistry(), address(ecosystems), "ecosystems");
        assertEq(fresh.riskRegistry(), address(risk), "risk");
        assertEq(fresh.timelock(), GOVERNANCE, "timelock");
    }

    function test_constructor_rejectsZeroAddresses() public {
        IERC20 token = IERC20(address(era));
        IERC5805 votes = IERC5805(address(staking));
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.ZeroAddress.selector, "era"));
        new MarginVault(IERC20(address(0)), votes, ecosystems, risk, GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.ZeroAddress.selector, "staking"));
        new MarginVault(token, IERC5805(address(0)), ecosystems, risk, GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.ZeroAddress.selector, "ecosystems"));
        new MarginVault(token, votes, IEcosystemRegistry(address(0)), risk, GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.ZeroAddress.selector, "risk"));
        new MarginVault(token, votes, ecosystems, IRiskFeatureRegistry(address(0)), GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.ZeroAddress.selector, "timelock"));
        new MarginVault(token, votes, ecosystems, risk, address(0));
    }

    function testFuzz_governedFunctions_revertForAnyoneButTheTimelock(address caller) public {
        vm.assume(caller != GOVERNANCE);
        vm.startPrank(caller);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.NotGovernance.selector, caller));
        vault.setMarginParameters(0, 0, 0, 1 days, 1 days, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.NotGovernance.selector, caller));
        vault.withdrawReserve(caller);
        vm.stopPrank();
    }

    function test_setMarginParameters_enforcesTheBoundsAndEmits() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.InvalidParameter.selector, "reviewWindow"));
        vault.setMarginParameters(1, 1, 1, 1 hours - 1, 1 days, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.InvalidParameter.selector, "reviewWindow"));
        vault.setMarginParameters(1, 1, 1, 30 days + 1, 31 days, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.InvalidParameter.selector, "unlockDelay"));
        vault.setMarginParameters(1, 1, 1, 3 days, 3 days - 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.InvalidParameter.selector, "caseQuorumBps"));
        vault.setMarginParameters(1, 1, 1, 3 days, 3 days, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.InvalidParameter.selector, "caseQuorumBps"));
        vault.setMarginParameters(1, 1, 1, 3 days, 3 days, 10_001);

        vm.expectEmit(false, false, false, true, address(vault));
        emit IMarginVault.MarginParametersSet(30_000 ether, 25_000 ether, 500 ether, 1 hours, 1 hours, 10_000);
        vault.setMarginParameters(30_000 ether, 25_000 ether, 500 ether, 1 hours, 1 hours, 10_000);
        vm.stopPrank();
        assertEq(vault.minMargin(), 30_000 ether, "min");
        assertEq(vault.perEcosystemMargin(), 25_000 ether, "per");
        assertEq(vault.freezeDeposit(), 500 ether, "deposit");
        assertEq(vault.reviewWindow(), 1 hours, "window");
        assertEq(vault.unlockDelay(), 1 hours, "delay = window is allowed");
        assertEq(vault.caseQuorumBps(), 10_000, "quorum");
    }

    function test_typeStringsAndDomain() public view {
        bytes32 expected = keccak256(
            abi.encode(RISK_DOMAIN_TYPEHASH, keccak256("Caldera Margin"), keccak256("1"), block.chainid, address(vault))
        );
        assertEq(vault.DOMAIN_SEPARATOR(), expected, "domain");
        assertEq(vault.LOCK_MARGIN_TYPEHASH(), keccak256(bytes(LOCK_MARGIN_TYPE)), "lock");
        assertEq(vault.SET_SERVED_ECOSYSTEMS_TYPEHASH(), keccak256(bytes(SET_SERVED_TYPE)), "served");
        assertEq(vault.REQUEST_UNLOCK_TYPEHASH(), keccak256(bytes(REQUEST_UNLOCK_TYPE)), "unlock");
        assertEq(vault.WITHDRAW_MARGIN_TYPEHASH(), keccak256(bytes(WITHDRAW_MARGIN_TYPE)), "withdraw");
        assertEq(vault.FILE_FREEZE_TYPEHASH(), keccak256(bytes(FILE_FREEZE_TYPE)), "file");
        assertEq(vault.CAST_CASE_VOTE_TYPEHASH(), keccak256(bytes(CAST_CASE_VOTE_TYPE)), "vote");
        assertEq(vault.SETTLE_DISPOSAL_TYPEHASH(), keccak256(bytes(SETTLE_DISPOSAL_TYPE)), "settle");
        assertEq(vault.CLAIM_PAYOUT_TYPEHASH(), keccak256(bytes(CLAIM_PAYOUT_TYPE)), "claim");
    }

    // ---------------------------------------------------------------- lock, served ecosystems, unlock

    function test_lockMargin_pullsTheERAAndEmits() public {
        uint256 before = era.balanceOf(provider);
        _approveVault(provider, 30_000 ether);
        uint256 deadline = _deadline();
        bytes memory signature = _signLock(PROVIDER_KEY, address(vault), 30_000 ether, 0, deadline);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IMarginVault.MarginLocked(provider, 30_000 ether, 30_000 ether);
        vm.prank(HUB);
        vault.lockMargin(provider, 30_000 ether, deadline, signature, _noPermit());
        _lock(PROVIDER_KEY, 5_000 ether);

        IMarginVault.Margin memory m = vault.margin(provider);
        assertEq(m.locked, 35_000 ether, "locked");
        assertEq(m.queued, 0, "nothing queued");
        assertEq(m.frozenBy, 0, "not frozen");
        assertEq(before - era.balanceOf(provider), 35_000 ether, "pulled from the provider");
        assertEq(era.balanceOf(address(vault)), 35_000 ether, "held by the vault");
        assertEq(vault.nonces(provider), 2, "two nonces used");
        _assertCustody();
    }

    function test_lockMargin_withAPermit_evenWhenSomeoneSubmittedThePermitFirst() public {
        uint256 deadline = _deadline();
        EraPermit memory permit =
            _eraPermit(PROVIDER_KEY, address(era), address(vault), 20_000 ether, era.nonces(provider), deadline);
        bytes memory signature = _signLock(PROVIDER_KEY, address(vault), 20_000 ether, 0, deadline);
        // A front-runner submits the permit itself: the lock still goes through on the allowance it set.
        era.permit(provider, address(vault), 20_000 ether, deadline, permit.v, permit.r, permit.s);
        vault.lockMargin(provider, 20_000 ether, deadline, signature, permit);
        assertEq(vault.margin(provider).locked, 20_000 ether, "locked");

        EraPermit memory second =
            _eraPermit(PROVIDER_KEY, address(era), address(vault), 1_000 ether, era.nonces(provider), deadline);
        signature = _signLock(PROVIDER_KEY, address(vault), 1_000 ether, 1, deadline);
        vault.lockMargin(provider, 1_000 ether, deadline, signature, second);
        assertEq(vault.margin(provider).locked, 21_000 ether, "locked with the permit");
    }

    function test_lockMargin_rejectsZeroOtherSignersAndMissingAllowance() public {
        uint256 deadline = _deadline();
        bytes memory signature = _signLock(PROVIDER_KEY, address(vault), 0, 0, deadline);
        vm.expectRevert(IMarginVault.ZeroAmount.selector);
        vault.lockMargin(provider, 0, deadline, signature, _noPermit());

        signature = _signLock(OUTSIDER_KEY, address(vault), 1 ether, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        vault.lockMargin(provider, 1 ether, deadline, signature, _noPermit());

        signature = _signLock(PROVIDER_KEY, address(vault), 1 ether, 0, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), 0, 1 ether)
        );
        vault.lockMargin(provider, 1 ether, deadline, signature, _noPermit());
        assertEq(vault.margin(provider).locked, 0, "nothing locked");
    }

    /// @dev The seed's example: serving 5 ecosystems requires 100,000 ERA; fewer than 1 still requires the minimum.
    function test_requiredMargin_fiveEcosystemsRequireOneHundredThousand() public {
        assertEq(vault.requiredMargin(provider), 20_000 ether, "none served: the minimum");
        uint32[] memory five = new uint32[](5);
        for (uint256 i = 0; i < 5; i++) {
            five[i] = uint32(5 - i); // any order
        }
        uint256 deadline = _deadline();
        bytes memory signature = _signServed(PROVIDER_KEY, address(vault), five, 0, deadline);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IMarginVault.ServedEcosystemsSet(provider, five, 100_000 ether);
        vault.setServedEcosystems(provider, five, deadline, signature);
        assertEq(vault.margin(provider).ecosystemsServed, 5, "five served");
        assertEq(vault.requiredMargin(provider), 100_000 ether, "5 x 20,000");

        _setServed(PROVIDER_KEY, _ids(PARTNER1));
        assertEq(vault.requiredMargin(provider), 20_000 ether, "one: the minimum");
        _setServed(PROVIDER_KEY, _ids(PARTNER1, PARTNER3));
        assertEq(vault.requiredMargin(provider), 40_000 ether, "two");
        _setServed(PROVIDER_KEY, new uint32[](0));
        assertEq(vault.requiredMargin(provider), 20_000 ether, "none again");
    }

    function testFuzz_requiredMargin_isTheMaxOfMinimumAndPerEcosystemTimesServed(
        uint256 minimum,
        uint256 perEcosystem,
        uint8 served
    ) public {
        minimum = bound(minimum, 0, 1e30);
        perEcosystem = bound(perEcosystem, 0, 1e30);
        served = uint8(bound(served, 0, 5));
        vm.prank(GOVERNANCE);
        vault.setMarginParameters(minimum, perEcosystem, DEPOSIT, REVIEW_WINDOW, UNLOCK_DELAY, 4_000);
        uint32[] memory ids = new uint32[](served);
        for (uint256 i = 0; i < served; i++) {
            ids[i] = uint32(i + 1);
        }
        _setServed(PROVIDER_KEY, ids);
        uint256 product = perEcosystem * served;
        assertEq(vault.requiredMargin(provider), product > minimum ? product : minimum, "max(min, per x served)");
    }

    function test_setServedEcosystems_rejectsDuplicateUnknownAndSuspendedEcosystems() public {
        vm.prank(GOVERNANCE);
        ecosystems.setEcosystemActive(PARTNER4, false);
        uint32[][4] memory bad = [_ids(PARTNER1, PARTNER1), _ids(PARTNER1, 6), _ids(0), _ids(PARTNER2, PARTNER4)];
        uint256 deadline = _deadline();
        for (uint256 i = 0; i < bad.length; i++) {
            bytes memory signature = _signServed(PROVIDER_KEY, address(vault), bad[i], 0, deadline);
            vm.expectRevert(IMarginVault.InvalidEcosystemList.selector);
            vault.setServedEcosystems(provider, bad[i], deadline, signature);
        }
        uint32[] memory dup = _ids(PARTNER1, PARTNER2, PARTNER1);
        bytes memory sig = _signServed(PROVIDER_KEY, address(vault), dup, 0, deadline);
        vm.expectRevert(IMarginVault.InvalidEcosystemList.selector);
        vault.setServedEcosystems(provider, dup, deadline, sig);
        assertEq(vault.margin(provider).ecosystemsServed, 0, "unchanged");
        // A list signed for other ids does not verify.
        sig = _signServed(PROVIDER_KEY, address(vault), _ids(PARTNER1), 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        vault.setServedEcosystems(provider, _ids(PARTNER2), deadline, sig);
    }

    function test_requestUnlock_thenWithdrawAfterTheDelay() public {
        _lock(PROVIDER_KEY, 50_000 ether);
        uint64 unlockAt = uint64(block.timestamp + UNLOCK_DELAY);
        uint256 deadline = _deadline();
        bytes memory signature = _signUnlock(PROVIDER_KEY, address(vault), 20_000 ether, 1, deadline);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IMarginVault.UnlockRequested(provider, 20_000 ether, 20_000 ether, unlockAt);
        vault.requestUnlock(provider, 20_000 ether, deadline, signature);
        IMarginVault.Margin memory m = vault.margin(provider);
        assertEq(m.locked, 30_000 ether, "locked");
        assertEq(m.queued, 20_000 ether, "queued");
        assertEq(m.unlockAt, unlockAt, "unlock at");

        vm.warp(unlockAt - 1);
        deadline = _deadline();
        signature = _signWithdraw(PROVIDER_KEY, address(vault), 2, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.UnlockNotReady.selector, provider, unlockAt));
        vault.withdrawMargin(provider, deadline, signature);

        vm.warp(unlockAt);
        uint256 before = era.balanceOf(provider);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IMarginVault.MarginWithdrawn(provider, 20_000 ether);
        assertEq(vault.withdrawMargin(provider, deadline, signature), 20_000 ether, "withdrawn");
        assertEq(era.balanceOf(provider) - before, 20_000 ether, "paid to the provider");
        m = vault.margin(provider);
        assertEq(m.queued, 0, "queue empty");
        assertEq(m.unlockAt, 0, "no unlock pending");
        assertEq(m.locked, 30_000 ether, "the rest stays locked");
        _assertCustody();
    }

    function test_requestUnlock_aSecondRequestRestartsTheDelayForAll() public {
        _lock(PROVIDER_KEY, 50_000 ether);
        _requestUnlock(PROVIDER_KEY, 10_000 ether);
        vm.warp(block.timestamp + 3 days);
        _requestUnlock(PROVIDER_KEY, 5_000 ether);
        IMarginVault.Margin memory m = vault.margin(provider);
        assertEq(m.queued, 15_000 ether, "both queued");
        assertEq(m.unlockAt, block.timestamp + UNLOCK_DELAY, "restarted");
    }

    function test_requestUnlock_andWithdraw_rejectBadRequests() public {
        _lock(PROVIDER_KEY, 10_000 ether);
        uint256 deadline = _deadline();
        bytes memory signature = _signUnlock(PROVIDER_KEY, address(vault), 10_001 ether, 1, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.InsufficientMargin.selector, provider, 10_001 ether, 10_000 ether)
        );
        vault.requestUnlock(provider, 10_001 ether, deadline, signature);
        signature = _signUnlock(PROVIDER_KEY, address(vault), 0, 1, deadline);
        vm.expectRevert(IMarginVault.ZeroAmount.selector);
        vault.requestUnlock(provider, 0, deadline, signature);
        signature = _signWithdraw(PROVIDER_KEY, address(vault), 1, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.UnlockNotReady.selector, provider, 0));
        vault.withdrawMargin(provider, deadline, signature);
        signature = _signWithdraw(OUTSIDER_KEY, address(vault), 1, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        vault.withdrawMargin(provider, deadline, signature);
    }

    // ---------------------------------------------------------------- escaping a case

    /// @dev Queue everything, let the delay pass, then race a case: the case wins, the queue stays frozen and is
    ///      seized when upheld.
    function test_unlockingToEscapeAPendingCase_theQueuedMarginStaysFreezableAndSeizable() public {
        _lock(PROVIDER_KEY, 50_000 ether);
        _requestUnlock(PROVIDER_KEY, 50_000 ether);
        vm.warp(block.timestamp + UNLOCK_DELAY);
        uint256 caseId = _file(PARTNER1, provider, 30_000 ether, EVIDENCE);
        assertEq(vault.margin(provider).frozenBy, caseId, "frozen with everything queued");

        uint256 deadline = _deadline();
        bytes memory signature = _signWithdraw(PROVIDER_KEY, address(vault), 2, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.MarginIsFrozen.selector, provider, caseId));
        vault.withdrawMargin(provider, deadline, signature);
        _lock(PROVIDER_KEY, 1_000 ether); // adding is allowed (and seizable)
        signature = _signUnlock(PROVIDER_KEY, address(vault), 1_000 ether, 3, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.MarginIsFrozen.selector, provider, caseId));
        vault.requestUnlock(provider, 1_000 ether, deadline, signature);

        _vote(NODE1_KEY, caseId, UPHOLD);
        _vote(NODE2_KEY, caseId, UPHOLD);
        vault.resolveCase(caseId);
        IMarginVault.Margin memory m = vault.margin(provider);
        assertEq(vault.freezeCase(caseId).seized, 30_000 ether, "seized");
        assertEq(m.locked, 0, "the locked 1,000 taken first");
        assertEq(m.queued, 21_000 ether, "then 29,000 of the queue");
        assertEq(m.frozenBy, 0, "released after the case");
        signature = _signWithdraw(PROVIDER_KEY, address(vault), 3, deadline);
        assertEq(vault.withdrawMargin(provider, deadline, signature), 21_000 ether, "the rest leaves");
        _assertCustody();
    }

    // ---------------------------------------------------------------- filing

    function test_fileFreeze_freezesAtOncePullsTheDepositAndEmits() public {
        _lock(PROVIDER_KEY, 80_000 ether);
        _requestUnlock(PROVIDER_KEY, 30_000 ether);
        address applicant = _operator(PARTNER1);
        uint256 before = era.balanceOf(applicant);
        _approveVault(applicant, DEPOSIT);
        uint64 snapshot = uint64(block.number - 1);
        uint64 voteEnd = uint64(block.timestamp + REVIEW_WINDOW);
        uint256 deadline = _deadline();
        bytes memory signature = _fileSignature(PARTNER1, provider, 60_000 ether, EVIDENCE);

        vm.expectEmit(true, true, true, true, address(vault));
        emit IMarginVault.FreezeFiled(
            1, provider, PARTNER1, applicant, 60_000 ether, DEPOSIT, EVIDENCE, snapshot, voteEnd
        );
        vm.expectEmit(true, true, false, true, address(vault));
        emit IMarginVault.MarginFrozen(provider, 1, 80_000 ether);
        vm.prank(HUB);
        uint256 caseId = vault.fileFreeze(provider, PARTNER1, 60_000 ether, EVIDENCE, deadline, signature, _noPermit());

        assertEq(caseId, 1, "first case");
        assertEq(vault.caseCount(), 1, "count");
        IMarginVault.FreezeCase memory fc = vault.freezeCase(caseId);
        assertEq(fc.provider, provider, "provider");
        assertEq(fc.ecosystemId, PARTNER1, "ecosystem");
        assertEq(uint256(fc.status), uint256(IMarginVault.CaseStatus.OPEN), "open");
        assertEq(fc.applicant, applicant, "applicant");
        assertEq(fc.filedAt, block.timestamp, "filed at");
        assertEq(fc.voteEnd, voteEnd, "vote end");
        assertEq(fc.snapshotBlock, snapshot, "snapshot");
        assertEq(fc.claimAmount, 60_000 ether, "claim");
        assertEq(fc.deposit, DEPOSIT, "deposit");
        assertEq(fc.evidenceHash, EVIDENCE, "evidence");
        assertEq(vault.margin(provider).frozenBy, caseId, "frozen by the case");
        assertEq(before - era.balanceOf(applicant), DEPOSIT, "deposit pulled");
        assertEq(vault.nonces(applicant), 1, "operator nonce");
        _assertCustody();
    }

    function test_fileFreeze_withAPermitForTheDeposit() public {
        _lock(PROVIDER_KEY, 20_000 ether);
        uint256 deadline = _deadline();
        address applicant = _operator(PARTNER2);
        EraPermit memory permit =
            _eraPermit(PARTNER2_KEY, address(era), address(vault), DEPOSIT, era.nonces(applicant), deadline);
        bytes memory signature = _fileSignature(PARTNER2, provider, 5_000 ether, EVIDENCE);
        uint256 caseId = vault.fileFreeze(provider, PARTNER2, 5_000 ether, EVIDENCE, deadline, signature, permit);
        assertEq(vault.freezeCase(caseId).deposit, DEPOSIT, "deposit paid by permit");
    }

    function test_fileFreeze_fromAnUnregisteredOrSuspendedEcosystemReverts() public {
        _lock(PROVIDER_KEY, 20_000 ether);
        uint256 deadline = _deadline();
        // An operator-like outsider signs for an ecosystem id nobody was admitted under.
        bytes memory signature = _signFile(OUTSIDER_KEY, address(vault), provider, 6, 1 ether, EVIDENCE, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.EcosystemNotActive.selector, 6));
        vault.fileFreeze(provider, 6, 1 ether, EVIDENCE, deadline, signature, _noPermit());

        vm.prank(GOVERNANCE);
        ecosystems.setEcosystemActive(PARTNER3, false);
        _approveVault(_operator(PARTNER3), DEPOSIT);
        signature = _fileSignature(PARTNER3, provider, 1 ether, EVIDENCE);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.EcosystemNotActive.selector, PARTNER3));
        vault.fileFreeze(provider, PARTNER3, 1 ether, EVIDENCE, deadline, signature, _noPermit());
        assertEq(vault.caseCount(), 0, "no case");
        assertEq(vault.margin(provider).frozenBy, 0, "not frozen");
    }

    function test_fileFreeze_rejectsAnyoneButTheOperator() public {
        _lock(PROVIDER_KEY, 20_000 ether);
        uint256 deadline = _deadline();
        bytes memory signature =
            _signFile(PARTNER2_KEY, address(vault), provider, PARTNER1, 1 ether, EVIDENCE, 0, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.NotEcosystemOperator.selector, PARTNER1, _operator(PARTNER2))
        );
        vault.fileFreeze(provider, PARTNER1, 1 ether, EVIDENCE, deadline, signature, _noPermit());
        // The operator signed another claim amount than the one submitted.
        signature = _signFile(PARTNER1_KEY, address(vault), provider, PARTNER1, 1 ether, EVIDENCE, 0, deadline);
        vm.expectPartialRevert(IMarginVault.NotEcosystemOperator.selector);
        vault.fileFreeze(provider, PARTNER1, 2 ether, EVIDENCE, deadline, signature, _noPermit());
    }

    function test_fileFreeze_rejectsSelfZeroNoMarginAndASecondOpenCase() public {
        // An operator that is also a provider cannot file against itself.
        address operator = _operator(PARTNER1);
        _lock(PARTNER1_KEY, 20_000 ether);
        _approveVault(operator, DEPOSIT);
        bytes memory signature = _fileSignature(PARTNER1, operator, 1 ether, EVIDENCE);
        uint256 deadline = _deadline();
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.SelfFreeze.selector, operator));
        vault.fileFreeze(operator, PARTNER1, 1 ether, EVIDENCE, deadline, signature, _noPermit());

        signature = _fileSignature(PARTNER1, provider2, 0, EVIDENCE);
        vm.expectRevert(IMarginVault.ZeroAmount.selector);
        vault.fileFreeze(provider2, PARTNER1, 0, EVIDENCE, deadline, signature, _noPermit());

        signature = _fileSignature(PARTNER1, provider2, 1 ether, EVIDENCE);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.NoMargin.selector, provider2));
        vault.fileFreeze(provider2, PARTNER1, 1 ether, EVIDENCE, deadline, signature, _noPermit());

        uint256 caseId = _openCase();
        // The same ecosystem again, and another one: one open case per margin.
        for (uint32 eco = PARTNER1; eco <= PARTNER2; eco++) {
            _approveVault(_operator(eco), DEPOSIT);
            signature = _fileSignature(eco, provider, 1 ether, EVIDENCE);
            vm.expectRevert(abi.encodeWithSelector(IMarginVault.MarginIsFrozen.selector, provider, caseId));
            vault.fileFreeze(provider, eco, 1 ether, EVIDENCE, deadline, signature, _noPermit());
        }
        assertEq(vault.caseCount(), 1, "one case");
        _assertCustody();
    }

    // ---------------------------------------------------------------- voting

    function test_castCaseVote_weighsByTheSnapshotStakeAndEmits() public {
        uint256 caseId = _openCase();
        address node = vm.addr(NODE3_KEY);
        bytes memory signature = _voteSignature(NODE3_KEY, caseId, REJECT);
        uint256 deadline = _deadline();
        vm.expectEmit(true, true, false, true, address(vault));
        emit IMarginVault.CaseVoteCast(caseId, node, REJECT, 200_000 ether);
        vault.castCaseVote(caseId, node, REJECT, deadline, signature);
        assertTrue(vault.hasVoted(caseId, node), "voted");
        assertEq(vault.freezeCase(caseId).votesReject, 200_000 ether, "tally");

        signature = _voteSignature(NODE3_KEY, caseId, UPHOLD);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.AlreadyVoted.selector, caseId, node));
        vault.castCaseVote(caseId, node, UPHOLD, deadline, signature);
    }

    /// @dev Sybils (any number of zero-stake addresses) and stake staked or flash-borrowed after the snapshot
    ///      have no voting power.
    function test_castCaseVote_sybilAndFlashLoanedVotesHaveNoPower() public {
        _lock(PROVIDER_KEY, 100_000 ether);
        uint256 flashKey = 0xF1A5;
        address flash = vm.addr(flashKey);
        _stakeAs(flash, 2_000_000 ether); // staked in the filing block: after the snapshot
        uint256 caseId = _file(PARTNER1, provider, 60_000 ether, EVIDENCE);
        uint64 snapshot = vault.freezeCase(caseId).snapshotBlock;
        uint256 deadline = _deadline();

        bytes memory signature = _voteSignature(flashKey, caseId, UPHOLD);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.NoVotingPower.selector, flash, snapshot));
        vault.castCaseVote(caseId, flash, UPHOLD, deadline, signature);
        for (uint256 key = 0x5B10; key < 0x5B15; key++) {
            signature = _voteSignature(key, caseId, UPHOLD);
            vm.expectRevert(abi.encodeWithSelector(IMarginVault.NoVotingPower.selector, vm.addr(key), snapshot));
            vault.castCaseVote(caseId, vm.addr(key), UPHOLD, deadline, signature);
        }
        // The flash stake would be 2/3 of all stake now; at the snapshot it is nothing, so no early majority.
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.VotingOpen.selector, caseId, vault.freezeCase(caseId).voteEnd)
        );
        vault.resolveCase(caseId);
        _assertStatus(caseId, IMarginVault.CaseStatus.OPEN);
    }

    function test_castCaseVote_rejectsBadVerdictsClosedVotingAndUnknownCases() public {
        uint256 caseId = _openCase();
        address node = vm.addr(NODE1_KEY);
        uint256 deadline = _deadline();
        bytes memory signature = _signVote(NODE1_KEY, address(vault), caseId, 0, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.InvalidVerdict.selector, 0));
        vault.castCaseVote(caseId, node, IMarginVault.Verdict.NONE, deadline, signature);

        signature = _signVote(NODE1_KEY, address(vault), 7, 1, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.UnknownCase.selector, 7));
        vault.castCaseVote(7, node, UPHOLD, deadline, signature);

        signature = _signVote(NODE2_KEY, address(vault), caseId, 1, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, node));
        vault.castCaseVote(caseId, node, UPHOLD, deadline, signature);

        uint64 voteEnd = vault.freezeCase(caseId).voteEnd;
        vm.warp(voteEnd + 1);
        deadline = _deadline();
        signature = _signVote(NODE1_KEY, address(vault), caseId, 1, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.VotingClosed.selector, caseId, voteEnd));
        vault.castCaseVote(caseId, node, UPHOLD, deadline, signature);

        vault.resolveCase(caseId);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.CaseNotOpen.selector, caseId, IMarginVault.CaseStatus.EXPIRED)
        );
        vault.castCaseVote(caseId, node, UPHOLD, deadline, signature);
    }

    // ---------------------------------------------------------------- resolution

    function test_resolveCase_upheldEarlyByAMajority_seizesTheClaimRefundsTheDepositAndUnfreezes() public {
        uint256 caseId = _openCase();
        address applicant = _operator(PARTNER1);
        _vote(NODE1_KEY, caseId, UPHOLD);
        uint64 voteEnd = vault.freezeCase(caseId).voteEnd;
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.VotingOpen.selector, caseId, voteEnd));
        vault.resolveCase(caseId); // 400,000 of 1,000,000: not yet a majority
        _vote(NODE3_KEY, caseId, UPHOLD); // 600,000

        uint256 before = era.balanceOf(applicant);
        vm.expectEmit(true, false, false, true, address(vault));
        emit IMarginVault.CaseResolved(caseId, IMarginVault.CaseStatus.UPHELD, 60_000 ether, 600_000 ether, 0, 0);
        vm.expectEmit(true, true, false, true, address(vault));
        emit IMarginVault.DepositReleased(caseId, applicant, DEPOSIT, false);
        vm.expectEmit(true, true, false, true, address(vault));
        emit IMarginVault.MarginUnfrozen(provider, caseId);
        assertEq(uint256(vault.resolveCase(caseId)), uint256(IMarginVault.CaseStatus.UPHELD), "upheld");

        assertEq(era.balanceOf(applicant) - before, DEPOSIT, "deposit refunded");
        IMarginVault.Margin memory m = vault.margin(provider);
        assertEq(m.locked, 40_000 ether, "claim seized");
        assertEq(m.frozenBy, 0, "unfrozen");
        IMarginVault.Disposal memory d = vault.disposal(caseId);
        assertEq(d.seized, 60_000 ether, "into the disposal");
        assertFalse(d.settled, "not settled yet");
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.CaseNotOpen.selector, caseId, IMarginVault.CaseStatus.UPHELD)
        );
        vault.resolveCase(caseId);
        _assertCustody();
    }

    function test_resolveCase_rejected_paysTheDepositToTheProviderAndReleasesTheMargin() public {
        uint256 caseId = _openCase();
        address applicant = _operator(PARTNER1);
        uint256 applicantBefore = era.balanceOf(applicant);
        uint256 providerBefore = era.balanceOf(provider);
        _vote(NODE1_KEY, caseId, REJECT);
        _vote(NODE3_KEY, caseId, REJECT);
        vm.expectEmit(true, true, false, true, address(vault));
        emit IMarginVault.DepositReleased(caseId, provider, DEPOSIT, true);
        vault.resolveCase(caseId);
        _assertStatus(caseId, IMarginVault.CaseStatus.REJECTED);
        assertEq(era.balanceOf(applicant), applicantBefore, "the applicant gets nothing back");
        assertEq(era.balanceOf(provider) - providerBefore, DEPOSIT, "the provider gets the deposit");
        IMarginVault.Margin memory m = vault.margin(provider);
        assertEq(m.locked, 100_000 ether, "nothing seized");
        assertEq(m.frozenBy, 0, "unfrozen");
        assertEq(vault.freezeCase(caseId).seized, 0, "seized nothing");
        _assertCustody();
    }

    function test_resolveCase_dismissed_refundsTheDeposit() public {
        uint256 caseId = _openCase();
        uint256 before = era.balanceOf(_operator(PARTNER1));
        _vote(NODE1_KEY, caseId, DISMISS);
        _vote(NODE2_KEY, caseId, DISMISS);
        vault.resolveCase(caseId);
        _assertStatus(caseId, IMarginVault.CaseStatus.DISMISSED);
        assertEq(era.balanceOf(_operator(PARTNER1)) - before, DEPOSIT, "refunded");
        assertEq(vault.margin(provider).locked, 100_000 ether, "intact");
        _assertCustody();
    }

    /// @dev Auto-release: nobody votes, or too few do; the margin is released and the deposit refunded.
    function test_resolveCase_expiresWithoutQuorum() public {
        uint256 caseId = _openCase();
        _vote(NODE3_KEY, caseId, UPHOLD); // 200,000: below 40%
        _vote(NODE4_KEY, caseId, UPHOLD); // 295,000
        uint64 voteEnd = vault.freezeCase(caseId).voteEnd;
        vm.warp(voteEnd);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.VotingOpen.selector, caseId, voteEnd));
        vault.resolveCase(caseId);
        vm.warp(voteEnd + 1);
        uint256 before = era.balanceOf(_operator(PARTNER1));
        vm.expectEmit(true, false, false, true, address(vault));
        emit IMarginVault.CaseResolved(caseId, IMarginVault.CaseStatus.EXPIRED, 0, 295_000 ether, 0, 0);
        vault.resolveCase(caseId);
        assertEq(era.balanceOf(_operator(PARTNER1)) - before, DEPOSIT, "refunded");
        assertEq(vault.margin(provider).frozenBy, 0, "released");
        assertEq(vault.margin(provider).locked, 100_000 ether, "intact");

        uint256 second = _file(PARTNER2, provider, 1 ether, EVIDENCE);
        vm.warp(block.timestamp + REVIEW_WINDOW + 1);
        vault.resolveCase(second); // nobody voted at all
        _assertStatus(second, IMarginVault.CaseStatus.EXPIRED);
        _assertCustody();
    }

    /// @dev After the window: exactly the quorum counts; the verdict with strictly the most weight wins; a tie at
    ///      the top is DISMISSED.
    function test_resolveCase_afterTheWindow_pluralityQuorumEdgeAndTies() public {
        uint256 caseId = _openCase();
        _vote(NODE1_KEY, caseId, UPHOLD); // 400,000 = exactly 40%
        vm.warp(block.timestamp + REVIEW_WINDOW + 1);
        vault.resolveCase(caseId);
        _assertStatus(caseId, IMarginVault.CaseStatus.UPHELD);

        vm.roll(block.number + 1);
        caseId = _file(PARTNER2, provider, 1 ether, EVIDENCE);
        _vote(NODE1_KEY, caseId, REJECT); // 400,000
        _vote(NODE2_KEY, caseId, UPHOLD); // 300,000
        vm.warp(block.timestamp + REVIEW_WINDOW + 1);
        vault.resolveCase(caseId);
        _assertStatus(caseId, IMarginVault.CaseStatus.REJECTED);

        vm.roll(block.number + 1);
        caseId = _file(PARTNER3, provider, 1 ether, EVIDENCE);
        _vote(NODE2_KEY, caseId, UPHOLD); // 300,000
        _vote(NODE3_KEY, caseId, REJECT); // 200,000
        _vote(NODE4_KEY, caseId, REJECT); // 295,000
        _vote(SMALL_NODE_KEY, caseId, REJECT); // 300,000: a tie with UPHOLD
        vm.warp(block.timestamp + REVIEW_WINDOW + 1);
        vault.resolveCase(caseId);
        _assertStatus(caseId, IMarginVault.CaseStatus.DISMISSED);
        _assertCustody();
    }

    function test_resolveCase_seizesAtMostTheMargin() public {
        _lock(PROVIDER_KEY, 10_000 ether);
        _requestUnlock(PROVIDER_KEY, 4_000 ether);
        uint256 caseId = _file(PARTNER1, provider, 1_000_000 ether, EVIDENCE);
        _vote(NODE1_KEY, caseId, UPHOLD);
        _vote(NODE2_KEY, caseId, UPHOLD);
        vault.resolveCase(caseId);
        IMarginVault.Margin memory m = vault.margin(provider);
        assertEq(vault.freezeCase(caseId).seized, 10_000 ether, "everything there was");
        assertEq(m.locked + m.queued, 0, "margin empty");
        assertEq(m.unlockAt, 0, "no unlock pending");
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.UnknownCase.selector, 2));
        vault.resolveCase(2);
        _assertCustody();
    }

    /// @dev Whatever the votes, a rejected applicant never gains: it loses exactly its deposit to the provider;
    ///      every other outcome refunds it; the margin moves only when upheld, by min(claim, margin).
    function testFuzz_resolveCase_outcomesMoveExactlyWhatTheyShould(uint8[5] memory verdicts, uint256 claim, bool wait)
        public
    {
        claim = bound(claim, 1, 200_000 ether);
        _lock(PROVIDER_KEY, 100_000 ether);
        address applicant = _operator(PARTNER1);
        uint256 applicantBefore = era.balanceOf(applicant);
        uint256 providerBefore = era.balanceOf(provider);
        uint256 caseId = _file(PARTNER1, provider, claim, EVIDENCE);
        uint256[5] memory keys = [NODE1_KEY, NODE2_KEY, NODE3_KEY, NODE4_KEY, SMALL_NODE_KEY];
        for (uint256 i = 0; i < 5; i++) {
            uint8 verdict = verdicts[i] % 4;
            if (verdict != 0) _vote(keys[i], caseId, IMarginVault.Verdict(verdict));
        }
        if (wait) vm.warp(block.timestamp + REVIEW_WINDOW + 1);
        try vault.resolveCase(caseId) returns (IMarginVault.CaseStatus status) {
            int256 applicantGain = int256(era.balanceOf(applicant)) - int256(applicantBefore);
            uint256 providerGain = era.balanceOf(provider) - providerBefore;
            IMarginVault.Margin memory m = vault.margin(provider);
            assertEq(m.frozenBy, 0, "resolved: unfrozen");
            if (status == IMarginVault.CaseStatus.REJECTED) {
                assertTrue(applicantGain == -int256(DEPOSIT), "a rejected applicant loses its deposit");
                assertEq(providerGain, DEPOSIT, "to the provider");
            } else {
                assertTrue(applicantGain == 0, "otherwise the deposit comes back");
                assertEq(providerGain, 0, "the provider receives nothing");
            }
            uint256 seized =
                status == IMarginVault.CaseStatus.UPHELD ? (claim < 100_000 ether ? claim : 100_000 ether) : 0;
            assertEq(vault.freezeCase(caseId).seized, seized, "seized");
            assertEq(m.locked, 100_000 ether - seized, "margin");
        } catch (bytes memory reason) {
            assertEq(
                keccak256(reason),
                keccak256(
                    abi.encodeWithSelector(IMarginVault.VotingOpen.selector, caseId, vault.freezeCase(caseId).voteEnd)
                ),
                "only too early"
            );
            assertFalse(wait, "never after the window");
            assertEq(vault.margin(provider).frozenBy, caseId, "still frozen");
        }
        _assertCustody();
    }

    // ---------------------------------------------------------------- disposal

    uint256 internal constant SEIZED = 60_000 ether + 7;

    /// @dev The seed's example, settled: 40% to the ecosystem that warned 6 h ahead with 60% loss reduction, 25% to
    ///      the one that located the false data source, 10% to Caldera; the remaining 25% and the rounding dust go
    ///      to the reserve.
    function _settleSeedExample() internal returns (uint256 caseId, uint256[3] memory payouts, uint256 dust) {
        _lock(PROVIDER_KEY, 100_000 ether + 7);
        caseId = _file(PARTNER1, provider, SEIZED, EVIDENCE);
        _vote(NODE1_KEY, caseId, UPHOLD);
        _vote(NODE2_KEY, caseId, UPHOLD);
        vault.resolveCase(caseId);

        uint32[] memory ids = _ids(PARTNER1, PARTNER2, CALDERA);
        uint16[] memory bps = _bps(4_000, 2_500, 1_000);
        uint256 deadline = _deadline();
        bytes32 assessment = _assessmentHash(caseId, ids, bps, INPUTS);
        (address[] memory nodes, bytes[] memory signatures) = _attestations(_twoNodes(), caseId, assessment, deadline);
        payouts = [SEIZED * 4_000 / 10_000, SEIZED * 2_500 / 10_000, SEIZED * 1_000 / 10_000];
        dust = SEIZED - payouts[0] - payouts[1] - payouts[2];
        assertEq(payouts[0], 24_000 ether + 2, "40%, rounded down");
        assertEq(dust, 15_000 ether + 4, "25% unassigned + the rounding remainder (1.75 + 0.8 + 0.75 + 0.7 wei)");

        vm.expectEmit(true, false, false, true, address(vault));
        emit IMarginVault.DisposalSettled(
            caseId, assessment, INPUTS, SEIZED, payouts[0] + payouts[1] + payouts[2], dust
        );
        for (uint256 i = 0; i < 3; i++) {
            vm.expectEmit(true, true, false, true, address(vault));
            emit IMarginVault.DisposalShareAssigned(caseId, ids[i], bps[i], payouts[i]);
        }
        vm.prank(HUB);
        vault.settleDisposal(caseId, ids, bps, INPUTS, deadline, nodes, signatures);

        IMarginVault.Disposal memory d = vault.disposal(caseId);
        assertTrue(d.settled, "settled");
        assertEq(d.assessmentHash, assessment, "assessment");
        assertEq(d.inputsHash, INPUTS, "inputs");
        assertEq(d.seized, SEIZED, "seized");
        assertEq(d.dust, dust, "dust");
        assertEq(d.paidOut, 0, "nothing paid yet");
        assertEq(vault.reserve(), dust, "reserve");
    }

    function test_settleDisposal_threeEcosystems_sharesInBpsWithTheRemainderInTheReserve() public {
        (uint256 caseId, uint256[3] memory payouts,) = _settleSeedExample();
        (uint256 owed, bool isClaimed) = vault.payoutOf(caseId, PARTNER2);
        assertEq(owed, payouts[1], "owed");
        assertFalse(isClaimed, "unclaimed");
        (owed,) = vault.payoutOf(caseId, PARTNER3);
        assertEq(owed, 0, "no share, nothing owed");
        _assertCustody();
    }

    function test_claimPayout_pullsEachShareToItsOperator_thenTheReserveIsWithdrawn() public {
        (uint256 caseId, uint256[3] memory payouts, uint256 dust) = _settleSeedExample();
        address operator = _operator(PARTNER1);
        uint256 before = era.balanceOf(operator);
        uint256 deadline = _deadline();
        bytes memory signature =
            _signClaim(PARTNER1_KEY, address(vault), caseId, PARTNER1, vault.nonces(operator), deadline);
        vm.expectEmit(true, true, true, true, address(vault));
        emit IMarginVault.PayoutClaimed(caseId, PARTNER1, operator, payouts[0]);
        vm.prank(HUB);
        assertEq(vault.claimPayout(caseId, PARTNER1, deadline, signature), payouts[0], "claimed");
        assertEq(era.balanceOf(operator) - before, payouts[0], "paid to the operator");
        assertEq(_claim(caseId, PARTNER2), payouts[1], "partner 2");
        assertEq(_claim(caseId, CALDERA), payouts[2], "Caldera");
        assertEq(vault.disposal(caseId).paidOut, payouts[0] + payouts[1] + payouts[2], "paid out");
        assertEq(
            era.balanceOf(address(vault)), vault.reserve() + vault.margin(provider).locked, "only reserve + margin left"
        );
        _assertCustody();

        vm.expectEmit(true, false, false, true, address(vault));
        emit IMarginVault.ReserveWithdrawn(address(0x7EA5), dust);
        vm.prank(GOVERNANCE);
        vault.withdrawReserve(address(0x7EA5));
        assertEq(era.balanceOf(address(0x7EA5)), dust, "reserve paid");
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(IMarginVault.ZeroAmount.selector);
        vault.withdrawReserve(address(0x7EA5));
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.ZeroAddress.selector, "to"));
        vault.withdrawReserve(address(0));
        vm.stopPrank();
        _assertCustody();
    }

    function testFuzz_settleDisposal_payoutsPlusDustEqualSeized(uint256 seizedSeed, uint16[10] memory raw, uint8 count)
        public
    {
        uint256 margin = bound(seizedSeed, 1, 900_000 ether);
        count = uint8(bound(count, 0, 5));
        _lock(PROVIDER_KEY, margin);
        uint256 caseId = _file(PARTNER4, provider, margin, EVIDENCE);
        _vote(NODE1_KEY, caseId, UPHOLD);
        _vote(NODE2_KEY, caseId, UPHOLD);
        vault.resolveCase(caseId);

        uint32[] memory ids = new uint32[](count);
        uint16[] memory bps = new uint16[](count);
        uint256 left = 10_000;
        for (uint256 i = 0; i < count; i++) {
            ids[i] = uint32(i + 1);
            bps[i] = uint16(bound(raw[i], 1, left > count - i ? left - (count - i - 1) : 1));
            left -= bps[i];
        }
        _settle(caseId, ids, bps, INPUTS);
        uint256 paid;
        for (uint256 i = 0; i < count; i++) {
            (uint256 owed,) = vault.payoutOf(caseId, ids[i]);
            assertEq(owed, margin * bps[i] / 10_000, "each payout rounded down");
            if (owed != 0) paid += _claim(caseId, ids[i]);
        }
        IMarginVault.Disposal memory d = vault.disposal(caseId);
        assertEq(paid + d.dust, margin, "payouts + dust == seized");
        assertEq(d.paidOut, paid, "paid out");
        assertEq(vault.reserve(), d.dust, "dust in the reserve");
        _assertCustody();
    }

    function test_settleDisposal_rejectsBadShares() public {
        uint256 caseId = _upheldCase();
        uint32[][6] memory ids = [
            _ids(PARTNER1, PARTNER2), // Σ > 10,000
            _ids(PARTNER1, PARTNER1), // duplicate
            _ids(PARTNER1, PARTNER2), // a zero share
            _ids(PARTNER1, PARTNER2), // lengths differ
            _ids(PARTNER1, 6), // unknown ecosystem
            _ids(PARTNER1, PARTNER4) // suspended below
        ];
        uint16[][6] memory bps = [
            _bps(6_000, 4_001), _bps(3_000, 3_000), _bps(3_000, 0), _bps(3_000), _bps(3_000, 3_000), _bps(3_000, 3_000)
        ];
        vm.prank(GOVERNANCE);
        ecosystems.setEcosystemActive(PARTNER4, false);
        uint256 deadline = _deadline();
        for (uint256 i = 0; i < ids.length; i++) {
            (address[] memory nodes, bytes[] memory signatures) =
                _attestations(_twoNodes(), caseId, _assessmentHash(caseId, ids[i], bps[i], INPUTS), deadline);
            vm.expectRevert(IMarginVault.InvalidShares.selector);
            vault.settleDisposal(caseId, ids[i], bps[i], INPUTS, deadline, nodes, signatures);
        }
        uint32[] memory eleven = new uint32[](11);
        uint16[] memory elevenBps = new uint16[](11);
        for (uint256 i = 0; i < 11; i++) {
            eleven[i] = uint32(i + 1);
            elevenBps[i] = 1;
        }
        (address[] memory n, bytes[] memory s) =
            _attestations(_twoNodes(), caseId, _assessmentHash(caseId, eleven, elevenBps, INPUTS), deadline);
        vm.expectRevert(IMarginVault.InvalidShares.selector);
        vault.settleDisposal(caseId, eleven, elevenBps, INPUTS, deadline, n, s);
        assertFalse(vault.disposal(caseId).settled, "not settled");
    }

    function test_settleDisposal_exactlyTenThousandBpsLeavesOnlyDust() public {
        uint256 caseId = _upheldCase();
        _settle(caseId, _ids(PARTNER1, PARTNER2, PARTNER3), _bps(3_333, 3_333, 3_334), INPUTS);
        assertEq(vault.disposal(caseId).dust, 0, "60,000 ERA splits exactly");
        assertEq(vault.reserve(), 0, "no reserve");
    }

    function test_settleDisposal_twiceOrForACaseNotUpheldReverts() public {
        uint256 caseId = _upheldCase();
        _settle(caseId, _ids(PARTNER1), _bps(5_000), INPUTS);
        uint256 deadline = _deadline();
        uint32[] memory ids = _ids(PARTNER2);
        uint16[] memory bps = _bps(5_000);
        (address[] memory nodes, bytes[] memory signatures) =
            _attestations(_twoNodes(), caseId, _assessmentHash(caseId, ids, bps, INPUTS), deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.DisposalAlreadySettled.selector, caseId));
        vault.settleDisposal(caseId, ids, bps, INPUTS, deadline, nodes, signatures);

        vm.roll(block.number + 1);
        uint256 open = _file(PARTNER2, provider, 1 ether, EVIDENCE);
        (nodes, signatures) = _attestations(_twoNodes(), open, _assessmentHash(open, ids, bps, INPUTS), deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.CaseNotUpheld.selector, open, IMarginVault.CaseStatus.OPEN));
        vault.settleDisposal(open, ids, bps, INPUTS, deadline, nodes, signatures);
        _vote(NODE1_KEY, open, REJECT);
        _vote(NODE2_KEY, open, REJECT);
        vault.resolveCase(open);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.CaseNotUpheld.selector, open, IMarginVault.CaseStatus.REJECTED)
        );
        vault.settleDisposal(open, ids, bps, INPUTS, deadline, nodes, signatures);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.UnknownCase.selector, 9));
        vault.settleDisposal(9, ids, bps, INPUTS, deadline, nodes, signatures);
    }

    uint256 internal constant FLASH_KEY = 0xF1A5;

    /// @dev An upheld case (60,000 ERA seized) whose snapshot predates FLASH_KEY's 100,000 ERA stake, and its
    ///      assessment: 40% to partner 1.
    function _upheldAfterAFlashStake()
        internal
        returns (uint256 caseId, uint32[] memory ids, uint16[] memory bps, bytes32 assessment)
    {
        _lock(PROVIDER_KEY, 100_000 ether);
        _stakeAs(vm.addr(FLASH_KEY), 100_000 ether); // in the filing block: after the snapshot
        caseId = _file(PARTNER1, provider, 60_000 ether, EVIDENCE);
        _vote(NODE1_KEY, caseId, UPHOLD);
        _vote(NODE2_KEY, caseId, UPHOLD);
        vault.resolveCase(caseId);
        ids = _ids(PARTNER1);
        bps = _bps(4_000);
        assessment = _assessmentHash(caseId, ids, bps, INPUTS);
    }

    /// @dev One node, or one node twice, or two nodes out of order: one counts.
    function test_settleDisposal_needsDistinctSortedNodes() public {
        (uint256 caseId, uint32[] memory ids, uint16[] memory bps, bytes32 assessment) = _upheldAfterAFlashStake();
        uint256 deadline = _deadline();
        uint256[] memory one = new uint256[](1);
        one[0] = NODE1_KEY;
        (address[] memory n1, bytes[] memory s1) = _attestations(one, caseId, assessment, deadline);
        _expectQuorumNotMet(caseId, ids, bps, deadline, n1, s1, 1);

        (address[] memory nodes, bytes[] memory signatures) = _attestations(_twoNodes(), caseId, assessment, deadline);
        address[] memory twice = new address[](2);
        bytes[] memory twiceSigs = new bytes[](2);
        (twice[0], twice[1], twiceSigs[0], twiceSigs[1]) = (nodes[0], nodes[0], signatures[0], signatures[0]);
        _expectQuorumNotMet(caseId, ids, bps, deadline, twice, twiceSigs, 1);

        (twice[0], twice[1], twiceSigs[0], twiceSigs[1]) = (nodes[1], nodes[0], signatures[1], signatures[0]);
        _expectQuorumNotMet(caseId, ids, bps, deadline, twice, twiceSigs, 1);

        address[] memory three = new address[](3);
        (three[0], three[1], three[2]) = (nodes[0], nodes[1], nodes[1]);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.AttestationQuorumNotMet.selector, 0, 2));
        vault.settleDisposal(caseId, ids, bps, INPUTS, deadline, three, signatures);

        vault.settleDisposal(caseId, ids, bps, INPUTS, deadline, nodes, signatures);
        assertTrue(vault.disposal(caseId).settled, "the valid sorted pair settles");
    }

    /// @dev Sybils (no stake), a node below the attester minimum, and stake added after the case's snapshot
    ///      (flash-borrowed or bought) do not count.
    function test_settleDisposal_sybilSmallAndFlashStakedNodesDoNotCount() public {
        (uint256 caseId, uint32[] memory ids, uint16[] memory bps, bytes32 assessment) = _upheldAfterAFlashStake();
        uint256 deadline = _deadline();
        uint256[] memory weak = new uint256[](5);
        (weak[0], weak[1], weak[2], weak[3], weak[4]) = (NODE1_KEY, SMALL_NODE_KEY, FLASH_KEY, 0x5B10, 0x5B11);
        (address[] memory nodes, bytes[] memory signatures) = _attestations(weak, caseId, assessment, deadline);
        _expectQuorumNotMet(caseId, ids, bps, deadline, nodes, signatures, 1);
    }

    /// @dev A signature over other shares, an expired deadline, and a raised quorum.
    function test_settleDisposal_signaturesCoverTheSharesTheDeadlineAndTheLiveQuorum() public {
        (uint256 caseId, uint32[] memory ids, uint16[] memory bps, bytes32 assessment) = _upheldAfterAFlashStake();
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) = _attestations(_twoNodes(), caseId, assessment, deadline);
        bytes32 otherShares = _assessmentHash(caseId, ids, _bps(9_000), INPUTS);
        (, bytes[] memory other) = _attestations(_twoNodes(), caseId, otherShares, deadline);
        other[0] = signatures[0];
        _expectQuorumNotMet(caseId, ids, bps, deadline, nodes, other, 1);
        // The nodes' signatures over these shares, submitted with other shares.
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.AttestationQuorumNotMet.selector, 0, 2));
        vault.settleDisposal(caseId, ids, _bps(9_000), INPUTS, deadline, nodes, signatures);

        uint256 expired = block.timestamp - 1;
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, expired, block.timestamp));
        vault.settleDisposal(caseId, ids, bps, INPUTS, expired, nodes, signatures);

        vm.prank(GOVERNANCE);
        risk.setAttestationQuorum(3);
        _expectQuorumNotMet(caseId, ids, bps, deadline, nodes, signatures, 2);
        vm.prank(GOVERNANCE);
        risk.setAttestationQuorum(2);
        vault.settleDisposal(caseId, ids, bps, INPUTS, deadline, nodes, signatures);
        assertTrue(vault.disposal(caseId).settled, "settled");
    }

    function _expectQuorumNotMet(
        uint256 caseId,
        uint32[] memory ids,
        uint16[] memory bps,
        uint256 deadline,
        address[] memory nodes,
        bytes[] memory signatures,
        uint256 got
    ) internal {
        uint256 needed = risk.attestationQuorum();
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.AttestationQuorumNotMet.selector, got, needed));
        vault.settleDisposal(caseId, ids, bps, INPUTS, deadline, nodes, signatures);
    }

    function test_claimPayout_rejectsDoubleClaimsOtherEcosystemsOtherSignersAndUnsettledCases() public {
        uint256 caseId = _upheldCase();
        uint256 deadline = _deadline();
        bytes memory signature = _signClaim(PARTNER1_KEY, address(vault), caseId, PARTNER1, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.DisposalNotSettled.selector, caseId));
        vault.claimPayout(caseId, PARTNER1, deadline, signature);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.UnknownCase.selector, 5));
        vault.claimPayout(5, PARTNER1, deadline, signature);

        _settle(caseId, _ids(PARTNER1), _bps(4_000), INPUTS);
        // Partner 2's operator signs partner 1's claim (at partner 1's next nonce, 1: it filed the case).
        signature = _signClaim(PARTNER2_KEY, address(vault), caseId, PARTNER1, 1, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginVault.NotEcosystemOperator.selector, PARTNER1, _operator(PARTNER2))
        );
        vault.claimPayout(caseId, PARTNER1, deadline, signature);

        signature = _signClaim(PARTNER2_KEY, address(vault), caseId, PARTNER2, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.NothingToClaim.selector, caseId, PARTNER2));
        vault.claimPayout(caseId, PARTNER2, deadline, signature);

        assertEq(_claim(caseId, PARTNER1), 24_000 ether, "claimed once");
        signature = _signClaim(PARTNER1_KEY, address(vault), caseId, PARTNER1, 2, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.NothingToClaim.selector, caseId, PARTNER1));
        vault.claimPayout(caseId, PARTNER1, deadline, signature);
        (, bool claimed) = vault.payoutOf(caseId, PARTNER1);
        assertTrue(claimed, "claimed");
        _assertCustody();
    }

    /// @dev Contract accounts (multisigs, smart wallets) act through ERC-1271: a wallet operates an ecosystem
    ///      (files, is paid) and another wallet is a staked node that attests the disposal.
    function test_contractAccounts_fileAttestAndClaimThroughERC1271() public {
        uint256 ownerKey = 0x0A11CE;
        OwnerSignedWallet operatorWallet = new OwnerSignedWallet(vm.addr(ownerKey));
        OwnerSignedWallet nodeWallet = new OwnerSignedWallet(vm.addr(ownerKey));
        _stakeAs(address(nodeWallet), 50_000 ether);
        vm.roll(block.number + 1);
        vm.prank(GOVERNANCE);
        uint32 eco = ecosystems.admitEcosystem("Multisig Partner", address(operatorWallet), "");
        _fund(address(operatorWallet), DEPOSIT);
        vm.prank(address(operatorWallet));
        era.approve(address(vault), DEPOSIT);
        _lock(PROVIDER_KEY, 100_000 ether);

        uint256 deadline = _deadline();
        bytes memory signature = _signFile(ownerKey, address(vault), provider, eco, 10_000 ether, EVIDENCE, 0, deadline);
        uint256 caseId = vault.fileFreeze(provider, eco, 10_000 ether, EVIDENCE, deadline, signature, _noPermit());
        assertEq(vault.freezeCase(caseId).applicant, address(operatorWallet), "the wallet filed");
        _vote(NODE1_KEY, caseId, UPHOLD);
        _vote(NODE2_KEY, caseId, UPHOLD);
        vault.resolveCase(caseId);

        uint32[] memory ids = _ids(eco);
        uint16[] memory bps = _bps(5_000);
        bytes32 assessment = _assessmentHash(caseId, ids, bps, INPUTS);
        address[] memory nodes = new address[](2);
        bytes[] memory signatures = new bytes[](2);
        bool walletFirst = address(nodeWallet) < vm.addr(NODE1_KEY);
        nodes[walletFirst ? 0 : 1] = address(nodeWallet);
        signatures[walletFirst ? 0 : 1] = _signSettle(ownerKey, address(vault), caseId, assessment, deadline);
        nodes[walletFirst ? 1 : 0] = vm.addr(NODE1_KEY);
        signatures[walletFirst ? 1 : 0] = _signSettle(NODE1_KEY, address(vault), caseId, assessment, deadline);
        vault.settleDisposal(caseId, ids, bps, INPUTS, deadline, nodes, signatures);

        signature = _signClaim(ownerKey, address(vault), caseId, eco, 1, deadline);
        assertEq(vault.claimPayout(caseId, eco, deadline, signature), 5_000 ether, "half of 10,000");
        assertEq(era.balanceOf(address(operatorWallet)), DEPOSIT + 5_000 ether, "deposit back + payout");
    }

    /// @dev A payout earned while active stays claimable after a suspension (it was settled to the ecosystem).
    function test_claimPayout_aSuspendedEcosystemStillClaimsWhatItWasAssigned() public {
        uint256 caseId = _upheldCase();
        _settle(caseId, _ids(PARTNER2), _bps(2_500), INPUTS);
        vm.prank(GOVERNANCE);
        ecosystems.setEcosystemActive(PARTNER2, false);
        assertEq(_claim(caseId, PARTNER2), 15_000 ether, "25% of 60,000");
    }
}

/// @notice Re-entry through a token whose transfers call back (what a malicious ERA-like token or a hooked
///         receiver would do): every ERA-moving function is guarded, so the inner call reverts and, when the hook
///         bubbles the revert, the outer one too; nothing is paid twice.
contract MarginVaultReentrancyTest is MarginVaultFixture {
    HookedToken internal hooked;

    function setUp() public override {
        super.setUp();
        hooked = new HookedToken(address(this), 10_000_000 ether);
        vault = _deployVault(IERC20(address(hooked)));
        hooked.transfer(provider, 1_000_000 ether);
        for (uint32 eco = 1; eco <= 5; eco++) {
            hooked.transfer(_operator(eco), 100_000 ether);
        }
    }

    function _assertRefused() internal view {
        assertTrue(hooked.hookRan(), "the hook ran");
        assertFalse(hooked.hookSucceeded(), "the re-entry failed");
        assertEq(
            keccak256(hooked.hookResult()),
            keccak256(abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)),
            "ReentrancyGuardReentrantCall"
        );
    }

    function _hookedUpheldAndSettled() internal returns (uint256 caseId) {
        caseId = _upheldCase();
        _settle(caseId, _ids(PARTNER1, PARTNER2), _bps(4_000, 2_500), INPUTS);
    }

    function test_reentrantClaimPayout_isRefusedAndPaysOnce() public {
        uint256 caseId = _hookedUpheldAndSettled();
        address operator = _operator(PARTNER1);
        uint256 deadline = _deadline();
        // The inner call is a valid claim for another ecosystem: only the guard stops it.
        bytes memory inner = abi.encodeCall(
            vault.claimPayout,
            (caseId, PARTNER2, deadline, _signClaim(PARTNER2_KEY, address(vault), caseId, PARTNER2, 0, deadline))
        );
        uint256 nonce = vault.nonces(operator);
        bytes memory outer = _signClaim(PARTNER1_KEY, address(vault), caseId, PARTNER1, nonce, deadline);
        hooked.arm(address(vault), inner, true);
        vm.expectRevert(ReentrancyGuard.ReentrancyGuardReentrantCall.selector);
        vault.claimPayout(caseId, PARTNER1, deadline, outer);
        (, bool claimed) = vault.payoutOf(caseId, PARTNER1);
        assertFalse(claimed, "nothing claimed");

        uint256 before = hooked.balanceOf(operator);
        hooked.arm(address(vault), inner, false);
        assertEq(vault.claimPayout(caseId, PARTNER1, deadline, outer), 24_000 ether, "paid");
        _assertRefused();
        assertEq(hooked.balanceOf(operator) - before, 24_000 ether, "exactly once");
        (, claimed) = vault.payoutOf(caseId, PARTNER2);
        assertFalse(claimed, "the inner claim did not happen");
        // A re-entrant second claim of the same payout, after the first: NothingToClaim.
        bytes memory again = _signClaim(PARTNER1_KEY, address(vault), caseId, PARTNER1, nonce + 1, deadline);
        vm.expectRevert(abi.encodeWithSelector(IMarginVault.NothingToClaim.selector, caseId, PARTNER1));
        vault.claimPayout(caseId, PARTNER1, deadline, again);
    }

    function test_reentrantWithdrawAndResolve_areRefused() public {
        _lock(PROVIDER_KEY, 50_000 ether);
        _requestUnlock(PROVIDER_KEY, 50_000 ether);
        vm.warp(block.timestamp + UNLOCK_DELAY);
        uint256 deadline = _deadline();
        bytes memory signature = _signWithdraw(PROVIDER_KEY, address(vault), 2, deadline);
        hooked.arm(address(vault), abi.encodeCall(vault.withdrawMargin, (provider, deadline, signature)), false);
        assertEq(vault.withdrawMargin(provider, deadline, signature), 50_000 ether, "withdrawn");
        _assertRefused();
        assertEq(hooked.balanceOf(address(vault)), 0, "paid once");

        _lock(PROVIDER_KEY, 10_000 ether);
        uint256 caseId = _file(PARTNER1, provider, 1 ether, EVIDENCE);
        _vote(NODE1_KEY, caseId, REJECT);
        _vote(NODE2_KEY, caseId, REJECT);
        hooked.arm(address(vault), abi.encodeCall(vault.resolveCase, (caseId)), false);
        vault.resolveCase(caseId);
        _assertRefused();
        assertEq(hooked.balanceOf(address(vault)), 10_000 ether, "the deposit left once");
    }

    /// @dev The ERA pulled by a lock re-enters with a freeze against the same provider: refused.
    function test_reentrantFileFreezeDuringALock_isRefused() public {
        _lock(PROVIDER_KEY, 10_000 ether);
        _approveVault(_operator(PARTNER1), DEPOSIT);
        uint256 deadline = _deadline();
        bytes memory file = abi.encodeCall(
            vault.fileFreeze,
            (
                provider,
                PARTNER1,
                1 ether,
                EVIDENCE,
                deadline,
                _fileSignature(PARTNER1, provider, 1 ether, EVIDENCE),
                _noPermit()
            )
        );
        _approveVault(provider, 5_000 ether);
        bytes memory signature = _signLock(PROVIDER_KEY, address(vault), 5_000 ether, 1, deadline);
        hooked.arm(address(vault), file, false);
        vault.lockMargin(provider, 5_000 ether, deadline, signature, _noPermit());
        _assertRefused();
        assertEq(vault.caseCount(), 0, "no case");
        assertEq(vault.margin(provider).locked, 15_000 ether, "locked once");
    }
}

/// @notice Drives the vault through random sequences of every action by three providers, the five ecosystem
///         operators and the five nodes, with time passing; records what it measured (balances before and after).
contract MarginVaultHandler is RiskSigner {
    MarginVault internal immutable vault;
    EraToken internal immutable era;
    EcosystemRegistry internal immutable ecosystems;

    uint256[3] internal providerKeys = [uint256(0x9807), 0x9808, 0x9809];
    uint256[5] internal operatorKeys = [uint256(0xCA1DE4A), 0xE0001, 0xE0002, 0xE0003, 0xE0004];
    uint256[5] internal nodeKeys = [uint256(0xD001), 0xD002, 0xD003, 0xD004, 0xD005];

    uint256 public ghostDepositsIn;
    uint256 public ghostDepositsOut;
    int256 public ghostRejectedApplicantGain;
    uint256 public ghostSeized;
    uint256 public ghostPaid;
    /// @dev Successful unlock requests or withdrawals of a frozen margin (must stay 0).
    uint256 public ghostFrozenMarginMoved;
    uint256 public resolved;
    uint256 public settled;
    uint256 public claimed;

    constructor(MarginVault vault_, EraToken era_, EcosystemRegistry ecosystems_) {
        vault = vault_;
        era = era_;
        ecosystems = ecosystems_;
    }

    function providers() external view returns (address[3] memory list) {
        for (uint256 i = 0; i < 3; i++) {
            list[i] = vm.addr(providerKeys[i]);
        }
    }

    function actors() external view returns (address[] memory list) {
        list = new address[](13);
        for (uint256 i = 0; i < 3; i++) {
            list[i] = vm.addr(providerKeys[i]);
        }
        for (uint256 i = 0; i < 5; i++) {
            list[3 + i] = vm.addr(operatorKeys[i]);
            list[8 + i] = vm.addr(nodeKeys[i]);
        }
    }

    function _deadline() internal view returns (uint256) {
        return block.timestamp + 1 hours;
    }

    /// @dev The (seed mod n)-th case with `status` (and, for UPHELD, `settled` as asked), or 0 if none.
    function _pick(uint256 seed, IMarginVault.CaseStatus status, bool settledWanted) internal view returns (uint256) {
        uint256 count = vault.caseCount();
        uint256 matching;
        for (uint256 caseId = 1; caseId <= count; caseId++) {
            if (_matches(caseId, status, settledWanted)) matching++;
        }
        if (matching == 0) return 0;
        uint256 wanted = seed % matching;
        for (uint256 caseId = 1; caseId <= count; caseId++) {
            if (!_matches(caseId, status, settledWanted)) continue;
            if (wanted == 0) return caseId;
            wanted--;
        }
        return 0;
    }

    function _matches(uint256 caseId, IMarginVault.CaseStatus status, bool settledWanted) internal view returns (bool) {
        if (vault.freezeCase(caseId).status != status) return false;
        return status != IMarginVault.CaseStatus.UPHELD || vault.disposal(caseId).settled == settledWanted;
    }

    /// @dev The two ecosystems `settle` assigns shares to in case `caseId`.
    function _shareholders(uint256 caseId) internal pure returns (uint32[] memory ids) {
        ids = new uint32[](2);
        (ids[0], ids[1]) = (uint32(caseId % 5) + 1, uint32((caseId + 1) % 5) + 1);
    }

    function lock(uint256 who, uint256 amount) external {
        uint256 key = providerKeys[who % 3];
        address account = vm.addr(key);
        amount = bound(amount, 1, era.balanceOf(account) / 4 + 1);
        vm.prank(account);
        era.approve(address(vault), amount);
        uint256 deadline = _deadline();
        vault.lockMargin(
            account,
            amount,
            deadline,
            _signLock(key, address(vault), amount, vault.nonces(account), deadline),
            _noPermit()
        );
    }

    function requestUnlock(uint256 who, uint256 amount) external {
        uint256 key = providerKeys[who % 3];
        address account = vm.addr(key);
        amount = bound(amount, 1, vault.margin(account).locked + 1);
        uint256 deadline = _deadline();
        bool frozen = vault.margin(account).frozenBy != 0;
        vault.requestUnlock(
            account, amount, deadline, _signUnlock(key, address(vault), amount, vault.nonces(account), deadline)
        );
        if (frozen) ghostFrozenMarginMoved++;
    }

    function withdraw(uint256 who) external {
        uint256 key = providerKeys[who % 3];
        address account = vm.addr(key);
        uint256 deadline = _deadline();
        bool frozen = vault.margin(account).frozenBy != 0;
        vault.withdrawMargin(account, deadline, _signWithdraw(key, address(vault), vault.nonces(account), deadline));
        if (frozen) ghostFrozenMarginMoved++;
    }

    function file(uint256 eco, uint256 against, uint256 claimAmount) external {
        uint32 ecosystemId = uint32(eco % 5) + 1;
        uint256 key = operatorKeys[ecosystemId - 1];
        address operator = vm.addr(key);
        address target = vm.addr(providerKeys[against % 3]);
        claimAmount = bound(claimAmount, 1, 500_000 ether);
        uint256 deposit = vault.freezeDeposit(); // read before the prank, which applies to the next call only
        vm.prank(operator);
        era.approve(address(vault), deposit);
        uint256 deadline = _deadline();
        bytes memory signature = _signFile(
            key, address(vault), target, ecosystemId, claimAmount, _evidence(), vault.nonces(operator), deadline
        );
        uint256 caseId =
            vault.fileFreeze(target, ecosystemId, claimAmount, _evidence(), deadline, signature, _noPermit());
        ghostDepositsIn += vault.freezeCase(caseId).deposit;
    }

    function _evidence() internal pure returns (bytes32) {
        return keccak256("evidence");
    }

    function vote(uint256 node, uint256 caseSeed, uint8 verdict) external {
        uint256 caseId = _pick(caseSeed, IMarginVault.CaseStatus.OPEN, false);
        if (caseId == 0) return;
        uint256 key = nodeKeys[node % 5];
        address account = vm.addr(key);
        verdict = verdict % 3 + 1;
        uint256 deadline = _deadline();
        bytes memory signature = _signVote(key, address(vault), caseId, verdict, vault.nonces(account), deadline);
        vault.castCaseVote(caseId, account, IMarginVault.Verdict(verdict), deadline, signature);
    }

    function passTime(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 4 days));
        vm.roll(block.number + 1);
    }

    function resolve(uint256 caseSeed) external {
        uint256 caseId = _pick(caseSeed, IMarginVault.CaseStatus.OPEN, false);
        if (caseId == 0) return;
        IMarginVault.FreezeCase memory fc = vault.freezeCase(caseId);
        uint256 applicantBefore = era.balanceOf(fc.applicant);
        uint256 providerBefore = era.balanceOf(fc.provider);
        IMarginVault.CaseStatus status = vault.resolveCase(caseId);
        uint256 applicantAfter = era.balanceOf(fc.applicant);
        uint256 providerAfter = era.balanceOf(fc.provider);
        ghostDepositsOut += (applicantAfter - applicantBefore) + (providerAfter - providerBefore);
        if (status == IMarginVault.CaseStatus.REJECTED) {
            ghostRejectedApplicantGain += int256(applicantAfter) - int256(applicantBefore);
        }
        ghostSeized += vault.freezeCase(caseId).seized;
        resolved++;
    }

    function settle(uint256 caseSeed, uint16 a, uint16 b) external {
        uint256 caseId = _pick(caseSeed, IMarginVault.CaseStatus.UPHELD, false);
        if (caseId == 0) return;
        uint32[] memory ids = _shareholders(caseId);
        uint16[] memory bps = new uint16[](2);
        bps[0] = uint16(bound(a, 1, 9_999));
        bps[1] = uint16(bound(b, 1, 10_000 - bps[0]));
        uint256 deadline = _deadline();
        bytes32 assessment = keccak256(abi.encode(caseId, ids, bps, keccak256("inputs")));
        address[] memory nodes = new address[](2);
        bytes[] memory signatures = new bytes[](2);
        (uint256 k1, uint256 k2) =
            vm.addr(nodeKeys[0]) < vm.addr(nodeKeys[1]) ? (nodeKeys[0], nodeKeys[1]) : (nodeKeys[1], nodeKeys[0]);
        (nodes[0], nodes[1]) = (vm.addr(k1), vm.addr(k2));
        signatures[0] = _signSettle(k1, address(vault), caseId, assessment, deadline);
        signatures[1] = _signSettle(k2, address(vault), caseId, assessment, deadline);
        vault.settleDisposal(caseId, ids, bps, keccak256("inputs"), deadline, nodes, signatures);
        settled++;
    }

    function claim(uint256 caseSeed, uint256 eco) external {
        uint256 caseId = _pick(caseSeed, IMarginVault.CaseStatus.UPHELD, true);
        if (caseId == 0) return;
        uint32 ecosystemId = _shareholders(caseId)[eco % 2];
        uint256 key = operatorKeys[ecosystemId - 1];
        address operator = vm.addr(key);
        uint256 deadline = _deadline();
        uint256 before = era.balanceOf(operator);
        uint256 amount = vault.claimPayout(
            caseId,
            ecosystemId,
            deadline,
            _signClaim(key, address(vault), caseId, ecosystemId, vault.nonces(operator), deadline)
        );
        ghostPaid += era.balanceOf(operator) - before;
        assertEq(era.balanceOf(operator) - before, amount, "paid what it says");
        claimed++;
    }
}

contract MarginVaultInvariantTest is MarginVaultFixture, InvariantTest {
    MarginVaultHandler internal handler;
    uint256 internal initialTotal;

    function setUp() public override {
        super.setUp();
        // Short windows so random time steps resolve cases and release queues often.
        vm.prank(GOVERNANCE);
        vault.setMarginParameters(20_000 ether, 20_000 ether, DEPOSIT, 1 hours, 2 hours, 4_000);
        handler = new MarginVaultHandler(vault, era, ecosystems);
        _fund(vm.addr(0x9809), 1_000_000 ether);
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; i++) {
            initialTotal += era.balanceOf(actors[i]);
        }
        targetContract(address(handler));
    }

    function _actorsTotal() internal view returns (uint256 total) {
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; i++) {
            total += era.balanceOf(actors[i]);
        }
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// @dev ERA conserved across lock / freeze / seize / pay: the actors plus the vault hold what the actors held,
    ///      and the vault holds exactly Σ locked + Σ queued + open deposits + seized-unsettled + unclaimed payouts +
    ///      reserve.
    function invariant_eraIsConservedAndTheVaultHoldsExactlyWhatItAccounts() public view {
        assertEq(_actorsTotal() + era.balanceOf(address(vault)), initialTotal, "no ERA created or lost");
        uint256 accounted = vault.reserve();
        address[3] memory providers = handler.providers();
        for (uint256 i = 0; i < 3; i++) {
            IMarginVault.Margin memory m = vault.margin(providers[i]);
            accounted += m.locked + m.queued;
        }
        uint256 openDeposits;
        for (uint256 caseId = 1; caseId <= vault.caseCount(); caseId++) {
            IMarginVault.FreezeCase memory fc = vault.freezeCase(caseId);
            if (fc.status == IMarginVault.CaseStatus.OPEN) openDeposits += fc.deposit;
            if (fc.status == IMarginVault.CaseStatus.UPHELD) {
                IMarginVault.Disposal memory d = vault.disposal(caseId);
                accounted += d.settled ? d.seized - d.dust - d.paidOut : d.seized;
            }
        }
        assertEq(era.balanceOf(address(vault)), accounted + openDeposits, "vault balance == its books");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// @dev A margin is frozen exactly while an open case against it exists, by that case, and a frozen margin
    ///      cannot be queued for unlock or withdrawn.
    function invariant_frozenIfAndOnlyIfAnOpenCase() public view {
        address[3] memory providers = handler.providers();
        for (uint256 i = 0; i < 3; i++) {
            uint256 frozenBy = vault.margin(providers[i]).frozenBy;
            uint256 open;
            for (uint256 caseId = 1; caseId <= vault.caseCount(); caseId++) {
                IMarginVault.FreezeCase memory fc = vault.freezeCase(caseId);
                if (fc.provider == providers[i] && fc.status == IMarginVault.CaseStatus.OPEN) {
                    open++;
                    assertEq(frozenBy, caseId, "frozen by its open case");
                }
            }
            assertTrue(open <= 1, "one open case per margin");
            if (open == 0) assertEq(frozenBy, 0, "no open case: not frozen");
        }
        assertEq(handler.ghostFrozenMarginMoved(), 0, "a frozen margin is never queued or withdrawn");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// @dev Every deposit taken is either still held for an open case or was paid out once (measured on the
    ///      recipients' balances), and a rejected applicant never got anything back.
    function invariant_depositsConservedAndARejectedApplicantNeverGains() public view {
        uint256 openDeposits;
        for (uint256 caseId = 1; caseId <= vault.caseCount(); caseId++) {
            IMarginVault.FreezeCase memory fc = vault.freezeCase(caseId);
            if (fc.status == IMarginVault.CaseStatus.OPEN) openDeposits += fc.deposit;
        }
        assertEq(handler.ghostDepositsIn(), handler.ghostDepositsOut() + openDeposits, "deposits in == out + open");
        assertTrue(handler.ghostRejectedApplicantGain() == 0, "a rejected applicant never gains");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// @dev Every settled disposal: Σ payouts + dust == seized; Σ claimed == paidOut ≤ Σ payouts.
    function invariant_payoutsPlusDustEqualSeized() public view {
        uint256 seized;
        uint256 paid;
        for (uint256 caseId = 1; caseId <= vault.caseCount(); caseId++) {
            IMarginVault.Disposal memory d = vault.disposal(caseId);
            seized += d.seized;
            paid += d.paidOut;
            if (!d.settled) continue;
            uint256 owed;
            uint256 claimedOwed;
            for (uint32 eco = 1; eco <= 5; eco++) {
                (uint256 amount, bool isClaimed) = vault.payoutOf(caseId, eco);
                owed += amount;
                if (isClaimed) claimedOwed += amount;
            }
            assertEq(owed + d.dust, d.seized, "payouts + dust == seized");
            assertEq(claimedOwed, d.paidOut, "paid out == claimed payouts");
        }
        assertEq(seized, handler.ghostSeized(), "seized as measured at resolution");
        assertEq(paid, handler.ghostPaid(), "paid as measured at the operators");
    }
}

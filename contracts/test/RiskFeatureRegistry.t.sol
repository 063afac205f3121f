// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {Vm} from "./utils/Vm.sol";
import {ExpectingRiskVerifier, RiskFixture} from "./utils/RiskHelpers.sol";
import {RiskFeatureRegistry} from "../src/RiskFeatureRegistry.sol";
import {RiskFeatureVerifier} from "../src/verifiers/RiskFeatureVerifier.sol";
import {IEcosystemRegistry} from "../src/interfaces/IEcosystemRegistry.sol";
import {IRiskFeatureRegistry} from "../src/interfaces/IRiskFeatureRegistry.sol";
import {IRiskFeatureVerifier} from "../src/interfaces/IRiskFeatureVerifier.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";

/// @notice Publishing and attesting on the registry behind the expecting verifier (it accepts exactly the proof and
///         public signals a test registered, computed here from the documented signal order and context).
abstract contract RiskFeatureFixture is RiskFixture {
    uint256 internal constant NOW = 1_710_000_000;
    uint256 internal constant MIN_STAKE = 10_000 ether;
    address internal constant SUBJECT = address(0x5B1EC7);
    bytes32 internal constant ROOT =
        bytes32(uint256(0x2594dd29192b060efa4342bac354839fc91ef34cf8040e388f0e50b3cb1d6917));

    function setUp() public virtual override {
        super.setUp();
        vm.warp(NOW);
    }

    function _claim(uint32 ecosystemId) internal pure returns (IRiskFeatureRegistry.FeatureClaim memory) {
        return IRiskFeatureRegistry.FeatureClaim({
            subject: SUBJECT,
            ecosystemId: ecosystemId,
            kind: IRiskFeatureRegistry.RiskKind.DEFAULT_RATE,
            bucket: 2,
            windowStart: 1_700_000_000,
            windowEnd: 1_702_592_000,
            threshold: 1,
            recordCount: 20,
            evidenceRoot: ROOT
        });
    }

    function _proof(uint256 salt) internal pure returns (IRiskFeatureRegistry.Proof memory proof) {
        proof.a = [salt + 1, salt + 2];
        proof.b = [[salt + 3, salt + 4], [salt + 5, salt + 6]];
        proof.c = [salt + 7, salt + 8];
    }

    /// @dev Registers `proof` with the verifier for `claim`'s documented public signals at `registry`.
    function _expect(
        address registry,
        IRiskFeatureRegistry.FeatureClaim memory claim,
        IRiskFeatureRegistry.Proof memory proof
    ) internal {
        ExpectingRiskVerifier(address(verifier)).expectProof(proof, _signals(registry, claim));
    }

    function _publishSignature(IRiskFeatureRegistry.FeatureClaim memory claim, uint256 key)
        internal
        view
        returns (bytes memory)
    {
        return _signPublish(key, address(risk), claim, risk.nonces(vm.addr(key)), _deadline());
    }

    /// @dev Publishes `claim` with a proof the verifier expects, signed by the claim's ecosystem operator.
    function _publish(IRiskFeatureRegistry.FeatureClaim memory claim) internal returns (uint256) {
        IRiskFeatureRegistry.Proof memory proof = _proof(uint256(keccak256(abi.encode(claim))));
        _expect(address(risk), claim, proof);
        bytes memory signature = _publishSignature(claim, _operatorKey(claim.ecosystemId));
        uint256 deadline = _deadline();
        vm.prank(HUB);
        return risk.publishFeature(claim, proof, deadline, signature);
    }

    function _attestSignature(uint256 nodeKey, uint256 featureId, bytes32 root) internal view returns (bytes memory) {
        return _signAttest(nodeKey, address(risk), featureId, root, risk.nonces(vm.addr(nodeKey)), _deadline());
    }

    function _attest(uint256 nodeKey, uint256 featureId) internal {
        bytes memory signature = _attestSignature(nodeKey, featureId, risk.feature(featureId).evidenceRoot);
        uint256 deadline = _deadline();
        vm.prank(HUB);
        risk.attestFeature(featureId, vm.addr(nodeKey), deadline, signature);
    }
}

contract RiskFeatureRegistryTest is RiskFeatureFixture {
    // ---------------------------------------------------------------- construction and governance

    function test_constructor_installsTheDefaultsWithEvents() public {
        vm.expectEmit(false, false, false, true);
        emit IRiskFeatureRegistry.AttestationQuorumSet(2);
        vm.expectEmit(false, false, false, true);
        emit IRiskFeatureRegistry.MinAttesterStakeSet(MIN_STAKE);
        RiskFeatureRegistry fresh =
            new RiskFeatureRegistry(verifier, ecosystems, IERC5805(address(staking)), GOVERNANCE);
        assertEq(fresh.attestationQuorum(), 2, "quorum");
        assertEq(fresh.minAttesterStake(), MIN_STAKE, "min stake");
        assertEq(fresh.MAX_RECORDS(), 32, "max records");
        assertEq(fresh.featureCount(), 0, "no features");
        assertEq(fresh.verifier(), address(verifier), "verifier");
        assertEq(fresh.ecosystemRegistry(), address(ecosystems), "ecosystems");
        assertEq(fresh.staking(), address(staking), "staking");
        assertEq(fresh.timelock(), GOVERNANCE, "timelock");
    }

    function test_constructor_rejectsZeroAddresses() public {
        IERC5805 votes = IERC5805(address(staking));
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.ZeroAddress.selector, "verifier"));
        new RiskFeatureRegistry(IRiskFeatureVerifier(address(0)), ecosystems, votes, GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.ZeroAddress.selector, "ecosystems"));
        new RiskFeatureRegistry(verifier, IEcosystemRegistry(address(0)), votes, GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.ZeroAddress.selector, "staking"));
        new RiskFeatureRegistry(verifier, ecosystems, IERC5805(address(0)), GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.ZeroAddress.selector, "timelock"));
        new RiskFeatureRegistry(verifier, ecosystems, votes, address(0));
    }

    function testFuzz_governedSetters_revertForAnyoneButTheTimelock(address caller) public {
        vm.assume(caller != GOVERNANCE);
        vm.startPrank(caller);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.NotGovernance.selector, caller));
        risk.setAttestationQuorum(1);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.NotGovernance.selector, caller));
        risk.setMinAttesterStake(0);
        vm.stopPrank();
    }

    function test_setAttestationQuorum_rejectsZero_andEmits() public {
        vm.startPrank(GOVERNANCE);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.InvalidQuorum.selector, 0));
        risk.setAttestationQuorum(0);
        vm.expectEmit(false, false, false, true, address(risk));
        emit IRiskFeatureRegistry.AttestationQuorumSet(3);
        risk.setAttestationQuorum(3);
        vm.expectEmit(false, false, false, true, address(risk));
        emit IRiskFeatureRegistry.MinAttesterStakeSet(50_000 ether);
        risk.setMinAttesterStake(50_000 ether);
        vm.stopPrank();
        assertEq(risk.attestationQuorum(), 3, "quorum");
        assertEq(risk.minAttesterStake(), 50_000 ether, "min stake");
    }

    // ---------------------------------------------------------------- the standard

    function test_bucketEdges_areTheStandardsEdges() public {
        uint16[6] memory edges = [uint16(0), 100, 500, 2_000, 5_000, 10_000];
        for (uint8 bucket = 0; bucket < 5; bucket++) {
            (uint16 low, uint16 high) = risk.bucketEdges(bucket);
            assertEq(low, edges[bucket], "low");
            assertEq(high, edges[bucket + 1], "high");
        }
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.InvalidBucket.selector, 5));
        risk.bucketEdges(5);
    }

    function testFuzz_featureContext_isTheDocumentedHashBoundToChainRegistryEcosystemAndKind(
        uint32 ecosystemId,
        uint8 rawKind,
        uint64 chainId
    ) public {
        IRiskFeatureRegistry.RiskKind kind = IRiskFeatureRegistry.RiskKind(bound(rawKind, 0, 5));
        chainId = uint64(bound(chainId, 1, type(uint64).max));
        vm.chainId(chainId);
        uint256 context = risk.featureContext(ecosystemId, kind);
        assertEq(context, _context(address(risk), ecosystemId, kind), "documented context");
        assertLt(context, BN254_R, "in the field");
        if (ecosystemId != type(uint32).max) {
            assertTrue(context != risk.featureContext(ecosystemId + 1, kind), "bound to the ecosystem");
        }
        vm.chainId(chainId == 1 ? 2 : chainId - 1);
        assertTrue(context != risk.featureContext(ecosystemId, kind), "bound to the chain");
    }

    function test_publicSignals_areInTheDocumentedOrder() public view {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        uint256[9] memory got = risk.publicSignals(claim);
        uint256[9] memory want = _signals(address(risk), claim);
        for (uint256 i = 0; i < 9; i++) {
            assertEq(got[i], want[i], "signal");
        }
        assertEq(got[7], 500, "bucket 2 low");
        assertEq(got[8], 2_000, "bucket 2 high");
    }

    function test_domainAndTypeStrings() public view {
        bytes32 expected = keccak256(
            abi.encode(RISK_DOMAIN_TYPEHASH, keccak256("Caldera Risk"), keccak256("1"), block.chainid, address(risk))
        );
        assertEq(risk.DOMAIN_SEPARATOR(), expected, "domain");
        assertEq(risk.PUBLISH_FEATURE_TYPEHASH(), keccak256(bytes(PUBLISH_FEATURE_TYPE)), "publish type");
        assertEq(risk.ATTEST_FEATURE_TYPEHASH(), keccak256(bytes(ATTEST_FEATURE_TYPE)), "attest type");
    }

    // ---------------------------------------------------------------- publish

    function test_publishFeature_verifiesTheProofRecordsTheFeatureAndEmits() public {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        IRiskFeatureRegistry.Proof memory proof = _proof(100);
        _expect(address(risk), claim, proof);
        bytes memory signature = _publishSignature(claim, PARTNER1_KEY);
        uint256 deadline = _deadline();

        vm.expectEmit(true, true, true, true, address(risk));
        emit IRiskFeatureRegistry.RiskFeaturePublished(
            1,
            SUBJECT,
            PARTNER1,
            IRiskFeatureRegistry.RiskKind.DEFAULT_RATE,
            2,
            2,
            1_700_000_000,
            1_702_592_000,
            1,
            20,
            ROOT
        );
        vm.prank(HUB);
        uint256 featureId = risk.publishFeature(claim, proof, deadline, signature);

        assertEq(featureId, 1, "first feature");
        assertEq(risk.featureCount(), 1, "count");
        IRiskFeatureRegistry.Feature memory feat = risk.feature(1);
        assertEq(feat.subject, SUBJECT, "subject");
        assertEq(feat.ecosystemId, PARTNER1, "ecosystem");
        assertEq(uint256(feat.kind), uint256(IRiskFeatureRegistry.RiskKind.DEFAULT_RATE), "kind");
        assertEq(feat.bucket, 2, "bucket");
        assertEq(feat.severity, 2, "severity = bucket (MEDIUM)");
        assertEq(feat.recordCount, 20, "records");
        assertEq(feat.attestations, 0, "no attestations");
        assertFalse(feat.verified, "not verified");
        assertEq(feat.windowStart, 1_700_000_000, "window start");
        assertEq(feat.windowEnd, 1_702_592_000, "window end");
        assertEq(feat.threshold, 1, "threshold");
        assertEq(feat.publishedAt, NOW, "published at");
        assertEq(feat.snapshotBlock, block.number - 1, "snapshot = the block before");
        assertEq(feat.evidenceRoot, ROOT, "root");
        assertEq(risk.featureByKey(keccak256(abi.encode(_signals(address(risk), claim)))), 1, "replay key");
        assertEq(risk.nonces(vm.addr(PARTNER1_KEY)), 1, "operator nonce used");
    }

    function testFuzz_publishFeature_recordsAnyValidClaim(
        uint8 bucket,
        uint8 rawKind,
        uint64 windowStart,
        uint64 windowEnd,
        uint32 threshold,
        uint16 recordCount
    ) public {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(CALDERA);
        claim.bucket = uint8(bound(bucket, 0, 4));
        claim.kind = IRiskFeatureRegistry.RiskKind(bound(rawKind, 1, 5));
        claim.windowEnd = uint64(bound(windowEnd, 0, NOW));
        claim.windowStart = uint64(bound(windowStart, 0, claim.windowEnd));
        claim.threshold = threshold;
        claim.recordCount = uint16(bound(recordCount, 1, 32));
        uint256 featureId = _publish(claim);
        IRiskFeatureRegistry.Feature memory feat = risk.feature(featureId);
        assertEq(feat.bucket, claim.bucket, "bucket");
        assertEq(feat.severity, claim.bucket, "severity");
        assertEq(uint256(feat.kind), uint256(claim.kind), "kind");
        assertEq(feat.windowStart, claim.windowStart, "start");
        assertEq(feat.windowEnd, claim.windowEnd, "end");
        assertEq(feat.threshold, claim.threshold, "threshold");
        assertEq(feat.recordCount, claim.recordCount, "records");
    }

    /// @dev The proof was made for SUBJECT; the operator signs the same claim about someone else.
    function testFuzz_publishFeature_aProofAboutAnotherSubjectReverts(address other) public {
        vm.assume(other != SUBJECT);
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        IRiskFeatureRegistry.Proof memory proof = _proof(7);
        _expect(address(risk), claim, proof);
        claim.subject = other;
        bytes memory signature = _publishSignature(claim, PARTNER1_KEY);
        uint256 deadline = _deadline();
        vm.expectRevert(IRiskFeatureRegistry.InvalidFeatureProof.selector);
        risk.publishFeature(claim, proof, deadline, signature);
        assertEq(risk.featureCount(), 0, "nothing published");
        assertEq(risk.nonces(vm.addr(PARTNER1_KEY)), 0, "no nonce used");
    }

    /// @dev A proof's context binds the ecosystem, the kind, the chain and the registry.
    function test_publishFeature_aProofForAnotherEcosystemKindChainOrRegistryReverts() public {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        IRiskFeatureRegistry.Proof memory proof = _proof(9);
        _expect(address(risk), claim, proof);
        uint256 deadline = _deadline();

        IRiskFeatureRegistry.FeatureClaim memory moved = _claim(PARTNER2);
        bytes memory signature = _publishSignature(moved, PARTNER2_KEY);
        vm.expectRevert(IRiskFeatureRegistry.InvalidFeatureProof.selector);
        risk.publishFeature(moved, proof, deadline, signature);

        IRiskFeatureRegistry.FeatureClaim memory otherKind = _claim(PARTNER1);
        otherKind.kind = IRiskFeatureRegistry.RiskKind.TAMPERING_FREQUENCY;
        signature = _publishSignature(otherKind, PARTNER1_KEY);
        vm.expectRevert(IRiskFeatureRegistry.InvalidFeatureProof.selector);
        risk.publishFeature(otherKind, proof, deadline, signature);

        RiskFeatureRegistry twin = new RiskFeatureRegistry(verifier, ecosystems, IERC5805(address(staking)), GOVERNANCE);
        signature = _signPublish(PARTNER1_KEY, address(twin), claim, 0, deadline);
        vm.expectRevert(IRiskFeatureRegistry.InvalidFeatureProof.selector);
        twin.publishFeature(claim, proof, deadline, signature);

        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        signature = _publishSignature(claim, PARTNER1_KEY);
        vm.expectRevert(IRiskFeatureRegistry.InvalidFeatureProof.selector);
        risk.publishFeature(claim, proof, deadline, signature);
        vm.chainId(chainId);

        signature = _publishSignature(claim, PARTNER1_KEY);
        assertEq(risk.publishFeature(claim, proof, deadline, signature), 1, "the proof where it belongs");
    }

    /// @dev Replay: the same public signals twice, even with a re-randomised (different-bytes) proof.
    function test_publishFeature_rejectsAReplayOfTheSamePublicSignals() public {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        uint256 featureId = _publish(claim);
        bytes32 key = keccak256(abi.encode(_signals(address(risk), claim)));
        IRiskFeatureRegistry.Proof memory malleated = _proof(12345);
        _expect(address(risk), claim, malleated);
        bytes memory signature = _publishSignature(claim, PARTNER1_KEY);
        uint256 deadline = _deadline();
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.FeatureAlreadyPublished.selector, key, featureId));
        risk.publishFeature(claim, malleated, deadline, signature);
        assertEq(risk.featureCount(), 1, "once");
    }

    function test_publishFeature_rejectsAnUnregisteredOrSuspendedEcosystem() public {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(9);
        bytes memory signature = _publishSignature(claim, PARTNER1_KEY);
        uint256 deadline = _deadline();
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.EcosystemNotActive.selector, 9));
        risk.publishFeature(claim, _proof(1), deadline, signature);

        vm.prank(GOVERNANCE);
        ecosystems.setEcosystemActive(PARTNER1, false);
        claim = _claim(PARTNER1);
        IRiskFeatureRegistry.Proof memory proof = _proof(2);
        _expect(address(risk), claim, proof);
        signature = _publishSignature(claim, PARTNER1_KEY);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.EcosystemNotActive.selector, PARTNER1));
        risk.publishFeature(claim, proof, deadline, signature);
    }

    function test_publishFeature_rejectsAnyoneButTheOperator() public {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        IRiskFeatureRegistry.Proof memory proof = _proof(3);
        _expect(address(risk), claim, proof);
        uint256 deadline = _deadline();
        // Another ecosystem's operator; an outsider; the provider itself.
        uint256[3] memory keys = [PARTNER2_KEY, OUTSIDER_KEY, PROVIDER_KEY];
        for (uint256 i = 0; i < keys.length; i++) {
            bytes memory signature = _signPublish(keys[i], address(risk), claim, 0, deadline);
            vm.expectRevert(
                abi.encodeWithSelector(IRiskFeatureRegistry.NotEcosystemOperator.selector, PARTNER1, vm.addr(keys[i]))
            );
            risk.publishFeature(claim, proof, deadline, signature);
        }
        // The operator's signature over a stale nonce, and garbage.
        bytes memory stale = _signPublish(PARTNER1_KEY, address(risk), claim, 5, deadline);
        vm.expectPartialRevert(IRiskFeatureRegistry.NotEcosystemOperator.selector);
        risk.publishFeature(claim, proof, deadline, stale);
        vm.expectRevert(
            abi.encodeWithSelector(IRiskFeatureRegistry.NotEcosystemOperator.selector, PARTNER1, address(0))
        );
        risk.publishFeature(claim, proof, deadline, hex"0badc0de");
        assertEq(risk.featureCount(), 0, "nothing published");
    }

    function test_publishFeature_rejectsAnExpiredSignature() public {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        uint256 deadline = block.timestamp - 1;
        bytes memory signature = _signPublish(PARTNER1_KEY, address(risk), claim, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, deadline, block.timestamp));
        risk.publishFeature(claim, _proof(1), deadline, signature);
    }

    function test_publishFeature_rejectsBadClaimFields() public {
        uint256 deadline = _deadline();
        IRiskFeatureRegistry.Proof memory proof = _proof(4);

        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        claim.kind = IRiskFeatureRegistry.RiskKind.NONE;
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.UnknownRiskKind.selector, 0));
        risk.publishFeature(claim, proof, deadline, "");

        claim = _claim(PARTNER1);
        claim.bucket = 5;
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.InvalidBucket.selector, 5));
        risk.publishFeature(claim, proof, deadline, "");

        claim = _claim(PARTNER1);
        claim.windowStart = claim.windowEnd + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IRiskFeatureRegistry.InvalidWindow.selector, claim.windowStart, claim.windowEnd)
        );
        risk.publishFeature(claim, proof, deadline, "");

        claim = _claim(PARTNER1);
        claim.windowEnd = uint64(block.timestamp + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IRiskFeatureRegistry.InvalidWindow.selector, claim.windowStart, claim.windowEnd)
        );
        risk.publishFeature(claim, proof, deadline, "");

        claim = _claim(PARTNER1);
        claim.recordCount = 0;
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.InvalidRecordCount.selector, 0, 32));
        risk.publishFeature(claim, proof, deadline, "");
        claim.recordCount = 33;
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.InvalidRecordCount.selector, 33, 32));
        risk.publishFeature(claim, proof, deadline, "");
    }

    /// @dev An out-of-range kind never reaches the registry: the ABI decoder refuses it.
    function test_publishFeature_aKindOutsideTheEnumIsRefusedByTheDecoder() public {
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        bytes memory data = abi.encodeCall(risk.publishFeature, (claim, _proof(1), _deadline(), ""));
        // Word 2 (from 0) after the selector is the claim's kind.
        assembly ("memory-safe") {
            mstore(add(data, add(36, 64)), 6)
        }
        (bool ok,) = address(risk).call(data);
        assertFalse(ok, "kind 6 refused");
    }

    // ---------------------------------------------------------------- attest

    function test_attestFeature_countsToTheQuorumAndVerifiesOnce() public {
        uint256 featureId = _publish(_claim(PARTNER1));
        address node1 = vm.addr(NODE1_KEY);
        address node2 = vm.addr(NODE2_KEY);
        address node3 = vm.addr(NODE3_KEY);

        vm.expectEmit(true, true, false, true, address(risk));
        emit IRiskFeatureRegistry.RiskFeatureAttested(featureId, node1, 1);
        _attest(NODE1_KEY, featureId);
        assertFalse(risk.feature(featureId).verified, "one of two");
        assertTrue(risk.hasAttested(featureId, node1), "node 1 attested");

        vm.expectEmit(true, true, false, true, address(risk));
        emit IRiskFeatureRegistry.RiskFeatureAttested(featureId, node2, 2);
        vm.expectEmit(true, true, false, true, address(risk));
        emit IRiskFeatureRegistry.RiskFeatureVerified(featureId, SUBJECT, 2);
        _attest(NODE2_KEY, featureId);
        assertTrue(risk.feature(featureId).verified, "verified at the quorum");

        vm.recordLogs();
        _attest(NODE3_KEY, featureId);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "a third attestation: no second RiskFeatureVerified");
        assertEq(logs[0].topics[0], IRiskFeatureRegistry.RiskFeatureAttested.selector, "attested only");
        IRiskFeatureRegistry.Feature memory feat = risk.feature(featureId);
        assertEq(feat.attestations, 3, "three");
        assertTrue(feat.verified, "still verified");
        assertTrue(risk.hasAttested(featureId, node3), "node 3");
    }

    function test_attestFeature_rejectsADoubleAttestation() public {
        uint256 featureId = _publish(_claim(PARTNER1));
        _attest(NODE1_KEY, featureId);
        bytes memory signature = _attestSignature(NODE1_KEY, featureId, ROOT);
        uint256 deadline = _deadline();
        vm.expectRevert(
            abi.encodeWithSelector(IRiskFeatureRegistry.AlreadyAttested.selector, featureId, vm.addr(NODE1_KEY))
        );
        risk.attestFeature(featureId, vm.addr(NODE1_KEY), deadline, signature);
        assertEq(risk.feature(featureId).attestations, 1, "counted once");
    }

    /// @dev Sybils: any number of zero-stake addresses, and a node below the minimum, attest nothing.
    function test_attestFeature_rejectsSybilsAndSmallNodes() public {
        uint256 featureId = _publish(_claim(PARTNER1));
        uint256 deadline = _deadline();
        for (uint256 key = 0x5B10; key < 0x5B15; key++) {
            bytes memory signature = _attestSignature(key, featureId, ROOT);
            vm.expectRevert(
                abi.encodeWithSelector(IRiskFeatureRegistry.NotAttester.selector, vm.addr(key), 0, MIN_STAKE)
            );
            risk.attestFeature(featureId, vm.addr(key), deadline, signature);
        }
        bytes memory small = _attestSignature(SMALL_NODE_KEY, featureId, ROOT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRiskFeatureRegistry.NotAttester.selector, vm.addr(SMALL_NODE_KEY), 5_000 ether, MIN_STAKE
            )
        );
        risk.attestFeature(featureId, vm.addr(SMALL_NODE_KEY), deadline, small);

        // Even with the minimum at 0, a zero stake never attests; the small node then may.
        vm.prank(GOVERNANCE);
        risk.setMinAttesterStake(0);
        bytes memory sybil = _attestSignature(0x5B10, featureId, ROOT);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.NotAttester.selector, vm.addr(0x5B10), 0, 0));
        risk.attestFeature(featureId, vm.addr(0x5B10), deadline, sybil);
        risk.attestFeature(featureId, vm.addr(SMALL_NODE_KEY), deadline, small);
        assertEq(risk.feature(featureId).attestations, 1, "only the staked node");
    }

    /// @dev Stake staked in the publication block or later (bought, flash-borrowed) counts for nothing; stake
    ///      withdrawn after the snapshot still counts.
    function test_attestFeature_stakeAfterTheSnapshotCountsForNothing() public {
        uint256 flashKey = 0xF1A5;
        address flash = vm.addr(flashKey);
        _stakeAs(flash, 500_000 ether); // in the publication block
        uint256 featureId = _publish(_claim(PARTNER1));
        vm.roll(block.number + 1);
        _stakeAs(flash, 500_000 ether); // and after it
        vm.roll(block.number + 1);
        bytes memory signature = _attestSignature(flashKey, featureId, ROOT);
        uint256 deadline = _deadline();
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.NotAttester.selector, flash, 0, MIN_STAKE));
        risk.attestFeature(featureId, flash, deadline, signature);

        vm.prank(vm.addr(NODE1_KEY));
        staking.requestUnstake(400_000 ether);
        vm.roll(block.number + 1);
        _attest(NODE1_KEY, featureId);
        assertEq(risk.feature(featureId).attestations, 1, "the snapshot stake counts");
    }

    function test_attestFeature_rejectsASignatureOverAnotherRootOrFeature() public {
        uint256 featureId = _publish(_claim(PARTNER1));
        address node = vm.addr(NODE1_KEY);
        uint256 deadline = _deadline();
        bytes memory otherRoot = _attestSignature(NODE1_KEY, featureId, bytes32(uint256(ROOT) + 1));
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, node));
        risk.attestFeature(featureId, node, deadline, otherRoot);

        bytes memory byOther = _attestSignature(NODE2_KEY, featureId, ROOT);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, node));
        risk.attestFeature(featureId, node, deadline, byOther);

        bytes memory unknown = _attestSignature(NODE1_KEY, 2, ROOT);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.UnknownFeature.selector, 2));
        risk.attestFeature(2, node, deadline, unknown);
        vm.expectRevert(abi.encodeWithSelector(IRiskFeatureRegistry.UnknownFeature.selector, 0));
        risk.feature(0);

        uint256 expired = block.timestamp - 1;
        bytes memory late = _signAttest(NODE1_KEY, address(risk), featureId, ROOT, 0, expired);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, expired, block.timestamp));
        risk.attestFeature(featureId, node, expired, late);
        assertEq(risk.feature(featureId).attestations, 0, "nothing counted");
    }

    function test_attestationQuorum_aRaisedQuorumAppliesToUnverifiedFeatures() public {
        uint256 first = _publish(_claim(PARTNER1));
        _attest(NODE1_KEY, first);
        _attest(NODE2_KEY, first);
        IRiskFeatureRegistry.FeatureClaim memory claim = _claim(PARTNER1);
        claim.bucket = 3;
        uint256 second = _publish(claim);
        _attest(NODE1_KEY, second);

        vm.prank(GOVERNANCE);
        risk.setAttestationQuorum(3);
        _attest(NODE2_KEY, second);
        assertFalse(risk.feature(second).verified, "2 of 3");
        assertTrue(risk.feature(first).verified, "verified stays verified");
        _attest(NODE3_KEY, second);
        assertTrue(risk.feature(second).verified, "3 of 3");
    }
}

/// @notice The real Groth16 verifier with the circuit's fixture proof (contracts/test/fixtures/riskFeatureProof.json,
///         made by scripts/buildProofFixtures.ts): 3 defaults among 20 obligations, bucket 2, published by
///         Caldera (ecosystem 1) at the registry address the fixture's context binds.
contract RiskFeatureRealProofTest is RiskFixture {
    address internal constant FIXTURE_DEPLOYER = address(0x815C);

    RiskFeatureRegistry internal realRisk;
    IRiskFeatureRegistry.FeatureClaim internal claim;
    IRiskFeatureRegistry.Proof internal proof;

    function setUp() public override {
        super.setUp();
        string memory json = vm.readFile("contracts/test/fixtures/riskFeatureProof.json");
        assertEq(block.chainid, vm.parseJsonUint(json, ".chainId"), "forge's default chain");
        RiskFeatureVerifier real = new RiskFeatureVerifier();
        vm.prank(FIXTURE_DEPLOYER);
        realRisk = new RiskFeatureRegistry(
            IRiskFeatureVerifier(address(real)), ecosystems, IERC5805(address(staking)), GOVERNANCE
        );
        assertEq(address(realRisk), vm.parseJsonAddress(json, ".registry"), "the registry the context binds");

        claim = IRiskFeatureRegistry.FeatureClaim({
            subject: vm.parseJsonAddress(json, ".claim.subject"),
            ecosystemId: uint32(vm.parseJsonUint(json, ".claim.ecosystemId")),
            kind: IRiskFeatureRegistry.RiskKind(vm.parseJsonUint(json, ".claim.kind")),
            bucket: uint8(vm.parseJsonUint(json, ".claim.bucket")),
            windowStart: uint64(vm.parseJsonUint(json, ".claim.windowStart")),
            windowEnd: uint64(vm.parseJsonUint(json, ".claim.windowEnd")),
            threshold: uint32(vm.parseJsonUint(json, ".claim.threshold")),
            recordCount: uint16(vm.parseJsonUint(json, ".claim.recordCount")),
            evidenceRoot: vm.parseJsonBytes32(json, ".claim.evidenceRoot")
        });
        proof.a = [vm.parseJsonUint(json, ".a[0]"), vm.parseJsonUint(json, ".a[1]")];
        proof.b = [
            [vm.parseJsonUint(json, ".b[0][0]"), vm.parseJsonUint(json, ".b[0][1]")],
            [vm.parseJsonUint(json, ".b[1][0]"), vm.parseJsonUint(json, ".b[1][1]")]
        ];
        proof.c = [vm.parseJsonUint(json, ".c[0]"), vm.parseJsonUint(json, ".c[1]")];
        assertEq(claim.ecosystemId, CALDERA, "published by Caldera");
        assertEq(realRisk.featureContext(CALDERA, claim.kind), vm.parseJsonUint(json, ".context"), "context");
        uint256[9] memory signals = realRisk.publicSignals(claim);
        for (uint256 i = 0; i < 9; i++) {
            assertEq(
                signals[i],
                vm.parseJsonUint(json, string.concat(".publicSignals[", vm.toString(i), "]")),
                "the fixture's public signals"
            );
        }
        vm.warp(claim.windowEnd + 1 days);
    }

    function test_publishFeature_acceptsTheRealProofThroughTheRealVerifier() public {
        uint256 deadline = _deadline();
        bytes memory signature = _signPublish(CALDERA_KEY, address(realRisk), claim, 0, deadline);
        vm.expectEmit(true, true, true, true, address(realRisk));
        emit IRiskFeatureRegistry.RiskFeaturePublished(
            1,
            claim.subject,
            CALDERA,
            IRiskFeatureRegistry.RiskKind.DEFAULT_RATE,
            2,
            2,
            claim.windowStart,
            claim.windowEnd,
            claim.threshold,
            claim.recordCount,
            claim.evidenceRoot
        );
        vm.prank(HUB);
        uint256 featureId = realRisk.publishFeature(claim, proof, deadline, signature);
        IRiskFeatureRegistry.Feature memory feat = realRisk.feature(featureId);
        assertEq(feat.severity, 2, "MEDIUM: 1,500 bps of defaults");
        assertEq(feat.recordCount, 20, "20 obligations");
        assertEq(feat.subject, claim.subject, "subject");
    }

    function test_publishFeature_theRealProofAboutAnotherSubjectReverts() public {
        IRiskFeatureRegistry.FeatureClaim memory other = claim;
        other.subject = provider;
        uint256 deadline = _deadline();
        bytes memory signature = _signPublish(CALDERA_KEY, address(realRisk), other, 0, deadline);
        vm.expectRevert(IRiskFeatureRegistry.InvalidFeatureProof.selector);
        vm.prank(HUB);
        realRisk.publishFeature(other, proof, deadline, signature);
        assertEq(realRisk.featureCount(), 0, "nothing published");
    }

    function test_publishFeature_theRealProofInAnotherBucketReverts() public {
        IRiskFeatureRegistry.FeatureClaim memory lower = claim;
        lower.bucket = 1;
        uint256 deadline = _deadline();
        bytes memory signature = _signPublish(CALDERA_KEY, address(realRisk), lower, 0, deadline);
        vm.expectRevert(IRiskFeatureRegistry.InvalidFeatureProof.selector);
        realRisk.publishFeature(lower, proof, deadline, signature);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {CoreCertificationSigner} from "./utils/CoreCertificationSigner.sol";
import {OwnerSignedWallet} from "./SignedActions.t.sol";
import {CoreCertificateRegistry} from "../src/CoreCertificateRegistry.sol";
import {ICoreCertificateRegistry} from "../src/interfaces/ICoreCertificateRegistry.sol";
import {ICoreQualityVerifier} from "../src/interfaces/ICoreQualityVerifier.sol";
import {IDerivationRules} from "../src/interfaces/IDerivationRules.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";
import {CoreQualityVerifier} from "../src/verifiers/CoreQualityVerifier.sol";

/// @dev The `lastCallGas` cheatcode, which the minimal Vm interface in utils/ does not declare.
interface VmGas {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function lastCallGas() external view returns (Gas memory);
}

/// @notice Verifies the real Groth16 proof in fixtures/coreQualityProof.json (made by `npm run build:circuits`
///         for provider anvil #1, chain 31337, the registry address setUp deploys to and a seven-channel
///         `agri-weather-daily` dataset), on the real governance stack: the registry enforces the floors of the
///         DerivationRules the timelock owns. Every certification is signed by the provider (EIP-712, built in
///         CoreCertificationSigner from the standard) and, unless a test says otherwise, sent by an unrelated relayer.
contract CoreCertificateRegistryTest is CalderaGovernanceFixture, CoreCertificationSigner {
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev anvil account #1's public dev key: the fixture's provider.
    uint256 internal constant PROVIDER_KEY = 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d;
    uint256 internal constant OTHER_KEY = 0xB0B;
    uint256 internal constant STRANGER_KEY = 0x5743;
    address internal constant RELAYER = address(0xCAFE);
    address internal constant FIXTURE_REGISTRY_DEPLOYER = address(0xCE27);

    CoreQualityVerifier internal verifier;
    CoreCertificateRegistry internal registry;
    ICoreCertificateRegistry.CoreClaim internal claim;
    uint256[2] internal a;
    uint256[2][2] internal b;
    uint256[2] internal c;
    address internal provider;
    address internal other;

    function setUp() public override {
        // Governance first (its contracts are created by DEPLOYER, so this contract's nonce is untouched): the
        // registry needs the timelock-owned DerivationRules at construction.
        super.setUp();
        verifier = new CoreQualityVerifier();
        // The fixture's proof is bound to the registry's address: FIXTURE_REGISTRY_DEPLOYER's first contract, as
        // scripts/buildProofFixtures.ts computes it (the same under plain `forge test`, --isolate and --gas-report).
        vm.prank(FIXTURE_REGISTRY_DEPLOYER);
        registry = new CoreCertificateRegistry(ICoreQualityVerifier(address(verifier)), rules);

        string memory json = vm.readFile("contracts/test/fixtures/coreQualityProof.json");
        assertEq(address(registry), vm.parseJsonAddress(json, ".registry"), "fixture was made for another address");
        provider = vm.parseJsonAddress(json, ".provider");
        assertEq(vm.addr(PROVIDER_KEY), provider, "fixture provider is anvil #1");
        other = vm.addr(OTHER_KEY);
        claim = ICoreCertificateRegistry.CoreClaim({
            provider: provider,
            domain: uint8(vm.parseJsonUint(json, ".claim.domain")),
            datasetCommitment: vm.parseJsonBytes32(json, ".claim.datasetCommitment"),
            schemaHash: vm.parseJsonBytes32(json, ".claim.schemaHash"),
            minIntegrityBps: uint16(vm.parseJsonUint(json, ".claim.minIntegrityBps")),
            minTimelinessBps: uint16(vm.parseJsonUint(json, ".claim.minTimelinessBps")),
            minContinuityBps: uint16(vm.parseJsonUint(json, ".claim.minContinuityBps")),
            maxGapSlots: uint16(vm.parseJsonUint(json, ".claim.maxGapSlots")),
            deadlineSeconds: uint32(vm.parseJsonUint(json, ".claim.deadlineSeconds")),
            slotSeconds: uint32(vm.parseJsonUint(json, ".claim.slotSeconds")),
            windowStart: uint64(vm.parseJsonUint(json, ".claim.windowStart"))
        });
        a = [vm.parseJsonUint(json, ".a[0]"), vm.parseJsonUint(json, ".a[1]")];
        b = [
            [vm.parseJsonUint(json, ".b[0][0]"), vm.parseJsonUint(json, ".b[0][1]")],
            [vm.parseJsonUint(json, ".b[1][0]"), vm.parseJsonUint(json, ".b[1][1]")]
        ];
        c = [vm.parseJsonUint(json, ".c[0]"), vm.parseJsonUint(json, ".c[1]")];

        vm.prank(provider);
        registry.registerProvider("Fixture farm");
        vm.prank(other);
        registry.registerProvider("Other farm");
    }

    function _keyOf(address account) internal view returns (uint256) {
        if (account == provider) return PROVIDER_KEY;
        if (account == other) return OTHER_KEY;
        return STRANGER_KEY;
    }

    /// @dev The claim's provider signs the current claim for its next nonce, due in an hour.
    function _sign() internal view returns (bytes memory signature, uint256 deadline) {
        deadline = block.timestamp + 1 hours;
        signature = _signCertification(
            _keyOf(claim.provider), address(registry), claim, registry.nonces(claim.provider), deadline
        );
    }

    function _certifyVia(address sender, uint256 deadline, bytes memory signature) internal returns (uint256) {
        vm.prank(sender);
        return registry.certify(claim, a, b, c, deadline, signature);
    }

    /// @dev Signed by the claim's provider, sent by the relayer.
    function _certify() internal returns (uint256) {
        (bytes memory signature, uint256 deadline) = _sign();
        return _certifyVia(RELAYER, deadline, signature);
    }

    /// @dev Signs first: a call between `expectRevert` and the certification would be the one expected to revert.
    function _certifyExpectingRevert(bytes memory revertData) internal {
        (bytes memory signature, uint256 deadline) = _sign();
        vm.expectRevert(revertData);
        _certifyVia(RELAYER, deadline, signature);
    }

    function _floorsRevert(string memory attribute, uint256 claimed, uint256 floor)
        internal
        view
        returns (bytes memory)
    {
        return abi.encodeWithSelector(
            ICoreCertificateRegistry.BelowFloor.selector, claim.domain, attribute, claimed, floor
        );
    }

    function _assertNothingCertified(uint256 nonce) internal view {
        assertEq(registry.certificateCount(), 0, "nothing stored");
        assertEq(registry.certificateOf(provider, claim.datasetCommitment), 0, "no certificate for the dataset");
        assertEq(registry.nonces(provider), nonce, "nonce unchanged");
    }

    // ---------------------------------------------------------------- construction

    function test_constructor_wiresTheRulesAndTheEip712Domain() public view {
        assertEq(address(registry.derivationRules()), address(rules), "rules");
        assertEq(address(registry.verifier()), address(verifier), "verifier");
        assertEq(registry.DOMAIN_SEPARATOR(), _coreDomainSeparator(address(registry)), "EIP-712 domain");
        assertEq(registry.CERTIFICATION_TYPEHASH(), keccak256(bytes(CERTIFICATION_TYPE)), "Certification type");
        assertEq(
            registry.PROVIDER_REGISTRATION_TYPEHASH(),
            keccak256(bytes(PROVIDER_REGISTRATION_TYPE)),
            "ProviderRegistration type"
        );
        assertEq(registry.nonces(provider), 0, "a direct registration uses no nonce");
    }

    // ---------------------------------------------------------------- signed certification

    function test_certify_acceptsTheProvidersSignatureFromAnyRelayerAndEmitsCoreCertified() public {
        (bytes memory signature, uint256 deadline) = _sign();
        vm.expectEmit(true, true, true, true, address(registry));
        emit ICoreCertificateRegistry.CoreCertified(
            1,
            provider,
            claim.domain,
            claim.datasetCommitment,
            claim.schemaHash,
            claim.minIntegrityBps,
            claim.minTimelinessBps,
            claim.minContinuityBps,
            claim.maxGapSlots,
            claim.windowStart,
            claim.slotSeconds,
            claim.deadlineSeconds,
            keccak256(abi.encode(a, b, c))
        );
        uint256 id = _certifyVia(RELAYER, deadline, signature);

        assertEq(id, 1, "first certificate id");
        assertEq(registry.certificateCount(), 1, "certificate count");
        assertEq(registry.certificateOf(provider, claim.datasetCommitment), 1, "certificateOf");
        assertEq(registry.nonces(provider), 1, "the signature used the nonce");
        ICoreCertificateRegistry.Certificate memory stored = registry.certificate(1);
        assertEq(stored.provider, provider, "owned by the provider, not the relayer");
        assertEq(stored.domain, claim.domain, "domain");
        assertEq(stored.minIntegrityBps, 9687, "integrity");
        assertEq(stored.minTimelinessBps, 9784, "timeliness");
        assertEq(stored.minContinuityBps, 9473, "continuity");
        assertEq(stored.maxGapSlots, 2, "gap");
        assertEq(stored.datasetCommitment, claim.datasetCommitment, "commitment");
        assertEq(stored.schemaHash, claim.schemaHash, "schema hash");
    }

    function test_certify_acceptsTheProviderSendingItsOwnSignedClaim() public {
        (bytes memory signature, uint256 deadline) = _sign();
        assertEq(_certifyVia(provider, deadline, signature), 1, "sent by the provider itself");
    }

    function test_certify_acceptsASignatureUntilItsDeadlineInclusive() public {
        uint256 deadline = block.timestamp + 60;
        bytes memory signature = _signCertification(PROVIDER_KEY, address(registry), claim, 0, deadline);
        vm.warp(deadline);
        assertEq(_certifyVia(RELAYER, deadline, signature), 1, "at the deadline");
    }

    function test_certify_rejectsAnExpiredSignature() public {
        uint256 deadline = block.timestamp + 60;
        bytes memory signature = _signCertification(PROVIDER_KEY, address(registry), claim, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, deadline, deadline + 1));
        _certifyVia(RELAYER, deadline, signature);
        _assertNothingCertified(0);
    }

    function test_certify_rejectsASignatureByAnyoneButTheProvider() public {
        uint256 deadline = block.timestamp + 1 hours;
        // The relayer's own key, another registered provider's key: neither speaks for the claim's provider.
        for (uint256 key = 0; key < 2; key++) {
            bytes memory signature =
                _signCertification(key == 0 ? STRANGER_KEY : OTHER_KEY, address(registry), claim, 0, deadline);
            vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
            _certifyVia(RELAYER, deadline, signature);
        }
        // Sending it itself does not help a wrong signature either: the signature, not the sender, authorises.
        bytes memory wrong = _signCertification(OTHER_KEY, address(registry), claim, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _certifyVia(provider, deadline, wrong);
        _assertNothingCertified(0);
    }

    function test_certify_rejectsAMalformedSignature() public {
        uint256 deadline = block.timestamp + 1 hours;
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _certifyVia(RELAYER, deadline, hex"1234");
        _assertNothingCertified(0);
    }

    /// @dev The nonce is the registry's, not an argument: a signature made for a used nonce no longer matches.
    function test_certify_rejectsAReplayedSignature() public {
        (bytes memory signature, uint256 deadline) = _sign();
        _certifyVia(RELAYER, deadline, signature);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _certifyVia(RELAYER, deadline, signature);
        assertEq(registry.certificateCount(), 1, "still one certificate");
        assertEq(registry.nonces(provider), 1, "nonce used once");
    }

    /// @dev A signature for a future nonce (or an old one) does not match the next nonce either.
    function test_certify_rejectsASignatureForAnotherNonce() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory ahead = _signCertification(PROVIDER_KEY, address(registry), claim, 1, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _certifyVia(RELAYER, deadline, ahead);
        _assertNothingCertified(0);
    }

    function test_certify_rejectsASignatureWithAnotherDeadline() public {
        (bytes memory signature, uint256 deadline) = _sign();
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _certifyVia(RELAYER, deadline + 1, signature);
        _assertNothingCertified(0);
    }

    function test_certify_rejectsASignatureMadeForAnotherRegistry() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signCertification(PROVIDER_KEY, address(0xBEEF), claim, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, provider));
        _certifyVia(RELAYER, deadline, signature);
        _assertNothingCertified(0);
    }

    /// @dev A relayer that changes any one field of the claim after the provider signed it is refused.
    function testFuzz_certify_rejectsAClaimChangedAfterSigning(uint8 field, uint16 delta) public {
        vm.assume(delta != 0);
        (bytes memory signature, uint256 deadline) = _sign();
        field = field % 11;
        if (field == 0) claim.provider = other;
        else if (field == 1) claim.domain = claim.domain == 1 ? 2 : 1;
        else if (field == 2) claim.datasetCommitment = bytes32(uint256(claim.datasetCommitment) ^ delta);
        else if (field == 3) claim.schemaHash = bytes32(uint256(claim.schemaHash) ^ delta);
        else if (field == 4) claim.minIntegrityBps = claim.minIntegrityBps ^ (delta % 256 | 1);
        else if (field == 5) claim.minTimelinessBps = claim.minTimelinessBps ^ (delta % 256 | 1);
        else if (field == 6) claim.minContinuityBps = claim.minContinuityBps ^ (delta % 256 | 1);
        else if (field == 7) claim.maxGapSlots = claim.maxGapSlots ^ (delta % 32 | 1);
        else if (field == 8) claim.deadlineSeconds = claim.deadlineSeconds + delta;
        else if (field == 9) claim.slotSeconds = claim.slotSeconds + delta;
        else claim.windowStart = claim.windowStart + delta;
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, claim.provider));
        _certifyVia(RELAYER, deadline, signature);
        assertEq(registry.certificateCount(), 0, "nothing stored");
    }

    /// @dev The registry hashes the claim's calldata words as they are: a uint8 word with high bits set is refused
    ///      (nothing stored), even when the provider signed exactly those words.
    function test_certify_rejectsAClaimWordWithDirtyHighBitsEvenIfSigned() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32[14] memory words = [
            keccak256(bytes(CERTIFICATION_TYPE)),
            bytes32(uint256(uint160(claim.provider))),
            bytes32(uint256(0x101)), // domain 1 with a stray high bit
            claim.datasetCommitment,
            claim.schemaHash,
            bytes32(uint256(claim.minIntegrityBps)),
            bytes32(uint256(claim.minTimelinessBps)),
            bytes32(uint256(claim.minContinuityBps)),
            bytes32(uint256(claim.maxGapSlots)),
            bytes32(uint256(claim.deadlineSeconds)),
            bytes32(uint256(claim.slotSeconds)),
            bytes32(uint256(claim.windowStart)),
            bytes32(0),
            bytes32(deadline)
        ];
        bytes memory signature = _signDigest(PROVIDER_KEY, address(registry), keccak256(abi.encodePacked(words)));
        bytes memory data = abi.encodeCall(CoreCertificateRegistry.certify, (claim, a, b, c, deadline, signature));
        assembly {
            mstore(add(data, 0x44), 0x101) // length word, selector, provider word: the domain word starts at 0x44
        }
        vm.prank(RELAYER);
        (bool ok,) = address(registry).call(data);
        assertFalse(ok, "dirty word refused");
        _assertNothingCertified(0);
    }

    // ---------------------------------------------------------------- certification floors

    /// @dev Each attribute one step past its seed floor (5,000 bps; at most 48 missing slots in a row) is refused
    ///      with the domain, the attribute and both numbers; exactly at the floor passes the floors (and then fails
    ///      the proof, which was made for the fixture's thresholds).
    function test_certify_rejectsEachThresholdBeyondTheSeedFloor() public {
        IDerivationRules.Floors memory floors = rules.floorsOf(claim.domain);
        assertEq(floors.minIntegrityBps, 5_000, "seed integrity floor");
        assertEq(floors.maxGapSlots, 48, "seed gap floor");
        ICoreCertificateRegistry.CoreClaim memory fixture = claim;

        claim.minIntegrityBps = 4_999;
        _certifyExpectingRevert(_floorsRevert("minIntegrityBps", 4_999, 5_000));
        claim = fixture;
        claim.minTimelinessBps = 4_999;
        _certifyExpectingRevert(_floorsRevert("minTimelinessBps", 4_999, 5_000));
        claim = fixture;
        claim.minContinuityBps = 0;
        _certifyExpectingRevert(_floorsRevert("minContinuityBps", 0, 5_000));
        claim = fixture;
        claim.maxGapSlots = 49;
        _certifyExpectingRevert(_floorsRevert("maxGapSlots", 49, 48));

        claim = fixture;
        claim.minIntegrityBps = 5_000;
        claim.minTimelinessBps = 5_000;
        claim.minContinuityBps = 5_000;
        claim.maxGapSlots = 48;
        _certifyExpectingRevert(abi.encodeWithSelector(ICoreCertificateRegistry.InvalidProof.selector));
        _assertNothingCertified(0);
    }

    function test_certify_checksTheFloorsOfTheClaimsDomain() public {
        // Industrial floors raised by the timelock; the agricultural fixture is not affected by them.
        vm.prank(address(timelock));
        rules.setFloors(INDUSTRIAL, IDerivationRules.Floors(9_900, 9_900, 9_900, 0));
        assertEq(_certify(), 1, "agricultural floors apply to an agricultural claim");
    }

    /// @dev Floors are governed: a vote through the governor and the timelock raises the agricultural integrity floor
    ///      above the fixture's 9,687 (refused), another lowers it to exactly 9,687 (certified).
    function test_certify_enforcesFloorsChangedThroughTheTimelock() public {
        _setFloorsByVote(IDerivationRules.Floors(9_688, 5_000, 5_000, 48), "raise the agricultural floor");
        _certifyExpectingRevert(_floorsRevert("minIntegrityBps", 9_687, 9_688));
        _assertNothingCertified(0);

        _setFloorsByVote(IDerivationRules.Floors(9_687, 9_784, 9_473, 2), "floors at the fixture's values");
        assertEq(_certify(), 1, "certified at exactly the floors");
    }

    function _setFloorsByVote(IDerivationRules.Floors memory floors, string memory description) internal {
        (address[] memory targets,, bytes[] memory calldatas) =
            _oneCall(address(rules), abi.encodeCall(rules.setFloors, (AGRICULTURAL, floors)));
        _passAndQueue(targets, calldatas, description);
        vm.warp(block.timestamp + TIMELOCK_DELAY);
        governor.execute(targets, new uint256[](1), calldatas, keccak256(bytes(description)));
        assertEq(rules.floorsOf(AGRICULTURAL).minIntegrityBps, floors.minIntegrityBps, "floors set by the vote");
    }

    // ---------------------------------------------------------------- gas

    /// @dev What one certification transaction costs when a relayer sends the provider's signed claim, storage for a
    ///      fresh (provider, commitment) pair included: the base 21,000, the calldata (4 gas per zero byte, 16 per
    ///      other byte) and the call's execution (signature check, floors read, proof). The hub's gas limit is 500k;
    ///      the budget is 350k.
    function test_certify_staysWithinItsGasBudget() public {
        // As the hub does: the schema is registered once, before its certificates.
        registry.registerSchema(claim.schemaHash);
        // Signed for nonce 0 without asking the registry, which would warm the provider's slot.
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signCertification(PROVIDER_KEY, address(registry), claim, 0, deadline);
        // Read the arguments into memory first so the measurement holds only the call.
        ICoreCertificateRegistry.CoreClaim memory claim_ = claim;
        (uint256[2] memory a_, uint256[2][2] memory b_, uint256[2] memory c_) = (a, b, c);
        bytes memory data = abi.encodeCall(CoreCertificateRegistry.certify, (claim_, a_, b_, c_, deadline, signature));
        uint256 calldataGas;
        for (uint256 i; i < data.length; ++i) {
            calldataGas += data[i] == 0 ? 4 : 16;
        }
        // `forge test --gas-report` runs each external call as its own transaction, base and calldata included;
        // a plain `forge test` runs it as a call within the test. A cheap call (registering the schema again is a
        // no-op) tells the two apart: only a transaction of its own pays the 21,000 base.
        uint256 probe = gasleft();
        registry.registerSchema(claim_.schemaHash);
        bool isolated = probe - gasleft() > 21_000;

        vm.prank(RELAYER);
        registry.certify(claim_, a_, b_, c_, deadline, signature);
        uint256 used = VmGas(address(vm)).lastCallGas().gasTotalUsed;
        uint256 transaction = isolated ? used : used + 21_000 + calldataGas;
        emit log_named_uint("certify transaction gas", transaction);
        assertLt(transaction, 350_001, "certify transaction gas");
    }

    // ---------------------------------------------------------------- proof and terms

    function test_certify_registersAnUnknownSchemaOnce() public {
        assertEq(registry.schemaIndexOf(claim.schemaHash), 0, "not registered yet");
        vm.expectEmit(true, false, false, true);
        emit ICoreCertificateRegistry.SchemaRegistered(claim.schemaHash, 1);
        _certify();
        assertEq(registry.schemaIndexOf(claim.schemaHash), 1, "registered by certify");
        assertEq(registry.registerSchema(claim.schemaHash), 1, "registering again returns the index");
        assertEq(registry.registerSchema(bytes32(uint256(7))), 2, "next schema");
        assertEq(registry.certificate(1).schemaHash, claim.schemaHash, "certificate resolves the index");
    }

    function test_registerSchema_rejectsAHashOutsideTheField() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.SchemaHashOutOfField.selector, bytes32(SNARK_SCALAR_FIELD))
        );
        registry.registerSchema(bytes32(SNARK_SCALAR_FIELD));
    }

    function test_certify_rejectsTheProofForAnotherSchema() public {
        // A proof is about one channel schema: the same commitment claimed (and signed) under another schema fails.
        claim.schemaHash = bytes32(uint256(claim.schemaHash) ^ 1);
        _certifyExpectingRevert(abi.encodeWithSelector(ICoreCertificateRegistry.InvalidProof.selector));
        _assertNothingCertified(0);
    }

    function test_certify_rejectsASecondCertificationOfTheSameDataset() public {
        _certify();
        // Freshly signed for the next nonce: the signature is fine, the dataset is not.
        _certifyExpectingRevert(
            abi.encodeWithSelector(
                ICoreCertificateRegistry.DatasetAlreadyCertified.selector, provider, claim.datasetCommitment, 1
            )
        );
        assertEq(registry.nonces(provider), 1, "the refused certification used no nonce");
    }

    function test_certify_rejectsTheProofForAnotherProvider() public {
        claim.provider = other;
        _certifyExpectingRevert(abi.encodeWithSelector(ICoreCertificateRegistry.InvalidProof.selector));
        assertEq(registry.nonces(other), 0, "nonce unchanged");
    }

    function test_certify_rejectsTheProofOnAnotherChain() public {
        vm.chainId(1);
        // Signed for chain 1, so the signature passes and the proof (made for 31337) is what fails.
        _certifyExpectingRevert(abi.encodeWithSelector(ICoreCertificateRegistry.InvalidProof.selector));
    }

    function test_certify_rejectsTheProofAtAnotherRegistry() public {
        CoreCertificateRegistry elsewhere = new CoreCertificateRegistry(ICoreQualityVerifier(address(verifier)), rules);
        vm.prank(provider);
        elsewhere.registerProvider("Fixture farm");
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signCertification(PROVIDER_KEY, address(elsewhere), claim, 0, deadline);
        vm.expectRevert(ICoreCertificateRegistry.InvalidProof.selector);
        elsewhere.certify(claim, a, b, c, deadline, signature);
    }

    function test_certify_rejectsAnUnregisteredProvider() public {
        claim.provider = vm.addr(STRANGER_KEY);
        _certifyExpectingRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.UnknownProvider.selector, claim.provider)
        );
    }

    function test_certify_rejectsTermsOutsideTheirRange() public {
        claim.domain = 3;
        _certifyExpectingRevert(abi.encodeWithSelector(ICoreCertificateRegistry.UnknownDomain.selector, uint8(3)));

        claim.domain = 1;
        claim.minIntegrityBps = 10_001;
        _certifyExpectingRevert(
            abi.encodeWithSelector(
                ICoreCertificateRegistry.InvalidTerms.selector, "thresholds are basis points, at most 10000"
            )
        );

        claim.minIntegrityBps = 9687;
        bytes32 commitment = claim.datasetCommitment;
        claim.datasetCommitment = bytes32(SNARK_SCALAR_FIELD);
        _certifyExpectingRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.CommitmentOutOfField.selector, bytes32(SNARK_SCALAR_FIELD))
        );

        claim.datasetCommitment = commitment;
        claim.schemaHash = bytes32(SNARK_SCALAR_FIELD);
        _certifyExpectingRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.SchemaHashOutOfField.selector, bytes32(SNARK_SCALAR_FIELD))
        );
        _assertNothingCertified(0);
    }

    function test_certify_refusesToRunTheVerifierOnTooLittleGas() public {
        (bytes memory signature, uint256 deadline) = _sign();
        vm.prank(RELAYER);
        // The gas left at the check depends on the call overhead: match the error, not its arguments.
        vm.expectPartialRevert(ICoreCertificateRegistry.InsufficientGasForVerification.selector);
        registry.certify{gas: 200_000}(claim, a, b, c, deadline, signature);
        _assertNothingCertified(0);
    }

    /// @dev Any change to any claimed term, signed by the provider, must break the proof (each term is bound through
    ///      the packed signal). Changed thresholds stay within the seed floors so the proof is what fails.
    function testFuzz_certify_rejectsAnyTamperedTerm(uint8 field, uint16 delta) public {
        vm.assume(delta != 0);
        field = field % 9;
        if (field == 0) claim.minIntegrityBps = uint16(5_000 + (uint256(claim.minIntegrityBps) + delta) % 5_001);
        else if (field == 1) claim.minTimelinessBps = uint16(5_000 + (uint256(claim.minTimelinessBps) + delta) % 5_001);
        else if (field == 2) claim.minContinuityBps = uint16(5_000 + (uint256(claim.minContinuityBps) + delta) % 5_001);
        else if (field == 3) claim.maxGapSlots = uint16((uint256(claim.maxGapSlots) + delta) % 49);
        else if (field == 4) claim.deadlineSeconds = claim.deadlineSeconds + delta;
        else if (field == 5) claim.slotSeconds = claim.slotSeconds + delta;
        else if (field == 6) claim.windowStart = claim.windowStart + delta;
        else if (field == 7) claim.schemaHash = bytes32(uint256(claim.schemaHash) ^ delta);
        else claim.datasetCommitment = bytes32(uint256(claim.datasetCommitment) ^ delta);
        // A modulo can land back on the original value; skip those draws.
        vm.assume(claim.minIntegrityBps != 9687 || field != 0);
        vm.assume(claim.minTimelinessBps != 9784 || field != 1);
        vm.assume(claim.minContinuityBps != 9473 || field != 2);
        vm.assume(claim.maxGapSlots != 2 || field != 3);
        _certifyExpectingRevert(abi.encodeWithSelector(ICoreCertificateRegistry.InvalidProof.selector));
    }

    /// @dev Any change to any proof coordinate must fail verification (never pass, never revert otherwise).
    function testFuzz_certify_rejectsAnyTamperedProofCoordinate(uint8 coordinate, uint256 delta) public {
        vm.assume(delta % SNARK_SCALAR_FIELD != 0);
        coordinate = coordinate % 8;
        if (coordinate < 2) {
            a[coordinate] = addmod(a[coordinate], delta, SNARK_SCALAR_FIELD);
        } else if (coordinate < 6) {
            uint256 i = (coordinate - 2) / 2;
            uint256 j = (coordinate - 2) % 2;
            b[i][j] = addmod(b[i][j], delta, SNARK_SCALAR_FIELD);
        } else {
            c[coordinate - 6] = addmod(c[coordinate - 6], delta, SNARK_SCALAR_FIELD);
        }
        _certifyExpectingRevert(abi.encodeWithSelector(ICoreCertificateRegistry.InvalidProof.selector));
    }

    // ---------------------------------------------------------------- providers

    function test_registerProvider_emitsAndRejectsASecondRegistration() public {
        vm.expectEmit(true, false, false, true);
        emit ICoreCertificateRegistry.ProviderRegistered(address(0xF00D), "New farm");
        vm.prank(address(0xF00D));
        registry.registerProvider("New farm");
        assertTrue(registry.isProvider(address(0xF00D)), "registered");

        vm.prank(address(0xF00D));
        vm.expectRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.ProviderAlreadyRegistered.selector, address(0xF00D))
        );
        registry.registerProvider("New farm");
    }

    function test_registerProviderFor_registersOnTheProvidersSignatureAndSharesTheNonce() public {
        address farm = vm.addr(STRANGER_KEY);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signRegistration(STRANGER_KEY, address(registry), farm, "Hill farm", 0, deadline);
        vm.expectEmit(true, false, false, true, address(registry));
        emit ICoreCertificateRegistry.ProviderRegistered(farm, "Hill farm");
        vm.prank(RELAYER);
        registry.registerProviderFor(farm, "Hill farm", deadline, signature);
        assertTrue(registry.isProvider(farm), "registered");
        assertFalse(registry.isProvider(RELAYER), "not the relayer");
        assertEq(registry.nonces(farm), 1, "the registration used nonce 0; its first certification signs nonce 1");

        vm.expectRevert(abi.encodeWithSelector(ICoreCertificateRegistry.ProviderAlreadyRegistered.selector, farm));
        registry.registerProviderFor(farm, "Hill farm", deadline, signature);
    }

    function test_registerProviderFor_rejectsBadExpiredAndTamperedSignatures() public {
        address farm = vm.addr(STRANGER_KEY);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signRegistration(STRANGER_KEY, address(registry), farm, "Hill farm", 0, deadline);

        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, farm));
        registry.registerProviderFor(farm, "Another name", deadline, signature);
        bytes memory byOther = _signRegistration(OTHER_KEY, address(registry), farm, "Hill farm", 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, farm));
        registry.registerProviderFor(farm, "Hill farm", deadline, byOther);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, RELAYER));
        registry.registerProviderFor(RELAYER, "Hill farm", deadline, signature);

        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, deadline, deadline + 1));
        registry.registerProviderFor(farm, "Hill farm", deadline, signature);
        assertFalse(registry.isProvider(farm), "not registered");
        assertEq(registry.nonces(farm), 0, "nonce unchanged");
    }

    function test_registerProviderFor_rejectsAnEmptyName() public {
        address farm = vm.addr(STRANGER_KEY);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature = _signRegistration(STRANGER_KEY, address(registry), farm, "", 0, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.InvalidTerms.selector, "name must be 1 to 200 bytes")
        );
        registry.registerProviderFor(farm, "", deadline, signature);
    }

    /// @dev A contract account (multisig, smart wallet) registers through ERC-1271.
    function test_registerProviderFor_acceptsAContractAccount() public {
        OwnerSignedWallet wallet = new OwnerSignedWallet(vm.addr(STRANGER_KEY));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory signature =
            _signRegistration(STRANGER_KEY, address(registry), address(wallet), "Co-op wallet", 0, deadline);
        registry.registerProviderFor(address(wallet), "Co-op wallet", deadline, signature);
        assertTrue(registry.isProvider(address(wallet)), "registered");
        bytes memory byOther =
            _signRegistration(OTHER_KEY, address(registry), address(wallet), "Co-op wallet", 1, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.ProviderAlreadyRegistered.selector, address(wallet))
        );
        registry.registerProviderFor(address(wallet), "Co-op wallet", deadline, byOther);
    }

    function test_certificate_revertsForAnUnknownId() public {
        vm.expectRevert(abi.encodeWithSelector(ICoreCertificateRegistry.UnknownCertificate.selector, 7));
        registry.certificate(7);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {CoreCertificateRegistry} from "../src/CoreCertificateRegistry.sol";
import {EraToken} from "../src/EraToken.sol";
import {ICoreCertificateRegistry} from "../src/interfaces/ICoreCertificateRegistry.sol";
import {ICoreQualityVerifier} from "../src/interfaces/ICoreQualityVerifier.sol";
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
///         `agri-weather-daily` dataset).
contract CoreCertificateRegistryTest is Test {
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    address internal constant OTHER_PROVIDER = address(0xB0B);
    address internal constant RELAYER = address(0xCAFE);

    CoreQualityVerifier internal verifier;
    CoreCertificateRegistry internal registry;
    ICoreCertificateRegistry.CoreClaim internal claim;
    uint256[2] internal a;
    uint256[2][2] internal b;
    uint256[2] internal c;
    address internal provider;

    function setUp() public {
        // Deployment order fixes the registry address the fixture's proof is bound to.
        verifier = new CoreQualityVerifier();
        new EraToken(address(this), 1e27);
        registry = new CoreCertificateRegistry(ICoreQualityVerifier(address(verifier)));

        string memory json = vm.readFile("contracts/test/fixtures/coreQualityProof.json");
        assertEq(address(registry), vm.parseJsonAddress(json, ".registry"), "fixture was made for another address");
        provider = vm.parseJsonAddress(json, ".provider");
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
        vm.prank(OTHER_PROVIDER);
        registry.registerProvider("Other farm");
    }

    function _certifyAs(address sender) internal returns (uint256) {
        vm.prank(sender);
        return registry.certify(claim, a, b, c);
    }

    function test_certify_acceptsTheFixtureProofAndEmitsCoreCertified() public {
        vm.expectEmit(true, true, true, true);
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
        uint256 id = _certifyAs(provider);

        assertEq(id, 1, "first certificate id");
        assertEq(registry.certificateCount(), 1, "certificate count");
        assertEq(registry.certificateOf(provider, claim.datasetCommitment), 1, "certificateOf");
        ICoreCertificateRegistry.Certificate memory stored = registry.certificate(1);
        assertEq(stored.provider, provider, "provider");
        assertEq(stored.domain, claim.domain, "domain");
        assertEq(stored.minIntegrityBps, 9687, "integrity");
        assertEq(stored.minTimelinessBps, 9784, "timeliness");
        assertEq(stored.minContinuityBps, 9473, "continuity");
        assertEq(stored.maxGapSlots, 2, "gap");
        assertEq(stored.datasetCommitment, claim.datasetCommitment, "commitment");
        assertEq(stored.schemaHash, claim.schemaHash, "schema hash");
    }

    /// @dev What one certification transaction costs for a provider certifying its own dataset, storage for a
    ///      fresh (provider, commitment) pair included: the base 21,000, the calldata (4 gas per zero byte, 16 per
    ///      other byte) and the call's execution. The hub's gas limit is 500k; the budget is 350k.
    function test_certify_staysWithinItsGasBudget() public {
        // As the hub does: the schema is registered once, before its certificates.
        registry.registerSchema(claim.schemaHash);
        // Read the arguments into memory first so the measurement holds only the call.
        ICoreCertificateRegistry.CoreClaim memory claim_ = claim;
        (uint256[2] memory a_, uint256[2][2] memory b_, uint256[2] memory c_) = (a, b, c);
        bytes memory data = abi.encodeCall(CoreCertificateRegistry.certify, (claim_, a_, b_, c_));
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

        vm.prank(provider);
        registry.certify(claim_, a_, b_, c_);
        uint256 used = VmGas(address(vm)).lastCallGas().gasTotalUsed;
        uint256 transaction = isolated ? used : used + 21_000 + calldataGas;
        emit log_named_uint("certify transaction gas", transaction);
        assertLt(transaction, 350_001, "certify transaction gas");
    }

    function test_certify_registersAnUnknownSchemaOnce() public {
        assertEq(registry.schemaIndexOf(claim.schemaHash), 0, "not registered yet");
        vm.expectEmit(true, false, false, true);
        emit ICoreCertificateRegistry.SchemaRegistered(claim.schemaHash, 1);
        _certifyAs(provider);
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
        // A proof is about one channel schema: the same commitment claimed under another schema hash fails.
        claim.schemaHash = bytes32(uint256(claim.schemaHash) ^ 1);
        vm.expectRevert(ICoreCertificateRegistry.InvalidProof.selector);
        _certifyAs(provider);
    }

    function test_certify_rejectsAReplayOfTheSameDataset() public {
        _certifyAs(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoreCertificateRegistry.DatasetAlreadyCertified.selector, provider, claim.datasetCommitment, 1
            )
        );
        _certifyAs(provider);
    }

    function test_certify_rejectsTheProofForAnotherProvider() public {
        claim.provider = OTHER_PROVIDER;
        vm.expectRevert(ICoreCertificateRegistry.InvalidProof.selector);
        _certifyAs(OTHER_PROVIDER);
    }

    function test_certify_rejectsASenderThatIsNotTheProviderOrItsOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.NotProviderOrOperator.selector, OTHER_PROVIDER, provider)
        );
        _certifyAs(OTHER_PROVIDER);
    }

    function test_certify_acceptsAnApprovedOperatorAndStopsAfterRevocation() public {
        vm.expectEmit(true, true, false, true);
        emit ICoreCertificateRegistry.OperatorSet(provider, RELAYER, true);
        vm.prank(provider);
        registry.setOperator(RELAYER, true);
        assertEq(_certifyAs(RELAYER), 1, "relayed certificate");

        vm.prank(provider);
        registry.setOperator(RELAYER, false);
        claim.datasetCommitment = bytes32(uint256(claim.datasetCommitment) + 1);
        vm.expectRevert(abi.encodeWithSelector(ICoreCertificateRegistry.NotProviderOrOperator.selector, RELAYER, provider));
        _certifyAs(RELAYER);
    }

    function test_certify_rejectsTheProofOnAnotherChain() public {
        vm.chainId(1);
        vm.expectRevert(ICoreCertificateRegistry.InvalidProof.selector);
        _certifyAs(provider);
    }

    function test_certify_rejectsTheProofAtAnotherRegistry() public {
        CoreCertificateRegistry other = new CoreCertificateRegistry(ICoreQualityVerifier(address(verifier)));
        vm.prank(provider);
        other.registerProvider("Fixture farm");
        vm.prank(provider);
        vm.expectRevert(ICoreCertificateRegistry.InvalidProof.selector);
        other.certify(claim, a, b, c);
    }

    function test_certify_rejectsAnUnregisteredProvider() public {
        claim.provider = address(0xDEAD);
        vm.expectRevert(abi.encodeWithSelector(ICoreCertificateRegistry.UnknownProvider.selector, address(0xDEAD)));
        _certifyAs(address(0xDEAD));
    }

    function test_certify_rejectsTermsOutsideTheirRange() public {
        claim.domain = 3;
        vm.expectRevert(abi.encodeWithSelector(ICoreCertificateRegistry.UnknownDomain.selector, uint8(3)));
        _certifyAs(provider);

        claim.domain = 1;
        claim.minIntegrityBps = 10_001;
        vm.expectRevert(
            abi.encodeWithSelector(
                ICoreCertificateRegistry.InvalidTerms.selector, "thresholds are basis points, at most 10000"
            )
        );
        _certifyAs(provider);

        claim.minIntegrityBps = 9687;
        bytes32 commitment = claim.datasetCommitment;
        claim.datasetCommitment = bytes32(SNARK_SCALAR_FIELD);
        vm.expectRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.CommitmentOutOfField.selector, bytes32(SNARK_SCALAR_FIELD))
        );
        _certifyAs(provider);

        claim.datasetCommitment = commitment;
        claim.schemaHash = bytes32(SNARK_SCALAR_FIELD);
        vm.expectRevert(
            abi.encodeWithSelector(ICoreCertificateRegistry.SchemaHashOutOfField.selector, bytes32(SNARK_SCALAR_FIELD))
        );
        _certifyAs(provider);
    }

    function test_certify_refusesToRunTheVerifierOnTooLittleGas() public {
        vm.prank(provider);
        // The gas left at the check depends on the call overhead: match the error, not its arguments.
        vm.expectPartialRevert(ICoreCertificateRegistry.InsufficientGasForVerification.selector);
        registry.certify{gas: 200_000}(claim, a, b, c);
        assertEq(registry.certificateCount(), 0, "nothing stored");
    }

    function test_registerProvider_emitsAndRejectsASecondRegistration() public {
        vm.expectEmit(true, false, false, true);
        emit ICoreCertificateRegistry.ProviderRegistered(address(0xF00D), "New farm");
        vm.prank(address(0xF00D));
        registry.registerProvider("New farm");
        assertTrue(registry.isProvider(address(0xF00D)), "registered");

        vm.prank(address(0xF00D));
        vm.expectRevert(abi.encodeWithSelector(ICoreCertificateRegistry.ProviderAlreadyRegistered.selector, address(0xF00D)));
        registry.registerProvider("New farm");
    }

    function test_certificate_revertsForAnUnknownId() public {
        vm.expectRevert(abi.encodeWithSelector(ICoreCertificateRegistry.UnknownCertificate.selector, 7));
        registry.certificate(7);
    }

    /// @dev Any change to any claimed term must break the proof (each term is bound through the packed signal).
    function testFuzz_certify_rejectsAnyTamperedTerm(uint8 field, uint16 delta) public {
        vm.assume(delta != 0);
        field = field % 9;
        if (field == 0) claim.minIntegrityBps = uint16((uint256(claim.minIntegrityBps) + delta) % 10_001);
        else if (field == 1) claim.minTimelinessBps = uint16((uint256(claim.minTimelinessBps) + delta) % 10_001);
        else if (field == 2) claim.minContinuityBps = uint16((uint256(claim.minContinuityBps) + delta) % 10_001);
        else if (field == 3) claim.maxGapSlots = uint16((uint256(claim.maxGapSlots) + delta) % 65_536);
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
        vm.expectRevert(ICoreCertificateRegistry.InvalidProof.selector);
        _certifyAs(provider);
    }

    /// @dev Any change to any proof coordinate must fail verification (never pass, never revert otherwise).
    function testFuzz_certify_rejectsAnyTamperedProofCoordinate(uint8 coordinate, uint256 delta) public {
        vm.assume(delta % SNARK_SCALAR_FIELD != 0);
        coordinate = coordinate % 8;
        if (coordinate < 2) a[coordinate] = addmod(a[coordinate], delta, SNARK_SCALAR_FIELD);
        else if (coordinate < 6) {
            uint256 i = (coordinate - 2) / 2;
            uint256 j = (coordinate - 2) % 2;
            b[i][j] = addmod(b[i][j], delta, SNARK_SCALAR_FIELD);
        } else c[coordinate - 6] = addmod(c[coordinate - 6], delta, SNARK_SCALAR_FIELD);
        vm.expectRevert(ICoreCertificateRegistry.InvalidProof.selector);
        _certifyAs(provider);
    }
}

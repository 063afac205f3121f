// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {RiskFeatureVerifier} from "../src/verifiers/RiskFeatureVerifier.sol";

/// @notice Verifies the real Groth16 proof in fixtures/riskFeatureProof.json (made by `npm run build:circuits --
///         riskFeature`, or `npx tsx scripts/buildProofFixtures.ts riskFeature`). Public signals, in this order:
///         [evidenceRoot, subject, context, windowStart, windowEnd, threshold, recordCount, bucketLowBps,
///         bucketHighBps] — rebuilt here from the fixture's claim and context inputs, the way RiskFeatureRegistry
///         builds them.
contract RiskFeatureVerifierTest is Test {
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    RiskFeatureVerifier internal verifier;
    uint256[2] internal a;
    uint256[2][2] internal b;
    uint256[2] internal c;
    uint256[9] internal signals;

    function setUp() public {
        verifier = new RiskFeatureVerifier();
        string memory json = vm.readFile("contracts/test/fixtures/riskFeatureProof.json");
        a = [vm.parseJsonUint(json, ".a[0]"), vm.parseJsonUint(json, ".a[1]")];
        b = [
            [vm.parseJsonUint(json, ".b[0][0]"), vm.parseJsonUint(json, ".b[0][1]")],
            [vm.parseJsonUint(json, ".b[1][0]"), vm.parseJsonUint(json, ".b[1][1]")]
        ];
        c = [vm.parseJsonUint(json, ".c[0]"), vm.parseJsonUint(json, ".c[1]")];
        // The registry's context: keccak256(abi.encode(chainid, registry, ecosystemId, kind)) mod p.
        uint256 context = uint256(
            keccak256(
                abi.encode(
                    vm.parseJsonUint(json, ".chainId"),
                    vm.parseJsonAddress(json, ".registry"),
                    uint32(vm.parseJsonUint(json, ".ecosystemId")),
                    uint8(vm.parseJsonUint(json, ".kind"))
                )
            )
        ) % SNARK_SCALAR_FIELD;
        assertEq(context, vm.parseJsonUint(json, ".context"), "context");
        // The registry is the first contract of the fixture's deployer (vm.prank(deployer); new RiskFeatureRegistry).
        // CREATE at nonce 0: keccak256(rlp([deployer, 0]))[12:].
        address deployer = vm.parseJsonAddress(json, ".registryDeployer");
        address firstContract =
            address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xd6), bytes1(0x94), deployer, bytes1(0x80))))));
        assertEq(vm.parseJsonAddress(json, ".registry"), firstContract, "registry address");
        signals = [
            uint256(vm.parseJsonBytes32(json, ".claim.evidenceRoot")),
            uint256(uint160(vm.parseJsonAddress(json, ".claim.subject"))),
            context,
            vm.parseJsonUint(json, ".claim.windowStart"),
            vm.parseJsonUint(json, ".claim.windowEnd"),
            vm.parseJsonUint(json, ".claim.threshold"),
            vm.parseJsonUint(json, ".claim.recordCount"),
            vm.parseJsonUint(json, ".bucketLowBps"),
            vm.parseJsonUint(json, ".bucketHighBps")
        ];
        for (uint256 i = 0; i < 9; i++) {
            string memory key = string.concat(".publicSignals[", vm.toString(i), "]");
            assertEq(signals[i], vm.parseJsonUint(json, key), key);
        }
    }

    function test_verifyProof_acceptsTheFixtureProof() public view {
        assertTrue(verifier.verifyProof(a, b, c, signals), "fixture proof");
    }

    /// @dev Any change to any public signal fails: other evidence, another subject, another chain/registry/
    ///      ecosystem/kind, window, threshold, record count or bucket.
    function testFuzz_verifyProof_rejectsAnyTamperedSignal(uint8 index, uint256 delta) public view {
        vm.assume(delta % SNARK_SCALAR_FIELD != 0);
        index = index % 9;
        uint256[9] memory tampered = signals;
        tampered[index] = addmod(tampered[index], delta, SNARK_SCALAR_FIELD);
        assertFalse(verifier.verifyProof(a, b, c, tampered), "tampered signal");
    }

    function test_verifyProof_rejectsAnotherSubject() public view {
        uint256[9] memory tampered = signals;
        tampered[1] = uint256(uint160(address(0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC)));
        assertFalse(verifier.verifyProof(a, b, c, tampered), "another subject");
    }

    function test_verifyProof_rejectsAnotherBucket() public view {
        uint256[9] memory tampered = signals;
        (tampered[7], tampered[8]) = (100, 500);
        assertFalse(verifier.verifyProof(a, b, c, tampered), "bucket below");
    }

    function test_verifyProof_rejectsASignalOutsideTheField() public view {
        uint256[9] memory tampered = signals;
        tampered[2] += SNARK_SCALAR_FIELD;
        assertFalse(verifier.verifyProof(a, b, c, tampered), "unreduced context");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {DerivationBindingVerifier} from "../src/verifiers/DerivationBindingVerifier.sol";

/// @notice Verifies the real Groth16 proof in fixtures/derivationBindingProof.json (made by `npm run build:circuits`
///         over the dataset of fixtures/coreQualityProof.json). Public signals, in this order:
///         [featureCommitment, coreCommitment, channelMask, bindingHash].
contract DerivationBindingVerifierTest is Test {
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    DerivationBindingVerifier internal verifier;
    uint256[2] internal a;
    uint256[2][2] internal b;
    uint256[2] internal c;
    uint256[4] internal signals;

    function setUp() public {
        verifier = new DerivationBindingVerifier();
        string memory json = vm.readFile("contracts/test/fixtures/derivationBindingProof.json");
        a = [vm.parseJsonUint(json, ".a[0]"), vm.parseJsonUint(json, ".a[1]")];
        b = [
            [vm.parseJsonUint(json, ".b[0][0]"), vm.parseJsonUint(json, ".b[0][1]")],
            [vm.parseJsonUint(json, ".b[1][0]"), vm.parseJsonUint(json, ".b[1][1]")]
        ];
        c = [vm.parseJsonUint(json, ".c[0]"), vm.parseJsonUint(json, ".c[1]")];
        signals = [
            uint256(vm.parseJsonBytes32(json, ".featureCommitment")),
            uint256(vm.parseJsonBytes32(json, ".coreCommitment")),
            vm.parseJsonUint(json, ".channelMask"),
            uint256(vm.parseJsonBytes32(json, ".bindingHash"))
        ];
        // The binding fixture opens the certified core fixture's commitment.
        string memory core = vm.readFile("contracts/test/fixtures/coreQualityProof.json");
        assertEq(bytes32(signals[1]), vm.parseJsonBytes32(core, ".claim.datasetCommitment"), "core commitment");
    }

    function test_verifyProof_acceptsTheFixtureProof() public view {
        assertTrue(verifier.verifyProof(a, b, c, signals), "fixture proof");
    }

    /// @dev Any change to any public signal fails: another feature set, another core, another channel selection
    ///      or another derivation.
    function testFuzz_verifyProof_rejectsAnyTamperedSignal(uint8 index, uint256 delta) public view {
        vm.assume(delta % SNARK_SCALAR_FIELD != 0);
        index = index % 4;
        uint256[4] memory tampered = signals;
        tampered[index] = addmod(tampered[index], delta, SNARK_SCALAR_FIELD);
        assertFalse(verifier.verifyProof(a, b, c, tampered), "tampered signal");
    }

    function test_verifyProof_rejectsAnotherChannelMask() public view {
        uint256[4] memory tampered = signals;
        tampered[2] = 0x03;
        assertFalse(verifier.verifyProof(a, b, c, tampered), "another mask");
    }

    function test_verifyProof_rejectsASignalOutsideTheField() public view {
        uint256[4] memory tampered = signals;
        tampered[3] += SNARK_SCALAR_FIELD;
        assertFalse(verifier.verifyProof(a, b, c, tampered), "unreduced binding hash");
    }
}

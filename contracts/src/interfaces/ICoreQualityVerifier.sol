// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Groth16 verifier for the core-quality circuit
/// @notice Implemented by the snarkjs-exported `CoreQualityVerifier` (circuits/coreQuality.circom).
interface ICoreQualityVerifier {
    /// @notice Checks a Groth16 proof against the five public signals
    ///         [commitment, provider, registry | chainId << 160, packed terms, schemaHash].
    /// @dev Returns false (never reverts) on an invalid proof, and also when the pairing precompile runs out of
    ///      gas: callers must forward enough gas.
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[5] calldata publicSignals
    ) external view returns (bool);
}

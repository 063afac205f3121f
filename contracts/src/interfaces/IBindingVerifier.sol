// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Groth16 verifier for the feature-binding circuit
/// @notice Implemented by the snarkjs-exported binding verifier. A binding proof shows that the input features a
///         model ran on (committed to by `featureCommitment`) were computed from the dataset behind a core
///         certificate (`coreCommitment`, its datasetCommitment), over the channels in `channelMask`, for the
///         derivation named by `bindingHash`.
interface IBindingVerifier {
    /// @notice Checks a Groth16 proof against the four public signals, in this order:
    ///         [featureCommitment, coreCommitment, channelMask, bindingHash].
    /// @dev `bindingHash` is DerivativeRegistry's per-core hash of (chain id, registry, provider, rule id, core id,
    ///      model id, model version hash, output hash), reduced into the BN254 scalar field, so a proof is only
    ///      good for one derivation on one registry and chain. Returns false (never reverts) on an invalid proof
    ///      or a signal outside the field, and also when the pairing precompile runs out of gas: callers must
    ///      forward enough gas.
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[4] calldata pubSignals
    ) external view returns (bool);
}

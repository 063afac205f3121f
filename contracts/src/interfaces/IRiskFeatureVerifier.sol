// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Risk feature verifier
/// @notice The Groth16 verifier generated from circuits/riskFeature.circom. Public signals, in order:
///         [evidenceRoot, subject, context, windowStart, windowEnd, threshold, recordCount, bucketLowBps,
///         bucketHighBps] (see IRiskFeatureRegistry for what each binds).
interface IRiskFeatureVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[9] calldata pubSignals
    ) external view returns (bool);
}

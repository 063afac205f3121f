// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice An ERC-2612 permit for the ERA a call pulls; `deadline == 0` means "no permit, use the allowance". If the
///         permit fails (someone submitted it first) the call still goes ahead when the allowance suffices.
struct EraPermit {
    uint256 value;
    uint256 deadline;
    uint8 v;
    bytes32 r;
    bytes32 s;
}

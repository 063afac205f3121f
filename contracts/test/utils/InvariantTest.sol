// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What forge reads to scope an invariant run (the part of forge-std's StdInvariant these tests need):
///         forge calls `targetContracts()` on the test contract and fuzzes only those contracts' functions.
abstract contract InvariantTest {
    address[] private _targetedContracts;

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Signed actions
/// @notice A contract that acts for an account (provider, node, farmer, enterprise) only on that account's EIP-712
///         signature over the action, a deadline and a nonce. Anyone may submit the signed action (the hub relays
///         it and pays the gas); the signature, not the sender, authorises it.
/// @dev The EIP-712 domain is this contract's (ERC-5267 `eip712Domain()`); each action type documents its own
///      type string. Nonces are per signer and sequential from 0: an action must carry exactly `nonces(signer)`,
///      and a successful action uses it up, so a signature works once and signed actions of one signer run in
///      the order of their nonces. A failed action changes nothing (the whole call reverts).
interface ISignedActions {
    /// @notice The signature's deadline (unix seconds, inclusive) is before the current block's time.
    error ExpiredSignature(uint256 deadline, uint256 currentTime);
    /// @notice The signature is not `signer`'s over this action, this contract and this chain (for a contract
    ///         account: its ERC-1271 `isValidSignature` did not accept it).
    error InvalidSignature(address signer);
    /// @notice The action carries nonce `got`; `signer`'s next unused nonce is `expected` (a replay carries a
    ///         used, lower nonce).
    error InvalidNonce(address signer, uint256 expected, uint256 got);

    /// @notice The nonce `signer`'s next signed action must carry.
    function nonces(address signer) external view returns (uint256);

    /// @notice The EIP-712 domain separator (name, version, chain id and this contract's address).
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}

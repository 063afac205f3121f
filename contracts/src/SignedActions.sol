// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ISignedActions} from "./interfaces/ISignedActions.sol";

/// @title SignedActions
/// @notice Base for contracts that act for accounts on their EIP-712 signatures (see ISignedActions): one EIP-712
///         domain per contract, sequential per-signer nonces (OpenZeppelin Nonces), and `_verifyAction`, which
///         checks deadline, nonce and signature and then uses the nonce. EOAs sign with ECDSA (low-s only); contract
///         accounts (multisigs, smart wallets) answer through ERC-1271 (OpenZeppelin SignatureChecker).
/// @dev Why the signature is verified here, in the contract, rather than through an ERC-2771 trusted forwarder
///      (ERC2771Forwarder + ERC2771Context):
///      1. The hub checks a user's signature *before* it proves, and the proof is part of the transaction. Under
///         ERC-2771 the user signs the forwarded calldata itself, proofs included, so the user would have to sign
///         after proving. Here the user signs the action (what it wants); the hub adds the proofs, which are
///         checked on their own and bound to the same action through their public inputs.
///      2. A wallet shows the typed action field by field (rule, cores, model, output, deadline), not the opaque
///         `data` bytes of a ForwardRequest.
///      3. No contract is trusted to speak for every account. An ERC-2771 recipient believes whatever sender the
///         forwarder appends to calldata, so a forwarder bug or a misconfigured trust (e.g. the ERC-2771 +
///         Multicall sender-spoofing class) impersonates all users at once. Here the check sits next to the state
///         it protects.
///      4. Contract accounts can act: SignatureChecker falls back to ERC-1271, while ERC2771Forwarder accepts
///         ECDSA signatures only.
///      5. Nonces and domain are per contract, so a signature for one contract is void on any other, and unrelated
///         actions at different contracts do not queue behind one forwarder nonce.
///      The cost is that each signed function declares its own EIP-712 type and calls `_verifyAction` first.
///
///      Order of checks: deadline, then nonce, then signature. Each failure reverts with a custom error, so a bad,
///      expired or replayed signature stores nothing. A derived contract calls `_verifyAction` before anything that
///      depends on the action being authorised, and must include `nonce` and `deadline` in `structHash`.
abstract contract SignedActions is ISignedActions, EIP712, Nonces {
    /// @param name EIP-712 domain name (shown by wallets).
    /// @param version EIP-712 domain version.
    constructor(string memory name, string memory version) EIP712(name, version) {}

    /// @inheritdoc ISignedActions
    function nonces(address signer) public view virtual override(ISignedActions, Nonces) returns (uint256) {
        return super.nonces(signer);
    }

    /// @inheritdoc ISignedActions
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice Checks that `signer` signed the action `structHash` (an EIP-712 struct hash that covers `nonce` and
    ///         `deadline`) for this contract and chain, that `deadline` has not passed and that `nonce` is the
    ///         signer's next one; then uses the nonce up.
    /// @dev Reverts with ExpiredSignature, InvalidNonce or InvalidSignature.
    function _verifyAction(address signer, bytes32 structHash, uint256 deadline, uint256 nonce, bytes memory signature)
        internal
    {
        if (block.timestamp > deadline) revert ExpiredSignature(deadline, block.timestamp);
        uint256 expected = nonces(signer);
        if (nonce != expected) revert InvalidNonce(signer, expected, nonce);
        if (!_isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) revert InvalidSignature(signer);
        _useNonce(signer);
    }

    /// @notice Whether `signature` is `signer`'s over the EIP-712 digest: ECDSA for an account without code,
    ///         ERC-1271 for a contract account (OpenZeppelin SignatureChecker). A derived contract may override it,
    ///         e.g. to try ECDSA before looking up the signer's code.
    function _isValidSignatureNow(address signer, bytes32 digest, bytes memory signature)
        internal
        view
        virtual
        returns (bool)
    {
        return SignatureChecker.isValidSignatureNow(signer, digest, signature);
    }
}

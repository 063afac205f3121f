// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {ICoreCertificateRegistry} from "../../src/interfaces/ICoreCertificateRegistry.sol";

/// @notice Signs CoreCertificateRegistry actions the way a provider's wallet does: the EIP-712 digest is built here
///         from the standard and the documented type strings, never from the registry's own helpers, so a test fails
///         if the registry hashes anything differently from what a wallet signs.
abstract contract CoreCertificationSigner is Test {
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    string internal constant CERTIFICATION_TYPE =
        "Certification(address provider,uint8 domain,bytes32 datasetCommitment,bytes32 schemaHash,uint16 minIntegrityBps,uint16 minTimelinessBps,uint16 minContinuityBps,uint16 maxGapSlots,uint32 deadlineSeconds,uint32 slotSeconds,uint64 windowStart,uint256 nonce,uint256 deadline)";
    string internal constant PROVIDER_REGISTRATION_TYPE =
        "ProviderRegistration(address provider,string name,uint256 nonce,uint256 deadline)";

    function _coreDomainSeparator(address registry) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH, keccak256("Caldera Core Certificates"), keccak256("1"), block.chainid, registry
            )
        );
    }

    /// @dev encodeData of Certification: every field one 32-byte word, in the type string's order.
    function _certificationStructHash(ICoreCertificateRegistry.CoreClaim memory claim, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        bytes memory head = abi.encode(
            keccak256(bytes(CERTIFICATION_TYPE)),
            claim.provider,
            uint256(claim.domain),
            claim.datasetCommitment,
            claim.schemaHash,
            uint256(claim.minIntegrityBps),
            uint256(claim.minTimelinessBps)
        );
        bytes memory tail = abi.encode(
            uint256(claim.minContinuityBps),
            uint256(claim.maxGapSlots),
            uint256(claim.deadlineSeconds),
            uint256(claim.slotSeconds),
            uint256(claim.windowStart),
            nonce,
            deadline
        );
        return keccak256(bytes.concat(head, tail));
    }

    function _signDigest(uint256 key, address registry, bytes32 structHash) internal view returns (bytes memory) {
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _coreDomainSeparator(registry), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev `key`'s signature over `claim` for `registry` on this chain.
    function _signCertification(
        uint256 key,
        address registry,
        ICoreCertificateRegistry.CoreClaim memory claim,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        return _signDigest(key, registry, _certificationStructHash(claim, nonce, deadline));
    }

    /// @dev `key`'s signature registering `provider` under `name` at `registry` on this chain.
    function _signRegistration(
        uint256 key,
        address registry,
        address provider,
        string memory name,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(PROVIDER_REGISTRATION_TYPE)), provider, keccak256(bytes(name)), nonce, deadline)
        );
        return _signDigest(key, registry, structHash);
    }
}

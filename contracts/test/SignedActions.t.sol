// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignedActions} from "../src/SignedActions.sol";
import {ISignedActions} from "../src/interfaces/ISignedActions.sol";

/// @notice The smallest signed action: a signer posts a note. Test-only.
contract NoteBoard is SignedActions {
    bytes32 public constant NOTE_TYPEHASH =
        keccak256("Note(address signer,bytes32 note,uint256 nonce,uint256 deadline)");

    mapping(address signer => bytes32) public noteOf;

    event NoteRecorded(address indexed signer, bytes32 note, uint256 nonce);

    constructor() SignedActions("Caldera Notes", "1") {}

    function record(address signer, bytes32 note, uint256 nonce, uint256 deadline, bytes calldata signature) external {
        _verifyAction(
            signer, keccak256(abi.encode(NOTE_TYPEHASH, signer, note, nonce, deadline)), deadline, nonce, signature
        );
        noteOf[signer] = note;
        emit NoteRecorded(signer, note, nonce);
    }
}

/// @notice A contract account (ERC-1271) whose owner key signs for it. Test-only.
contract OwnerSignedWallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes memory signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}

contract SignedActionsTest is Test {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NOTE_TYPEHASH =
        keccak256("Note(address signer,bytes32 note,uint256 nonce,uint256 deadline)");
    /// @dev secp256k1 group order: s and n - s are the two signatures of one message.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant SIGNER_KEY = 0xA11CE;
    uint256 internal constant OTHER_KEY = 0xB0B;
    address internal constant RELAYER = address(0xCAFE);
    bytes32 internal constant NOTE = keccak256("plant maize on the 12th");

    NoteBoard internal board;
    address internal signer;
    uint256 internal deadline;

    function setUp() public {
        board = new NoteBoard();
        signer = vm.addr(SIGNER_KEY);
        vm.warp(1_750_000_000);
        deadline = block.timestamp + 1 hours;
    }

    /// @dev The EIP-712 digest, built here from the standard rather than from the contract's helpers.
    function _digest(address verifyingContract, address who, bytes32 note, uint256 nonce, uint256 deadline_)
        internal
        view
        returns (bytes32)
    {
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Caldera Notes"), keccak256("1"), block.chainid, verifyingContract)
        );
        bytes32 structHash = keccak256(abi.encode(NOTE_TYPEHASH, who, note, nonce, deadline_));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signNote(uint256 key, address who, bytes32 note, uint256 nonce, uint256 deadline_)
        internal
        view
        returns (bytes memory)
    {
        return _sign(key, _digest(address(board), who, note, nonce, deadline_));
    }

    function _record(address who, bytes32 note, uint256 nonce, uint256 deadline_, bytes memory signature) internal {
        vm.prank(RELAYER);
        board.record(who, note, nonce, deadline_, signature);
    }

    function _assertNothingStored(address who) internal view {
        assertEq(board.nonces(who), 0, "nonce unused");
        assertEq(board.noteOf(who), bytes32(0), "nothing stored");
    }

    function test_verifyAction_acceptsTheSignersSignatureFromAnyRelayerAndUsesTheNonce() public {
        vm.expectEmit(true, false, false, true, address(board));
        emit NoteBoard.NoteRecorded(signer, NOTE, 0);
        _record(signer, NOTE, 0, deadline, _signNote(SIGNER_KEY, signer, NOTE, 0, deadline));
        assertEq(board.noteOf(signer), NOTE, "stored");
        assertEq(board.nonces(signer), 1, "nonce used");

        bytes32 next = keccak256("irrigate");
        _record(signer, next, 1, deadline, _signNote(SIGNER_KEY, signer, next, 1, deadline));
        assertEq(board.noteOf(signer), next, "second action");
        assertEq(board.nonces(signer), 2, "second nonce used");
        assertEq(board.nonces(vm.addr(OTHER_KEY)), 0, "nonces are per signer");
    }

    function test_verifyAction_acceptsAtTheDeadlineAndRejectsOneSecondLater() public {
        bytes memory signature = _signNote(SIGNER_KEY, signer, NOTE, 0, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.ExpiredSignature.selector, deadline, deadline + 1));
        _record(signer, NOTE, 0, deadline, signature);
        _assertNothingStored(signer);

        vm.warp(deadline);
        _record(signer, NOTE, 0, deadline, signature);
        assertEq(board.nonces(signer), 1, "accepted at the deadline");
    }

    function test_verifyAction_rejectsAnotherKeysSignature() public {
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, signer));
        _record(signer, NOTE, 0, deadline, _signNote(OTHER_KEY, signer, NOTE, 0, deadline));
        _assertNothingStored(signer);
    }

    function test_verifyAction_rejectsAReplayedSignature() public {
        bytes memory signature = _signNote(SIGNER_KEY, signer, NOTE, 0, deadline);
        _record(signer, NOTE, 0, deadline, signature);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidNonce.selector, signer, 1, 0));
        _record(signer, NOTE, 0, deadline, signature);
        assertEq(board.nonces(signer), 1, "nonce used once");
    }

    function test_verifyAction_rejectsASkippedNonce() public {
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidNonce.selector, signer, 0, 1));
        _record(signer, NOTE, 1, deadline, _signNote(SIGNER_KEY, signer, NOTE, 1, deadline));
        _assertNothingStored(signer);
    }

    function test_verifyAction_rejectsASignatureForAnotherChain() public {
        bytes memory signature = _signNote(SIGNER_KEY, signer, NOTE, 0, deadline);
        vm.chainId(1);
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, signer));
        _record(signer, NOTE, 0, deadline, signature);
        _assertNothingStored(signer);
    }

    function test_verifyAction_rejectsASignatureForAnotherContract() public {
        NoteBoard other = new NoteBoard();
        bytes memory signature = _sign(SIGNER_KEY, _digest(address(other), signer, NOTE, 0, deadline));
        other.record(signer, NOTE, 0, deadline, signature); // good where it was meant to be used
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, signer));
        _record(signer, NOTE, 0, deadline, signature);
        _assertNothingStored(signer);
    }

    /// @dev ECDSA signatures are malleable: (r, n - s, v ^ 1) recovers the same key. Only the low-s form counts.
    function test_verifyAction_rejectsTheHighSTwinAndMalformedSignatures() public {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(SIGNER_KEY, _digest(address(board), signer, NOTE, 0, deadline));
        bytes memory twin = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        bytes memory invalid = abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, signer);
        vm.expectRevert(invalid);
        _record(signer, NOTE, 0, deadline, twin);
        vm.expectRevert(invalid);
        _record(signer, NOTE, 0, deadline, "");
        vm.expectRevert(invalid);
        _record(signer, NOTE, 0, deadline, abi.encodePacked(r, s)); // 64 bytes: no compact form accepted
        vm.expectRevert(invalid);
        _record(signer, NOTE, 0, deadline, new bytes(65));
        _assertNothingStored(signer);

        _record(signer, NOTE, 0, deadline, abi.encodePacked(r, s, v));
        assertEq(board.nonces(signer), 1, "the canonical form works");
    }

    function test_verifyAction_acceptsAContractAccountThroughErc1271() public {
        OwnerSignedWallet wallet = new OwnerSignedWallet(signer);
        address account = address(wallet);
        bytes32 digest = _digest(address(board), account, NOTE, 0, deadline);

        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, account));
        _record(account, NOTE, 0, deadline, _sign(OTHER_KEY, digest));
        _assertNothingStored(account);

        _record(account, NOTE, 0, deadline, _sign(SIGNER_KEY, digest));
        assertEq(board.noteOf(account), NOTE, "the wallet's action");
        assertEq(board.nonces(account), 1, "the wallet's nonce");
        assertEq(board.nonces(signer), 0, "the owner's own nonce is untouched");
    }

    function test_domainSeparator_isTheEip712DomainOfThisContractAndChain() public {
        bytes32 expected = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Caldera Notes"), keccak256("1"), block.chainid, address(board))
        );
        assertEq(board.DOMAIN_SEPARATOR(), expected, "domain separator");
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            board.eip712Domain();
        assertTrue(keccak256(bytes(name)) == keccak256("Caldera Notes"), "ERC-5267 name");
        assertTrue(keccak256(bytes(version)) == keccak256("1"), "ERC-5267 version");
        assertEq(chainId, block.chainid, "ERC-5267 chain id");
        assertEq(verifyingContract, address(board), "ERC-5267 verifying contract");
        vm.chainId(10);
        assertTrue(board.DOMAIN_SEPARATOR() != expected, "rebuilt for another chain");
    }

    /// @dev Changing any signed field after signing (signer, note or deadline) voids the signature.
    function testFuzz_verifyAction_rejectsAnyTamperedField(uint8 field, bytes32 tamper) public {
        bytes memory signature = _signNote(SIGNER_KEY, signer, NOTE, 0, deadline);
        field = field % 3;
        address who = signer;
        bytes32 note = NOTE;
        uint256 deadline_ = deadline;
        if (field == 0) {
            who = address(uint160(uint256(tamper)));
            vm.assume(who != signer);
        } else if (field == 1) {
            vm.assume(tamper != NOTE);
            note = tamper;
        } else {
            deadline_ = bound(uint256(tamper), block.timestamp, type(uint256).max);
            vm.assume(deadline_ != deadline);
        }
        vm.expectRevert(abi.encodeWithSelector(ISignedActions.InvalidSignature.selector, who));
        _record(who, note, 0, deadline_, signature);
        _assertNothingStored(who);
    }
}

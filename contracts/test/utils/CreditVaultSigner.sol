// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CreditVault} from "../../src/CreditVault.sol";
import {ICreditVault} from "../../src/interfaces/ICreditVault.sol";

/// @notice Signs CreditVault actions and ERA permits the way a wallet does: EIP-712 digests are built here from the
///         standard and the type strings ICreditVault documents, never from the vault's own constants, so a test
///         fails if the vault hashes anything differently from what a wallet signs.
abstract contract CreditVaultSigner is Test {
    bytes32 internal constant CREDIT_EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    string internal constant PLEDGE_TYPE =
        "Pledge(uint256 derivativeId,address borrower,uint256 nonce,uint256 deadline)";
    string internal constant BORROW_TYPE = "Borrow(uint256 lineId,uint256 amount,uint256 nonce,uint256 deadline)";
    string internal constant REPAY_TYPE =
        "Repay(uint256 lineId,address payer,uint256 amount,uint256 nonce,uint256 deadline)";
    string internal constant UNPLEDGE_TYPE = "Unpledge(uint256 lineId,uint256 nonce,uint256 deadline)";
    string internal constant DEPOSIT_TYPE = "Deposit(address lender,uint256 amount,uint256 nonce,uint256 deadline)";
    string internal constant WITHDRAWAL_TYPE =
        "Withdrawal(address lender,uint256 shares,uint256 nonce,uint256 deadline)";
    string internal constant ERC2612_PERMIT_TYPE =
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";

    function _typedDigest(string memory name, address verifyingContract, bytes32 structHash)
        internal
        view
        returns (bytes32)
    {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                CREDIT_EIP712_DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256("1"), block.chainid, verifyingContract
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _signCredit(uint256 key, address vault, bytes32 structHash) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _typedDigest("Caldera Credit", vault, structHash));
        return abi.encodePacked(r, s, v);
    }

    function _pledgeHash(ICreditVault.PledgeRequest memory req) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(keccak256(bytes(PLEDGE_TYPE)), req.derivativeId, req.borrower, req.nonce, req.deadline)
            );
    }

    function _borrowHash(ICreditVault.BorrowRequest memory req) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256(bytes(BORROW_TYPE)), req.lineId, req.amount, req.nonce, req.deadline));
    }

    function _repayHash(ICreditVault.RepayRequest memory req) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(keccak256(bytes(REPAY_TYPE)), req.lineId, req.payer, req.amount, req.nonce, req.deadline)
            );
    }

    function _unpledgeHash(ICreditVault.UnpledgeRequest memory req) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256(bytes(UNPLEDGE_TYPE)), req.lineId, req.nonce, req.deadline));
    }

    function _depositHash(ICreditVault.DepositRequest memory req) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256(bytes(DEPOSIT_TYPE)), req.lender, req.amount, req.nonce, req.deadline));
    }

    function _withdrawalHash(ICreditVault.WithdrawalRequest memory req) internal pure returns (bytes32) {
        return keccak256(abi.encode(keccak256(bytes(WITHDRAWAL_TYPE)), req.lender, req.shares, req.nonce, req.deadline));
    }

    /// @dev An ERC-2612 permit of `key`'s account for `spender` on the ERA token (EIP-712 domain "Caldera ERA" "1").
    function _eraPermit(uint256 key, address token, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (ICreditVault.Permit memory permit)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(ERC2612_PERMIT_TYPE)), vm.addr(key), spender, value, nonce, deadline));
        (permit.v, permit.r, permit.s) = vm.sign(key, _typedDigest("Caldera ERA", token, structHash));
        permit.value = value;
        permit.deadline = deadline;
    }

    /// @dev "No permit: use the allowance."
    function _noPermit() internal pure returns (ICreditVault.Permit memory permit) {}
}

/// @notice Builds signed CreditVault actions for the vault under test: each builder reads the signer's next nonce and
///         sets a deadline an hour ahead, so a test builds right before it submits (as the hub does).
abstract contract CreditVaultActions is CreditVaultSigner {
    /// @dev The relayer that submits signed actions (any account may).
    address internal constant HUB = address(0x4B0B);

    CreditVault internal vault;

    function _pledgeReq(uint256 key, uint256 derivativeId)
        internal
        view
        returns (ICreditVault.PledgeRequest memory req, bytes memory signature)
    {
        address borrower = vm.addr(key);
        req = ICreditVault.PledgeRequest(derivativeId, borrower, vault.nonces(borrower), block.timestamp + 1 hours);
        signature = _signCredit(key, address(vault), _pledgeHash(req));
    }

    function _borrowReq(uint256 key, uint256 lineId, uint256 amount)
        internal
        view
        returns (ICreditVault.BorrowRequest memory req, bytes memory signature)
    {
        req = ICreditVault.BorrowRequest(lineId, amount, vault.nonces(vm.addr(key)), block.timestamp + 1 hours);
        signature = _signCredit(key, address(vault), _borrowHash(req));
    }

    function _repayReq(uint256 key, uint256 lineId, uint256 amount)
        internal
        view
        returns (ICreditVault.RepayRequest memory req, bytes memory signature)
    {
        address payer = vm.addr(key);
        req = ICreditVault.RepayRequest(lineId, payer, amount, vault.nonces(payer), block.timestamp + 1 hours);
        signature = _signCredit(key, address(vault), _repayHash(req));
    }

    function _unpledgeReq(uint256 key, uint256 lineId)
        internal
        view
        returns (ICreditVault.UnpledgeRequest memory req, bytes memory signature)
    {
        req = ICreditVault.UnpledgeRequest(lineId, vault.nonces(vm.addr(key)), block.timestamp + 1 hours);
        signature = _signCredit(key, address(vault), _unpledgeHash(req));
    }

    function _depositReq(uint256 key, uint256 amount)
        internal
        view
        returns (ICreditVault.DepositRequest memory req, bytes memory signature)
    {
        address lender = vm.addr(key);
        req = ICreditVault.DepositRequest(lender, amount, vault.nonces(lender), block.timestamp + 1 hours);
        signature = _signCredit(key, address(vault), _depositHash(req));
    }

    function _withdrawReq(uint256 key, uint256 shares)
        internal
        view
        returns (ICreditVault.WithdrawalRequest memory req, bytes memory signature)
    {
        address lender = vm.addr(key);
        req = ICreditVault.WithdrawalRequest(lender, shares, vault.nonces(lender), block.timestamp + 1 hours);
        signature = _signCredit(key, address(vault), _withdrawalHash(req));
    }

    function _pledgeAs(uint256 key, uint256 derivativeId) internal returns (uint256 lineId) {
        (ICreditVault.PledgeRequest memory req, bytes memory signature) = _pledgeReq(key, derivativeId);
        vm.prank(HUB);
        return vault.pledge(req, signature);
    }

    function _borrowAs(uint256 key, uint256 lineId, uint256 amount) internal {
        (ICreditVault.BorrowRequest memory req, bytes memory signature) = _borrowReq(key, lineId, amount);
        vm.prank(HUB);
        vault.borrow(req, signature);
    }

    /// @dev Approves exactly `amount` from the payer first (the allowance path; see the permit tests for the other).
    function _repayAs(uint256 key, uint256 lineId, uint256 amount) internal returns (uint256 paid) {
        _approveVault(vm.addr(key), amount);
        (ICreditVault.RepayRequest memory req, bytes memory signature) = _repayReq(key, lineId, amount);
        vm.prank(HUB);
        return vault.repay(req, signature, _noPermit());
    }

    function _unpledgeAs(uint256 key, uint256 lineId) internal {
        (ICreditVault.UnpledgeRequest memory req, bytes memory signature) = _unpledgeReq(key, lineId);
        vm.prank(HUB);
        vault.unpledge(req, signature);
    }

    function _depositAs(uint256 key, uint256 amount) internal returns (uint256 shares) {
        _approveVault(vm.addr(key), amount);
        (ICreditVault.DepositRequest memory req, bytes memory signature) = _depositReq(key, amount);
        vm.prank(HUB);
        return vault.deposit(req, signature, _noPermit());
    }

    function _withdrawAs(uint256 key, uint256 shares) internal returns (uint256 amount) {
        (ICreditVault.WithdrawalRequest memory req, bytes memory signature) = _withdrawReq(key, shares);
        vm.prank(HUB);
        return vault.withdraw(req, signature);
    }

    function _approveVault(address account, uint256 amount) internal {
        IERC20 token = IERC20(vault.era()); // read before the prank, which applies to the next call only
        vm.prank(account);
        token.approve(address(vault), amount);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {EraToken} from "../src/EraToken.sol";

contract EraTokenTest is Test {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event DelegateChanged(address indexed delegator, address indexed fromDelegate, address indexed toDelegate);

    uint256 internal constant SUPPLY = 1_000_000_000 ether;
    uint256 internal constant HOLDER_KEY = 0xA11CE;
    address internal treasury = address(0x7EA5);
    EraToken internal token;

    function setUp() public {
        token = new EraToken(treasury, SUPPLY);
    }

    function test_constructor_mintsTheWholeSupplyToTheTreasury() public view {
        assertEq(token.totalSupply(), SUPPLY, "supply");
        assertEq(token.balanceOf(treasury), SUPPLY, "treasury");
        assertEq(token.decimals(), 18, "decimals");
    }

    /// @dev ERA is conserved: any sequence of transfers keeps the supply and the sum of balances fixed.
    function testFuzz_transfer_conservesSupply(address to, address onward, uint256 amount, uint256 back) public {
        vm.assume(to != address(0) && onward != address(0) && to != treasury);
        amount = amount % (SUPPLY + 1);
        back = back % (amount + 1);
        vm.expectEmit(true, true, false, true);
        emit Transfer(treasury, to, amount);
        vm.prank(treasury);
        token.transfer(to, amount);
        vm.prank(to);
        token.transfer(onward, back);

        uint256 sum = token.balanceOf(treasury) + token.balanceOf(to);
        if (onward != treasury && onward != to) sum += token.balanceOf(onward);
        assertEq(sum, SUPPLY, "sum of balances");
        assertEq(token.totalSupply(), SUPPLY, "supply");
    }

    function test_votes_areReadAtAPastBlockSoTheyCannotBeFlashBorrowed() public {
        address node = address(0x40DE);
        vm.prank(treasury);
        token.transfer(node, 20_000 ether);
        vm.expectEmit(true, true, true, false);
        emit DelegateChanged(node, address(0), node);
        vm.prank(node);
        token.delegate(node);
        uint256 snapshot = block.number;
        vm.roll(snapshot + 1);
        // A transfer in after the snapshot raises current votes but not the snapshot's.
        vm.prank(treasury);
        token.transfer(node, 80_000 ether);
        vm.roll(snapshot + 2);
        assertEq(token.getPastVotes(node, snapshot), 20_000 ether, "votes at snapshot");
        assertEq(token.getVotes(node), 100_000 ether, "current votes");
    }

    function test_permit_setsAllowanceFromASignature() public {
        address holder = vm.addr(HOLDER_KEY);
        address spender = address(0x5BE7);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                holder,
                spender,
                500 ether,
                token.nonces(holder),
                deadline
            )
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(HOLDER_KEY, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash)));
        token.permit(holder, spender, 500 ether, deadline, v, r, s);
        assertEq(token.allowance(holder, spender), 500 ether, "allowance");
        assertEq(token.nonces(holder), 1, "nonce used");
    }
}

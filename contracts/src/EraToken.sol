// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title Caldera ERA
/// @notice The hub's token: rewards, pledges, margins and node voting power (ERC20Votes, block-number clock:
///         voting power is read at a past block, so it cannot be flash-borrowed). The whole supply is minted
///         once to the treasury; nothing can mint later, so every movement is a transfer and ERA is conserved.
contract EraToken is ERC20, ERC20Permit, ERC20Votes {
    constructor(address treasury, uint256 initialSupply) ERC20("Caldera ERA", "ERA") ERC20Permit("Caldera ERA") {
        _mint(treasury, initialSupply);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IDerivativeMarket} from "../../src/interfaces/IDerivativeMarket.sol";
import {IDerivativeRegistry} from "../../src/interfaces/IDerivativeRegistry.sol";

/// @notice Signs DerivativeMarket actions and EraToken permits the way a wallet does: every EIP-712 digest is built
///         here from the standard and the documented type strings, never from the market's own constants, so a test
///         fails if the market hashes anything differently from what a wallet signs.
abstract contract MarketSigner is Test {
    bytes32 internal constant MARKET_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    string internal constant TERMS_TYPE =
        "LicenceTerms(uint256 derivativeId,uint256 price,uint8 mode,uint64 quantity,bool active,uint256 nonce,uint256 deadline)";
    string internal constant PURCHASE_TYPE =
        "LicencePurchase(uint256 derivativeId,address licensee,uint256 maxPrice,uint256 nonce,uint256 deadline)";
    string internal constant ADOPTION_TYPE =
        "Adoption(uint256 derivativeId,address adopter,uint256 nonce,uint256 deadline)";
    string internal constant INVOCATION_TYPE =
        "Invocation(uint256 derivativeId,address enterprise,bytes32 inputHash,uint256 nonce,uint256 deadline)";
    string internal constant FUNDING_TYPE = "PoolFunding(address funder,uint256 amount,uint256 nonce,uint256 deadline)";
    string internal constant PERMIT_TYPE =
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";

    function _noPermit() internal pure returns (IDerivativeMarket.Permit memory permit) {}

    function _marketDigest(address market, bytes32 structHash) internal view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(MARKET_DOMAIN_TYPEHASH, keccak256("Caldera Market"), keccak256("1"), block.chainid, market)
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _signMarket(uint256 key, address market, bytes32 structHash) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _marketDigest(market, structHash));
        return abi.encodePacked(r, s, v);
    }

    function _signTerms(uint256 key, address market, IDerivativeMarket.TermsRequest memory req)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes(TERMS_TYPE)),
                req.derivativeId,
                req.price,
                uint256(req.mode),
                uint256(req.quantity),
                req.active,
                req.nonce,
                req.deadline
            )
        );
        return _signMarket(key, market, structHash);
    }

    function _signPurchase(uint256 key, address market, IDerivativeMarket.PurchaseRequest memory req)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes(PURCHASE_TYPE)), req.derivativeId, req.licensee, req.maxPrice, req.nonce, req.deadline
            )
        );
        return _signMarket(key, market, structHash);
    }

    function _signAdoption(uint256 key, address market, IDerivativeMarket.AdoptionRequest memory req)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(ADOPTION_TYPE)), req.derivativeId, req.adopter, req.nonce, req.deadline)
        );
        return _signMarket(key, market, structHash);
    }

    function _signInvocation(uint256 key, address market, IDerivativeMarket.InvocationRequest memory req)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes(INVOCATION_TYPE)),
                req.derivativeId,
                req.enterprise,
                req.inputHash,
                req.nonce,
                req.deadline
            )
        );
        return _signMarket(key, market, structHash);
    }

    function _signFunding(uint256 key, address market, IDerivativeMarket.FundingRequest memory req)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(FUNDING_TYPE)), req.funder, req.amount, req.nonce, req.deadline));
        return _signMarket(key, market, structHash);
    }

    /// @dev An ERC-2612 permit of `key`'s account for `spender`, signed over EraToken's domain ("Caldera ERA", "1").
    function _signPermit(uint256 key, address token, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (IDerivativeMarket.Permit memory permit)
    {
        bytes32 domainSeparator = keccak256(
            abi.encode(MARKET_DOMAIN_TYPEHASH, keccak256("Caldera ERA"), keccak256("1"), block.chainid, token)
        );
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(PERMIT_TYPE)), vm.addr(key), spender, value, nonce, deadline));
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash)));
        permit = IDerivativeMarket.Permit({value: value, deadline: deadline, v: v, r: r, s: s});
    }
}

/// @notice TEST-ONLY stand-in for the CreditVault (which is written in parallel): exactly the two views the market
///         reads (`pledgorOf`, `isSeized`) plus the custody moves, done through the real DerivativeRegistry's vault
///         rule (the registry must name this contract its credit vault). No credit, no ERA logic.
contract CustodyOnlyVault {
    IDerivativeRegistry public immutable registry;
    mapping(uint256 derivativeId => address) public pledgorOf;
    mapping(uint256 derivativeId => bool) public isSeized;

    constructor(IDerivativeRegistry registry_) {
        registry = registry_;
    }

    function pledge(uint256 derivativeId) external {
        address owner = registry.ownerOf(derivativeId);
        pledgorOf[derivativeId] = owner;
        registry.transferFrom(owner, address(this), derivativeId);
    }

    function unpledge(uint256 derivativeId) external {
        address pledgor = pledgorOf[derivativeId];
        delete pledgorOf[derivativeId];
        registry.transferFrom(address(this), pledgor, derivativeId);
    }

    function seize(uint256 derivativeId) external {
        isSeized[derivativeId] = true;
    }
}

/// @notice TEST-ONLY ERC-20 whose every balance change runs a hook: a call the test armed (once), made from inside
///         the token transfer, the way an ERC-777-style receive hook or a malicious token would re-enter. The hook
///         either records the callee's revert data (`bubble` false) or reverts with it (`bubble` true).
contract HookedToken is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool public bubble;
    bool public hookRan;
    bool public hookSucceeded;
    bytes public hookResult;

    constructor(address holder, uint256 supply) ERC20("Hooked", "HOOK") {
        _mint(holder, supply);
    }

    function arm(address target, bytes calldata data, bool bubble_) external {
        hookTarget = target;
        hookData = data;
        bubble = bubble_;
        hookRan = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = hookTarget;
        if (target == address(0)) return;
        hookTarget = address(0);
        (bool ok, bytes memory result) = target.call(hookData);
        hookRan = true;
        hookSucceeded = ok;
        hookResult = result;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {EcosystemRegistry} from "../../src/EcosystemRegistry.sol";
import {EraToken} from "../../src/EraToken.sol";
import {MarginVault} from "../../src/MarginVault.sol";
import {NodeStaking} from "../../src/NodeStaking.sol";
import {RiskFeatureRegistry} from "../../src/RiskFeatureRegistry.sol";
import {EraPermit} from "../../src/interfaces/EraPermit.sol";
import {IMarginVault} from "../../src/interfaces/IMarginVault.sol";
import {IRiskFeatureRegistry} from "../../src/interfaces/IRiskFeatureRegistry.sol";
import {IRiskFeatureVerifier} from "../../src/interfaces/IRiskFeatureVerifier.sol";

/// @notice Signs EcosystemRegistry, RiskFeatureRegistry and MarginVault actions and ERA permits the way a wallet
///         does: every EIP-712 digest is built here from the standard and the type strings the interfaces
///         document, never from the contracts' own constants, so a test fails if a contract hashes anything
///         differently from what a wallet signs. The public signals and the assessment hash are likewise computed
///         here from their documented definitions.
abstract contract RiskSigner is Test {
    bytes32 internal constant RISK_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    uint256 internal constant BN254_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    string internal constant UPDATE_SUBGRAPH_URL_TYPE =
        "UpdateSubgraphUrl(uint32 ecosystemId,string subgraphUrl,uint256 nonce,uint256 deadline)";
    string internal constant PUBLISH_FEATURE_TYPE =
        "PublishFeature(address subject,uint32 ecosystemId,uint8 kind,uint8 bucket,uint64 windowStart,uint64 windowEnd,uint32 threshold,uint16 recordCount,bytes32 evidenceRoot,uint256 nonce,uint256 deadline)";
    string internal constant ATTEST_FEATURE_TYPE =
        "AttestFeature(uint256 featureId,bytes32 evidenceRoot,uint256 nonce,uint256 deadline)";
    string internal constant LOCK_MARGIN_TYPE =
        "LockMargin(address provider,uint256 amount,uint256 nonce,uint256 deadline)";
    string internal constant SET_SERVED_TYPE =
        "SetServedEcosystems(address provider,uint32[] ecosystemIds,uint256 nonce,uint256 deadline)";
    string internal constant REQUEST_UNLOCK_TYPE =
        "RequestUnlock(address provider,uint256 amount,uint256 nonce,uint256 deadline)";
    string internal constant WITHDRAW_MARGIN_TYPE = "WithdrawMargin(address provider,uint256 nonce,uint256 deadline)";
    string internal constant FILE_FREEZE_TYPE =
        "FileFreeze(address provider,uint32 ecosystemId,uint256 claimAmount,bytes32 evidenceHash,uint256 nonce,uint256 deadline)";
    string internal constant CAST_CASE_VOTE_TYPE =
        "CastCaseVote(uint256 caseId,uint8 verdict,uint256 nonce,uint256 deadline)";
    string internal constant SETTLE_DISPOSAL_TYPE =
        "SettleDisposal(uint256 caseId,bytes32 assessmentHash,uint256 deadline)";
    string internal constant CLAIM_PAYOUT_TYPE =
        "ClaimPayout(uint256 caseId,uint32 ecosystemId,uint256 nonce,uint256 deadline)";
    string internal constant PERMIT_TYPE =
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)";

    function _digest(string memory name, address verifyingContract, bytes32 structHash)
        internal
        view
        returns (bytes32)
    {
        bytes32 domainSeparator = keccak256(
            abi.encode(RISK_DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256("1"), block.chainid, verifyingContract)
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _sign(uint256 key, string memory name, address verifyingContract, bytes32 structHash)
        internal
        view
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(name, verifyingContract, structHash));
        return abi.encodePacked(r, s, v);
    }

    // ---------------------------------------------------------------- EcosystemRegistry ("Caldera Ecosystems")

    function _signSubgraphUrl(
        uint256 key,
        address registry,
        uint32 ecosystemId,
        string memory url,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(UPDATE_SUBGRAPH_URL_TYPE)), ecosystemId, keccak256(bytes(url)), nonce, deadline)
        );
        return _sign(key, "Caldera Ecosystems", registry, structHash);
    }

    // ---------------------------------------------------------------- RiskFeatureRegistry ("Caldera Risk")

    function _signPublish(
        uint256 key,
        address registry,
        IRiskFeatureRegistry.FeatureClaim memory claim,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            bytes.concat(
                abi.encode(
                    keccak256(bytes(PUBLISH_FEATURE_TYPE)),
                    claim.subject,
                    uint256(claim.ecosystemId),
                    uint256(uint8(claim.kind)),
                    uint256(claim.bucket),
                    uint256(claim.windowStart),
                    uint256(claim.windowEnd)
                ),
                abi.encode(uint256(claim.threshold), uint256(claim.recordCount), claim.evidenceRoot, nonce, deadline)
            )
        );
        return _sign(key, "Caldera Risk", registry, structHash);
    }

    function _signAttest(
        uint256 key,
        address registry,
        uint256 featureId,
        bytes32 evidenceRoot,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(ATTEST_FEATURE_TYPE)), featureId, evidenceRoot, nonce, deadline)
        );
        return _sign(key, "Caldera Risk", registry, structHash);
    }

    /// @dev The documented context: keccak256(abi.encode(chainid, registry, ecosystemId, kind)) mod r.
    function _context(address registry, uint32 ecosystemId, IRiskFeatureRegistry.RiskKind kind)
        internal
        view
        returns (uint256)
    {
        return uint256(keccak256(abi.encode(block.chainid, registry, ecosystemId, uint8(kind)))) % BN254_R;
    }

    /// @dev The documented public signals, in order.
    function _signals(address registry, IRiskFeatureRegistry.FeatureClaim memory claim)
        internal
        view
        returns (uint256[9] memory signals)
    {
        uint16[6] memory edges = [uint16(0), 100, 500, 2_000, 5_000, 10_000];
        signals = [
            uint256(claim.evidenceRoot),
            uint256(uint160(claim.subject)),
            _context(registry, claim.ecosystemId, claim.kind),
            claim.windowStart,
            claim.windowEnd,
            claim.threshold,
            claim.recordCount,
            edges[claim.bucket],
            edges[claim.bucket + 1]
        ];
    }

    // ---------------------------------------------------------------- MarginVault ("Caldera Margin")

    function _signLock(uint256 key, address vault, uint256 amount, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(LOCK_MARGIN_TYPE)), vm.addr(key), amount, nonce, deadline));
        return _sign(key, "Caldera Margin", vault, structHash);
    }

    function _signServed(uint256 key, address vault, uint32[] memory ids, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes memory encodedIds;
        for (uint256 i = 0; i < ids.length; i++) {
            encodedIds = bytes.concat(encodedIds, abi.encode(uint256(ids[i])));
        }
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes(SET_SERVED_TYPE)), vm.addr(key), keccak256(encodedIds), nonce, deadline)
        );
        return _sign(key, "Caldera Margin", vault, structHash);
    }

    function _signUnlock(uint256 key, address vault, uint256 amount, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(REQUEST_UNLOCK_TYPE)), vm.addr(key), amount, nonce, deadline));
        return _sign(key, "Caldera Margin", vault, structHash);
    }

    function _signWithdraw(uint256 key, address vault, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(WITHDRAW_MARGIN_TYPE)), vm.addr(key), nonce, deadline));
        return _sign(key, "Caldera Margin", vault, structHash);
    }

    function _signFile(
        uint256 key,
        address vault,
        address provider,
        uint32 ecosystemId,
        uint256 claimAmount,
        bytes32 evidenceHash,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes(FILE_FREEZE_TYPE)), provider, ecosystemId, claimAmount, evidenceHash, nonce, deadline
            )
        );
        return _sign(key, "Caldera Margin", vault, structHash);
    }

    function _signVote(uint256 key, address vault, uint256 caseId, uint8 verdict, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(CAST_CASE_VOTE_TYPE)), caseId, verdict, nonce, deadline));
        return _sign(key, "Caldera Margin", vault, structHash);
    }

    /// @dev The documented assessment hash: keccak256(abi.encode(caseId, ecosystemIds, sharesBps, inputsHash)).
    function _assessmentHash(uint256 caseId, uint32[] memory ids, uint16[] memory bps, bytes32 inputsHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(caseId, ids, bps, inputsHash));
    }

    function _signSettle(uint256 key, address vault, uint256 caseId, bytes32 assessmentHash, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(SETTLE_DISPOSAL_TYPE)), caseId, assessmentHash, deadline));
        return _sign(key, "Caldera Margin", vault, structHash);
    }

    function _signClaim(uint256 key, address vault, uint256 caseId, uint32 ecosystemId, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(CLAIM_PAYOUT_TYPE)), caseId, ecosystemId, nonce, deadline));
        return _sign(key, "Caldera Margin", vault, structHash);
    }

    /// @dev An ERC-2612 permit of `key`'s account for `spender` on ERA (EIP-712 domain "Caldera ERA" "1").
    function _eraPermit(uint256 key, address token, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (EraPermit memory permit)
    {
        bytes32 structHash =
            keccak256(abi.encode(keccak256(bytes(PERMIT_TYPE)), vm.addr(key), spender, value, nonce, deadline));
        (permit.v, permit.r, permit.s) = vm.sign(key, _digest("Caldera ERA", token, structHash));
        permit.value = value;
        permit.deadline = deadline;
    }

    /// @dev "No permit: use the allowance."
    function _noPermit() internal pure returns (EraPermit memory permit) {}
}

/// @notice TEST-ONLY stand-in for the generated RiskFeatureVerifier (a mock inside the registry's unit tests; the
///         real verifier is exercised with the circuit's fixture proof): it accepts exactly the (proof, public
///         signals) pairs a test registered, so a claim whose signals differ in any way — another subject, window,
///         bucket, ecosystem, kind, chain or registry — is rejected, as the real verifier would reject it.
contract ExpectingRiskVerifier is IRiskFeatureVerifier {
    mapping(bytes32 tuple => bool) public expected;
    uint256 public calls;

    function expectProof(IRiskFeatureRegistry.Proof memory proof, uint256[9] memory pubSignals) external {
        expected[keccak256(abi.encode(proof.a, proof.b, proof.c, pubSignals))] = true;
    }

    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[9] calldata pubSignals
    ) external view returns (bool) {
        return expected[keccak256(abi.encode(a, b, c, pubSignals))];
    }
}

/// @notice The risk network on real contracts: ERA, NodeStaking (five keyed nodes whose stakes add up to
///         1,000,000 ERA: 400k, 300k, 200k, 95k and a 5k node below the 10,000 ERA attester minimum),
///         EcosystemRegistry (Caldera plus four partners, admitted by the governance account), RiskFeatureRegistry
///         behind the expecting verifier, and MarginVault. The governance account is a plain address here (the
///         timelock's role); the governance path itself is tested in Governance.t.sol. The chain is one block past
///         the stakes.
abstract contract RiskFixture is RiskSigner {
    uint256 internal constant SUPPLY = 1_000_000_000 ether;
    uint256 internal constant TOTAL_STAKE = 1_000_000 ether;
    address internal constant GOVERNANCE = address(0x71E10C);
    /// @dev Relays signed actions (any account may).
    address internal constant HUB = address(0x4B0B);

    uint256 internal constant CALDERA_KEY = 0xCA1DE4A;
    uint256 internal constant PARTNER1_KEY = 0xE0001;
    uint256 internal constant PARTNER2_KEY = 0xE0002;
    uint256 internal constant PARTNER3_KEY = 0xE0003;
    uint256 internal constant PARTNER4_KEY = 0xE0004;
    uint256 internal constant PROVIDER_KEY = 0x9807;
    uint256 internal constant PROVIDER2_KEY = 0x9808;
    uint256 internal constant NODE1_KEY = 0xD001;
    uint256 internal constant NODE2_KEY = 0xD002;
    uint256 internal constant NODE3_KEY = 0xD003;
    uint256 internal constant NODE4_KEY = 0xD004;
    uint256 internal constant SMALL_NODE_KEY = 0xD005;
    uint256 internal constant OUTSIDER_KEY = 0x0BAD;

    uint32 internal constant CALDERA = 1;
    uint32 internal constant PARTNER1 = 2;
    uint32 internal constant PARTNER2 = 3;
    uint32 internal constant PARTNER3 = 4;
    uint32 internal constant PARTNER4 = 5;

    EraToken internal era;
    NodeStaking internal staking;
    EcosystemRegistry internal ecosystems;
    ExpectingRiskVerifier internal verifier;
    RiskFeatureRegistry internal risk;
    MarginVault internal vault;

    address internal provider;
    address internal provider2;

    function setUp() public virtual {
        era = new EraToken(address(this), SUPPLY);
        staking = new NodeStaking(IERC20(address(era)), 7 days);
        _stakeAs(vm.addr(NODE1_KEY), 400_000 ether);
        _stakeAs(vm.addr(NODE2_KEY), 300_000 ether);
        _stakeAs(vm.addr(NODE3_KEY), 200_000 ether);
        _stakeAs(vm.addr(NODE4_KEY), 95_000 ether);
        _stakeAs(vm.addr(SMALL_NODE_KEY), 5_000 ether);
        vm.roll(block.number + 1);

        ecosystems = new EcosystemRegistry(GOVERNANCE, vm.addr(CALDERA_KEY));
        vm.startPrank(GOVERNANCE);
        ecosystems.admitEcosystem("Partner L2", vm.addr(PARTNER1_KEY), "http://127.0.0.1:4101/graphql");
        ecosystems.admitEcosystem("Grain Exchange", vm.addr(PARTNER2_KEY), "http://127.0.0.1:4102/graphql");
        ecosystems.admitEcosystem("Cold Chain", vm.addr(PARTNER3_KEY), "");
        ecosystems.admitEcosystem("Insurer", vm.addr(PARTNER4_KEY), "");
        vm.stopPrank();

        verifier = new ExpectingRiskVerifier();
        risk = new RiskFeatureRegistry(verifier, ecosystems, IERC5805(address(staking)), GOVERNANCE);
        vault = _deployVault(IERC20(address(era)));

        provider = vm.addr(PROVIDER_KEY);
        provider2 = vm.addr(PROVIDER2_KEY);
        _fund(provider, 1_000_000 ether);
        _fund(provider2, 1_000_000 ether);
        for (uint256 i = 0; i < 5; i++) {
            _fund(_operator(uint32(i + 1)), 100_000 ether);
        }
    }

    function _deployVault(IERC20 token) internal returns (MarginVault) {
        return new MarginVault(token, IERC5805(address(staking)), ecosystems, risk, GOVERNANCE);
    }

    function _fund(address account, uint256 amount) internal {
        era.transfer(account, amount);
    }

    function _stakeAs(address node, uint256 amount) internal {
        _fund(node, amount);
        vm.startPrank(node);
        era.approve(address(staking), amount);
        staking.stake(amount);
        vm.stopPrank();
    }

    function _operatorKey(uint32 ecosystemId) internal pure returns (uint256) {
        if (ecosystemId == CALDERA) return CALDERA_KEY;
        if (ecosystemId == PARTNER1) return PARTNER1_KEY;
        if (ecosystemId == PARTNER2) return PARTNER2_KEY;
        if (ecosystemId == PARTNER3) return PARTNER3_KEY;
        if (ecosystemId == PARTNER4) return PARTNER4_KEY;
        revert("no such ecosystem in the fixture");
    }

    function _operator(uint32 ecosystemId) internal pure returns (address) {
        return vm.addr(_operatorKey(ecosystemId));
    }

    function _deadline() internal view returns (uint256) {
        return block.timestamp + 1 hours;
    }

    function _approveVault(address account, uint256 amount) internal {
        IERC20 token = IERC20(vault.era()); // read before the prank, which applies to the next call only
        vm.prank(account);
        token.approve(address(vault), amount);
    }

    // ---------------------------------------------------------------- signed MarginVault actions, relayed by HUB

    function _lock(uint256 key, uint256 amount) internal {
        address account = vm.addr(key);
        _approveVault(account, amount);
        bytes memory signature = _signLock(key, address(vault), amount, vault.nonces(account), _deadline());
        uint256 deadline = _deadline();
        vm.prank(HUB);
        vault.lockMargin(account, amount, deadline, signature, _noPermit());
    }

    function _setServed(uint256 key, uint32[] memory ids) internal {
        address account = vm.addr(key);
        bytes memory signature = _signServed(key, address(vault), ids, vault.nonces(account), _deadline());
        uint256 deadline = _deadline();
        vm.prank(HUB);
        vault.setServedEcosystems(account, ids, deadline, signature);
    }

    function _requestUnlock(uint256 key, uint256 amount) internal {
        address account = vm.addr(key);
        bytes memory signature = _signUnlock(key, address(vault), amount, vault.nonces(account), _deadline());
        uint256 deadline = _deadline();
        vm.prank(HUB);
        vault.requestUnlock(account, amount, deadline, signature);
    }

    function _withdraw(uint256 key) internal returns (uint256) {
        address account = vm.addr(key);
        bytes memory signature = _signWithdraw(key, address(vault), vault.nonces(account), _deadline());
        uint256 deadline = _deadline();
        vm.prank(HUB);
        return vault.withdrawMargin(account, deadline, signature);
    }

    function _fileSignature(uint32 ecosystemId, address against, uint256 claimAmount, bytes32 evidenceHash)
        internal
        view
        returns (bytes memory)
    {
        uint256 key = _operatorKey(ecosystemId);
        return _signFile(
            key,
            address(vault),
            against,
            ecosystemId,
            claimAmount,
            evidenceHash,
            vault.nonces(vm.addr(key)),
            _deadline()
        );
    }

    /// @dev The operator of `ecosystemId` approves the deposit and files against `against`.
    function _file(uint32 ecosystemId, address against, uint256 claimAmount, bytes32 evidenceHash)
        internal
        returns (uint256 caseId)
    {
        _approveVault(_operator(ecosystemId), vault.freezeDeposit());
        bytes memory signature = _fileSignature(ecosystemId, against, claimAmount, evidenceHash);
        uint256 deadline = _deadline();
        vm.prank(HUB);
        return vault.fileFreeze(against, ecosystemId, claimAmount, evidenceHash, deadline, signature, _noPermit());
    }

    function _voteSignature(uint256 nodeKey, uint256 caseId, IMarginVault.Verdict verdict)
        internal
        view
        returns (bytes memory)
    {
        return _signVote(nodeKey, address(vault), caseId, uint8(verdict), vault.nonces(vm.addr(nodeKey)), _deadline());
    }

    function _vote(uint256 nodeKey, uint256 caseId, IMarginVault.Verdict verdict) internal {
        bytes memory signature = _voteSignature(nodeKey, caseId, verdict);
        uint256 deadline = _deadline();
        vm.prank(HUB);
        vault.castCaseVote(caseId, vm.addr(nodeKey), verdict, deadline, signature);
    }

    /// @dev Node attestations over the assessment, sorted by node address as settleDisposal requires.
    function _attestations(uint256[] memory nodeKeys, uint256 caseId, bytes32 assessmentHash, uint256 deadline)
        internal
        view
        returns (address[] memory nodes, bytes[] memory signatures)
    {
        uint256 n = nodeKeys.length;
        uint256[] memory keys = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            keys[i] = nodeKeys[i];
        }
        for (uint256 i = 1; i < n; i++) {
            for (uint256 j = i; j > 0 && vm.addr(keys[j - 1]) > vm.addr(keys[j]); j--) {
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
        nodes = new address[](n);
        signatures = new bytes[](n);
        for (uint256 i = 0; i < n; i++) {
            nodes[i] = vm.addr(keys[i]);
            signatures[i] = _signSettle(keys[i], address(vault), caseId, assessmentHash, deadline);
        }
    }

    function _twoNodes() internal pure returns (uint256[] memory keys) {
        keys = new uint256[](2);
        keys[0] = NODE1_KEY;
        keys[1] = NODE2_KEY;
    }

    function _settle(uint256 caseId, uint32[] memory ids, uint16[] memory bps, bytes32 inputsHash) internal {
        uint256 deadline = _deadline();
        (address[] memory nodes, bytes[] memory signatures) =
            _attestations(_twoNodes(), caseId, _assessmentHash(caseId, ids, bps, inputsHash), deadline);
        vault.settleDisposal(caseId, ids, bps, inputsHash, deadline, nodes, signatures);
    }

    function _claim(uint256 caseId, uint32 ecosystemId) internal returns (uint256) {
        uint256 key = _operatorKey(ecosystemId);
        bytes memory signature =
            _signClaim(key, address(vault), caseId, ecosystemId, vault.nonces(vm.addr(key)), _deadline());
        uint256 deadline = _deadline();
        vm.prank(HUB);
        return vault.claimPayout(caseId, ecosystemId, deadline, signature);
    }

    function _ids(uint32 a) internal pure returns (uint32[] memory ids) {
        ids = new uint32[](1);
        ids[0] = a;
    }

    function _ids(uint32 a, uint32 b) internal pure returns (uint32[] memory ids) {
        ids = new uint32[](2);
        ids[0] = a;
        ids[1] = b;
    }

    function _ids(uint32 a, uint32 b, uint32 c) internal pure returns (uint32[] memory ids) {
        ids = new uint32[](3);
        ids[0] = a;
        ids[1] = b;
        ids[2] = c;
    }

    function _bps(uint16 a) internal pure returns (uint16[] memory bps) {
        bps = new uint16[](1);
        bps[0] = a;
    }

    function _bps(uint16 a, uint16 b) internal pure returns (uint16[] memory bps) {
        bps = new uint16[](2);
        bps[0] = a;
        bps[1] = b;
    }

    function _bps(uint16 a, uint16 b, uint16 c) internal pure returns (uint16[] memory bps) {
        bps = new uint16[](3);
        bps[0] = a;
        bps[1] = b;
        bps[2] = c;
    }
}

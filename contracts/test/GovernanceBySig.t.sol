// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CalderaGovernanceFixture} from "./utils/CalderaGovernanceFixture.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {CalderaGovernor} from "../src/CalderaGovernor.sol";
import {IDerivationRules} from "../src/interfaces/IDerivationRules.sol";
import {OwnerSignedWallet} from "./SignedActions.t.sol";

/// @notice Relayed governance: nodes sign proposals (`proposeBySig`, EIP-712 `Proposal`) and ballots
///         (OpenZeppelin's `castVoteBySig`, EIP-712 `Ballot`); a relayer without stake sends them and pays the gas.
contract GovernanceBySigTest is CalderaGovernanceFixture {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// @dev Spelled out here rather than read from the contract: the test pins the documented type.
    bytes32 internal constant PROPOSAL_TYPEHASH = keccak256(
        "Proposal(address proposer,address[] targets,uint256[] values,bytes[] calldatas,string description,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant BALLOT_TYPEHASH =
        keccak256("Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)");
    bytes32 internal constant TIMELOCK_READY = bytes32(uint256(1) << 2);

    uint256 internal constant KEY_1 = 0x1A;
    uint256 internal constant KEY_2 = 0x2B;
    uint256 internal constant KEY_3 = 0x3C;
    uint256 internal constant POOR_KEY = 0x4D;
    uint256 internal constant SIGNED_STAKE = 100_000 ether;
    address internal constant RELAYER = address(0xCAFE);
    uint256 internal constant PROPOSE_BY_SIG_GAS_BUDGET = 100_000;
    uint256 internal constant CAST_VOTE_BY_SIG_GAS_BUDGET = 100_000;

    address internal node1;
    address internal node2;
    address internal node3;
    uint256 internal deadline;

    function setUp() public override {
        super.setUp();
        node1 = vm.addr(KEY_1);
        node2 = vm.addr(KEY_2);
        node3 = vm.addr(KEY_3);
        _stakeAs(node1, SIGNED_STAKE);
        _stakeAs(node2, SIGNED_STAKE);
        _stakeAs(node3, SIGNED_STAKE);
        vm.roll(block.number + 1);
        vm.warp(1_750_000_000);
        deadline = block.timestamp + 1 hours;
    }

    // ------------------------------------------------------------------ EIP-712, built from the standard

    function _domainSeparator() internal view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("CalderaGovernor"), keccak256("1"), block.chainid, address(governor))
        );
    }

    function _proposalDigest(
        address proposer,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        uint256 nonce,
        uint256 deadline_
    ) internal view returns (bytes32) {
        bytes memory calldataHashes;
        for (uint256 i = 0; i < calldatas.length; i++) {
            calldataHashes = abi.encodePacked(calldataHashes, keccak256(calldatas[i]));
        }
        bytes32 structHash = keccak256(
            abi.encode(
                PROPOSAL_TYPEHASH,
                proposer,
                keccak256(abi.encodePacked(targets)),
                keccak256(abi.encodePacked(values)),
                keccak256(calldataHashes),
                keccak256(bytes(description)),
                nonce,
                deadline_
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signProposal(
        uint256 key,
        address proposer,
        address[] memory targets,
        bytes[] memory calldatas,
        string memory description,
        uint256 deadline_
    ) internal view returns (bytes memory) {
        return _sign(
            key,
            _proposalDigest(
                proposer,
                targets,
                new uint256[](targets.length),
                calldatas,
                description,
                governor.nonces(proposer),
                deadline_
            )
        );
    }

    function _signBallot(uint256 key, uint256 proposalId, uint8 support) internal view returns (bytes memory) {
        address voter = vm.addr(key);
        bytes32 structHash = keccak256(abi.encode(BALLOT_TYPEHASH, proposalId, support, voter, governor.nonces(voter)));
        return _sign(key, keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash)));
    }

    function _relayProposal(
        address proposer,
        address[] memory targets,
        bytes[] memory calldatas,
        string memory description,
        uint256 deadline_,
        bytes memory signature
    ) internal returns (uint256) {
        vm.prank(RELAYER);
        return governor.proposeBySig(
            targets, new uint256[](targets.length), calldatas, description, proposer, deadline_, signature
        );
    }

    function _relayVote(uint256 key, uint256 proposalId, uint8 support) internal {
        bytes memory signature = _signBallot(key, proposalId, support);
        vm.prank(RELAYER);
        governor.castVoteBySig(proposalId, support, vm.addr(key), signature);
    }

    // ------------------------------------------------------------------ proposeBySig

    function test_proposalTypehash_isTheDocumentedType() public view {
        assertEq(governor.PROPOSAL_TYPEHASH(), PROPOSAL_TYPEHASH, "PROPOSAL_TYPEHASH");
    }

    function test_proposeBySig_createsTheSignersProposalThroughAnyRelayer() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _setRuleProposal(2, TIMELINESS, 8_000, 12_000);
        string memory description = "Market forecast: timeliness >= 80%";
        bytes memory signature = _signProposal(KEY_1, node1, targets, calldatas, description, deadline);
        uint256 expectedId = governor.hashProposal(targets, values, calldatas, keccak256(bytes(description)));

        vm.expectEmit(true, false, false, true, address(governor));
        emit IGovernor.ProposalCreated(
            expectedId,
            node1,
            targets,
            values,
            new string[](1),
            calldatas,
            block.number + VOTING_DELAY,
            block.number + VOTING_DELAY + VOTING_PERIOD,
            description
        );
        uint256 proposalId = _relayProposal(node1, targets, calldatas, description, deadline, signature);

        assertEq(proposalId, expectedId, "proposal id as propose");
        assertEq(governor.proposalProposer(proposalId), node1, "the signer is the proposer, not the relayer");
        assertEq(governor.nonces(node1), 1, "nonce used");
        assertEq(governor.nonces(RELAYER), 0, "relayer's nonce untouched");
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Pending), "pending");
    }

    function test_proposeBySig_acceptsAtTheDeadlineAndRejectsOneSecondLater() public {
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        bytes memory signature = _signProposal(KEY_1, node1, targets, calldatas, "deadline", deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(CalderaGovernor.ProposalSignatureExpired.selector, deadline, deadline + 1)
        );
        _relayProposal(node1, targets, calldatas, "deadline", deadline, signature);
        assertEq(governor.nonces(node1), 0, "nonce unused");

        vm.warp(deadline);
        _relayProposal(node1, targets, calldatas, "deadline", deadline, signature);
        assertEq(governor.nonces(node1), 1, "accepted at the deadline");
    }

    function test_proposeBySig_rejectsAReplay() public {
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        bytes memory signature = _signProposal(KEY_1, node1, targets, calldatas, "once", deadline);
        _relayProposal(node1, targets, calldatas, "once", deadline, signature);
        // Replayed: the nonce has moved on, so the signature no longer matches (checked before the duplicate).
        vm.expectRevert(abi.encodeWithSelector(CalderaGovernor.InvalidProposalSignature.selector, node1));
        _relayProposal(node1, targets, calldatas, "once", deadline, signature);
        assertEq(governor.nonces(node1), 1, "nonce used once");
    }

    function test_proposeBySig_rejectsAnotherSignerOrOtherContents() public {
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        // Node 2 signs a proposal naming node 1 as its proposer.
        bytes memory wrongSigner = _signProposal(KEY_2, node1, targets, calldatas, "who", deadline);
        vm.expectRevert(abi.encodeWithSelector(CalderaGovernor.InvalidProposalSignature.selector, node1));
        _relayProposal(node1, targets, calldatas, "who", deadline, wrongSigner);

        // Node 1's signature, relayed with another threshold, another description or another deadline.
        bytes memory signature = _signProposal(KEY_1, node1, targets, calldatas, "who", deadline);
        (,, bytes[] memory otherCalldatas) = _setRuleProposal(1, INTEGRITY, 1, 15_000);
        vm.expectRevert(abi.encodeWithSelector(CalderaGovernor.InvalidProposalSignature.selector, node1));
        _relayProposal(node1, targets, otherCalldatas, "who", deadline, signature);
        vm.expectRevert(abi.encodeWithSelector(CalderaGovernor.InvalidProposalSignature.selector, node1));
        _relayProposal(node1, targets, calldatas, "who else", deadline, signature);
        vm.expectRevert(abi.encodeWithSelector(CalderaGovernor.InvalidProposalSignature.selector, node1));
        _relayProposal(node1, targets, calldatas, "who", deadline + 1, signature);
        vm.expectRevert(abi.encodeWithSelector(CalderaGovernor.InvalidProposalSignature.selector, node1));
        _relayProposal(node1, targets, calldatas, "who", deadline, hex"00");
        assertEq(governor.nonces(node1), 0, "nonce unused");
    }

    function test_proposeBySig_belowThresholdRevertsAsPropose() public {
        address poor = vm.addr(POOR_KEY);
        _stakeAs(poor, PROPOSAL_THRESHOLD - 1);
        vm.roll(block.number + 1);
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 1, 100_000);
        bytes memory signature = _signProposal(POOR_KEY, poor, targets, calldatas, "poor", deadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, poor, PROPOSAL_THRESHOLD - 1, PROPOSAL_THRESHOLD
            )
        );
        _relayProposal(poor, targets, calldatas, "poor", deadline, signature);

        // propose() by the same account fails identically.
        vm.prank(poor);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, poor, PROPOSAL_THRESHOLD - 1, PROPOSAL_THRESHOLD
            )
        );
        governor.propose(targets, new uint256[](1), calldatas, "poor");
    }

    /// @dev The threshold reads the previous block, as propose() does: stake from the same block does not count.
    function test_proposeBySig_ignoresStakeFromTheSameBlock() public {
        address poor = vm.addr(POOR_KEY);
        _stakeAs(poor, 10_000_000 ether);
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 1, 100_000);
        bytes memory signature = _signProposal(POOR_KEY, poor, targets, calldatas, "flash", deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IGovernor.GovernorInsufficientProposerVotes.selector, poor, 0, PROPOSAL_THRESHOLD)
        );
        _relayProposal(poor, targets, calldatas, "flash", deadline, signature);
        vm.roll(block.number + 1);
        _relayProposal(poor, targets, calldatas, "flash", deadline, signature);
        assertEq(governor.nonces(poor), 1, "accepted one block later");
    }

    function test_proposeBySig_honoursTheProposerSuffixRestriction() public {
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        string memory others = "reserved #proposer=0x000000000000000000000000000000000000a0de";
        bytes memory signature = _signProposal(KEY_1, node1, targets, calldatas, others, deadline);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorRestrictedProposer.selector, node1));
        _relayProposal(node1, targets, calldatas, others, deadline, signature);

        string memory mine = string.concat("reserved #proposer=", _lowerHex(node1));
        signature = _signProposal(KEY_1, node1, targets, calldatas, mine, deadline);
        uint256 proposalId = _relayProposal(node1, targets, calldatas, mine, deadline, signature);
        assertEq(governor.proposalProposer(proposalId), node1, "own suffix accepted");
    }

    /// @dev Contract accounts (multisigs, smart wallets) propose through ERC-1271, as they vote.
    function test_proposeBySig_acceptsAContractAccount() public {
        OwnerSignedWallet wallet = new OwnerSignedWallet(node1);
        _stakeAs(address(wallet), SIGNED_STAKE);
        vm.roll(block.number + 1);
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        bytes memory signature = _signProposal(KEY_1, address(wallet), targets, calldatas, "wallet", deadline);
        uint256 proposalId = _relayProposal(address(wallet), targets, calldatas, "wallet", deadline, signature);
        assertEq(governor.proposalProposer(proposalId), address(wallet), "wallet proposes");
    }

    /// @dev Proposals and ballots draw on one nonce sequence: a ballot signed before a proposal used the nonce fails.
    function test_nonces_areSharedByProposalsAndBallots() public {
        (address[] memory targets,, bytes[] memory calldatas) = _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        uint256 proposalId = _propose(NODE_A, targets, calldatas, "shared");
        vm.roll(governor.proposalSnapshot(proposalId) + 1);
        bytes memory ballot = _signBallot(KEY_1, proposalId, FOR); // nonce 0

        (,, bytes[] memory other) = _setRuleProposal(2, TIMELINESS, 8_000, 12_000);
        _relayProposal(
            node1,
            targets,
            other,
            "uses nonce 0",
            deadline,
            _signProposal(KEY_1, node1, targets, other, "uses nonce 0", deadline)
        );
        vm.prank(RELAYER);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorInvalidSignature.selector, node1));
        governor.castVoteBySig(proposalId, FOR, node1, ballot);
    }

    // ------------------------------------------------------------------ the whole vote by signature

    /// @dev proposeBySig -> castVoteBySig x3 -> queue -> (execute too early reverts) -> 2 days -> execute, all sent
    ///      by a relayer with no stake; only signatures come from the nodes.
    function test_fullVoteBySignature_changesARule() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _setRuleProposal(2, TIMELINESS, 8_000, 12_500);
        string memory description = "Market forecast: timeliness >= 80%, weight 1.25x";
        bytes32 descriptionHash = keccak256(bytes(description));
        uint256 proposalId = _relayProposal(
            node1,
            targets,
            calldatas,
            description,
            deadline,
            _signProposal(KEY_1, node1, targets, calldatas, description, deadline)
        );

        vm.roll(governor.proposalSnapshot(proposalId) + 1);
        vm.expectEmit(true, false, false, true, address(governor));
        emit IGovernor.VoteCast(node1, proposalId, FOR, SIGNED_STAKE, "");
        _relayVote(KEY_1, proposalId, FOR);
        _relayVote(KEY_2, proposalId, FOR);
        _relayVote(KEY_3, proposalId, ABSTAIN);
        (uint256 against, uint256 forVotes, uint256 abstain) = governor.proposalVotes(proposalId);
        assertEq(forVotes, 2 * SIGNED_STAKE, "for");
        assertEq(against, 0, "against");
        assertEq(abstain, SIGNED_STAKE, "abstain");
        assertEq(governor.nonces(node1), 2, "node 1 signed a proposal and a ballot");

        vm.roll(governor.proposalDeadline(proposalId) + 1);
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Succeeded), "succeeded");
        vm.prank(RELAYER);
        governor.queue(targets, values, calldatas, descriptionHash);

        bytes32 salt = bytes20(address(governor)) ^ descriptionHash;
        bytes32 operationId = timelock.hashOperationBatch(targets, values, calldatas, bytes32(0), salt);
        vm.prank(RELAYER);
        vm.expectRevert(
            abi.encodeWithSignature("TimelockUnexpectedOperationState(bytes32,bytes32)", operationId, TIMELOCK_READY)
        );
        governor.execute(targets, values, calldatas, descriptionHash);

        vm.warp(block.timestamp + TIMELOCK_DELAY);
        vm.expectEmit(true, true, true, true, address(rules));
        emit IDerivationRules.RuleSet(2, AGRICULTURAL, MARKET_FORECAST, TIMELINESS, 8_000, 12_500, true);
        vm.prank(RELAYER);
        governor.execute(targets, values, calldatas, descriptionHash);
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Executed), "executed");
        assertEq(rules.rule(2).thresholdBps, 8_000, "threshold changed");
        assertEq(rules.rule(2).weightBps, 12_500, "weight changed");
    }

    // ------------------------------------------------------------------ gas

    /// @dev Execution gas with cold storage (as in its own transaction, minus the 21,000 base and calldata), logged
    ///      with -vv: a one-call rule change proposed by signature, and a first ballot by signature.
    function test_bySig_gasIsWithinBudget() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _setRuleProposal(1, INTEGRITY, 9_100, 15_000);
        string memory description = "Planting plan: integrity >= 91%";
        bytes memory signature = _signProposal(KEY_1, node1, targets, calldatas, description, deadline);
        _coolAll();
        vm.prank(RELAYER);
        uint256 before = gasleft();
        uint256 proposalId = governor.proposeBySig(targets, values, calldatas, description, node1, deadline, signature);
        uint256 proposeUsed = before - gasleft();
        emit log_named_uint("proposeBySig gas", proposeUsed);
        assertLt(proposeUsed, PROPOSE_BY_SIG_GAS_BUDGET, "proposeBySig gas");

        vm.roll(governor.proposalSnapshot(proposalId) + 1);
        bytes memory ballot = _signBallot(KEY_2, proposalId, FOR);
        _coolAll();
        vm.prank(RELAYER);
        before = gasleft();
        governor.castVoteBySig(proposalId, FOR, node2, ballot);
        uint256 voteUsed = before - gasleft();
        emit log_named_uint("castVoteBySig gas", voteUsed);
        assertLt(voteUsed, CAST_VOTE_BY_SIG_GAS_BUDGET, "castVoteBySig gas");
    }

    function _coolAll() internal {
        vm.cool(address(governor));
        vm.cool(address(staking));
        vm.cool(address(timelock));
    }

    function _lowerHex(address account) internal pure returns (string memory) {
        bytes memory digits = "0123456789abcdef";
        bytes memory out = new bytes(42);
        out[0] = "0";
        out[1] = "x";
        uint160 value = uint160(account);
        for (uint256 i = 41; i > 1; i--) {
            out[i] = digits[value & 0xf];
            value >>= 4;
        }
        return string(out);
    }
}

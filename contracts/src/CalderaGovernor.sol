// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {
    GovernorVotesQuorumFraction
} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title CalderaGovernor
/// @notice Node governance: nodes vote with their NodeStaking stake at the proposal's snapshot block (For /
///         Against / Abstain; For must beat Against, For + Abstain must reach the quorum), and passed proposals run
///         through a TimelockController after its delay. The timelock, not this contract, owns what governance
///         controls (DerivationRules, ...).
/// @dev The clock is NodeStaking's: block numbers. Production defaults (12 s blocks), see the DEFAULT_ constants:
///      voting delay 7,200 blocks (~1 day), voting period 50,400 blocks (~1 week), proposal threshold 10,000 ERA of
///      stake, quorum 4% of the total stake at the snapshot, timelock delay 2 days. A dev chain may pass e.g. a delay
///      of 1 block and a period of 10 blocks. The voting delay is at least 1 block, also when changed by governance:
///      a proposal's voting power is read at the end of a block after the one it was proposed in.
///
///      Deploy shape (no back door): TimelockController(minDelay, proposers = [], executors = [address(0)],
///      admin = deployer) -> CalderaGovernor(staking, timelock, ...) -> timelock.grantRole(PROPOSER_ROLE, governor)
///      and grantRole(CANCELLER_ROLE, governor) -> timelock.renounceRole(DEFAULT_ADMIN_ROLE, deployer). Afterwards
///      only the timelock administers itself, only the governor proposes and cancels, and anyone may execute a
///      ready operation.
///
///      A vote cast with no power at the snapshot (e.g. stake added after it) is accepted by OpenZeppelin's
///      Governor with weight 0: it is recorded (the voter cannot vote again) but changes no tally.
///
///      Relayed actions (a hub pays the gas, nodes only sign): votes use OpenZeppelin's `castVoteBySig` /
///      `castVoteWithReasonAndParamsBySig` (EIP-712 `Ballot` / `ExtendedBallot`), proposals use `proposeBySig`
///      (EIP-712 `Proposal`, below). Both draw on the governor's one per-account nonce sequence (`nonces(account)`),
///      in the EIP-712 domain {name: "CalderaGovernor", version: "1", chainId, verifyingContract: this}.
contract CalderaGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    uint48 public constant DEFAULT_VOTING_DELAY = 7_200;
    uint32 public constant DEFAULT_VOTING_PERIOD = 50_400;
    uint256 public constant DEFAULT_PROPOSAL_THRESHOLD = 10_000 ether;
    uint256 public constant DEFAULT_QUORUM_PERCENT = 4;
    uint256 public constant DEFAULT_TIMELOCK_DELAY = 2 days;
    uint48 public constant MIN_VOTING_DELAY = 1;

    /// @notice EIP-712 type of a proposal signed by its proposer for `proposeBySig`. The arrays and the description
    ///         are typed as themselves (EIP-712 hashes an `address[]`/`uint256[]` as the keccak of its 32-byte
    ///         words, a `bytes[]` as the keccak of its elements' keccaks, a `string` as its keccak), so a wallet shows
    ///         every target, value, calldata and the description, not opaque hashes. `nonce` is the proposer's next
    ///         governor nonce (shared with ballots), `deadline` a unix time after which the signature is void.
    bytes32 public constant PROPOSAL_TYPEHASH = keccak256(
        "Proposal(address proposer,address[] targets,uint256[] values,bytes[] calldatas,string description,uint256 nonce,uint256 deadline)"
    );

    /// @notice The voting delay must be at least MIN_VOTING_DELAY blocks.
    error VotingDelayTooShort(uint256 votingDelay, uint256 minVotingDelay);
    /// @notice A `proposeBySig` signature used after its deadline.
    error ProposalSignatureExpired(uint256 deadline, uint256 timestamp);
    /// @notice The signature is not `proposer`'s over this proposal with its current nonce (wrong signer, other
    ///         contents, or a nonce already used: a replay).
    error InvalidProposalSignature(address proposer);

    /// @param staking NodeStaking: the votes (ERC-5805, block-number clock).
    /// @param timelock_ The TimelockController that executes passed proposals.
    /// @param initialVotingDelay Blocks between proposing and the snapshot; at least 1.
    /// @param initialVotingPeriod Blocks during which votes are cast; at least 1.
    /// @param initialProposalThreshold Stake (ERA wei) a proposer needs at the previous block.
    /// @param quorumPercent Percentage of the total stake at the snapshot that For + Abstain must reach.
    constructor(
        IVotes staking,
        TimelockController timelock_,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint256 initialProposalThreshold,
        uint256 quorumPercent
    )
        Governor("CalderaGovernor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(staking)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock_)
    {}

    /// @notice Creates a proposal for `proposer`, who signed it (EIP-712 `Proposal`, see PROPOSAL_TYPEHASH) with its
    ///         current nonce and `deadline`; anyone may relay it and pay the gas. Exactly the checks of `propose`
    ///         with `proposer` in place of the caller: the `#proposer=` description restriction and the proposal
    ///         threshold against `proposer`'s votes at the previous block. Uses up the proposer's nonce.
    /// @dev Reverts ProposalSignatureExpired, InvalidProposalSignature, then as `propose` does
    ///      (GovernorRestrictedProposer, GovernorInsufficientProposerVotes, GovernorInvalidProposalLength,
    ///      GovernorUnexpectedProposalState for a duplicate).
    /// @return proposalId As `propose`: hashProposal(targets, values, calldatas, keccak256(description)).
    function proposeBySig(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer,
        uint256 deadline,
        bytes memory signature
    ) public virtual returns (uint256) {
        // A deadline is a wall-clock bound on a signature; seconds of validator drift do not matter to it.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert ProposalSignatureExpired(deadline, block.timestamp);
        bytes32 structHash = _proposalStructHash(targets, values, calldatas, description, proposer, deadline);
        if (!SignatureChecker.isValidSignatureNow(proposer, _hashTypedDataV4(structHash), signature)) {
            revert InvalidProposalSignature(proposer);
        }
        _checkProposer(proposer, description);
        return _propose(targets, values, calldatas, description, proposer);
    }

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @dev EIP-712 struct hash of a `Proposal`; uses up `proposer`'s nonce (as OpenZeppelin's ballots do).
    function _proposalStructHash(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer,
        uint256 deadline
    ) internal returns (bytes32) {
        bytes32[] memory calldataHashes = new bytes32[](calldatas.length);
        for (uint256 i = 0; i < calldatas.length; ++i) {
            calldataHashes[i] = keccak256(calldatas[i]);
        }
        return keccak256(
            abi.encode(
                PROPOSAL_TYPEHASH,
                proposer,
                keccak256(abi.encodePacked(targets)),
                keccak256(abi.encodePacked(values)),
                keccak256(abi.encodePacked(calldataHashes)),
                keccak256(bytes(description)),
                _useNonce(proposer),
                deadline
            )
        );
    }

    /// @dev `Governor.propose`'s checks on its caller (OpenZeppelin 5.4), for `proposer`: the description may end
    ///      in `#proposer=<address>` only with this proposer's address, and its votes at `clock() - 1` must reach
    ///      a non-zero threshold.
    function _checkProposer(address proposer, string memory description) internal view {
        if (!_isValidDescriptionForProposer(proposer, description)) {
            revert GovernorRestrictedProposer(proposer);
        }
        uint256 votesThreshold = proposalThreshold();
        if (votesThreshold > 0) {
            uint256 proposerVotes = getVotes(proposer, clock() - 1);
            if (proposerVotes < votesThreshold) {
                revert GovernorInsufficientProposerVotes(proposer, proposerVotes, votesThreshold);
            }
        }
    }

    /// @dev Rejects a zero voting delay, at construction and in `setVotingDelay`.
    function _setVotingDelay(uint48 newVotingDelay) internal override {
        if (newVotingDelay < MIN_VOTING_DELAY) revert VotingDelayTooShort(newVotingDelay, MIN_VOTING_DELAY);
        super._setVotingDelay(newVotingDelay);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}

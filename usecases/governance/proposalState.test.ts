import { describe, expect, it } from "vitest";
import {
  type ProposalFacts,
  proposalQuorum,
  proposalState,
  proposalStates,
  quorumReached,
} from "./proposalState.js";

const ERA = 10n ** 18n;
/** Proposed in block 100 with a 1-block delay and a 10-block period, 3 nodes of 100,000 ERA, quorum 4%. */
const proposed: ProposalFacts = {
  voteStart: 101n,
  voteEnd: 111n,
  forVotes: 0n,
  againstVotes: 0n,
  abstainVotes: 0n,
  etaSeconds: null,
  executed: false,
  canceled: false,
  snapshotTotalStake: 300_000n * ERA,
  quorumNumerator: 4n,
};
const quorum = 12_000n * ERA;

describe("proposalState: OpenZeppelin Governor's state() from indexed facts", () => {
  it("keeps OpenZeppelin's enum order", () => {
    expect(proposalStates).toEqual([
      "PENDING",
      "ACTIVE",
      "CANCELED",
      "DEFEATED",
      "SUCCEEDED",
      "QUEUED",
      "EXPIRED",
      "EXECUTED",
    ]);
  });

  it("is PENDING up to and including the snapshot block, ACTIVE from the block after it through voteEnd", () => {
    expect(proposalState(proposed, 100n)).toBe("PENDING");
    expect(proposalState(proposed, 101n)).toBe("PENDING"); // snapshot >= current
    expect(proposalState(proposed, 102n)).toBe("ACTIVE");
    expect(proposalState(proposed, 111n)).toBe("ACTIVE"); // deadline >= current
    expect(proposalState(proposed, 112n)).toBe("DEFEATED"); // no votes: no quorum
  });

  it("walks pending → active → succeeded → queued → executed", () => {
    const voted = { ...proposed, forVotes: 200_000n * ERA, againstVotes: 100_000n * ERA };
    expect(proposalState(voted, 105n)).toBe("ACTIVE");
    expect(proposalState(voted, 112n)).toBe("SUCCEEDED");
    const queued = { ...voted, etaSeconds: 1_750_172_800n };
    expect(proposalState(queued, 113n)).toBe("QUEUED");
    expect(proposalState(queued, 10_000n)).toBe("QUEUED"); // never EXPIRED: the timelock keeps it executable
    expect(proposalState({ ...queued, executed: true }, 10_001n)).toBe("EXECUTED");
  });

  it("is DEFEATED on a tie or more against, whatever the quorum", () => {
    expect(proposalState({ ...proposed, forVotes: 150_000n * ERA, againstVotes: 150_000n * ERA }, 112n)).toBe(
      "DEFEATED",
    );
    expect(proposalState({ ...proposed, forVotes: ERA, againstVotes: 2n * ERA }, 112n)).toBe("DEFEATED");
  });

  it("counts for + abstain towards the quorum (at least, not more than) and only for vs against to pass", () => {
    expect(proposalQuorum(proposed)).toBe(quorum);
    const justBelow = { ...proposed, forVotes: 6_000n * ERA, abstainVotes: 6_000n * ERA - 1n };
    expect(quorumReached(justBelow)).toBe(false);
    expect(proposalState(justBelow, 112n)).toBe("DEFEATED");
    const exactly = { ...justBelow, abstainVotes: 6_000n * ERA };
    expect(quorumReached(exactly)).toBe(true);
    expect(proposalState(exactly, 112n)).toBe("SUCCEEDED");
    // Abstain alone reaches the quorum but does not pass: for must beat against (0 > 0 is false).
    expect(proposalState({ ...proposed, abstainVotes: quorum }, 112n)).toBe("DEFEATED");
    // Against does not count towards the quorum.
    expect(proposalState({ ...proposed, forVotes: ERA, againstVotes: 0n, abstainVotes: 0n }, 112n)).toBe(
      "DEFEATED",
    );
  });

  it("rounds the quorum down as Math.mulDiv does, and reads stake and numerator at the snapshot", () => {
    expect(proposalQuorum({ snapshotTotalStake: 99n, quorumNumerator: 4n })).toBe(3n); // 3.96 → 3
    expect(proposalQuorum({ snapshotTotalStake: 0n, quorumNumerator: 4n })).toBe(0n);
    // No stake at the snapshot: quorum 0 is reached by no votes, yet 0 for does not beat 0 against.
    const empty = { ...proposed, snapshotTotalStake: 0n };
    expect(proposalState(empty, 112n)).toBe("DEFEATED");
    expect(proposalState({ ...empty, forVotes: 1n }, 112n)).toBe("SUCCEEDED");
  });

  it("puts EXECUTED and CANCELED before everything else", () => {
    expect(proposalState({ ...proposed, canceled: true }, 100n)).toBe("CANCELED");
    expect(proposalState({ ...proposed, executed: true, canceled: true }, 100n)).toBe("EXECUTED");
  });
});

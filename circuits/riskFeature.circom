pragma circom 2.1.9;

// Risk-feature circuit: a desensitized risk feature about one subject (a provider).
//
// An ecosystem commits to up to 32 private records about the subject in a depth-5 Poseidon Merkle tree and proves
// that, among the first `recordCount` of them, the share whose value reaches `threshold` lies in the bucket
// [bucketLowBps, bucketHighBps) — without revealing a record, a counterparty or a scenario (contracts/src/interfaces/
// IRiskFeatureRegistry.sol, prover/riskFeatureStandard.ts).
//
// Public signals (all inputs, in this declaration order; IRiskFeatureVerifier):
//   [0] evidenceRoot   Merkle root over the 32 leaves (below)
//   [1] subject        uint160 provider address
//   [2] context        keccak256(abi.encode(chainId, registry, ecosystemId, kind)) mod p, computed by the registry;
//                      bound here, not interpreted (prover/riskFeatureContext.ts)
//   [3] windowStart    uint64 seconds
//   [4] windowEnd      uint64 seconds
//   [5] threshold      uint32: a record is flagged when value ≥ threshold
//   [6] recordCount    n, 1..32: records 0..n-1 are active, the rest padding
//   [7] bucketLowBps   the bucket's lower edge (inclusive)
//   [8] bucketHighBps  the bucket's upper edge (exclusive, except that the top bucket, high = 10000, includes it)
// Private, per record i: timestamp (uint64), value (uint32), counterpartyHash and scenarioHash (salted Poseidon
//   hashes computed off-circuit by prover/commitRiskRecords.ts, never revealed).
// leaf[i] = Poseidon(subject, timestamp[i], value[i], counterpartyHash[i], scenarioHash[i]) if i < n, else 0;
// node = Poseidon(left, right) at every level, zero subtrees included; evidenceRoot = the level-5 node.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/bitify.circom";

template RiskFeature(DEPTH) {
    var N = 1 << DEPTH;

    signal input evidenceRoot;
    signal input subject;
    signal input context;
    signal input windowStart;
    signal input windowEnd;
    signal input threshold;
    signal input recordCount;
    signal input bucketLowBps;
    signal input bucketHighBps;
    signal input timestamp[N];
    signal input value[N];
    signal input counterpartyHash[N];
    signal input scenarioHash[N];

    // Enforces: context is bound to the proof. A public input that appears in no constraint gets a zero
    // verification-key point, so any value would verify; squaring it puts it into the constraint system.
    signal contextSquared <== context * context;

    // Enforces: windowStart, windowEnd < 2^64, so the 64-bit comparators below are sound.
    component windowStartBits = Num2Bits(64);
    windowStartBits.in <== windowStart;
    component windowEndBits = Num2Bits(64);
    windowEndBits.in <== windowEnd;
    // Enforces: threshold < 2^32, so the 32-bit comparators below are sound.
    component thresholdBits = Num2Bits(32);
    thresholdBits.in <== threshold;
    // Enforces: recordCount < 2^6, so the 6-bit comparators below are sound.
    component recordCountBits = Num2Bits(6);
    recordCountBits.in <== recordCount;
    // Enforces: bucketLowBps, bucketHighBps < 2^14, so the 14-bit comparators below are sound.
    component lowBits = Num2Bits(14);
    lowBits.in <== bucketLowBps;
    component highBits = Num2Bits(14);
    highBits.in <== bucketHighBps;

    // Enforces: recordCount ≥ 1 (a feature over no records says nothing).
    component noRecords = IsZero();
    noRecords.in <== recordCount;
    noRecords.out === 0;
    // Enforces: recordCount ≤ 32 (the tree's leaves).
    component countFits = LessEqThan(6);
    countFits.in[0] <== recordCount;
    countFits.in[1] <== N;
    countFits.out === 1;

    component isActive[N];
    component timestampBits[N];
    component afterStart[N];
    component beforeEnd[N];
    component valueBits[N];
    component reaches[N];
    component record[N];
    signal active[N];
    signal flagged[N];
    signal leaf[2 * N - 1];
    var count = 0;
    for (var i = 0; i < N; i++) {
        // Enforces: active[i] = (i < recordCount).
        isActive[i] = LessThan(6);
        isActive[i].in[0] <== i;
        isActive[i].in[1] <== recordCount;
        active[i] <== isActive[i].out;

        // Enforces: timestamp[i] < 2^64 (padding records' too, so the comparators are sound for every i).
        timestampBits[i] = Num2Bits(64);
        timestampBits[i].in <== timestamp[i];
        // Enforces: an active record's timestamp is ≥ windowStart.
        afterStart[i] = GreaterEqThan(64);
        afterStart[i].in[0] <== timestamp[i];
        afterStart[i].in[1] <== windowStart;
        active[i] * (1 - afterStart[i].out) === 0;
        // Enforces: an active record's timestamp is ≤ windowEnd.
        beforeEnd[i] = LessEqThan(64);
        beforeEnd[i].in[0] <== timestamp[i];
        beforeEnd[i].in[1] <== windowEnd;
        active[i] * (1 - beforeEnd[i].out) === 0;

        // Enforces: value[i] < 2^32, so the comparator below is sound.
        valueBits[i] = Num2Bits(32);
        valueBits[i].in <== value[i];
        // Enforces: flagged[i] = active[i] ∧ value[i] ≥ threshold (padding is never counted).
        reaches[i] = GreaterEqThan(32);
        reaches[i].in[0] <== value[i];
        reaches[i].in[1] <== threshold;
        flagged[i] <== active[i] * reaches[i].out;
        count += flagged[i];

        // Enforces: leaf[i] = Poseidon(subject, timestamp, value, counterpartyHash, scenarioHash) for an active
        // record and 0 for padding, so the root fixes both the records and how many there are.
        record[i] = Poseidon(5);
        record[i].inputs[0] <== subject;
        record[i].inputs[1] <== timestamp[i];
        record[i].inputs[2] <== value[i];
        record[i].inputs[3] <== counterpartyHash[i];
        record[i].inputs[4] <== scenarioHash[i];
        leaf[i] <== active[i] * record[i].out;
    }

    // Enforces: node k of the tree (leaves 0..N-1, then each level's nodes in order, the root last) is
    // Poseidon(left child, right child).
    component node[N - 1];
    for (var k = 0; k < N - 1; k++) {
        node[k] = Poseidon(2);
        node[k].inputs[0] <== leaf[2 * k];
        node[k].inputs[1] <== leaf[2 * k + 1];
        leaf[N + k] <== node[k].out;
    }
    // Enforces: evidenceRoot is the root of exactly these records.
    evidenceRoot === leaf[2 * N - 2];

    // Enforces: bucketHighBps ≤ 10000.
    component highFits = LessEqThan(14);
    highFits.in[0] <== bucketHighBps;
    highFits.in[1] <== 10000;
    highFits.out === 1;
    // Enforces: bucketLowBps < bucketHighBps (a bucket is a non-empty interval).
    component ordered = LessThan(14);
    ordered.in[0] <== bucketLowBps;
    ordered.in[1] <== bucketHighBps;
    ordered.out === 1;

    // count ≤ 32, so count·10000 ≤ 320,000 < 2^20; each edge is < 2^14 and n ≤ 32, so edge·n < 2^19.
    signal lowTimesN <== bucketLowBps * recordCount;
    signal highTimesN <== bucketHighBps * recordCount;
    // Enforces: count / n ≥ bucketLowBps / 10000, as count·10000 ≥ low·n.
    component reachesLow = GreaterEqThan(20);
    reachesLow.in[0] <== count * 10000;
    reachesLow.in[1] <== lowTimesN;
    reachesLow.out === 1;
    // Enforces: count / n < bucketHighBps / 10000 unless the bucket is the top one (high = 10000), which includes
    // count = n.
    component belowHigh = LessThan(20);
    belowHigh.in[0] <== count * 10000;
    belowHigh.in[1] <== highTimesN;
    component isTop = IsEqual();
    isTop.in[0] <== bucketHighBps;
    isTop.in[1] <== 10000;
    (1 - isTop.out) * (1 - belowHigh.out) === 0;
}

component main {public [evidenceRoot, subject, context, windowStart, windowEnd, threshold, recordCount, bucketLowBps, bucketHighBps]} = RiskFeature(5);

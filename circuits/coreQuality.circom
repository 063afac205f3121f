pragma circom 2.1.9;

// Core-quality certificate circuit.
//
// Over a window of N expected readings (slot i is due at windowStart + i·slotSeconds) it proves that the dataset
// behind `commitment` meets public quality thresholds (integrity, timeliness, continuity, longest gap), as defined in
// docs/spec.md#quality-attributes, and binds the proof to the provider, the chain and the registry that verifies it.
//
// Public signals (snarkjs order: output first):
//   [0] commitment  Poseidon commitment to the dataset (see below)
//   [1] provider    uint160 provider address
//   [2] context     registry address | chainId << 160  (replay across chains/registries changes it)
//   [3] terms       minIntegrityBps | minTimelinessBps << 16 | minContinuityBps << 32 | maxGapSlots << 48
//                   | deadlineSeconds << 64 | slotSeconds << 96 | windowStart << 128 | domain << 192
// Private: reading[i] = present | delaySeconds << 1 | encodedValue << 25  (present ∈ {0,1}, delay < 2^24,
//   encodedValue < 2^32; a missing slot is the single value 0 so every dataset has exactly one encoding).
// commitment = Poseidon(P16(reading[0..15]), …, P16(reading[80..95]), windowStart, slotSeconds).

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/bitify.circom";

template CoreQuality(N) {
    assert(N % 16 == 0);
    var CHUNKS = N \ 16;

    signal input provider;
    signal input context;
    signal input terms;
    signal input reading[N];
    signal output commitment;

    // Enforces: provider and context are bound to the proof. A public input that appears in no constraint gets a
    // zero verification-key point, so any value would verify; squaring it puts it into the constraint system.
    signal providerSquared <== provider * provider;
    signal contextSquared <== context * context;

    // Enforces: terms < 2^200 with a unique bit decomposition (200 < 254, so no aliasing modulo p).
    component termBits = Num2Bits(200);
    termBits.in <== terms;
    var minIntegrityBps = 0;
    var minTimelinessBps = 0;
    var minContinuityBps = 0;
    var maxGapSlots = 0;
    var deadlineSeconds = 0;
    var slotSeconds = 0;
    var windowStart = 0;
    for (var k = 0; k < 16; k++) {
        minIntegrityBps += termBits.out[k] * (1 << k);
        minTimelinessBps += termBits.out[16 + k] * (1 << k);
        minContinuityBps += termBits.out[32 + k] * (1 << k);
        maxGapSlots += termBits.out[48 + k] * (1 << k);
    }
    for (var k = 0; k < 32; k++) {
        deadlineSeconds += termBits.out[64 + k] * (1 << k);
        slotSeconds += termBits.out[96 + k] * (1 << k);
    }
    for (var k = 0; k < 64; k++) {
        windowStart += termBits.out[128 + k] * (1 << k);
    }

    // Deadlines and gap limits above what a reading can express are equivalent to the largest expressible one;
    // capping them once lets the per-slot comparators run on 24 and 7 bits instead of 32 and 16.
    component deadlineFits = LessThan(32);
    deadlineFits.in[0] <== deadlineSeconds;
    deadlineFits.in[1] <== 1 << 24;
    // Enforces: deadlineCap = min(deadlineSeconds, 2^24 - 1).
    signal deadlineCap <== deadlineFits.out * (deadlineSeconds - ((1 << 24) - 1)) + ((1 << 24) - 1);
    component gapFits = LessThan(16);
    gapFits.in[0] <== maxGapSlots;
    gapFits.in[1] <== N + 1;
    // Enforces: gapCap = min(maxGapSlots, N).
    signal gapCap <== gapFits.out * (maxGapSlots - N) + N;

    component readingBits[N];
    component onTimeCheck[N];
    component gapCheck[N];
    signal present[N];
    signal delay[N];
    signal onTime[N];
    signal bothPresent[N - 1];
    signal missingRun[N];
    var presentCount = 0;
    var timelyCount = 0;
    var adjacentCount = 0;
    for (var i = 0; i < N; i++) {
        // Enforces: reading[i] < 2^57 with unique bits, so present is a bit, delay < 2^24, value < 2^32.
        readingBits[i] = Num2Bits(57);
        readingBits[i].in <== reading[i];
        present[i] <== readingBits[i].out[0];
        var delayAcc = 0;
        for (var k = 0; k < 24; k++) {
            delayAcc += readingBits[i].out[1 + k] * (1 << k);
        }
        delay[i] <== delayAcc;
        // Enforces: a missing slot is encoded as 0 (no hidden value or delay under an absent reading).
        (1 - present[i]) * reading[i] === 0;

        // Enforces: onTime[i] = present[i] ∧ delay[i] ≤ deadline.
        onTimeCheck[i] = LessEqThan(24);
        onTimeCheck[i].in[0] <== delay[i];
        onTimeCheck[i].in[1] <== deadlineCap;
        onTime[i] <== present[i] * onTimeCheck[i].out;

        // Enforces: missingRun[i] = length of the run of missing slots ending at i.
        if (i == 0) {
            missingRun[i] <== 1 - present[i];
        } else {
            missingRun[i] <== (missingRun[i - 1] + 1) * (1 - present[i]);
            bothPresent[i - 1] <== present[i - 1] * present[i];
            adjacentCount += bothPresent[i - 1];
        }
        // Enforces: every run of missing slots is at most maxGapSlots (missingRun ≤ N < 2^7).
        gapCheck[i] = LessEqThan(7);
        gapCheck[i].in[0] <== missingRun[i];
        gapCheck[i].in[1] <== gapCap;
        gapCheck[i].out === 1;

        presentCount += present[i];
        timelyCount += onTime[i];
    }

    // Enforces: at least one reading is present (timeliness is a ratio over present readings).
    component nonepresent = IsZero();
    nonepresent.in <== presentCount;
    nonepresent.out === 0;

    // Enforces: integrity = present / N ≥ minIntegrityBps / 10000  (both sides < 2^24).
    component integrityMet = GreaterEqThan(24);
    integrityMet.in[0] <== presentCount * 10000;
    integrityMet.in[1] <== minIntegrityBps * N;
    integrityMet.out === 1;

    // Enforces: timeliness = timely / present ≥ minTimelinessBps / 10000.
    signal timelinessRhs <== minTimelinessBps * presentCount;
    component timelinessMet = GreaterEqThan(24);
    timelinessMet.in[0] <== timelyCount * 10000;
    timelinessMet.in[1] <== timelinessRhs;
    timelinessMet.out === 1;

    // Enforces: continuity = adjacent present pairs / (N − 1) ≥ minContinuityBps / 10000.
    component continuityMet = GreaterEqThan(24);
    continuityMet.in[0] <== adjacentCount * 10000;
    continuityMet.in[1] <== minContinuityBps * (N - 1);
    continuityMet.out === 1;

    // Enforces: commitment is the Poseidon commitment to exactly these readings in this window.
    component chunkHash[CHUNKS];
    component windowHash = Poseidon(CHUNKS + 2);
    for (var c = 0; c < CHUNKS; c++) {
        chunkHash[c] = Poseidon(16);
        for (var j = 0; j < 16; j++) {
            chunkHash[c].inputs[j] <== reading[c * 16 + j];
        }
        windowHash.inputs[c] <== chunkHash[c].out;
    }
    windowHash.inputs[CHUNKS] <== windowStart;
    windowHash.inputs[CHUNKS + 1] <== slotSeconds;
    commitment <== windowHash.out;
}

component main {public [provider, context, terms]} = CoreQuality(96);

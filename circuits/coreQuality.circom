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
//   [4] schemaHash  the dataset's channel schema: Poseidon(channelCount, schemaDigest)
// Private: reading[i] = present | delaySeconds << 1 | channel[0] << 25 | channel[1] << 57 | … | channel[6] << 217
//   (present ∈ {0,1}, delay < 2^24, each channel < 2^32: 249 bits in all, docs/spec.md#per-slot-encoding). A
//   missing slot is the single value 0 and the channels the schema does not declare are 0, so every dataset has
//   exactly one encoding. channelCount (1 to 7) and schemaDigest (keccak256 of the schema's canonical JSON, mod p)
//   open schemaHash.
// commitment = Poseidon(P16(reading[0..15]), …, P16(reading[80..95]), windowStart, slotSeconds, schemaHash).

include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/bitify.circom";
include "./coreSlots.circom";

template CoreQuality(N) {
    signal input provider;
    signal input context;
    signal input terms;
    signal input schemaHash;
    signal input channelCount;
    signal input schemaDigest;
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

    // Enforces: schemaHash = Poseidon(channelCount, schemaDigest) and declared[c] = (c < channelCount).
    component schema = ChannelSchema();
    schema.channelCount <== channelCount;
    schema.schemaDigest <== schemaDigest;
    schema.schemaHash === schemaHash;

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

    component slot[N];
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
    var channelTotal[7] = [0, 0, 0, 0, 0, 0, 0];
    for (var i = 0; i < N; i++) {
        // Enforces: reading[i] < 2^249 with unique bits: present is a bit, delay < 2^24, every channel < 2^32.
        slot[i] = DecodeSlot();
        slot[i].in <== reading[i];
        present[i] <== slot[i].present;
        delay[i] <== slot[i].delay;
        for (var c = 0; c < 7; c++) {
            channelTotal[c] += slot[i].channel[c];
        }
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

    // Enforces: every channel the schema does not declare is 0 in every slot. Channel values are non-negative and
    // below 2^32, so their sum over N slots and 7 channels stays below 2^42 < p: the sum of the undeclared
    // channels' totals is 0 exactly when each of their values is 0 (one product per channel, not per slot).
    signal undeclaredTotal[7];
    var undeclaredSum = 0;
    for (var c = 0; c < 7; c++) {
        // Enforces: undeclaredTotal[c] = channel c's total over all slots if the schema does not declare c, else 0.
        undeclaredTotal[c] <== (1 - schema.declared[c]) * channelTotal[c];
        undeclaredSum += undeclaredTotal[c];
    }
    // Enforces: no undeclared channel carries a value (one encoding per dataset under its schema).
    undeclaredSum === 0;

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

    // Enforces: commitment is the Poseidon commitment to exactly these readings in this window under this schema.
    component commit = CoreCommitment(N);
    for (var i = 0; i < N; i++) {
        commit.reading[i] <== reading[i];
    }
    commit.windowStart <== windowStart;
    commit.slotSeconds <== slotSeconds;
    commit.schemaHash <== schemaHash;
    commitment <== commit.out;
}

component main {public [provider, context, terms, schemaHash]} = CoreQuality(96);

pragma circom 2.1.9;

// Derivation-binding circuit: one proof per core certificate a derivation draws on.
//
// It proves that the features a model ran on were computed from the dataset behind a certified core commitment:
// it opens the commitment (the same slots, window and schema the core proof was about), selects the channels named
// by channelMask and commits to the result, and it carries the derivation's bindingHash so the proof is good for
// that derivation only (docs/spec.md#derivation-binding).
//
// Public signals (snarkjs order: output first):
//   [0] featureCommitment  Poseidon commitment to the features (see below)
//   [1] coreCommitment     the core certificate's dataset commitment
//   [2] channelMask        bit c set = channel c is a feature; 7 bits, only channels the schema declares
//   [3] bindingHash        keccak256 of the derivation's fields mod p, computed by the verifier's caller; bound here,
//                          not interpreted
// Private: the N slot elements, windowStart, slotSeconds, channelCount and schemaDigest (all inside the commitment).
//
// Features: for every slot its present flag, and for every selected channel its encoded value (0 in a missing slot).
//   presence     = Σ present[i] · 2^i                                      (N ≤ 252 bits)
//   column[c][e] = Σ_{j<7, 7e+j<N} channel[7e+j][c] · 2^(32j)             (seven 32-bit values per element)
//   digest[c]    = Poseidon(column[c][0..E-1]) if channel c is selected, else 0   (E = ceil(N / 7))
//   featureCommitment = Poseidon(channelMask, presence, digest[0], …, digest[6])

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "./coreSlots.circom";

template DerivationBinding(N) {
    var PER_ELEMENT = 7;
    var ELEMENTS = (N + PER_ELEMENT - 1) \ PER_ELEMENT;
    assert(N <= 252);

    signal input coreCommitment;
    signal input channelMask;
    signal input bindingHash;
    signal input reading[N];
    signal input windowStart;
    signal input slotSeconds;
    signal input channelCount;
    signal input schemaDigest;
    signal output featureCommitment;

    // Enforces: bindingHash is bound to the proof (an unconstrained public input would get a zero verification-key
    // point and accept any value); squaring puts it into the constraint system.
    signal bindingHashSquared <== bindingHash * bindingHash;

    // Enforces: schemaHash = Poseidon(channelCount, schemaDigest) and declared[c] = (c < channelCount).
    component schema = ChannelSchema();
    schema.channelCount <== channelCount;
    schema.schemaDigest <== schemaDigest;

    // Enforces: the slots, window and schema are exactly those behind coreCommitment.
    component commit = CoreCommitment(N);
    for (var i = 0; i < N; i++) {
        commit.reading[i] <== reading[i];
    }
    commit.windowStart <== windowStart;
    commit.slotSeconds <== slotSeconds;
    commit.schemaHash <== schema.schemaHash;
    commit.out === coreCommitment;

    // Enforces: channelMask < 2^7 with unique bits.
    component mask = Num2Bits(7);
    mask.in <== channelMask;
    for (var c = 0; c < 7; c++) {
        // Enforces: only channels the schema declares can be selected.
        mask.out[c] * (1 - schema.declared[c]) === 0;
    }

    // Enforces: every slot splits into present, delay and seven 32-bit channels in exactly one way, so the
    // features below are the committed values and no others.
    component slot[N];
    var presence = 0;
    var column[7][ELEMENTS];
    for (var c = 0; c < 7; c++) {
        for (var e = 0; e < ELEMENTS; e++) {
            column[c][e] = 0;
        }
    }
    for (var i = 0; i < N; i++) {
        slot[i] = DecodeSlot();
        slot[i].in <== reading[i];
        presence += slot[i].present * (1 << i);
        for (var c = 0; c < 7; c++) {
            column[c][i \ PER_ELEMENT] += slot[i].channel[c] * (1 << (32 * (i % PER_ELEMENT)));
        }
    }

    component columnHash[7];
    signal digest[7];
    component features = Poseidon(9);
    // Enforces: the mask itself is the feature commitment's first input (the commitment says what it selects).
    features.inputs[0] <== channelMask;
    // Enforces: the presence feature is the present flags, slot i at bit i.
    features.inputs[1] <== presence;
    for (var c = 0; c < 7; c++) {
        // Enforces: columnHash[c] = Poseidon of channel c's values, seven per element in slot order.
        columnHash[c] = Poseidon(ELEMENTS);
        for (var e = 0; e < ELEMENTS; e++) {
            columnHash[c].inputs[e] <== column[c][e];
        }
        // Enforces: digest[c] is channel c's column hash when selected, 0 when not.
        digest[c] <== mask.out[c] * columnHash[c].out;
        features.inputs[2 + c] <== digest[c];
    }
    // Enforces: featureCommitment = Poseidon(channelMask, presence, digest[0], …, digest[6]).
    featureCommitment <== features.out;
}

component main {public [coreCommitment, channelMask, bindingHash]} = DerivationBinding(96);

pragma circom 2.1.9;

// The core dataset's layout, shared by every circuit that opens a core commitment (coreQuality, derivationBinding),
// so the certificate and the proofs drawn on it cannot disagree about what a slot or a commitment is.
//
// One field element per slot (docs/spec.md#per-slot-encoding):
//   reading = present | delay << 1 | channel[0] << 25 | channel[1] << 57 | … | channel[6] << 217
// present ∈ {0,1}; delay < 2^24 s; each channel is its schema-scaled value + 2^31, below 2^32: 249 bits in all.
// A missing slot is exactly 0; channels the schema does not declare are 0 (coreQuality enforces both).
//
// schemaHash = Poseidon(channelCount, schemaDigest): schemaDigest is keccak256 of the schema's canonical JSON
// reduced mod p (prover/channelSchemaHash.ts); channelCount (1 to 7) is in the clear so circuits can use it.
//
// commitment = Poseidon(P16(reading[0..15]), …, P16(reading[N-16..N-1]), windowStart, slotSeconds, schemaHash).

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

// Splits one slot element into its fields.
template DecodeSlot() {
    signal input in;
    signal output present;
    signal output delay;
    signal output channel[7];

    // Enforces: in < 2^249 with a unique bit decomposition (249 < 254, so no aliasing modulo p): present is a
    // bit, delay < 2^24 and every channel < 2^32, and each slot element has exactly one reading of its fields.
    component bits = Num2Bits(249);
    bits.in <== in;
    // Enforces: present is bit 0.
    present <== bits.out[0];
    var delayAcc = 0;
    for (var k = 0; k < 24; k++) {
        delayAcc += bits.out[1 + k] * (1 << k);
    }
    // Enforces: delay is bits 1–24.
    delay <== delayAcc;
    for (var c = 0; c < 7; c++) {
        var value = 0;
        for (var k = 0; k < 32; k++) {
            value += bits.out[25 + 32 * c + k] * (1 << k);
        }
        // Enforces: channel c is bits 25 + 32c to 56 + 32c.
        channel[c] <== value;
    }
}

// Opens schemaHash and spells its channel count as flags: declared[c] = 1 exactly for c < channelCount.
template ChannelSchema() {
    signal input channelCount;
    signal input schemaDigest;
    signal output schemaHash;
    signal output declared[7];

    var count = 0;
    for (var c = 0; c < 7; c++) {
        declared[c] <-- c < channelCount ? 1 : 0;
        // Enforces: declared[c] is a bit.
        declared[c] * (declared[c] - 1) === 0;
        if (c > 0) {
            // Enforces: the declared channels are a prefix (channel c only if channel c − 1).
            declared[c] * (1 - declared[c - 1]) === 0;
        }
        count += declared[c];
    }
    // Enforces: a schema declares at least one channel.
    declared[0] === 1;
    // Enforces: channelCount is the number of declared channels, hence 1 ≤ channelCount ≤ 7.
    count === channelCount;

    // Enforces: schemaHash = Poseidon(channelCount, schemaDigest).
    component hash = Poseidon(2);
    hash.inputs[0] <== channelCount;
    hash.inputs[1] <== schemaDigest;
    schemaHash <== hash.out;
}

// The Poseidon commitment to a core dataset: its N slot elements, its window and its channel schema.
template CoreCommitment(N) {
    assert(N % 16 == 0);
    var CHUNKS = N \ 16;
    signal input reading[N];
    signal input windowStart;
    signal input slotSeconds;
    signal input schemaHash;
    signal output out;

    component chunkHash[CHUNKS];
    component windowHash = Poseidon(CHUNKS + 3);
    for (var c = 0; c < CHUNKS; c++) {
        // Enforces: chunk hash c = Poseidon16 of slots 16c to 16c + 15, in slot order.
        chunkHash[c] = Poseidon(16);
        for (var j = 0; j < 16; j++) {
            chunkHash[c].inputs[j] <== reading[c * 16 + j];
        }
        windowHash.inputs[c] <== chunkHash[c].out;
    }
    windowHash.inputs[CHUNKS] <== windowStart;
    windowHash.inputs[CHUNKS + 1] <== slotSeconds;
    windowHash.inputs[CHUNKS + 2] <== schemaHash;
    // Enforces: out = Poseidon(chunk hashes…, windowStart, slotSeconds, schemaHash).
    out <== windowHash.out;
}

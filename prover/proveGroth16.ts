import { curves, type Groth16Proof } from "snarkjs";

/*
 * The Groth16 prover of snarkjs 0.7.6 (src/groth16_prove.js, GPL-3.0, © 0KIMS association), the same arithmetic in
 * a different order: snarkjs parses the zkey and copies its sections for every proof, then runs each step after the
 * previous one — the five multi-exponentiations on the curve's threads, the QAP evaluation (`buildABC`) on the
 * calling thread. Here the zkey is parsed once per host and kept, and the four multi-exponentiations over the witness
 * (A, B1, B2, C), which do not depend on the QAP, are queued on the curve's threads before the calling thread starts
 * on the QAP: the serial JavaScript then runs while the threads work instead of while they idle. Only H waits for
 * the QAP. With the single-threaded curve (a pool worker thread) there is nothing to overlap and the order changes
 * nothing but the kept zkey. Proofs are checked against the verification key by the caller (`verify`), as any.
 */

/** The slice of ffjavascript's bn128 curve this prover uses (snarkjs passes it around untyped). */
type Point = unknown;
type Field = {
  n8: number;
  s: number;
  shift: Uint8Array;
  w: Uint8Array[];
  e(value: number): Uint8Array;
  add(a: Uint8Array, b: Uint8Array): Uint8Array;
  mul(a: Uint8Array, b: Uint8Array): Uint8Array;
  neg(a: Uint8Array): Uint8Array;
  random(): Uint8Array;
  ifft(buffer: Uint8Array): Promise<Uint8Array>;
  fft(buffer: Uint8Array): Promise<Uint8Array>;
  batchApplyKey(buffer: Uint8Array, first: Uint8Array, inc: Uint8Array): Promise<Uint8Array>;
};
type Group = {
  F: { n8: number };
  fromRprLEM(buffer: Uint8Array, offset: number): Point;
  multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Point>;
  add(a: Point, b: Point): Point;
  timesFr(point: Point, scalar: Uint8Array): Point;
  toAffine(point: Point): Point;
  toObject(point: Point): bigint[] | bigint[][];
};
type Bn128 = {
  name: string;
  Fr: Field;
  G1: Group;
  G2: Group;
  tm: { queueAction(task: unknown[]): Promise<Uint8Array[]> };
};

/** A zkey's Groth16 header and the sections a proof reads, parsed once. */
type PreparedZkey = {
  curve: Bn128;
  nVars: number;
  nPublic: number;
  domainSize: number;
  vk: { alpha1: Point; beta1: Point; beta2: Point; delta1: Point; delta2: Point };
  /** Sections 4 (QAP coefficients) and 5–9 (the A, B1, B2, C and H points). */
  coeffs: Uint8Array;
  pointsA: Uint8Array;
  pointsB1: Uint8Array;
  pointsB2: Uint8Array;
  pointsC: Uint8Array;
  pointsH: Uint8Array;
};

export type ProveGroth16Parameters = {
  /** The zkey's bytes; parsed on first use and kept for as long as the bytes are (loadCircuitArtifacts keeps them). */
  zkey: Uint8Array;
  /** A `.wtns` file's bytes, as circom_runtime's `calculateWTNSBin` gives them. */
  wtns: Uint8Array;
};

export type ProveGroth16ReturnType = { proof: Groth16Proof; publicSignals: string[] };

const prepared = new WeakMap<Uint8Array, Promise<PreparedZkey>>();

/** A Groth16 proof, as snarkjs's `groth16.prove` makes it, with the zkey kept and the witness work overlapped. */
export async function proveGroth16({ zkey, wtns }: ProveGroth16Parameters): Promise<ProveGroth16ReturnType> {
  let key = prepared.get(zkey);
  if (key === undefined) {
    key = prepareZkey(zkey);
    key.catch(() => prepared.delete(zkey));
    prepared.set(zkey, key);
  }
  const { curve, nVars, nPublic, domainSize, vk, ...sections } = await key;
  const { Fr, G1, G2 } = curve;
  const witnessFile = readSections(wtns, "wtns");
  const witnessHeader = new DataView(section(witnessFile, 1).buffer, section(witnessFile, 1).byteOffset);
  const n8 = witnessHeader.getUint32(0, true);
  const nWitness = witnessHeader.getUint32(4 + n8, true);
  if (nWitness !== nVars) throw new Error(`Invalid witness length. Circuit: ${nVars}, witness: ${nWitness}`);
  const witness = section(witnessFile, 2);

  // Queued on the curve's threads now; the QAP below runs on this thread meanwhile.
  const pendingA = G1.multiExpAffine(sections.pointsA, witness);
  const pendingB1 = G1.multiExpAffine(sections.pointsB1, witness);
  const pendingB2 = G2.multiExpAffine(sections.pointsB2, witness);
  const pendingC = G1.multiExpAffine(sections.pointsC, witness.slice((nPublic + 1) * Fr.n8));

  const [evaluationsA, evaluationsB, evaluationsC] = buildABC(curve, domainSize, sections.coeffs, witness);
  const power = Math.log2(domainSize);
  const inc = power === Fr.s ? Fr.shift : (Fr.w[power + 1] as Uint8Array);
  // The evaluations on the odd coset of the domain, as snarkjs computes them (ifft, shift, fft).
  const odd = async (evaluations: Uint8Array) =>
    Fr.fft(await Fr.batchApplyKey(await Fr.ifft(evaluations), Fr.e(1), inc));
  const [oddA, oddB, oddC] = await Promise.all([odd(evaluationsA), odd(evaluationsB), odd(evaluationsC)]);
  const resH = await G1.multiExpAffine(sections.pointsH, await joinABC(curve, oddA, oddB, oddC));

  let piA = await pendingA;
  let pib1 = await pendingB1;
  let piB = await pendingB2;
  let piC = await pendingC;
  // The blinding, exactly as snarkjs: r, s random in Fr.
  const r = Fr.random();
  const s = Fr.random();
  piA = G1.add(G1.add(piA, vk.alpha1), G1.timesFr(vk.delta1, r));
  piB = G2.add(G2.add(piB, vk.beta2), G2.timesFr(vk.delta2, s));
  pib1 = G1.add(G1.add(pib1, vk.beta1), G1.timesFr(vk.delta1, s));
  piC = G1.add(piC, resH);
  piC = G1.add(piC, G1.timesFr(piA, s));
  piC = G1.add(piC, G1.timesFr(pib1, r));
  piC = G1.add(piC, G1.timesFr(vk.delta1, Fr.neg(Fr.mul(r, s))));

  const publicSignals: string[] = [];
  for (let i = 1; i <= nPublic; i++)
    publicSignals.push(fromLittleEndian(witness.subarray(i * n8, (i + 1) * n8)));
  const affine = (group: Group, point: Point) => stringify(group.toObject(group.toAffine(point)));
  return {
    proof: {
      pi_a: affine(G1, piA) as Groth16Proof["pi_a"],
      pi_b: affine(G2, piB) as Groth16Proof["pi_b"],
      pi_c: affine(G1, piC) as Groth16Proof["pi_c"],
      protocol: "groth16",
      curve: curve.name as "bn128",
    },
    publicSignals,
  };
}

async function prepareZkey(zkey: Uint8Array): Promise<PreparedZkey> {
  const file = readSections(zkey, "zkey");
  const protocol = new DataView(section(file, 1).buffer, section(file, 1).byteOffset).getUint32(0, true);
  if (protocol !== 1) throw new Error("zkey file is not groth16");
  // The same curve snarkjs's prove asks for: the one this host put on globalThis (see proverWorker).
  const curve = (await curves.getCurveFromName("bn128", { singleThread: false })) as Bn128;
  const header = section(file, 2);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  let at = 0;
  const n8q = view.getUint32(at, true);
  at += 4 + n8q;
  const n8r = view.getUint32(at, true);
  at += 4 + n8r;
  const nVars = view.getUint32(at, true);
  const nPublic = view.getUint32(at + 4, true);
  const domainSize = view.getUint32(at + 8, true);
  at += 12;
  const point = (group: Group) => {
    const size = group.F.n8 * 2;
    const read = group.fromRprLEM(header.slice(at, at + size), 0);
    at += size;
    return read;
  };
  const alpha1 = point(curve.G1);
  const beta1 = point(curve.G1);
  const beta2 = point(curve.G2);
  point(curve.G2); // gamma2: the verifier's, not the prover's
  const delta1 = point(curve.G1);
  const delta2 = point(curve.G2);
  return {
    curve,
    nVars,
    nPublic,
    domainSize,
    vk: { alpha1, beta1, beta2, delta1, delta2 },
    coeffs: section(file, 4),
    pointsA: section(file, 5),
    pointsB1: section(file, 6),
    pointsB2: section(file, 7),
    pointsC: section(file, 8),
    pointsH: section(file, 9),
  };
}

/** iden3's binary container: 4-byte magic, version, section count, then (type u32, size u64, bytes) per section. */
function readSections(bytes: Uint8Array, magic: "zkey" | "wtns"): Map<number, Uint8Array> {
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== magic) throw new Error(`not a ${magic} file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(8, true);
  const sections = new Map<number, Uint8Array>();
  let at = 12;
  for (let i = 0; i < count; i++) {
    const type = view.getUint32(at, true);
    const size = Number(view.getBigUint64(at + 4, true));
    at += 12;
    if (sections.has(type)) throw new Error(`${magic} file: section ${type} appears twice`);
    sections.set(type, bytes.subarray(at, at + size));
    at += size;
  }
  return sections;
}

function section(sections: Map<number, Uint8Array>, type: number): Uint8Array {
  const found = sections.get(type);
  if (found === undefined) throw new Error(`missing section ${type}`);
  return found;
}

/** The QAP's A, B and C = A·B evaluated over the domain (snarkjs's `buildABC1`, on this thread). */
function buildABC(curve: Bn128, domainSize: number, coeffs: Uint8Array, witness: Uint8Array) {
  const { Fr } = curve;
  const n8 = Fr.n8;
  const sCoef = 4 * 3 + n8;
  const nCoef = (coeffs.byteLength - 4) / sCoef;
  const a = new Uint8Array(domainSize * n8);
  const b = new Uint8Array(domainSize * n8);
  const c = new Uint8Array(domainSize * n8);
  const out = [a, b];
  const view = new DataView(coeffs.buffer, coeffs.byteOffset, coeffs.byteLength);
  for (let i = 0; i < nCoef; i++) {
    const at = 4 + i * sCoef;
    const matrix = out[view.getUint32(at, true)] as Uint8Array;
    const constraint = view.getUint32(at + 4, true);
    const signal = view.getUint32(at + 8, true);
    const coef = coeffs.slice(at + 12, at + 12 + n8);
    matrix.set(
      Fr.add(
        matrix.slice(constraint * n8, constraint * n8 + n8),
        Fr.mul(coef, witness.slice(signal * n8, signal * n8 + n8)),
      ),
      constraint * n8,
    );
  }
  for (let i = 0; i < domainSize; i++)
    c.set(Fr.mul(a.slice(i * n8, i * n8 + n8), b.slice(i * n8, i * n8 + n8)), i * n8);
  return [a, b, c] as const;
}

/** (A·B − C) on the odd coset, out of Montgomery form, on the curve's threads (snarkjs's `joinABC`, one chunk). */
async function joinABC(curve: Bn128, a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
  const n8 = curve.Fr.n8;
  const n = Math.floor(a.byteLength / n8);
  // snarkjs splits at 2²² elements; the hub's circuits are far below (2¹⁴), so one task.
  if (n > 1 << 22) throw new Error(`domain of ${n} elements: larger than this prover handles in one task`);
  const [result] = await curve.tm.queueAction([
    { cmd: "ALLOCSET", var: 0, buff: a },
    { cmd: "ALLOCSET", var: 1, buff: b },
    { cmd: "ALLOCSET", var: 2, buff: c },
    { cmd: "ALLOC", var: 3, len: n * n8 },
    {
      cmd: "CALL",
      fnName: "qap_joinABC",
      params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: n }, { var: 3 }],
    },
    { cmd: "CALL", fnName: "frm_batchFromMontgomery", params: [{ var: 3 }, { val: n }, { var: 3 }] },
    { cmd: "GET", out: 0, var: 3, len: n * n8 },
  ]);
  return result as Uint8Array;
}

function fromLittleEndian(bytes: Uint8Array): string {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value.toString();
}

function stringify(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(stringify);
  return value;
}

/**
 * Seeded PRNG (xoshiro128**, seeded through splitmix32) shared by every generator, trainer and optimiser, so a
 * seed fully determines a run. Not cryptographic.
 */
export type Prng = {
  /** Uniform in [0, 1). */
  next: () => number;
  /** Uniform integer in [0, n). */
  int: (n: number) => number;
  /** Normal(mean, sd) by Box–Muller (the spare is kept, so draws come in deterministic pairs). */
  normal: (mean?: number, sd?: number) => number;
  /** Gamma(shape, 1) by Marsaglia–Tsang. */
  gamma: (shape: number) => number;
  /** Beta(a, b) via two gammas. */
  beta: (a: number, b: number) => number;
};

export function createPrng(seed: number): Prng {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const nextUint32 = () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = () => nextUint32() / 4294967296;
  let spare: number | undefined;
  const normal = (mean = 0, sd = 1) => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  };
  const gamma = (shape: number): number => {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) return gamma(shape + 1) * next() ** (1 / shape);
    const d0 = shape - 1 / 3;
    const c0 = 1 / Math.sqrt(9 * d0);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c0 * x;
      } while (v <= 0);
      v = v * v * v;
      const u = next();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d0 * (1 - v + Math.log(v))) return d0 * v;
    }
  };
  const beta = (alpha: number, betaParam: number) => {
    const x = gamma(alpha);
    return x / (x + gamma(betaParam));
  };
  return { next, int: (n) => Math.floor(next() * n), normal, gamma, beta };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export type MinimiseNelderMeadParameters = {
  objective: (x: number[]) => number;
  start: number[];
  /** Initial simplex edge length. */
  step?: number;
  maxIterations?: number;
  tolerance?: number;
};

export type MinimiseNelderMeadReturnType = { x: number[]; value: number; iterations: number };

/**
 * Nelder–Mead simplex minimisation (Nelder & Mead 1965; coefficients 1, 2, ½, ½ as in Lagarias et al. 1998).
 * Deterministic: no random restarts, ties broken by vertex order.
 */
export function minimiseNelderMead({
  objective,
  start,
  step = 0.5,
  maxIterations = 2000,
  tolerance = 1e-12,
}: MinimiseNelderMeadParameters): MinimiseNelderMeadReturnType {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((x) => ({
    x,
    f: objective(x),
  }));
  let iterations = 0;
  const combine = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * ((b[i] as number) - v));
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((p, q) => p.f - q.f);
    const best = simplex[0] as (typeof simplex)[number];
    const worst = simplex[n] as (typeof simplex)[number];
    if (Math.abs(worst.f - best.f) <= tolerance * (Math.abs(best.f) + tolerance)) break;
    const centroid = start.map((_, i) => simplex.slice(0, n).reduce((s, p) => s + (p.x[i] as number), 0) / n);
    const reflected = combine(centroid, worst.x, -1);
    const fr = objective(reflected);
    const secondWorst = simplex[n - 1] as (typeof simplex)[number];
    if (fr < best.f) {
      const expanded = combine(centroid, worst.x, -2);
      const fe = objective(expanded);
      simplex[n] = fe < fr ? { x: expanded, f: fe } : { x: reflected, f: fr };
    } else if (fr < secondWorst.f) {
      simplex[n] = { x: reflected, f: fr };
    } else {
      const outside = fr < worst.f;
      const contracted = combine(centroid, outside ? reflected : worst.x, 0.5);
      const fc = objective(contracted);
      if (fc < (outside ? fr : worst.f)) simplex[n] = { x: contracted, f: fc };
      else
        simplex = simplex.map((p, i) =>
          i === 0 ? p : { x: combine(best.x, p.x, 0.5), f: objective(combine(best.x, p.x, 0.5)) },
        );
    }
  }
  simplex.sort((p, q) => p.f - q.f);
  const best = simplex[0] as (typeof simplex)[number];
  return { x: best.x, value: best.f, iterations };
}

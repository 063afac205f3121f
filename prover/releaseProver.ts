/**
 * snarkjs keeps a worker-backed bn128 curve on `globalThis` that holds the event loop open; short-lived processes
 * (tests, CLI, scripts) call this when done proving. Long-running servers keep the curve for speed.
 */
export async function releaseProver(): Promise<void> {
  const curve = (globalThis as { curve_bn128?: { terminate: () => Promise<void> } }).curve_bn128;
  await curve?.terminate();
  (globalThis as { curve_bn128?: unknown }).curve_bn128 = undefined;
}

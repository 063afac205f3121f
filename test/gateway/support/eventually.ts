/**
 * Retries `check` until it returns without throwing, or rethrows its last error after `timeoutMs`: for what the
 * gateway picks up at its next poll (every 10 s). A generous sanity bound, not a timing assertion.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}

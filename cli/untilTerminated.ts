/**
 * Resolves with the signal's name at the first SIGTERM (an orchestrator stopping the pod, a rolling restart) or
 * SIGINT (Ctrl-C), so the caller can drain before exiting instead of dying mid-request.
 */
export function untilTerminated(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", on).off("SIGINT", on);
      resolve(signal);
    };
    process.once("SIGTERM", on).once("SIGINT", on);
  });
}

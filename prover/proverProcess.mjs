// The file the prover pool's process host starts from (child_process.fork, IPC with structured clone): the same job
// protocol as a worker thread (proverWorker.ts), on this process's main thread, where ffjavascript may start its own
// threads — a proof then uses every CPU. Loaded through tsx's scoped import, as proverWorker.mjs is.
import { tsImport } from "tsx/esm/api";

// The pool is this process's only reason to exist: when it goes (terminate(), a crash, its process killed), the IPC
// channel closes, and so does this process — ffjavascript's threads with it.
process.on("disconnect", () => process.exit(0));
if (!process.connected) process.exit(0);
const { proverWorker } = await tsImport("./proverWorker.ts", import.meta.url);
await proverWorker({
  host: "process",
  port: {
    on: (_event, listener) => process.on("message", listener),
    postMessage: (message) => process.send?.(message),
  },
});

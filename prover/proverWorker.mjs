// The file a prover pool worker thread starts from. A worker thread is a fresh isolate that cannot load TypeScript,
// whether the parent runs under `node bin/caldera.mjs` (tsx registered by API), `tsx` or vitest: tsx's scoped import
// loads proverWorker.ts and what it imports, without registering anything for the rest of the thread.
import { parentPort } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { proverWorker } = await tsImport("./proverWorker.ts", import.meta.url);
await proverWorker({ port: parentPort });

import { createServer } from "node:net";

/** Ports handed out by this process: a part binds its port a little later, so none is handed out twice meanwhile. */
const handedOut = new Set<number>();

/**
 * Below Linux's ephemeral range (32768–60999), which outgoing connections draw their local ports from: a port
 * chosen here cannot be taken by some process's connection between this check and the part's own listen. Each test
 * worker (VITEST_POOL_ID 1, 2, …) has its own slice, so stacks started side by side never pick the same port.
 */
const TEST_PORTS_BASE = 20_000;
const TEST_PORTS_PER_WORKER = 6_000;
const TEST_WORKER_SLICES = 2;

/** Asks the OS for a free TCP port on loopback (tests run many stacks side by side). */
export async function getFreePort(): Promise<number> {
  const worker = Number(process.env.VITEST_POOL_ID);
  if (!Number.isSafeInteger(worker) || worker < 1) return remember(await listenOn(0));
  const base = TEST_PORTS_BASE + ((worker - 1) % TEST_WORKER_SLICES) * TEST_PORTS_PER_WORKER;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = base + Math.floor(Math.random() * TEST_PORTS_PER_WORKER);
    if (handedOut.has(port)) continue;
    const bound = await listenOn(port).catch(() => undefined);
    if (bound !== undefined) return remember(bound);
  }
  return remember(await listenOn(0));
}

function remember(port: number): number {
  handedOut.add(port);
  return port;
}

/** Binds `port` (0: any) on loopback, closes it again and resolves with the port it got. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

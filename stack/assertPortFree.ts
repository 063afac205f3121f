import { createServer } from "node:net";
import { PortInUseError, type StackPart } from "./errors.js";

export type AssertPortFreeParameters = { part: StackPart; port: number; configKey: string };

/**
 * Fails fast with `PortInUseError` when another process listens on `port`, before anything is spawned for the
 * part: a child that finds its port taken would otherwise die with a message in its own words, or worse, a
 * readiness probe would talk to the stranger on that port.
 */
export function assertPortFree({ part, port, configKey }: AssertPortFreeParameters): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE" || error.code === "EACCES"
          ? new PortInUseError(part, port, configKey)
          : error,
      ),
    );
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve()));
  });
}

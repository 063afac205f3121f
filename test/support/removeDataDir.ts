import { lstatSync, readlinkSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Removes a stack's data folder, including the Postgres data that `preparePostgresInstall` relocated to
 * /var/tmp/caldera-data/<id> when the postgres user could not enter the folder (every mkdtemp folder, as root).
 */
export function removeDataDir(dataDir: string): void {
  const link = join(dataDir, "postgres");
  try {
    if (lstatSync(link).isSymbolicLink()) {
      const target = resolve(dirname(link), readlinkSync(link));
      if (target.startsWith("/var/tmp/caldera-data/"))
        rmSync(dirname(target), { recursive: true, force: true });
    }
  } catch {
    // No postgres folder: nothing was relocated.
  }
  rmSync(dataDir, { recursive: true, force: true });
}

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { PartStartError } from "./errors.js";

export type LoadDatabasePasswordsParameters = {
  /** The embedded cluster's data folder (e.g. `.caldera/postgres`); the passwords are kept beside it. */
  dataDir: string;
};

export type DatabasePasswords = {
  /** The cluster's superuser: used only to set the database up, never printed. */
  superuser: string;
  /** The role the hub and ponder connect as. */
  app: string;
  /** The read-only role whose URL `npm start` prints for analysts. */
  analyst: string;
};

export type LoadDatabasePasswordsReturnType = DatabasePasswords & {
  /** Where they are kept: `<dataDir>-passwords.json`, mode 600. */
  file: string;
  /** True when this call generated any of them. */
  generated: boolean;
};

const ROLES = ["superuser", "app", "analyst"] as const;

/**
 * The embedded cluster's role passwords, generated once and kept in a mode-600 file beside the data folder, so a
 * warm restart reuses them. Beside, not inside: initdb wants an empty folder, and the file must exist before initdb
 * (which sets the superuser's password from it). Deleting the data folder alone keeps the passwords, which the new
 * cluster then simply uses.
 *
 * Why generated and not fixed: the cluster listens on 127.0.0.1, so anyone on the machine who can guess a password
 * can log in — a fixed superuser password in the source would undo the analysts' read-only role.
 */
export async function loadDatabasePasswords({
  dataDir,
}: LoadDatabasePasswordsParameters): Promise<LoadDatabasePasswordsReturnType> {
  const file = join(dirname(dataDir), `${basename(dataDir)}-passwords.json`);
  const stored: Partial<DatabasePasswords> = existsSync(file) ? await readStored(file) : {};
  const passwords = { ...stored } as DatabasePasswords;
  let generated = false;
  for (const role of ROLES) {
    if (typeof passwords[role] === "string" && passwords[role].length > 0) continue;
    // base64url: safe in a URL's userinfo without escaping.
    passwords[role] = randomBytes(24).toString("base64url");
    generated = true;
  }
  try {
    if (generated) {
      // Written whole under another name, then renamed: a crash never leaves half a file.
      const staging = `${file}.${process.pid}.tmp`;
      await writeFile(staging, `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 });
      await chmod(staging, 0o600);
      await rename(staging, file);
    } else if (((await stat(file)).mode & 0o077) !== 0) {
      await chmod(file, 0o600);
    }
  } catch (error) {
    throw new PartStartError(
      "postgres",
      `cannot write the database passwords to ${file}: ${error instanceof Error ? error.message : String(error)}`,
      `make ${dirname(file)} writable`,
      { cause: error },
    );
  }
  return { ...passwords, file, generated };
}

async function readStored(file: string): Promise<Partial<DatabasePasswords>> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    const stored: Partial<DatabasePasswords> = {};
    for (const role of ROLES) {
      const value = (parsed as Record<string, unknown>)[role];
      if (typeof value === "string") stored[role] = value;
    }
    return stored;
  } catch (error) {
    throw new PartStartError(
      "postgres",
      `cannot read the database passwords in ${file}: ${error instanceof Error ? error.message : String(error)}`,
      `delete ${file} and the data folder beside it (the indexer then re-indexes)`,
      { cause: error },
    );
  }
}

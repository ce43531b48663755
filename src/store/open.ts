/**
 * Opens the agent's one SQLite database under the state dir: WAL, full fsync, private file
 * modes, migrations applied. The only module that decides how the database is opened.
 * @module
 */
import { Database } from "bun:sqlite";
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from "./migrations.ts";
import { ensureStateDir, StateDirError } from "./state-dir.ts";

export const DATABASE_FILE = "agent.db";
export const PAGE_SIZE = 8192;

/** The database is unusable (corrupt, from a newer agent, or not writable). */
export class StoreError extends Error {
  override name = "StoreError";
}

export interface OpenStoreOptions {
  /** Open without creating or migrating: for `status` and other read-only commands. */
  readonly?: boolean;
  migrations?: readonly Migration[];
}

/** Opens (creating and migrating when needed) `<stateDir>/agent.db`. */
export function openDatabase(stateDir: string, { readonly = false, migrations = MIGRATIONS }: OpenStoreOptions = {}): Database {
  const path = join(stateDir, DATABASE_FILE);
  if (readonly) {
    if (!existsSync(path)) throw new StoreError(`No agent database at "${path}": the agent has not run yet`);
    const db = new Database(path, { readonly: true });
    db.exec("PRAGMA busy_timeout = 5000");
    return db;
  }
  ensureStateDir(stateDir);
  const oldUmask = process.umask(0o077);
  let db: Database;
  try {
    db = new Database(path, { create: true });
    // Takes effect only on a new database (before its first table). Measured in
    // bench/evidence-size.ts: 8 KiB pages store a ~2 KB evidence record in a third less space than
    // 4 KiB, while a one-record commit writes far less WAL than with 32 KiB pages (flash wear).
    db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA busy_timeout = 5000");
  } catch (err) {
    throw new StoreError(`Cannot open database "${path}": ${(err as Error).message}`, { cause: err });
  } finally {
    process.umask(oldUmask);
  }
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
  }
  try {
    migrate(db, path, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Applies the migrations newer than the database's `user_version`, each in its own transaction. */
export function migrate(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  const newest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > newest) {
    throw new StoreError(
      `Database "${path}" has schema version ${current}, newer than this agent knows (${newest}); ` +
        `it was written by a newer agent — do not downgrade`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.exec(`PRAGMA user_version = ${m.version}`);
    })();
  }
}

export { SCHEMA_VERSION, StateDirError };

import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import type { Migration } from "./migrations.ts";
import { DATABASE_FILE, PAGE_SIZE, SCHEMA_VERSION, StoreError, migrate, openDatabase } from "./open.ts";

const userVersion = (db: Database) => (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
const tables = (db: Database) =>
  (db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
const modeOf = (path: string) => statSync(path).mode & 0o777;

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a throw");
}

const V1: Migration = { version: 1, description: "log", sql: "CREATE TABLE runs (v INTEGER NOT NULL)" };
const V2: Migration = { version: 2, description: "second", sql: "INSERT INTO runs (v) VALUES (2)" };
const V3: Migration = { version: 3, description: "third", sql: "INSERT INTO runs (v) VALUES (3)" };

describe("migrate", () => {
  test("creates the schema and records SCHEMA_VERSION in user_version", () => {
    const db = new Database(":memory:");
    migrate(db, ":memory:");
    expect({ version: userVersion(db), tables: tables(db) }).toEqual({
      version: SCHEMA_VERSION,
      tables: ["checkins", "evidence", "evidence_deliveries", "evidence_meta", "evidence_pruned", "kv", "order_nonces", "orders"],
    });
  });

  test("runs each migration once, however often it is called", () => {
    const db = new Database(":memory:");
    migrate(db, ":memory:", [V1]);
    migrate(db, ":memory:", [V1, V2]);
    migrate(db, ":memory:", [V1, V2]);
    migrate(db, ":memory:", [V1, V2, V3]);
    migrate(db, ":memory:", [V1, V2, V3]);
    expect({ version: userVersion(db), runs: db.query("SELECT v FROM runs ORDER BY rowid").all() }).toEqual({
      version: 3,
      runs: [{ v: 2 }, { v: 3 }],
    });
  });

  test("rolls a failing migration back entirely and leaves user_version at the last good one", () => {
    const db = new Database(":memory:");
    const broken: Migration = { version: 2, description: "broken", sql: "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1)" };
    migrate(db, ":memory:", [V1]);
    expect(() => migrate(db, ":memory:", [V1, broken])).toThrow("no such table: nowhere");
    expect({ version: userVersion(db), tables: tables(db) }).toEqual({ version: 1, tables: ["runs"] });
  });

  test("refuses a database written by a newer agent, naming the path", () => {
    const db = new Database(":memory:");
    db.exec("PRAGMA user_version = 7");
    const err = thrown(() => migrate(db, "/var/lib/agent/agent.db"));
    expect({ name: err.name, isStoreError: err instanceof StoreError, message: err.message }).toEqual({
      name: "StoreError",
      isStoreError: true,
      message:
        `Database "/var/lib/agent/agent.db" has schema version 7, newer than this agent knows (${SCHEMA_VERSION}); ` +
        "it was written by a newer agent — do not downgrade",
    });
    expect(userVersion(db)).toBe(7);
  });
});

describe("openDatabase", () => {
  test("creates a missing state dir 0700 and a database file 0600, in WAL mode with full sync", () => {
    using tmp = tempDir("store-open-");
    const stateDir = join(tmp.path, "var", "state");
    const db = openDatabase(stateDir);
    db.query("INSERT INTO kv (key, value, updated_at) VALUES ('a', '1', 1)").run(); // makes the WAL exist
    const file = join(stateDir, DATABASE_FILE);
    const facts = {
      dirMode: modeOf(stateDir),
      fileMode: modeOf(file),
      walMode: modeOf(file + "-wal"),
      shmMode: modeOf(file + "-shm"),
      journal: db.query("PRAGMA journal_mode").get(),
      synchronous: db.query("PRAGMA synchronous").get(),
      version: userVersion(db),
    };
    db.close();
    expect(facts).toEqual({
      dirMode: 0o700,
      fileMode: 0o600,
      walMode: 0o600,
      shmMode: 0o600,
      journal: { journal_mode: "wal" },
      synchronous: { synchronous: 2 }, // FULL
      version: SCHEMA_VERSION,
    });
  });

  test("keeps the data across a close and reopen", () => {
    using tmp = tempDir("store-open-");
    const first = openDatabase(tmp.path);
    first.query("INSERT INTO kv (key, value, updated_at) VALUES ('k', '\"v\"', 5)").run();
    first.close();
    const second = openDatabase(tmp.path);
    const row = second.query("SELECT key, value, updated_at FROM kv").all();
    second.close();
    expect(row).toEqual([{ key: "k", value: '"v"', updated_at: 5 }]);
  });

  test("tightens a database file that was left world-readable", () => {
    using tmp = tempDir("store-open-");
    openDatabase(tmp.path).close();
    const file = join(tmp.path, DATABASE_FILE);
    chmodSync(file, 0o644);
    openDatabase(tmp.path).close();
    expect(modeOf(file)).toBe(0o600);
  });

  test("refuses a database from a newer agent with a StoreError naming the file", () => {
    using tmp = tempDir("store-open-");
    const db = openDatabase(tmp.path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const err = thrown(() => openDatabase(tmp.path));
    expect({ name: err.name, message: err.message }).toEqual({
      name: "StoreError",
      message:
        `Database "${join(tmp.path, DATABASE_FILE)}" has schema version ${SCHEMA_VERSION + 1}, newer than this agent ` +
        `knows (${SCHEMA_VERSION}); it was written by a newer agent — do not downgrade`,
    });
  });

  test("reports a file that is not a database as a StoreError", () => {
    using tmp = tempDir("store-open-");
    writeFileSync(join(tmp.path, DATABASE_FILE), "not a database ".repeat(200));
    const err = thrown(() => openDatabase(tmp.path));
    expect({ name: err.name, message: err.message }).toEqual({
      name: "StoreError",
      message: `Cannot open database "${join(tmp.path, DATABASE_FILE)}": file is not a database`,
    });
  });

  test("read-only: refuses a missing database and creates nothing", () => {
    using tmp = tempDir("store-open-");
    const stateDir = join(tmp.path, "never-ran");
    const err = thrown(() => openDatabase(stateDir, { readonly: true }));
    expect({ name: err.name, message: err.message, created: existsSync(stateDir) }).toEqual({
      name: "StoreError",
      message: `No agent database at "${join(stateDir, DATABASE_FILE)}": the agent has not run yet`,
      created: false,
    });
  });

  test("read-only: reads an existing database and cannot write it", () => {
    using tmp = tempDir("store-open-");
    const rw = openDatabase(tmp.path);
    rw.query("INSERT INTO kv (key, value, updated_at) VALUES ('a', '1', 1)").run();
    const ro = openDatabase(tmp.path, { readonly: true });
    const rows = ro.query("SELECT key FROM kv").all();
    expect(() => ro.query("INSERT INTO kv (key, value, updated_at) VALUES ('b', '2', 2)").run()).toThrow(
      "attempt to write a readonly database",
    );
    ro.close();
    rw.close();
    expect(rows).toEqual([{ key: "a" }]);
  });
});

describe("openDatabase page size", () => {
  test("a new database gets 8 KiB pages", () => {
    using dir = tempDir();
    const db = openDatabase(dir.path);
    expect(db.query("PRAGMA page_size").get()).toEqual({ page_size: PAGE_SIZE });
    expect(PAGE_SIZE).toBe(8192);
    db.close();
  });
});

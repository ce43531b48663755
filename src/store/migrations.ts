/**
 * Versioned schema of the agent's database. Each migration runs once, in order, inside a
 * transaction; `PRAGMA user_version` records the last one applied. Never edit a released
 * migration: add a new one.
 * @module
 */

/** One schema step. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "agent state, check-in history, orders and their nonces",
    sql: `
      CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE checkins (
        id INTEGER PRIMARY KEY,
        started_at INTEGER NOT NULL,
        finished_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        http_status INTEGER,
        error TEXT,
        skew_ms INTEGER
      ) STRICT;
      CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        order_type TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        success INTEGER,
        result TEXT,
        error_message TEXT,
        completed_at INTEGER,
        reported_at INTEGER,
        report_attempts INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX orders_unreported ON orders (state, reported_at);
      CREATE TABLE order_nonces (
        nonce TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        seen_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX order_nonces_seen ON order_nonces (seen_at);
    `,
  },
  {
    version: 2,
    description: "nonces are kept until their order has expired, not only for a fixed time",
    sql: `
      ALTER TABLE order_nonces ADD COLUMN keep_until INTEGER NOT NULL DEFAULT 0;
      UPDATE order_nonces SET keep_until = seen_at + 86400000;
      CREATE INDEX order_nonces_keep ON order_nonces (keep_until);
    `,
  },
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

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
  {
    version: 3,
    description: "evidence chain, its deliveries to Central Command, and tombstones of pruned records",
    sql: `
      CREATE TABLE evidence (
        seq INTEGER PRIMARY KEY,
        bundle_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        canonical TEXT NOT NULL,
        hash TEXT NOT NULL,
        signature TEXT NOT NULL,
        upload_state TEXT NOT NULL DEFAULT 'pending',
        delivery_id INTEGER,
        late INTEGER NOT NULL DEFAULT 0,
        dead_reason TEXT
      ) STRICT;
      CREATE INDEX evidence_pending ON evidence (upload_state, seq);
      CREATE INDEX evidence_created ON evidence (created_at);
      CREATE TABLE evidence_deliveries (
        id INTEGER PRIMARY KEY,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        sent_at INTEGER NOT NULL,
        bundle_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        payload TEXT,
        receipt TEXT,
        reason TEXT
      ) STRICT;
      CREATE TABLE evidence_pruned (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        pruned_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE evidence_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Small named facts the agent keeps between runs (appliance id, server keys, last check-in
 * summary). Never credentials: those live in memory only.
 * @module
 */
import type { Database } from "bun:sqlite";

/** What `status` and a restarted agent need to know. Every field is optional until first set. */
export interface AgentStateFields {
  applianceId: string;
  /** Order-signing public keys from the last check-in, current first (hex). */
  serverPublicKeys: string[];
  /** Result of the last check-in attempt. */
  lastCheckin: { at: number; ok: boolean; httpStatus?: number; error?: string; skewMs?: number };
  /** Time of the last successful check-in. */
  lastCheckinOkAt: number;
  /** How many targets CC handed us at the last check-in (counts only). */
  targetCounts: { windows: number; linux: number };
  /** Set by the disable_healing / enable_healing orders; overrides config when present. */
  healingOverride: { enabled: boolean; reason: string; at: number };
  /** Last time a rekey was attempted, to respect CC's one-per-hour limit across restarts. */
  lastRekeyAttemptAt: number;
  /** Agent version that last opened this state dir. */
  agentVersion: string;
  /** Process start, for uptime in `status`. */
  startedAt: number;
  /** Last time evidence retention ran. */
  lastEvidencePruneAt: number;
  /** Depth of the local queues, for `status`. */
  queueDepths: Record<string, number>;
}

export type StateKey = keyof AgentStateFields;

/** Typed key-value access to the `kv` table. */
export interface AgentState {
  get<K extends StateKey>(key: K): AgentStateFields[K] | undefined;
  set<K extends StateKey>(key: K, value: AgentStateFields[K]): void;
  delete(key: StateKey): void;
}

export function createAgentState(db: Database, now: () => number = Date.now): AgentState {
  const getQ = db.query<{ value: string }, [string]>("SELECT value FROM kv WHERE key = ?");
  const setQ = db.query(
    "INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
  );
  const delQ = db.query("DELETE FROM kv WHERE key = ?");
  return {
    get(key) {
      const row = getQ.get(key);
      return row ? JSON.parse(row.value) : undefined;
    },
    set(key, value) {
      setQ.run(key, JSON.stringify(value), now());
    },
    delete(key) {
      delQ.run(key);
    },
  };
}

/**
 * History of check-in attempts, bounded, for `status` and diagnostics.
 * @module
 */
import type { Database } from "bun:sqlite";

export interface CheckinLogEntry {
  startedAt: number;
  finishedAt: number;
  outcome: "ok" | "auth_failed" | "clock_skew" | "http_error" | "network_error" | "tls_pin_mismatch" | "bad_response" | "local_error";
  httpStatus?: number;
  error?: string;
  skewMs?: number;
}

const KEEP_ROWS = 1000;

export interface CheckinLog {
  record(entry: CheckinLogEntry): void;
  recent(limit: number): CheckinLogEntry[];
  count(): number;
}

export function createCheckinLog(db: Database): CheckinLog {
  const ins = db.query(
    "INSERT INTO checkins (started_at, finished_at, outcome, http_status, error, skew_ms) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const trim = db.query("DELETE FROM checkins WHERE id <= (SELECT max(id) FROM checkins) - ?");
  const recentQ = db.query<Record<string, number | string | null>, [number]>(
    "SELECT * FROM checkins ORDER BY id DESC LIMIT ?",
  );
  const countQ = db.query<{ n: number }, []>("SELECT count(*) AS n FROM checkins");
  return {
    record(e) {
      ins.run(e.startedAt, e.finishedAt, e.outcome, e.httpStatus ?? null, e.error ?? null, e.skewMs ?? null);
      trim.run(KEEP_ROWS);
    },
    recent(limit) {
      return recentQ.all(limit).map((r) => ({
        startedAt: r.started_at as number,
        finishedAt: r.finished_at as number,
        outcome: r.outcome as CheckinLogEntry["outcome"],
        ...(r.http_status !== null ? { httpStatus: r.http_status as number } : {}),
        ...(r.error !== null ? { error: r.error as string } : {}),
        ...(r.skew_ms !== null ? { skewMs: r.skew_ms as number } : {}),
      }));
    },
    count: () => countQ.get()!.n,
  };
}

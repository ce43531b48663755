/**
 * Orders we have seen, what became of them, and the nonces we accepted — persisted, so a
 * restart neither re-runs an order nor reopens a replay window (a field bug: nonces kept in
 * memory were forgotten on restart).
 * @module
 */
import type { Database } from "bun:sqlite";

export type OrderState = "running" | "succeeded" | "failed" | "rejected";

export interface OrderRecord {
  orderId: string;
  orderType: string;
  receivedAt: number;
  state: OrderState;
  success?: boolean;
  result?: unknown;
  errorMessage?: string;
  completedAt?: number;
  reportedAt?: number;
  reportAttempts: number;
}

export interface OrderStore {
  get(orderId: string): OrderRecord | undefined;
  /** Records a newly accepted or rejected order; false if the id is already known. */
  insert(r: { orderId: string; orderType: string; receivedAt: number; state: OrderState }): boolean;
  finish(orderId: string, outcome: { success: boolean; result?: unknown; errorMessage?: string; at: number }): void;
  markReported(orderId: string, at: number): void;
  noteReportAttempt(orderId: string): void;
  /** Finished orders whose completion CC has not acknowledged yet, oldest first. */
  unreported(limit: number): OrderRecord[];
  /** How many finished orders wait for CC's acknowledgement. */
  countUnreported(): number;
  /** Orders left `running` by a previous process: they did not finish. */
  interrupted(): OrderRecord[];
  nonceSeen(nonce: string): boolean;
  /** Remembers an accepted nonce until `keepUntil` (at least the order's expiry). */
  rememberNonce(nonce: string, orderId: string, at: number, keepUntil: number): void;
  /** Forgets nonces whose keep-until time is before `now`. */
  pruneNonces(now: number): number;
  countByState(): Record<OrderState, number>;
  /** Forgets orders reported to CC before `before`; returns how many. */
  pruneFinished(before: number): number;
}

type Row = {
  order_id: string;
  order_type: string;
  received_at: number;
  state: OrderState;
  success: number | null;
  result: string | null;
  error_message: string | null;
  completed_at: number | null;
  reported_at: number | null;
  report_attempts: number;
};

function fromRow(r: Row): OrderRecord {
  return {
    orderId: r.order_id,
    orderType: r.order_type,
    receivedAt: r.received_at,
    state: r.state,
    ...(r.success !== null ? { success: r.success === 1 } : {}),
    ...(r.result !== null ? { result: JSON.parse(r.result) } : {}),
    ...(r.error_message !== null ? { errorMessage: r.error_message } : {}),
    ...(r.completed_at !== null ? { completedAt: r.completed_at } : {}),
    ...(r.reported_at !== null ? { reportedAt: r.reported_at } : {}),
    reportAttempts: r.report_attempts,
  };
}

export function createOrderStore(db: Database): OrderStore {
  const getQ = db.query<Row, [string]>("SELECT * FROM orders WHERE order_id = ?");
  const insQ = db.query("INSERT OR IGNORE INTO orders (order_id, order_type, received_at, state) VALUES (?, ?, ?, ?)");
  const finQ = db.query(
    "UPDATE orders SET state = ?, success = ?, result = ?, error_message = ?, completed_at = ? WHERE order_id = ?",
  );
  const repQ = db.query("UPDATE orders SET reported_at = ? WHERE order_id = ?");
  const attQ = db.query("UPDATE orders SET report_attempts = report_attempts + 1 WHERE order_id = ?");
  const unrepQ = db.query<Row, [number]>(
    "SELECT * FROM orders WHERE state != 'running' AND reported_at IS NULL ORDER BY received_at LIMIT ?",
  );
  const unrepCountQ = db.query<{ n: number }, []>("SELECT count(*) AS n FROM orders WHERE state != 'running' AND reported_at IS NULL");
  const runQ = db.query<Row, []>("SELECT * FROM orders WHERE state = 'running'");
  const nonceQ = db.query<{ n: number }, [string]>("SELECT 1 AS n FROM order_nonces WHERE nonce = ?");
  const nonceIns = db.query("INSERT OR IGNORE INTO order_nonces (nonce, order_id, seen_at, keep_until) VALUES (?, ?, ?, ?)");
  const prune = db.query("DELETE FROM order_nonces WHERE keep_until < ?");
  const pruneQ = db.query("DELETE FROM orders WHERE reported_at IS NOT NULL AND reported_at < ?");
  const countQ = db.query<{ state: OrderState; n: number }, []>("SELECT state, count(*) AS n FROM orders GROUP BY state");

  return {
    get: (id) => {
      const r = getQ.get(id);
      return r ? fromRow(r) : undefined;
    },
    insert: (r) => insQ.run(r.orderId, r.orderType, r.receivedAt, r.state).changes === 1,
    finish(id, o) {
      const state: OrderState = o.success ? "succeeded" : (getQ.get(id)?.state === "rejected" ? "rejected" : "failed");
      finQ.run(state, o.success ? 1 : 0, o.result === undefined ? null : JSON.stringify(o.result), o.errorMessage ?? null, o.at, id);
    },
    markReported: (id, at) => void repQ.run(at, id),
    noteReportAttempt: (id) => void attQ.run(id),
    unreported: (limit) => unrepQ.all(limit).map(fromRow),
    countUnreported: () => unrepCountQ.get()!.n,
    interrupted: () => runQ.all().map(fromRow),
    nonceSeen: (nonce) => nonceQ.get(nonce) !== null,
    rememberNonce: (nonce, id, at, keepUntil) => void nonceIns.run(nonce, id, at, keepUntil),
    pruneNonces: (now) => prune.run(now).changes,
    pruneFinished: (before) => pruneQ.run(before).changes,
    countByState() {
      const out: Record<OrderState, number> = { running: 0, succeeded: 0, failed: 0, rejected: 0 };
      for (const r of countQ.all()) out[r.state] = r.n;
      return out;
    },
  };
}

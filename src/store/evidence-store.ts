/**
 * SQL for the evidence chain: append rows, read the head, hand pending records to the uploader,
 * remember deliveries and refusals, and replace pruned records by tombstones (seq + hash) so the
 * chain stays verifiable across the gap.
 * @module
 */
import type { Database } from "bun:sqlite";

export type UploadState = "pending" | "delivered" | "dead";

export interface EvidenceRow {
  seq: number;
  bundleId: string;
  kind: string;
  createdAt: number;
  canonical: string;
  hash: string;
  signature: string;
  uploadState: UploadState;
  deliveryId?: number;
  late: boolean;
  deadReason?: string;
}

/**
 * Where a delivery stands: `sending` until Central Command answers (at most one at a time, re-sent
 * byte for byte), then `accepted` or `refused`; `superseded` when its `checked_at` grew too old
 * to re-send and a fresh delivery was built for the same records.
 */
export type DeliveryStatus = "sending" | "accepted" | "refused" | "superseded";

export interface DeliveryRow {
  firstSeq: number;
  lastSeq: number;
  sentAt: number;
  bundleHash: string;
  status: DeliveryStatus;
  receipt?: unknown;
  reason?: string;
}

/**
 * A delivery stored before it was sent. What it carries is enough to build its body again, byte
 * for byte: its records (the pending ones in [firstSeq, lastSeq]), `checked_at` (`sentAt`) and the
 * evidence key, whose Ed25519 signatures are deterministic; `bundleHash` tells whether the rebuilt
 * body is the one sent.
 */
export interface SendingDelivery {
  id: number;
  firstSeq: number;
  lastSeq: number;
  /** The send time stamped into the body as `checked_at` (ms, whole seconds). */
  sentAt: number;
  bundleHash: string;
  /** The exact JSON body, when stored with it (agents before the body was rebuilt stored it). */
  payload?: string;
}

/** One row of `evidence_deliveries` as stored. */
export interface StoredDelivery extends DeliveryRow {
  id: number;
  /** The JSON body, when stored with one; only while the delivery is `sending`. */
  payload?: string;
}

/** One position of the chain as verification sees it: a record, or the tombstone of a pruned one. */
export type ChainEntry = { seq: number; hash: string } & ({ pruned: false; row: EvidenceRow } | { pruned: true });

export interface EvidenceCounts {
  total: number;
  pending: number;
  delivered: number;
  dead: number;
  late: number;
  pruned: number;
  oldestPendingAt?: number;
}

type RawDelivery = {
  id: number;
  first_seq: number;
  last_seq: number;
  sent_at: number;
  bundle_hash: string;
  status: DeliveryStatus;
  payload: string | null;
  receipt: string | null;
  reason: string | null;
};

function deliveryFromRaw(r: RawDelivery): StoredDelivery {
  return {
    id: r.id,
    firstSeq: r.first_seq,
    lastSeq: r.last_seq,
    sentAt: r.sent_at,
    bundleHash: r.bundle_hash,
    status: r.status,
    ...(r.payload !== null ? { payload: r.payload } : {}),
    ...(r.receipt !== null ? { receipt: JSON.parse(r.receipt) as unknown } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
  };
}

type Raw = {
  seq: number;
  bundle_id: string;
  kind: string;
  created_at: number;
  canonical: string;
  hash: string;
  signature: string;
  upload_state: UploadState;
  delivery_id: number | null;
  late: number;
  dead_reason: string | null;
};

function fromRaw(r: Raw): EvidenceRow {
  return {
    seq: r.seq,
    bundleId: r.bundle_id,
    kind: r.kind,
    createdAt: r.created_at,
    canonical: r.canonical,
    hash: r.hash,
    signature: r.signature,
    uploadState: r.upload_state,
    ...(r.delivery_id !== null ? { deliveryId: r.delivery_id } : {}),
    late: r.late === 1,
    ...(r.dead_reason !== null ? { deadReason: r.dead_reason } : {}),
  };
}

export function createEvidenceStore(db: Database) {
  const insertQ = db.query(
    "INSERT INTO evidence (seq, bundle_id, kind, created_at, canonical, hash, signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const headQ = db.query<{ seq: number; hash: string }, []>(
    "SELECT seq, hash FROM (SELECT seq, hash FROM evidence UNION ALL SELECT seq, hash FROM evidence_pruned) ORDER BY seq DESC LIMIT 1",
  );
  const pendingQ = db.query<Raw, [number, number]>(
    "SELECT * FROM evidence WHERE upload_state = 'pending' AND seq > ? ORDER BY seq LIMIT ?",
  );
  const deliveredQ = db.query("UPDATE evidence SET upload_state = 'delivered', delivery_id = ?, late = ? WHERE seq = ?");
  const deadQ = db.query("UPDATE evidence SET upload_state = 'dead', delivery_id = ?, dead_reason = ? WHERE seq = ?");
  const deliveryQ = db.query<{ id: number }, [number, number, number, string, string, string | null, string | null]>(
    "INSERT INTO evidence_deliveries (first_seq, last_seq, sent_at, bundle_hash, status, receipt, reason) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
  );
  const countsQ = db.query<{ state: UploadState; n: number; late: number; oldest: number | null }, []>(
    "SELECT upload_state AS state, count(*) AS n, sum(late) AS late, min(created_at) AS oldest FROM evidence GROUP BY upload_state",
  );
  const prunedCountQ = db.query<{ n: number }, []>("SELECT count(*) AS n FROM evidence_pruned");
  const metaGet = db.query<{ value: string }, [string]>("SELECT value FROM evidence_meta WHERE key = ?");
  const metaSet = db.query("INSERT INTO evidence_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  const bySeqQ = db.query<Raw, [number]>("SELECT * FROM evidence WHERE seq = ?");
  const rangeQ = db.query<Raw, [number, number]>("SELECT * FROM evidence WHERE created_at >= ? AND created_at < ? ORDER BY seq");
  const tombQ = db.query("INSERT OR REPLACE INTO evidence_pruned (seq, hash, pruned_at) VALUES (?, ?, ?)");
  // Only records Central Command accepted: pending and dead-lettered records are never removed.
  const delQ = db.query("DELETE FROM evidence WHERE seq = ? AND upload_state = 'delivered'");
  const deadListQ = db.query<Raw, [number]>("SELECT * FROM evidence WHERE upload_state = 'dead' ORDER BY seq DESC LIMIT ?");

  // Deliveries. No body is stored: the records stay in `evidence` (with `delivery_id` once
  // settled), and `sent_at` gives `checked_at`, so the body can be rebuilt.
  const pendingRangeQ = db.query<Raw, [number, number, number]>(
    "SELECT * FROM evidence WHERE upload_state = 'pending' AND seq BETWEEN ? AND ? ORDER BY seq LIMIT ?",
  );
  const pendingRowsQ = db.query<Raw, [number, number]>(
    "SELECT * FROM evidence WHERE upload_state = 'pending' AND seq BETWEEN ? AND ? ORDER BY seq",
  );
  const firstPendingQ = db.query<{ seq: number | null }, [number, number]>(
    "SELECT min(seq) AS seq FROM evidence WHERE upload_state = 'pending' AND seq BETWEEN ? AND ?",
  );
  const sendingQ = db.query<RawDelivery, []>("SELECT * FROM evidence_deliveries WHERE status = 'sending' ORDER BY id DESC LIMIT 1");
  const deliveryByIdQ = db.query<RawDelivery, [number]>("SELECT * FROM evidence_deliveries WHERE id = ?");
  const recentDeliveriesQ = db.query<RawDelivery, [number]>("SELECT * FROM evidence_deliveries ORDER BY id DESC LIMIT ?");
  const saveSendingQ = db.query<{ id: number }, [number, number, number, string, string | null]>(
    "INSERT INTO evidence_deliveries (first_seq, last_seq, sent_at, bundle_hash, status, payload) VALUES (?, ?, ?, ?, 'sending', ?) RETURNING id",
  );
  const settleQ = db.query<{ id: number }, [string, string | null, string | null, number]>(
    "UPDATE evidence_deliveries SET status = ?, receipt = ?, reason = ?, payload = NULL WHERE id = ? AND status = 'sending' RETURNING id",
  );
  const markDeliveredQ = db.query(
    "UPDATE evidence SET upload_state = 'delivered', delivery_id = ?, late = ? WHERE seq = ? AND upload_state = 'pending'",
  );
  const markDeadQ = db.query(
    "UPDATE evidence SET upload_state = 'dead', delivery_id = ?, dead_reason = ? WHERE seq = ? AND upload_state = 'pending'",
  );
  const redeliverOneQ = db.query("UPDATE evidence SET upload_state = 'pending', dead_reason = NULL WHERE seq = ? AND upload_state = 'dead'");
  const deliveredUpToQ = db.query<{ seq: number | null }, []>("SELECT max(last_seq) AS seq FROM evidence_deliveries WHERE status = 'accepted'");
  const redeliverAllQ = db.query("UPDATE evidence SET upload_state = 'pending', dead_reason = NULL WHERE upload_state = 'dead'");

  /** Moves a `sending` delivery to its final status; throws when it is not in flight. */
  function settle(id: number, status: Exclude<DeliveryStatus, "sending">, receipt: unknown, reason: string | undefined): void {
    const hit = settleQ.get(status, receipt === undefined ? null : JSON.stringify(receipt), reason ?? null, id);
    if (!hit) throw new RangeError(`Evidence delivery ${id} is not in flight`);
  }

  return {
    /** Inserts rows; the caller holds the transaction. */
    insert(r: Omit<EvidenceRow, "uploadState" | "late">): void {
      insertQ.run(r.seq, r.bundleId, r.kind, r.createdAt, r.canonical, r.hash, r.signature);
    },
    /** The last position of the chain, counting pruned records. */
    head(): { seq: number; hash: string } | undefined {
      return headQ.get() ?? undefined;
    },
    get(seq: number): EvidenceRow | undefined {
      const r = bySeqQ.get(seq);
      return r ? fromRaw(r) : undefined;
    },
    /** Pending records after `afterSeq`, oldest first. */
    pending(limit: number, afterSeq = 0): EvidenceRow[] {
      return pendingQ.all(afterSeq, limit).map(fromRaw);
    },
    /** Records created in [fromMs, toMs), in chain order. */
    createdBetween(fromMs: number, toMs: number): EvidenceRow[] {
      return rangeQ.all(fromMs, toMs).map(fromRaw);
    },
    /** Dead-lettered records, newest first. */
    dead(limit: number): EvidenceRow[] {
      return deadListQ.all(limit).map(fromRaw);
    },
    /** Records one delivery and marks what it carried, in one transaction. */
    recordDelivery(d: DeliveryRow, outcome: { delivered: { seq: number; late: boolean }[]; dead: { seq: number; reason: string }[] }): number {
      return db.transaction(() => {
        const id = deliveryQ.get(
          d.firstSeq,
          d.lastSeq,
          d.sentAt,
          d.bundleHash,
          d.status,
          d.receipt === undefined ? null : JSON.stringify(d.receipt),
          d.reason ?? null,
        )!.id;
        for (const r of outcome.delivered) deliveredQ.run(id, r.late ? 1 : 0, r.seq);
        for (const r of outcome.dead) deadQ.run(id, r.reason, r.seq);
        return id;
      })();
    },
    /** Pending records with seq in [firstSeq, lastSeq], oldest first. */
    pendingBetween(firstSeq: number, lastSeq: number, limit: number): EvidenceRow[] {
      return pendingRangeQ.all(firstSeq, lastSeq, limit).map(fromRaw);
    },
    /**
     * Pending records with seq in [firstSeq, lastSeq], oldest first, read one at a time: a caller
     * that stops early never reads the rest (stopping ends the read at once).
     *
     * @example
     * for (const row of store.pendingRows(firstSeq)) if (full(row)) break;
     */
    *pendingRows(firstSeq = 0, lastSeq = Number.MAX_SAFE_INTEGER): Generator<EvidenceRow, void, undefined> {
      for (const r of pendingRowsQ.iterate(firstSeq, lastSeq)) yield fromRaw(r);
    },
    /** The lowest seq still pending in [firstSeq, lastSeq], if any. */
    firstPendingSeq(firstSeq = 0, lastSeq = Number.MAX_SAFE_INTEGER): number | undefined {
      return firstPendingQ.get(firstSeq, lastSeq)?.seq ?? undefined;
    },
    /** The delivery stored but not yet answered, if any (the uploader keeps at most one). */
    inFlightDelivery(): SendingDelivery | undefined {
      const r = sendingQ.get();
      if (!r) return undefined;
      return {
        id: r.id,
        firstSeq: r.first_seq,
        lastSeq: r.last_seq,
        sentAt: r.sent_at,
        bundleHash: r.bundle_hash,
        ...(r.payload !== null ? { payload: r.payload } : {}),
      };
    },
    /**
     * Stores a delivery as `sending` before it is sent; returns its id. Without `payload` only what
     * rebuilds the body is stored (see {@linkcode SendingDelivery}).
     */
    saveSending(d: Omit<SendingDelivery, "id">): number {
      return saveSendingQ.get(d.firstSeq, d.lastSeq, d.sentAt, d.bundleHash, d.payload ?? null)!.id;
    },
    /** Central Command took the delivery: stores its answer and marks the records it carried. */
    markDeliveryAccepted(id: number, receipt: unknown, delivered: readonly { seq: number; late: boolean }[]): void {
      db.transaction(() => {
        settle(id, "accepted", receipt, undefined);
        for (const r of delivered) markDeliveredQ.run(id, r.late ? 1 : 0, r.seq);
      })();
    },
    /**
     * Central Command refused the delivery with `reason`; the records in `dead` are dead-lettered
     * (kept, never retried on their own). The others stay pending.
     */
    markDeliveryRefused(id: number, reason: string, dead: readonly number[] = []): void {
      db.transaction(() => {
        settle(id, "refused", undefined, reason);
        for (const seq of dead) markDeadQ.run(id, reason, seq);
      })();
    },
    /** The delivery will not be sent again (its stamp is too old); its records stay pending. */
    markDeliverySuperseded(id: number, reason?: string): void {
      settle(id, "superseded", undefined, reason);
    },
    delivery(id: number): StoredDelivery | undefined {
      const r = deliveryByIdQ.get(id);
      return r ? deliveryFromRaw(r) : undefined;
    },
    /** The newest deliveries, newest first. */
    deliveries(limit: number): StoredDelivery[] {
      return recentDeliveriesQ.all(limit).map(deliveryFromRaw);
    },
    /**
     * Makes dead-lettered records pending again (all of them when `seqs` is absent), on a person's
     * request; returns how many moved. Records that are not dead are left alone.
     */
    redeliverDead(seqs?: readonly number[]): number {
      return db.transaction(() => {
        if (seqs === undefined) return redeliverAllQ.run().changes;
        let n = 0;
        for (const seq of seqs) n += redeliverOneQ.run(seq).changes;
        return n;
      })();
    },
    /** The highest seq Central Command acknowledged, if any: the chain must reach at least this far. */
    deliveredUpTo(): number | undefined {
      return deliveredUpToQ.get()?.seq ?? undefined;
    },
    counts(): EvidenceCounts {
      const c: EvidenceCounts = { total: 0, pending: 0, delivered: 0, dead: 0, late: 0, pruned: prunedCountQ.get()!.n };
      for (const r of countsQ.all()) {
        c[r.state] = r.n;
        c.total += r.n;
        c.late += r.late ?? 0;
        if (r.state === "pending" && r.oldest !== null) c.oldestPendingAt = r.oldest;
      }
      return c;
    },
    /** Every chain position in order, records and tombstones, for verification. */
    *chain(): Generator<ChainEntry> {
      const rows = db.query<Raw & { pruned: number }, []>(
        `SELECT seq, bundle_id, kind, created_at, canonical, hash, signature, upload_state, delivery_id, late, dead_reason, 0 AS pruned FROM evidence
         UNION ALL
         SELECT seq, '' , '', 0, '', hash, '', 'delivered', NULL, 0, NULL, 1 AS pruned FROM evidence_pruned
         ORDER BY seq`,
      );
      for (const r of rows.iterate()) {
        yield r.pruned ? { seq: r.seq, hash: r.hash, pruned: true } : { seq: r.seq, hash: r.hash, pruned: false, row: fromRaw(r) };
      }
    },
    /** Replaces delivered records by tombstones; pending and dead-lettered records stay. */
    prune(rows: { seq: number; hash: string }[], at: number): number {
      return db.transaction(() => {
        let n = 0;
        for (const r of rows) {
          if (delQ.run(r.seq).changes === 1) {
            tombQ.run(r.seq, r.hash, at);
            n++;
          }
        }
        return n;
      })();
    },
    meta: {
      get: (key: string) => metaGet.get(key)?.value,
      set: (key: string, value: string) => void metaSet.run(key, value),
    },
  };
}

export type EvidenceStore = ReturnType<typeof createEvidenceStore>;

/**
 * Retention: records may be pruned once Central Command has them, they are older than the
 * retention period, they are not among the newest `keepLast`, and they do not hold the newest
 * success of some check or runbook (an auditor must always find the last time each control
 * was seen passing). Pruned records leave a tombstone (seq + hash), so the chain still verifies.
 * Pending and dead-lettered records are never pruned.
 * @module
 */
import type { EvidenceStore } from "../store/evidence-store.ts";

export interface RetentionPolicy {
  /** At least this many of the newest records are kept (`evidence_retention`). */
  keepLast: number;
  /** Everything younger than this many days is kept (`prune_retention_days`). */
  keepDays: number;
}

export interface PruneReport {
  pruned: number;
  /** Old enough to prune but kept as the newest success of a check or runbook. */
  keptAsNewestSuccess: number;
  /** Old enough to prune but not yet delivered or dead-lettered. */
  keptUndelivered: number;
}

/** The keys under which a record counts as a success: each passing check, each successful runbook. */
export function successKeys(canonical: string): string[] {
  const r = JSON.parse(canonical) as {
    kind?: string;
    scan?: { checks?: { check?: string; hostname?: string; status?: string }[] };
    action?: { outcome?: string; runbook_id?: string; check?: string; hostname?: string };
  };
  if (r.kind === "scan") {
    return (r.scan?.checks ?? []).filter((c) => c.status === "pass").map((c) => `check:${c.check}@${c.hostname}`);
  }
  if (r.kind === "action" && r.action?.outcome === "success") {
    return [`action:${r.action.runbook_id ?? r.action.check ?? "?"}@${r.action.hostname ?? "?"}`];
  }
  return [];
}

export function pruneEvidence(store: EvidenceStore, policy: RetentionPolicy, nowMs: number): PruneReport {
  const head = store.head();
  const report: PruneReport = { pruned: 0, keptAsNewestSuccess: 0, keptUndelivered: 0 };
  if (!head) return report;
  const cutoffMs = nowMs - policy.keepDays * 86_400_000;
  const lastPrunableSeq = head.seq - policy.keepLast;
  // One pass in chain order: a later success of the same key replaces an earlier one.
  const newestSuccess = new Map<string, number>();
  const candidates: { seq: number; hash: string; delivered: boolean }[] = [];
  for (const e of store.chain()) {
    if (e.pruned) continue;
    for (const k of successKeys(e.row.canonical)) newestSuccess.set(k, e.seq);
    if (e.seq <= lastPrunableSeq && e.row.createdAt < cutoffMs) {
      candidates.push({ seq: e.seq, hash: e.hash, delivered: e.row.uploadState === "delivered" });
    }
  }
  const protectedSeqs = new Set(newestSuccess.values());
  const victims: { seq: number; hash: string }[] = [];
  for (const c of candidates) {
    if (!c.delivered) report.keptUndelivered++;
    else if (protectedSeqs.has(c.seq)) report.keptAsNewestSuccess++;
    else victims.push(c);
  }
  report.pruned = victims.length ? store.prune(victims, nowMs) : 0;
  return report;
}

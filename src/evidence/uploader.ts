/**
 * The evidence uploader: its own loop, never on the check-in path, that delivers the chain to
 * Central Command in order, at least once, and idempotently.
 *
 * Each delivery (see `delivery.ts`) is stored as `sending` before it is sent: which records it
 * carries, its `checked_at` and its `bundle_hash`, not its body, which those rebuild byte for byte
 * (Ed25519 signatures are deterministic). Until CC answers, the same body is sent again — after a
 * timeout, a lost answer or a crash — so CC's dedupe by `bundle_hash` absorbs the copies. After a
 * restart the body is rebuilt and checked against the stored `bundle_hash`; when it differs (a
 * record changed state or the key changed), the delivery is superseded by a fresh one.
 *
 * One case can put records into CC's chain twice: a delivery whose answer was lost and whose
 * `checked_at` is over 55 minutes old is superseded by a fresh delivery of the same records (CC
 * refuses a `checked_at` older than 1 h), and if CC did take the first one it now takes the
 * second as well. CC only dedupes a `bundle_hash` for 15 minutes, so a re-send after that can
 * also be chained twice.
 *
 * Answers: a 2xx stores the receipt and marks the records delivered (`late` when created more
 * than 1 h before the send), then the next batch goes at once. A refusal (a 4xx about the
 * content) splits the batch in half until the refused record stands alone; that record is
 * dead-lettered with CC's reason, never deleted and never retried on its own (field lesson 27).
 * A 400 about `checked_at` is a clock problem, not a bad record: the records stay pending and
 * the next attempt is a fresh delivery. Anything else — no answer, 401, 403, 404, 408, 429,
 * 5xx — keeps the records pending and backs off with full jitter, honouring Retry-After
 * (`delivery-answer.ts` decides which is which).
 *
 * The halves still to send after a split live in memory only: after a restart the batch is
 * built whole again and, refused again, split again.
 *
 * Sending is strictly one delivery at a time, in order. Only building overlaps: while CC reads
 * one delivery, the next is built and signed, and it is stored and sent only once the first is
 * accepted and if it is still what would be built then.
 * @module
 */
import type { CentralClient } from "../central/client.ts";
import type { SigningKey } from "../identity/index.ts";
import type { Logger } from "../log/logger.ts";
import { Backoff } from "../loop/backoff.ts";
import type { EvidenceStore, SendingDelivery } from "../store/evidence-store.ts";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { buildDelivery, type Delivery, type DeliveryBody } from "./delivery.ts";
import { judgeFailure, type DeliveryAnswer } from "./delivery-answer.ts";

/** A stored delivery older than this is not sent again: CC refuses `checked_at` older than 1 h. */
export const RESEND_LIMIT_MS = 55 * 60 * 1000;
/** A record delivered more than this after it was created is marked `late` (field lesson 26). */
export const LATE_AFTER_MS = 60 * 60 * 1000;
/** The longest Retry-After honoured. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** Records dead-lettered in a row, none accepted between, before the uploader holds instead. */
export const REFUSAL_STREAK_LIMIT = 10;
/** A delivery built ahead is built again when older than this: its `checked_at` is the send time. */
const AHEAD_MAX_AGE_MS = 5_000;

export interface UploaderOptions {
  store: EvidenceStore;
  client: CentralClient;
  /** The evidence key (the one the chain is signed with and CC registered at check-in). */
  key: SigningKey;
  siteId: string;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Stops the loop; an in-flight delivery is sent again at the next start. */
  signal?: AbortSignal;
  /** Most records per delivery. */
  maxRecords?: number;
  /** Most bytes of signed_data per delivery (a single larger record still goes alone). */
  maxBytes?: number;
  /** How long to wait for `wake()` when nothing is pending. */
  idleMs?: number;
  /** Delay between failed attempts; full jitter, 2 s doubling to 5 min by default. */
  backoff?: Backoff;
}

/** What the loop is doing. */
export type UploaderState = "starting" | "idle" | "sending" | "backoff" | "stopped";

export interface UploaderStats {
  state: UploaderState;
  /** Submissions sent since start, answered or not. */
  attempts: number;
  /** Deliveries CC accepted since start. */
  deliveries: number;
  recordsDelivered: number;
  /** Deliveries CC refused (each split, or its record dead-lettered). */
  refusals: number;
  recordsDead: number;
  /** Failed attempts in a row (reset by any answer from CC). */
  failures: number;
  lastError?: string;
  /** When the next attempt is due, while backing off. */
  nextAttemptAt?: number;
  inFlight?: { id: number; firstSeq: number; lastSeq: number; records: number; sentAt: number };
}

export interface Uploader {
  /** New records were committed: deliver them now unless backing off. */
  wake(): void;
  /** Settles when the loop has stopped (after `signal` aborted). */
  done: Promise<void>;
  /** Resolves once nothing is pending or in flight (for tests); rejects if the loop stops first. */
  idle(): Promise<void>;
  stats(): UploaderStats;
}

/** The delivery being sent. */
interface InFlight {
  id: number;
  sentAt: number;
  /** The bytes sent, the same every time (text when stored so by an earlier agent). */
  payload: Uint8Array | string;
  body: DeliveryBody;
  records: { seq: number; createdAt: number }[];
}

/** Seqs still to be sent as a delivery of their own (a bisected or superseded batch). */
interface SeqRange {
  first: number;
  last: number;
}

/** A delivery built but not yet stored; `range` is the planned range it was built from. */
interface Built {
  d: Delivery;
  range?: SeqRange;
}

/**
 * Starts the loop.
 *
 * @example
 * const uploader = startUploader({ store, client, key: evidenceKey, siteId, clock, random, log, signal });
 * const outbox = createOutbox({ ..., onCommit: () => uploader.wake() });
 */
export function startUploader({
  store,
  client,
  key,
  siteId,
  clock,
  random,
  log,
  signal = new AbortController().signal,
  maxRecords = 500,
  maxBytes = 512 * 1024,
  idleMs = 30_000,
  backoff = new Backoff({ random, baseMs: 2_000, capMs: 300_000 }),
}: UploaderOptions): Uploader {
  if (!(Number.isInteger(maxRecords) && maxRecords >= 1)) throw new RangeError(`maxRecords must be a positive integer, got ${maxRecords}`);
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
  const path = `/api/evidence/sites/${encodeURIComponent(siteId)}/submit`;
  const stats: UploaderStats = { state: "starting", attempts: 0, deliveries: 0, recordsDelivered: 0, refusals: 0, recordsDead: 0, failures: 0 };
  const plan: SeqRange[] = [];
  let current: InFlight | undefined;
  /** The delivery after `current`, built while `current` was in flight. */
  let ahead: Delivery | undefined;
  let deadStreak = 0;
  let woken = false;
  let interruptRest: AbortController | undefined;
  let idleWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let stopped = false;
  let resumed = false;

  /** The delivery a previous run stored and did not see answered. */
  function resume(): InFlight | undefined {
    const d = store.inFlightDelivery();
    if (!d) return undefined;
    const found = d.payload !== undefined ? readBack(d, d.payload) : rebuild(d);
    if (!found) {
      plan.push({ first: d.firstSeq, last: d.lastSeq });
      return undefined;
    }
    log.info("Resuming evidence delivery", { delivery: d.id, firstSeq: d.firstSeq, lastSeq: d.lastSeq });
    return found;
  }

  /** `d` built again from its records; superseded instead when that is not the delivery sent. */
  function rebuild(d: SendingDelivery): InFlight | undefined {
    const built =
      store.firstPendingSeq(d.firstSeq, d.lastSeq) !== undefined
        ? buildDelivery(store.pendingRows(d.firstSeq, d.lastSeq), { siteId, key, nowMs: d.sentAt })
        : undefined;
    if (built?.bundleHash !== d.bundleHash) {
      // A record in the range changed state (e.g. made pending again by `retry-dead`) or the key
      // changed: what was sent cannot be sent again, so its records go in a fresh delivery.
      log.warn("Stored evidence delivery no longer matches its records; rebuilding it", { delivery: d.id });
      store.markDeliverySuperseded(d.id, "its records or key changed since it was sent; rebuilt with a fresh send time");
      return undefined;
    }
    return { id: d.id, sentAt: d.sentAt, payload: built.payload, body: built.body, records: built.records };
  }

  /** A delivery stored with its body (by an agent from before bodies were rebuilt): sent as stored. */
  function readBack(d: SendingDelivery, payload: string): InFlight | undefined {
    let body: DeliveryBody;
    let seqs: number[];
    try {
      body = JSON.parse(payload) as DeliveryBody;
      seqs = (JSON.parse(body.signed_data) as { records: { seq: number }[] }).records.map((r) => r.seq);
    } catch (err) {
      // Unreadable: build it afresh from the records, which are still pending.
      log.error("Stored evidence delivery is unreadable; rebuilding it", { delivery: d.id, error: err });
      store.markDeliverySuperseded(d.id, "stored payload unreadable");
      return undefined;
    }
    const records = seqs.map((seq) => ({ seq, createdAt: store.get(seq)?.createdAt ?? d.sentAt }));
    return { id: d.id, sentAt: d.sentAt, payload, body, records };
  }

  /** Builds the next delivery, of a planned range first, else of the oldest pending records. */
  function build(): Built | undefined {
    while (plan.length > 0) {
      const range = plan.at(-1)!;
      if (store.firstPendingSeq(range.first, range.last) !== undefined) return { d: buildOf(range.first, range.last), range };
      plan.pop(); // nothing of it is pending any more
    }
    return store.firstPendingSeq() !== undefined ? { d: buildOf() } : undefined;
  }

  /** The delivery of the oldest pending records in [first, last] that fit; reads no more of them. */
  function buildOf(first?: number, last?: number): Delivery {
    return buildDelivery(store.pendingRows(first, last), { siteId, key, nowMs: clock.now(), maxBytes, maxRecords });
  }

  /**
   * While `d` is in flight: the delivery that follows it if CC accepts it. Built only after a
   * success (not on every attempt of an outage) and when nothing is planned (a split or a hold).
   */
  function buildAhead(d: InFlight): Delivery | undefined {
    if (stats.failures > 0 || plan.length > 0) return undefined;
    const after = d.records.at(-1)!.seq + 1;
    if (store.firstPendingSeq(after) === undefined) return undefined;
    try {
      return buildOf(after);
    } catch (err) {
      // The same build fails again in its turn, where failures are handled.
      log.debug("Building the next evidence delivery ahead failed", { error: err });
      return undefined;
    }
  }

  /** The delivery built ahead, if it is still the one `build()` would make now. */
  function takeAhead(): Built | undefined {
    const d = ahead;
    ahead = undefined;
    if (!d || plan.length > 0) return undefined;
    // An older record pending again (`retry-dead`) goes first; and `checked_at` is the send time.
    if (store.firstPendingSeq() !== d.records[0]!.seq || clock.now() - d.sentAt > AHEAD_MAX_AGE_MS) return undefined;
    return { d };
  }

  /** Stores a built delivery as `sending`, before anything is sent. */
  function commit({ d, range }: Built): InFlight {
    const firstSeq = d.records[0]!.seq;
    const lastSeq = d.records.at(-1)!.seq;
    const id = store.saveSending({ firstSeq, lastSeq, sentAt: d.sentAt, bundleHash: d.bundleHash });
    if (range) {
      plan.pop();
      // Part of the planned range did not fit: it is next.
      if (lastSeq < range.last) plan.push({ first: lastSeq + 1, last: range.last });
    }
    return { id, sentAt: d.sentAt, payload: d.payload, body: d.body, records: d.records };
  }

  /** One attempt: CC's answer, or what its absence means. */
  async function send(d: InFlight): Promise<DeliveryAnswer> {
    try {
      return { kind: "accepted", receipt: await client.post(path, d.body, { signal, rawBody: d.payload }) };
    } catch (err) {
      if (signal.aborted) throw err;
      return judgeFailure(err, d.sentAt);
    }
  }

  function supersede(d: InFlight, reason: string): void {
    store.markDeliverySuperseded(d.id, reason);
    plan.push({ first: d.records[0]!.seq, last: d.records.at(-1)!.seq });
  }

  function accept(d: InFlight, receipt: unknown): void {
    const delivered = d.records.map((r) => ({ seq: r.seq, late: d.sentAt - r.createdAt > LATE_AFTER_MS }));
    store.markDeliveryAccepted(d.id, receipt, delivered);
    deadStreak = 0;
    stats.deliveries++;
    stats.recordsDelivered += delivered.length;
    if (stats.failures > 0) log.info("Evidence delivered again after failures", { failures: stats.failures, delivery: d.id });
    log.debug("Evidence delivered", { delivery: d.id, firstSeq: delivered[0]!.seq, lastSeq: delivered.at(-1)!.seq });
  }

  /** Returns true when the uploader should hold back instead of going on at once. */
  function refuse(d: InFlight, reason: string): boolean {
    stats.refusals++;
    const seqs = d.records.map((r) => r.seq);
    if (seqs.length === 1 && deadStreak >= REFUSAL_STREAK_LIMIT) {
      // CC refuses record after record and accepts none: more likely CC changed than our
      // records went bad. Hold the backlog, pending, instead of dead-lettering all of it.
      store.markDeliveryRefused(d.id, reason);
      plan.push({ first: seqs[0]!, last: seqs[0]! });
      log.error("Central Command refuses every evidence record; holding the backlog until it accepts one", { seq: seqs[0], reason });
      return true;
    }
    if (seqs.length === 1) {
      deadStreak++;
      store.markDeliveryRefused(d.id, reason, seqs);
      stats.recordsDead++;
      log.error(`Central Command refused evidence record ${seqs[0]}; it is kept as dead-lettered`, { seq: seqs[0], reason });
      return false;
    }
    // Bisect: one bad record must not sink the others. The first half goes first (order).
    store.markDeliveryRefused(d.id, reason);
    const mid = Math.ceil(seqs.length / 2);
    plan.push({ first: seqs[mid]!, last: seqs.at(-1)! }, { first: seqs[0]!, last: seqs[mid - 1]! });
    log.warn("Central Command refused an evidence delivery; splitting it", { firstSeq: seqs[0], lastSeq: seqs.at(-1), reason });
    return false;
  }

  /** Waits for `wake()`, `ms` or the stop signal. */
  async function rest(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return;
    }
    stats.state = "idle";
    const interrupt = new AbortController();
    interruptRest = interrupt;
    try {
      await clock.sleep(ms, AbortSignal.any([signal, interrupt.signal]));
    } catch {
      // woken or stopped: the loop looks again
    } finally {
      interruptRest = undefined;
      woken = false;
    }
  }

  /** Backs off after a failure; `wake()` does not cut this short. */
  async function pause(answer: { retryAfterMs?: number }): Promise<void> {
    const ms = Math.max(backoff.fail(), Math.min(answer.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    stats.state = "backoff";
    stats.nextAttemptAt = clock.now() + ms;
    try {
      await clock.sleep(ms, signal);
    } finally {
      delete stats.nextAttemptAt;
    }
  }

  async function step(): Promise<void> {
    if (!resumed) {
      current = resume();
      resumed = true;
    }
    if (current && clock.now() - current.sentAt > RESEND_LIMIT_MS) {
      log.info("Evidence delivery is too old to send again; rebuilding it", { delivery: current.id });
      supersede(current, "checked_at older than 55 minutes; rebuilt with a fresh send time");
      current = undefined;
    }
    if (!current) {
      const next = takeAhead() ?? build();
      if (!next) {
        stats.state = "idle";
        for (const w of idleWaiters) w.resolve();
        idleWaiters = [];
        await rest(idleMs);
        return;
      }
      current = commit(next);
    }
    stats.state = "sending";
    stats.attempts++;
    const answering = send(current);
    // CC reads this one meanwhile (on the other core): the agent's and CC's work overlap.
    ahead = buildAhead(current);
    const answer = await answering;
    if (answer.kind !== "accepted") ahead = undefined;
    switch (answer.kind) {
      case "accepted":
        accept(current, answer.receipt);
        current = undefined;
        stats.failures = 0;
        backoff.reset();
        return;
      case "refused": {
        const hold = refuse(current, answer.reason);
        current = undefined;
        if (hold) {
          failed(answer.reason);
          await pause({});
          return;
        }
        stats.failures = 0;
        backoff.reset();
        return;
      }
      case "restamp":
        supersede(current, answer.reason);
        current = undefined;
        failed(answer.reason, "Central Command refused the send time of an evidence delivery; check the clock");
        await pause({});
        return;
      case "retry":
        failed(answer.reason);
        await pause(answer);
        return;
    }
  }

  function failed(reason: string, message = "Evidence delivery failed; records stay pending and will be retried"): void {
    stats.failures++;
    stats.lastError = reason;
    // One line per outage, not one per attempt.
    if (stats.failures === 1) log.warn(message, { reason });
    else log.debug("Evidence delivery failed again", { reason, failures: stats.failures });
  }

  async function loop(): Promise<void> {
    while (!signal.aborted) {
      try {
        await step();
      } catch (err) {
        if (signal.aborted) break;
        // A bug or a database error: keep the loop alive, slowly, and read the delivery in
        // flight back from the database, which stays the truth (an answer may not have been stored).
        log.error("Evidence upload failed unexpectedly; retrying", { error: err });
        current = undefined;
        ahead = undefined;
        resumed = false;
        failed((err as Error)?.message ?? String(err));
        try {
          await pause({});
        } catch {
          break;
        }
      }
    }
  }

  const done = loop().finally(() => {
    stopped = true;
    stats.state = "stopped";
    for (const w of idleWaiters) w.reject(new Error("The evidence uploader stopped"));
    idleWaiters = [];
  });

  return {
    wake() {
      woken = true;
      interruptRest?.abort();
    },
    done,
    idle() {
      if (stopped) return Promise.reject(new Error("The evidence uploader stopped"));
      return new Promise<void>((resolve, reject) => {
        idleWaiters.push({ resolve, reject });
        woken = true;
        interruptRest?.abort();
      });
    },
    stats() {
      return {
        ...stats,
        ...(current
          ? {
              inFlight: {
                id: current.id,
                firstSeq: current.records[0]!.seq,
                lastSeq: current.records.at(-1)!.seq,
                records: current.records.length,
                sentAt: current.sentAt,
              },
            }
          : {}),
      };
    },
  };
}

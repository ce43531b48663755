/**
 * The evidence outbox: the single writer of the chain. `append(draft)` scrubs the draft,
 * places it after the current head (seq, prev_hash), canonicalizes it (RFC 8785), hashes and
 * signs it, and stores it; the promise resolves once the record is durable (committed with
 * synchronous=FULL). Drafts that arrive together share one transaction and one fsync (group
 * commit), so a burst does not pay an fsync per record.
 * @module
 */
import type { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import type { SigningKey } from "../identity/index.ts";
import type { Logger } from "../log/logger.ts";
import type { SecretRegistry } from "../log/secrets.ts";
import type { EvidenceStore } from "../store/evidence-store.ts";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { canonicalize } from "./canonical-json.ts";
import { GENESIS_HASH, RECORD_SCHEMA, type EvidenceDraft, type EvidenceRecord } from "./record.ts";
import { scrubEvidence } from "./scrub.ts";
import { uuidv7 } from "./uuid7.ts";

/** Where a record landed in the chain. */
export interface Appended {
  seq: number;
  hash: string;
  bundleId: string;
}

export interface OutboxOptions {
  db: Database;
  store: EvidenceStore;
  key: SigningKey;
  clock: Clock;
  random: Random;
  secrets: SecretRegistry;
  log: Logger;
  /** Most drafts per transaction. */
  maxBatch?: number;
  /** Called after each commit with the number of records written (metrics, uploader wake-up). */
  onCommit?: (count: number) => void;
}

interface Waiting {
  draft: EvidenceDraft;
  resolve: (a: Appended) => void;
  reject: (e: unknown) => void;
}

/** The public key the chain is signed with is recorded with it, for `verify` and exports. */
export const PUBLIC_KEY_META = "evidence_public_key";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export function createOutbox({ db, store, key, clock, random, secrets, log, maxBatch = 2000, onCommit }: OutboxOptions) {
  let queue: Waiting[] = [];
  // PHI tags are keyed so that a guessable value (an SSN, a phone number) cannot be confirmed
  // from its tag. Ed25519 signatures are deterministic: only the evidence key's holder gets this.
  const phiTagKey = createHash("sha256").update(key.sign(new TextEncoder().encode("compliance-agent/phi-tag-key/v1"))).digest();
  let scheduled: Promise<void> | undefined;
  let closed = false;

  const recorded = store.meta.get(PUBLIC_KEY_META);
  if (recorded === undefined) store.meta.set(PUBLIC_KEY_META, key.publicKeyHex);
  else if (recorded !== key.publicKeyHex) {
    // A chain signed by two keys cannot be verified with one: refuse rather than mix them.
    throw new OutboxError(`The evidence chain was signed with key ${recorded.slice(0, 16)}… but the evidence key is now ${key.publicKeyHex.slice(0, 16)}…`);
  }

  /** Builds, signs and inserts one record after `head`; throws without side effects on bad drafts. */
  function write(draft: EvidenceDraft, head: { seq: number; hash: string }): Appended {
    const now = clock.now();
    const { value: clean } = scrubEvidence(draft, { secrets, phiTagKey });
    const record = {
      ...clean,
      schema: RECORD_SCHEMA,
      bundle_id: uuidv7(now, random),
      seq: head.seq + 1,
      prev_hash: head.hash,
      created_at: new Date(now).toISOString(),
    } as EvidenceRecord;
    const canonical = canonicalize(record);
    const hash = sha256Hex(canonical);
    const signature = Buffer.from(key.sign(Buffer.from(canonical, "utf8"))).toString("hex");
    store.insert({ seq: record.seq, bundleId: record.bundle_id, kind: record.kind, createdAt: now, canonical, hash, signature });
    return { seq: record.seq, hash, bundleId: record.bundle_id };
  }

  function flush(): void {
    scheduled = undefined;
    const batch = queue.splice(0, maxBatch);
    if (queue.length > 0) schedule();
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; a: Appended } | { ok: false; err: unknown })[] = [];
    try {
      db.transaction(() => {
        // Read the head inside the write transaction: another writer cannot fork the chain.
        let head = store.head() ?? { seq: 0, hash: GENESIS_HASH };
        for (const w of batch) {
          try {
            const a = write(w.draft, head);
            head = { seq: a.seq, hash: a.hash };
            outcomes.push({ ok: true, a });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      }).immediate();
    } catch (err) {
      // The commit failed (disk full, I/O error): nothing of this batch is stored.
      log.error("evidence commit failed; records not stored", { count: batch.length, error: err });
      for (const w of batch) w.reject(new OutboxError("Evidence commit failed: " + (err as Error).message, { cause: err }));
      return;
    }
    let written = 0;
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        written++;
        w.resolve(o.a);
      } else {
        log.error("evidence draft refused", { kind: w.draft.kind, error: o.err });
        w.reject(o.err);
      }
    });
    if (written > 0) onCommit?.(written);
  }

  function schedule(): void {
    // One macrotask later: every draft appended in this turn joins the same transaction.
    scheduled ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        flush();
        resolve();
      }),
    );
  }

  return {
    /** Resolves when the record is durable; rejects when it was not stored. */
    append(draft: EvidenceDraft): Promise<Appended> {
      if (closed) return Promise.reject(new OutboxError("The evidence outbox is closed"));
      return new Promise<Appended>((resolve, reject) => {
        queue.push({ draft, resolve, reject });
        schedule();
      });
    },
    /** The last record of the chain (pruned ones count). */
    head: () => store.head() ?? { seq: 0, hash: GENESIS_HASH },
    /** Resolves when every draft appended so far has been committed or refused. */
    async drain(): Promise<void> {
      while (scheduled || queue.length > 0) {
        if (!scheduled) schedule();
        await scheduled;
      }
    },
    /** Commits what is queued and refuses further appends. */
    async close(): Promise<void> {
      closed = true;
      while (scheduled || queue.length > 0) {
        if (!scheduled) schedule();
        await scheduled;
      }
    },
    get queued() {
      return queue.length;
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;

/** The outbox cannot store evidence (closed, commit failed, key mismatch). */
export class OutboxError extends Error {
  override name = "OutboxError";
}

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
  // Bun's one-shot hasher: no hash object per call (about half the cost of createHash).
  return Bun.SHA256.hash(text, "hex") as string;
}

export function createOutbox({ db, store, key, clock, random, secrets, log, maxBatch = 2000, onCommit }: OutboxOptions) {
  const queue: Waiting[] = [];
  // PHI tags are keyed so that a guessable value (an SSN, a phone number) cannot be confirmed
  // from its tag. Ed25519 signatures are deterministic: only the evidence key's holder gets this.
  const phiTagKey = createHash("sha256").update(key.sign(new TextEncoder().encode("compliance-agent/phi-tag-key/v1"))).digest();
  let closed = false;

  const recorded = store.meta.get(PUBLIC_KEY_META);
  if (recorded === undefined) store.meta.set(PUBLIC_KEY_META, key.publicKeyHex);
  else if (recorded !== key.publicKeyHex) {
    // A chain signed by two keys cannot be verified with one: refuse rather than mix them.
    throw new OutboxError(`The evidence chain was signed with key ${recorded.slice(0, 16)}… but the evidence key is now ${key.publicKeyHex.slice(0, 16)}…`);
  }

  /** Scrubs, places, canonicalizes and hashes one record after `head`; throws on a bad draft. */
  function prepare(draft: EvidenceDraft, head: { seq: number; hash: string }): Prepared {
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
    return { seq: record.seq, bundleId: record.bundle_id, kind: record.kind, createdAt: now, canonical, hash: sha256Hex(canonical) };
  }

  /** Writes one batch: prepared in chain order, signed concurrently, committed in one transaction. */
  async function flushOnce(): Promise<void> {
    const batch = queue.splice(0, maxBatch);
    if (batch.length === 0) return;
    // The chain is decided here, on this thread, in order: prev_hash needs only the previous
    // record's bytes, not its signature, so signing can run beside it.
    const startHead = store.head() ?? { seq: 0, hash: GENESIS_HASH };
    let head = startHead;
    const ready: { w: Waiting; p: Prepared }[] = [];
    for (const w of batch) {
      try {
        const p = prepare(w.draft, head);
        head = { seq: p.seq, hash: p.hash };
        ready.push({ w, p });
      } catch (err) {
        log.error("evidence draft refused", { kind: w.draft.kind, error: err });
        w.reject(err);
      }
    }
    if (ready.length === 0) return;
    let signatures: Uint8Array[];
    try {
      // WebCrypto signs on its own threads: the whole batch at once, on every core.
      signatures = await Promise.all(ready.map(({ p }) => key.signAsync(Buffer.from(p.canonical, "utf8"))));
    } catch (err) {
      for (const { w } of ready) w.reject(new OutboxError("Evidence signing failed: " + (err as Error).message, { cause: err }));
      return;
    }
    try {
      db.transaction(() => {
        // Another writer (a second process) may have appended meanwhile: never fork the chain.
        const now = store.head() ?? { seq: 0, hash: GENESIS_HASH };
        if (now.seq !== startHead.seq || now.hash !== startHead.hash) throw new HeadMoved();
        ready.forEach(({ p }, i) => store.insert({ ...p, signature: Buffer.from(signatures[i]!).toString("hex") }));
      }).immediate();
    } catch (err) {
      if (err instanceof HeadMoved) {
        queue.unshift(...ready.map(({ w }) => w)); // prepared again on the new head
        return;
      }
      // The commit failed (disk full, I/O error): nothing of this batch is stored.
      log.error("evidence commit failed; records not stored", { count: ready.length, error: err });
      for (const { w } of ready) w.reject(new OutboxError("Evidence commit failed: " + (err as Error).message, { cause: err }));
      return;
    }
    for (const { w, p } of ready) w.resolve({ seq: p.seq, hash: p.hash, bundleId: p.bundleId });
    onCommit?.(ready.length);
  }

  let running: Promise<void> | undefined;
  function schedule(): void {
    // One macrotask later, so every draft appended in this turn joins the same batch; one batch
    // at a time, and drafts that arrive meanwhile form the next.
    running ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        while (queue.length > 0) await flushOnce();
      })
      .finally(() => {
        running = undefined;
        if (queue.length > 0) schedule();
      });
  }

  async function settle(): Promise<void> {
    while (running || queue.length > 0) {
      if (!running) schedule();
      await running;
    }
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
    drain: settle,
    /** Commits what is queued and refuses further appends. */
    async close(): Promise<void> {
      closed = true;
      await settle();
    },
    get queued() {
      return queue.length;
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;

interface Prepared {
  seq: number;
  bundleId: string;
  kind: string;
  createdAt: number;
  canonical: string;
  hash: string;
}

/** The chain's head moved between preparing a batch and committing it. */
class HeadMoved extends Error {}

/** The outbox cannot store evidence (closed, commit failed, key mismatch). */
export class OutboxError extends Error {
  override name = "OutboxError";
}

/**
 * Verifies the evidence chain from its first record to its head: every record's hash is the
 * sha256 of its stored canonical bytes, its signature verifies with the evidence key, it sits at
 * the position it claims (`seq`), and its `prev_hash` is the hash of the record before it — or of
 * that record's tombstone, when retention pruned it. The first broken position is named.
 * @module
 */
import { createHash } from "node:crypto";
import type { EvidenceStore } from "../store/evidence-store.ts";
import { canonicalize, parseStrict } from "./canonical-json.ts";
import { GENESIS_HASH } from "./record.ts";

/** The first problem found, with the position and, when readable, the record's id. */
export interface ChainBreak {
  seq: number;
  bundleId?: string;
  reason: string;
}

export interface ChainReport {
  ok: boolean;
  /** Records whose content was checked (tombstones not counted). */
  records: number;
  pruned: number;
  head?: { seq: number; hash: string };
  firstBreak?: ChainBreak;
  durationMs: number;
}

export interface VerifyOptions {
  publicKeyHex: string;
  /** Signatures checked at once (WebCrypto runs them off the JS thread). */
  concurrency?: number;
  /** Highest seq Central Command has acknowledged: a shorter chain lost its tail. */
  deliveredUpTo?: number;
  /**
   * Also require each record to be I-JSON in RFC 8785 canonical form (re-canonicalize and
   * compare). Integrity does not need it — the hash and signature cover the exact stored bytes —
   * but it proves the writer followed the format; the auditor's standalone verifier always does.
   */
  strict?: boolean;
}

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export async function verifyChain(
  store: EvidenceStore,
  { publicKeyHex, concurrency = 128, deliveredUpTo, strict = false }: VerifyOptions,
): Promise<ChainReport> {
  const started = performance.now();
  const key = await crypto.subtle.importKey(
    "spki",
    Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicKeyHex, "hex")]),
    { name: "Ed25519" },
    false,
    ["verify"],
  );
  let breaks: ChainBreak[] = [];
  const note = (b: ChainBreak) => breaks.push(b);
  // Two groups of signature checks overlap the parsing of the next records (double buffering).
  let inFlight: Promise<void>[] = [];
  let previous: Promise<void>[] = [];
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let records = 0;
  let pruned = 0;
  let head: { seq: number; hash: string } | undefined;
  const enc = new TextEncoder();

  for (const entry of store.chain()) {
    // A break before this position makes everything after it unverifiable as a chain; keep
    // checking to find the *first* break (signature checks finish out of order).
    if (breaks.length > 0 && Math.min(...breaks.map((b) => b.seq)) < entry.seq) break;
    if (entry.seq !== expectedSeq) {
      note({ seq: expectedSeq, reason: `record ${expectedSeq} is missing: the chain jumps from ${expectedSeq - 1} to ${entry.seq}` });
      break;
    }
    expectedSeq++;
    head = { seq: entry.seq, hash: entry.hash };
    if (entry.pruned) {
      pruned++;
      prevHash = entry.hash;
      continue;
    }
    records++;
    const row = entry.row;
    const actualHash = createHash("sha256").update(row.canonical, "utf8").digest("hex");
    if (actualHash !== row.hash) {
      note({ seq: row.seq, bundleId: row.bundleId, reason: `content does not match its hash (stored ${row.hash.slice(0, 16)}…, computed ${actualHash.slice(0, 16)}…)` });
      break;
    }
    let record: { seq?: unknown; prev_hash?: unknown; bundle_id?: unknown };
    try {
      record = (strict ? parseStrict(row.canonical) : JSON.parse(row.canonical)) as typeof record;
      if (strict && canonicalize(record) !== row.canonical) throw new Error("stored bytes are not in canonical form");
    } catch (err) {
      note({ seq: row.seq, bundleId: row.bundleId, reason: `record is not ${strict ? "canonical " : ""}JSON: ${(err as Error).message}` });
      break;
    }
    if (record.seq !== row.seq) {
      note({ seq: row.seq, bundleId: row.bundleId, reason: `record says it is seq ${String(record.seq)} but stands at ${row.seq} (moved or reordered)` });
      break;
    }
    if (record.prev_hash !== prevHash) {
      note({ seq: row.seq, bundleId: row.bundleId, reason: `prev_hash does not match record ${row.seq - 1} (a record before it was altered, removed or reordered)` });
      break;
    }
    if (record.bundle_id !== row.bundleId) {
      note({ seq: row.seq, bundleId: row.bundleId, reason: `bundle_id in the record differs from the stored one` });
      break;
    }
    prevHash = row.hash;
    const sig = Buffer.from(row.signature, "hex");
    const seq = row.seq;
    const bundleId = row.bundleId;
    inFlight.push(
      crypto.subtle.verify("Ed25519", key, sig, enc.encode(row.canonical)).then(
        (ok) => {
          if (!ok || sig.length !== 64) note({ seq, bundleId, reason: "signature does not verify with the evidence key" });
        },
        () => {
          note({ seq, bundleId, reason: "signature does not verify with the evidence key" });
        },
      ),
    );
    if (inFlight.length >= concurrency) {
      await Promise.all(previous);
      previous = inFlight;
      inFlight = [];
    }
  }
  await Promise.all([...previous, ...inFlight]);
  if (breaks.length === 0 && deliveredUpTo !== undefined && (head?.seq ?? 0) < deliveredUpTo) {
    note({ seq: (head?.seq ?? 0) + 1, reason: `the chain ends at ${head?.seq ?? 0} but Central Command acknowledged records up to ${deliveredUpTo}: the tail was removed` });
  }
  breaks = breaks.sort((a, b) => a.seq - b.seq);
  return {
    ok: breaks.length === 0,
    records,
    pruned,
    ...(head ? { head } : {}),
    ...(breaks[0] ? { firstBreak: breaks[0] } : {}),
    durationMs: Math.round(performance.now() - started),
  };
}

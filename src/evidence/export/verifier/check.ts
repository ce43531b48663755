/**
 * The checks `verify.mjs` runs over an evidence export, as a pure function of the files' text:
 * every record's hash, signature, canonical form, position and link, and the export's bounds as
 * `chain.json` states them. No I/O and no runtime API beyond ECMAScript, so the bundle runs on
 * any modern JavaScript runtime.
 * @module
 */
import * as ed from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { notCanonical } from "./jcs.ts";

// @noble/ed25519's synchronous API needs a SHA-512; one pure-JS implementation serves all runtimes.
ed.hashes.sha512 = (message: Uint8Array) => new Uint8Array(sha512(message));

/** The hash a first record links to (64 zeros): nothing came before it. */
const GENESIS = "0".repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/** The files an export is verified from, as text. */
export interface ExportFiles {
  /** `records.jsonl`. */
  records: string;
  /** `public-key.txt`: the Ed25519 public key, 64 hex characters. */
  publicKey: string;
  /** `chain.json`: the export's bounds and its link to the record before it. */
  chain: string;
}

/** What `chain.json` says about the export. */
export interface ChainBounds {
  first_seq: number | null;
  last_seq: number | null;
  last_hash: string | null;
  entries: number;
  /** The position before the first exported one and the hash the first record links to. */
  previous: { seq: number; hash: string } | null;
}

export interface VerifyFailure {
  /** The chain position, when the failure has one. */
  seq?: number;
  bundleId?: string;
  /** 1-based line of records.jsonl, when the failure is on a line. */
  line?: number;
  reason: string;
}

export type Verdict =
  | {
      ok: true;
      records: number;
      /** Positions carried by hash only: pruned records and records dated outside the period. */
      linkOnly: number;
      firstSeq: number | null;
      lastSeq: number | null;
      lastHash: string | null;
      previous: { seq: number; hash: string } | null;
      fingerprint: string;
    }
  | { ok: false; failure: VerifyFailure; recordsChecked: number; fingerprint?: string };

/** The first 16 hex characters of sha256(raw public key): the key's short name at Central Command. */
export function keyFingerprint(publicKey: Uint8Array): string {
  return bytesToHex(sha256(publicKey)).slice(0, 16);
}

/**
 * Verifies an export. Every record line must have: sha256(canonical) = `hash`; an Ed25519
 * signature (RFC 8032, strict) over the canonical bytes that verifies with the public key;
 * canonical RFC 8785 text; a `seq` equal to its line's; a `prev_hash` equal to the previous
 * line's `hash` (a record's or a hash-only position's). Seqs must be consecutive, and the first
 * and last positions must be those `chain.json` names. Stops at the first failure.
 */
export function verifyExport(files: ExportFiles): Verdict {
  const keyHex = files.publicKey.trim().toLowerCase();
  if (!HEX64.test(keyHex)) return fail({ reason: "public-key.txt does not hold a 64-hex-character Ed25519 public key" }, 0);
  const publicKey = hexToBytes(keyHex);
  const fingerprint = keyFingerprint(publicKey);
  const bounds = readBounds(files.chain);
  if (typeof bounds === "string") return fail({ reason: bounds }, 0, fingerprint);

  const lines = files.records.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const encoder = new TextEncoder();
  let records = 0;
  let linkOnly = 0;
  let prev: { seq: number; hash: string } | null = bounds.previous;
  let first: number | null = null;

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const guess = prev ? prev.seq + 1 : undefined;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(lines[i]!) as Record<string, unknown>;
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new TypeError("not an object");
    } catch {
      return fail({ ...(guess !== undefined ? { seq: guess } : {}), line, reason: `line ${line} of records.jsonl is not a JSON object` }, records, fingerprint);
    }
    const seq = entry.seq;
    const hash = entry.hash;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
      return fail({ ...(guess !== undefined ? { seq: guess } : {}), line, reason: `line ${line} has no valid seq` }, records, fingerprint);
    }
    if (typeof hash !== "string" || !HEX64.test(hash)) return fail({ seq, line, reason: `line ${line} has no valid hash` }, records, fingerprint);
    if (first === null) {
      first = seq;
      if (bounds.first_seq !== seq) {
        return fail({ seq, line, reason: `the export starts at seq ${seq} but chain.json says it starts at ${String(bounds.first_seq)}` }, records, fingerprint);
      }
    } else if (prev && seq !== prev.seq + 1) {
      const reason =
        seq > prev.seq + 1
          ? `seq ${prev.seq + 1}${seq > prev.seq + 2 ? `–${seq - 1}` : ""} missing: line ${line} jumps from seq ${prev.seq} to ${seq}`
          : `seq ${seq} out of order: line ${line} follows seq ${prev.seq}`;
      return fail({ seq: Math.min(seq, prev.seq + 1), line, reason }, records, fingerprint);
    }

    if (typeof entry.canonical !== "string") {
      // A pruned record, or one dated outside the period: only its hash travels, and the next
      // record's signed prev_hash is what vouches for it.
      if (entry.pruned !== true && entry.outside_period !== true) {
        return fail({ seq, line, reason: `line ${line} has neither a canonical record nor a pruned or outside_period mark` }, records, fingerprint);
      }
      linkOnly++;
      prev = { seq, hash };
      continue;
    }

    const canonical = entry.canonical;
    const bundleId = bundleIdOf(canonical);
    const at = { seq, line, ...(bundleId !== undefined ? { bundleId } : {}) };
    const bytes = encoder.encode(canonical);
    const actual = bytesToHex(sha256(bytes));
    if (actual !== hash) {
      return fail({ ...at, reason: `content does not match its hash (line says ${hash.slice(0, 16)}…, content hashes to ${actual.slice(0, 16)}…)` }, records, fingerprint);
    }
    const problem = notCanonical(canonical);
    if (problem !== undefined) return fail({ ...at, reason: `record is ${problem}` }, records, fingerprint);
    const record = JSON.parse(canonical) as { seq?: unknown; prev_hash?: unknown };
    if (record.seq !== seq) {
      return fail({ ...at, reason: `record says it is seq ${String(record.seq)} but its line says ${seq} (moved or renumbered)` }, records, fingerprint);
    }
    const expectedPrev = prev ? prev.hash : seq === 1 ? GENESIS : undefined;
    if (expectedPrev === undefined) {
      return fail({ ...at, reason: `chain.json does not give the hash of seq ${seq - 1}, which the first record links to` }, records, fingerprint);
    }
    if (record.prev_hash !== expectedPrev) {
      const before = prev ? (i === 0 ? `seq ${prev.seq} as chain.json gives it` : `seq ${prev.seq}`) : "genesis";
      return fail({ ...at, reason: `prev_hash does not match the hash of ${before} (a position before it was altered, removed or reordered)` }, records, fingerprint);
    }
    const signature = typeof entry.signature === "string" ? entry.signature.toLowerCase() : "";
    if (!HEX128.test(signature) || !verifySignature(hexToBytes(signature), bytes, publicKey)) {
      return fail({ ...at, reason: "signature does not verify with the public key" }, records, fingerprint);
    }
    records++;
    prev = { seq, hash };
  }

  const entries = records + linkOnly;
  if (entries !== bounds.entries || (prev?.seq ?? null) !== bounds.last_seq || (entries > 0 && prev?.hash !== bounds.last_hash)) {
    const got = entries > 0 ? `ends at seq ${prev!.seq} after ${entries} lines` : "is empty";
    const want = bounds.entries > 0 ? `${bounds.entries} lines ending at seq ${String(bounds.last_seq)}` : "no lines";
    return fail({ ...(prev ? { seq: prev.seq + 1 } : {}), reason: `records.jsonl ${got} but chain.json says ${want} (lines removed or added at the end?)` }, records, fingerprint);
  }
  return { ok: true, records, linkOnly, firstSeq: first, lastSeq: prev?.seq ?? null, lastHash: entries > 0 ? prev!.hash : null, previous: bounds.previous, fingerprint };
}

function fail(failure: VerifyFailure, recordsChecked: number, fingerprint?: string): Verdict {
  return { ok: false, failure, recordsChecked, ...(fingerprint !== undefined ? { fingerprint } : {}) };
}

function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    // zip215: false is RFC 8032 §5.1.7 as written (canonical encodings only), not ZIP-215's laxer rules.
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false; // a malformed key or signature is a failed verification, not a crash
  }
}

/** The record's bundle_id for messages, when the text parses at all. */
function bundleIdOf(canonical: string): string | undefined {
  try {
    const id = (JSON.parse(canonical) as { bundle_id?: unknown }).bundle_id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Reads chain.json, or says why it cannot be used. */
function readBounds(text: string): ChainBounds | string {
  let c: Partial<ChainBounds>;
  try {
    c = JSON.parse(text) as Partial<ChainBounds>;
  } catch {
    return "chain.json is not JSON";
  }
  const seqOrNull = (v: unknown) => v === null || (typeof v === "number" && Number.isSafeInteger(v) && v >= 1);
  const prevOk =
    c.previous === null ||
    (typeof c.previous === "object" &&
      c.previous !== null &&
      typeof c.previous.seq === "number" &&
      Number.isSafeInteger(c.previous.seq) &&
      c.previous.seq >= 1 &&
      typeof c.previous.hash === "string" &&
      HEX64.test(c.previous.hash));
  if (
    typeof c !== "object" ||
    c === null ||
    !seqOrNull(c.first_seq) ||
    !seqOrNull(c.last_seq) ||
    !(c.last_hash === null || (typeof c.last_hash === "string" && HEX64.test(c.last_hash))) ||
    typeof c.entries !== "number" ||
    !Number.isSafeInteger(c.entries) ||
    c.entries < 0 ||
    !prevOk
  ) {
    return "chain.json lacks first_seq, last_seq, last_hash, entries or previous";
  }
  if (c.previous && c.first_seq !== c.previous.seq + 1) return "chain.json's previous position is not the one before first_seq";
  return c as ChainBounds;
}

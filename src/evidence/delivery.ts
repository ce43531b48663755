/**
 * A delivery: consecutive evidence records sent to Central Command as one v1 submission,
 * stamped with the send time (CC refuses a `checked_at` more than 1 h old, and evidence must
 * outlive outages of days) and signed with the evidence key.
 *
 * `signed_data` is the RFC 8785 form of
 * `{ type, site_id, checked_at, agent_public_key, records: [{ seq, hash, signature, record }] }`.
 * JCS is recursive, so each record inside is byte-identical to its stored canonical text: an
 * auditor can lift any record out of a delivery and check its own hash and signature. That is
 * also why the stored text is spliced in rather than parsed and written again.
 * @module
 */
import { createHash } from "node:crypto";
import type { SigningKey } from "../identity/index.ts";
import type { EvidenceRow } from "../store/evidence-store.ts";
import { isoSeconds } from "../time/clock.ts";
import { canonicalize } from "./canonical-json.ts";
import { ccChecks, type CCCheck, type CCSummary } from "./delivery-checks.ts";
import type { EvidenceRecord } from "./record.ts";

/** The `type` member of a delivery's signed_data. */
export const DELIVERY_TYPE = "compliance-agent/delivery/v1";

/** The body of `POST /api/evidence/sites/{site_id}/submit` (CC v1 format). */
export interface DeliveryBody {
  site_id: string;
  /** Send time, RFC 3339 UTC, whole seconds. */
  checked_at: string;
  checks: CCCheck[];
  summary: CCSummary;
  /** sha256 hex of `signed_data`. */
  bundle_hash: string;
  /** Ed25519 (evidence key) over the UTF-8 bytes of `signed_data`, hex. */
  agent_signature: string;
  agent_public_key: string;
  signed_data: string;
}

/** A built delivery, ready to be stored and sent. */
export interface Delivery {
  body: DeliveryBody;
  /** The UTF-8 bytes of `JSON.stringify(body)`: sent, and sent again, as they are. */
  payload: Uint8Array;
  bundleHash: string;
  /** The ms value of `checked_at`. */
  sentAt: number;
  /** The records carried, in order. */
  records: { seq: number; createdAt: number }[];
  /** UTF-8 length of `signed_data`. */
  signedBytes: number;
}

export interface BuildDeliveryOptions {
  siteId: string;
  /** The evidence key. */
  key: Pick<SigningKey, "publicKeyHex" | "sign">;
  nowMs: number;
  /** Most bytes of signed_data; the first record is always taken, however large. */
  maxBytes?: number;
  /** Most records. */
  maxRecords?: number;
}

/**
 * The delivery of the longest prefix of `rows` (consecutive pending records, in seq order) whose
 * signed_data fits in `maxBytes` and `maxRecords`; `delivery.records` says which were taken.
 * `rows` is read one at a time and no further than the first record that does not fit, so a
 * lazy source (`store.pendingRows()`) reads only what the delivery can carry.
 *
 * Nothing else goes in: the same records, `nowMs` (to the second) and key build the same body
 * byte for byte, as Ed25519 signatures are deterministic (RFC 8032 §5.1.6). That is how a
 * delivery still in flight at a restart is sent again without its body having been stored.
 *
 * @example
 * const d = buildDelivery(store.pendingRows(), { siteId, key, nowMs: clock.now(), maxBytes: 1 << 20, maxRecords: 500 });
 * store.saveSending({ firstSeq: d.records[0].seq, lastSeq: d.records.at(-1).seq, sentAt: d.sentAt, bundleHash: d.bundleHash });
 */
export function buildDelivery(
  rows: Iterable<EvidenceRow>,
  { siteId, key, nowMs, maxBytes = Infinity, maxRecords = Infinity }: BuildDeliveryOptions,
): Delivery {
  const checkedAt = isoSeconds(nowMs);
  const agentPublicKey = key.publicKeyHex;
  // RFC 8785 §3.2.3: members sorted by UTF-16 code units — agent_public_key, checked_at,
  // records, site_id, type; and in each entry hash, record, seq, signature.
  const head = `{"agent_public_key":${canonicalize(agentPublicKey)},"checked_at":${canonicalize(checkedAt)},"records":[`;
  const tail = `],"site_id":${canonicalize(siteId)},"type":${canonicalize(DELIVERY_TYPE)}}`;
  let bytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
  // The pieces of signed_data, joined once at the end: no copy of a record until then.
  const parts = [head];
  const records: Delivery["records"] = [];
  // Only scan records feed checks[] (action records are never parsed).
  const scans: string[] = [];
  for (const row of rows) {
    if (records.length >= maxRecords) break;
    const before = `${records.length > 0 ? "," : ""}{"hash":${canonicalize(row.hash)},"record":`;
    const after = `,"seq":${canonicalize(row.seq)},"signature":${canonicalize(row.signature)}}`;
    const size = Buffer.byteLength(before) + Buffer.byteLength(row.canonical) + Buffer.byteLength(after);
    if (records.length > 0 && bytes + size > maxBytes) break;
    parts.push(before, row.canonical, after);
    bytes += size;
    records.push({ seq: row.seq, createdAt: row.createdAt });
    if (row.kind === "scan") scans.push(row.canonical);
  }
  if (records.length === 0) throw new RangeError("A delivery needs at least one record");
  parts.push(tail);
  const signedData = parts.join("");
  const signedBytes = Buffer.from(signedData, "utf8");
  const bundleHash = createHash("sha256").update(signedBytes).digest("hex");
  const signature = Buffer.from(key.sign(signedBytes)).toString("hex");
  const { checks, summary } = ccChecks(parseEach(scans));
  const body: DeliveryBody = {
    site_id: siteId,
    checked_at: checkedAt,
    checks,
    summary,
    bundle_hash: bundleHash,
    agent_signature: signature,
    agent_public_key: agentPublicKey,
    signed_data: signedData,
  };
  return {
    body,
    payload: bodyBytes(body, signedBytes),
    bundleHash,
    sentAt: Date.parse(checkedAt),
    records,
    signedBytes: signedBytes.length,
  };
}

/**
 * The UTF-8 bytes of `JSON.stringify(body)`, written without serialising signed_data as a string:
 * its bytes are escaped straight into the body. It is most of the body, and serialising it as a
 * string cost a copy on every step (the escaped string, the body, its UTF-8 for the request
 * signature and again for the socket). One difference, which canonical text never meets: a lone
 * surrogate goes as U+FFFD, the character that was hashed and signed, not as a `\ud800`-style escape.
 */
function bodyBytes(body: DeliveryBody, signedData: Uint8Array): Uint8Array {
  const { signed_data: _, ...rest } = body;
  // signed_data is the last member of the body, so everything before it is `rest` without its `}`.
  const head = `${JSON.stringify(rest).slice(0, -1)},"signed_data":"`;
  // Room for every byte escaped as two (`\"`, `\\`); only the part written is ever touched.
  const out = Buffer.allocUnsafe(Buffer.byteLength(head) + 2 * signedData.length + 2);
  let at = out.write(head, 0, "utf8");
  for (let i = 0; i < signedData.length; i++) {
    const b = signedData[i]!;
    if (b === QUOTE || b === BACKSLASH) {
      out[at++] = BACKSLASH;
      out[at++] = b;
    } else if (b < 0x20) {
      // A raw control character (never in canonical text) takes up to six bytes: the slow way.
      return Buffer.from(JSON.stringify(body), "utf8");
    } else {
      // Bytes of multi-byte UTF-8 sequences are all 0x80 or above: copied as they are.
      out[at++] = b;
    }
  }
  out[at++] = QUOTE;
  out[at++] = 0x7d; // }
  return out.subarray(0, at);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Each text parsed once, one at a time as they are read: a parsed record (most of a delivery's
 * objects) is garbage once its checks are taken, before the next is parsed, so it dies young
 * instead of all of them living until the last is parsed.
 */
function* parseEach(texts: readonly string[]): Generator<EvidenceRecord> {
  for (const text of texts) yield JSON.parse(text) as EvidenceRecord;
}

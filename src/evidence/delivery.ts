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
  /** `JSON.stringify(body)`: stored before the first send and sent again as is. */
  payload: string;
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
}

/**
 * The delivery of the longest prefix of `rows` (consecutive pending records, in seq order) whose
 * signed_data fits in `maxBytes`; `delivery.records` says which were taken.
 *
 * @example
 * const d = buildDelivery(store.pending(500), { siteId, key, nowMs: clock.now(), maxBytes: 1 << 20 });
 * store.saveSending({ firstSeq: d.records[0].seq, lastSeq: d.records.at(-1).seq, sentAt: d.sentAt, bundleHash: d.bundleHash, payload: d.payload });
 */
export function buildDelivery(rows: readonly EvidenceRow[], { siteId, key, nowMs, maxBytes = Infinity }: BuildDeliveryOptions): Delivery {
  if (rows.length === 0) throw new RangeError("A delivery needs at least one record");
  const checkedAt = isoSeconds(nowMs);
  const agentPublicKey = key.publicKeyHex;
  // RFC 8785 §3.2.3: members sorted by UTF-16 code units — agent_public_key, checked_at,
  // records, site_id, type; and in each entry hash, record, seq, signature.
  const head = `{"agent_public_key":${canonicalize(agentPublicKey)},"checked_at":${canonicalize(checkedAt)},"records":[`;
  const tail = `],"site_id":${canonicalize(siteId)},"type":${canonicalize(DELIVERY_TYPE)}}`;
  let bytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
  const entries: string[] = [];
  for (const row of rows) {
    const entry = `{"hash":${canonicalize(row.hash)},"record":${row.canonical},"seq":${canonicalize(row.seq)},"signature":${canonicalize(row.signature)}}`;
    const size = Buffer.byteLength(entry) + (entries.length > 0 ? 1 : 0);
    if (entries.length > 0 && bytes + size > maxBytes) break;
    entries.push(entry);
    bytes += size;
  }
  const taken = rows.slice(0, entries.length);
  const signedData = head + entries.join(",") + tail;
  const signedBytes = Buffer.from(signedData, "utf8");
  const bundleHash = createHash("sha256").update(signedBytes).digest("hex");
  const signature = Buffer.from(key.sign(signedBytes)).toString("hex");
  const scans = taken.filter((r) => r.kind === "scan").map((r) => JSON.parse(r.canonical) as EvidenceRecord);
  const { checks, summary } = ccChecks(scans);
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
    payload: JSON.stringify(body),
    bundleHash,
    sentAt: Date.parse(checkedAt),
    records: taken.map((r) => ({ seq: r.seq, createdAt: r.createdAt })),
    signedBytes: signedBytes.length,
  };
}

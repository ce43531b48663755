/**
 * Decides whether an order from Central Command may run. Order of checks, each failure
 * reported: signature over the exact `signed_payload` bytes (current key, then previous),
 * envelope bound to the payload, target appliance, nonce never seen, not expired.
 * Handlers only ever see fields taken from the signed payload.
 * @module
 */
import { verify as edVerify, createPublicKey, type KeyObject } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { parseTimestamp } from "../time/parse-timestamp.ts";

/** An order whose every field comes from the signed payload. */
export interface VerifiedOrder {
  orderId: string;
  orderType: string;
  parameters: Record<string, unknown>;
  nonce: string;
  expiresAtMs: number;
  createdAtMs?: number;
  runbookId?: string;
  /** Index of the server key that verified it (0 = current). */
  keyIndex: number;
}

export type RejectCode = "malformed" | "signature" | "mismatch" | "target" | "replay" | "expired";

export type Verdict =
  | { ok: true; order: VerifiedOrder }
  /** No server key yet: the order waits, it is neither run nor rejected. */
  | { ok: false; wait: true; reason: string }
  | { ok: false; wait?: false; code: RejectCode; errorMessage: string };

export interface VerifyContext {
  /** Order-signing public keys, current first (hex). */
  serverKeys: readonly string[];
  applianceId?: string;
  nowMs: number;
  /** True when this nonce was already accepted (persisted, so a restart does not reopen replays). */
  nonceSeen: (nonce: string) => boolean;
  /** TTL applied when the payload carries a creation time but no `expires_at`. */
  defaultTtlSeconds: number;
}

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const keyCache = new Map<string, KeyObject>();

function publicKeyObject(hex: string): KeyObject {
  let k = keyCache.get(hex);
  if (!k) {
    k = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(hex, "hex")]), format: "der", type: "spki" });
    keyCache.set(hex, k);
  }
  return k;
}

/** Envelope id of an order, for reporting even when the order is malformed. */
export function envelopeOrderId(envelope: Record<string, unknown>): string | undefined {
  const id = envelope.order_id;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

export function verifyOrder(envelope: Record<string, unknown>, ctx: VerifyContext): Verdict {
  const reject = (code: RejectCode, errorMessage: string): Verdict => ({ ok: false, code, errorMessage });
  if (ctx.serverKeys.length === 0) {
    return { ok: false, wait: true, reason: "no order-signing key received from Central Command yet" };
  }

  // 1. Signature over the payload exactly as received: never re-serialise it.
  const signedPayload = envelope.signed_payload;
  const signature = envelope.signature;
  if (typeof signedPayload !== "string" || signedPayload.length === 0) {
    return reject("signature", "signature verification failed: order has no signed_payload");
  }
  if (typeof signature !== "string" || !/^[0-9a-fA-F]{128}$/.test(signature)) {
    const hint = typeof signature === "string" && /^[A-Za-z0-9+/_-]+=*$/.test(signature) ? " (looks like base64; hex expected)" : "";
    return reject("signature", `signature verification failed: signature must be 128 hex characters${hint}`);
  }
  const payloadBytes = Buffer.from(signedPayload, "utf8");
  const sigBytes = Buffer.from(signature, "hex");
  const keyIndex = ctx.serverKeys.findIndex((k) => {
    try {
      return edVerify(null, payloadBytes, publicKeyObject(k), sigBytes);
    } catch {
      return false;
    }
  });
  if (keyIndex < 0) {
    return reject(
      "signature",
      `signature verification failed: no known server key (${ctx.serverKeys.map((k) => k.slice(0, 16)).join(", ")}) verifies ` +
        `${payloadBytes.length} payload bytes`,
    );
  }

  // 2. The payload is the order; the envelope may only repeat it.
  let payload: Record<string, unknown>;
  try {
    const parsed = JSON.parse(signedPayload);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    payload = parsed;
  } catch {
    return reject("malformed", "signed_payload is not a JSON object");
  }
  for (const field of ["order_type", "parameters", "nonce", "expires_at", "created_at", "runbook_id", "target_appliance_id"]) {
    if (field in envelope && field in payload && !isDeepStrictEqual(envelope[field], payload[field])) {
      return reject("mismatch", `envelope field "${field}" disagrees with the signed payload`);
    }
    if (field === "parameters" && field in envelope && !(field in payload) && !isEmpty(envelope[field])) {
      return reject("mismatch", `envelope field "parameters" is not covered by the signature`);
    }
  }
  // CC's fleet tooling signs a placeholder order id ("0"); any other signed id must match.
  const envelopeId = envelopeOrderId(envelope);
  const signedId = payload.order_id === undefined ? undefined : String(payload.order_id);
  if (signedId !== undefined && signedId !== "0" && envelopeId !== undefined && signedId !== envelopeId) {
    return reject("mismatch", `envelope order_id "${envelopeId}" disagrees with the signed order_id "${signedId}"`);
  }
  // The placeholder "0" identifies nothing: without an envelope id such orders would collide.
  const orderId = envelopeId ?? (signedId === "0" ? undefined : signedId);
  if (!orderId) return reject("malformed", "order has no order_id");

  const runbookId = typeof payload.runbook_id === "string" ? payload.runbook_id : undefined;
  // Healing orders are signed without an order_type: the runbook id names them.
  const orderType = typeof payload.order_type === "string" ? payload.order_type : runbookId ? "healing" : undefined;
  if (!orderType) return reject("malformed", "signed payload has no order_type");
  // A healing payload carries no order_type to compare above: the envelope must still agree.
  if (typeof envelope.order_type === "string" && envelope.order_type !== orderType) {
    return reject("mismatch", `envelope field "order_type" disagrees with the signed payload`);
  }
  const parameters = payload.parameters ?? {};
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    return reject("malformed", "signed parameters are not an object");
  }

  // 3. Scope: an order bound to another appliance is not ours to run.
  const target = payload.target_appliance_id;
  if (target !== undefined && target !== null && typeof target !== "string") {
    return reject("malformed", "signed target_appliance_id is not a string");
  }
  if (typeof target === "string" && target !== "" && target !== ctx.applianceId) {
    return reject("target", `order is for appliance "${target}", not "${ctx.applianceId ?? "(unknown)"}"`);
  }

  // 4. Replay.
  const nonce = payload.nonce;
  if (typeof nonce !== "string" || nonce.length < 8) return reject("malformed", "signed payload has no nonce");
  if (ctx.nonceSeen(nonce)) return reject("replay", `nonce replay detected: nonce ${nonce} was already used`);

  // 5. Expiry, from the signed payload only.
  const createdAtMs = parseTimestamp(payload.created_at) ?? parseTimestamp(payload.issued_at);
  let expiresAtMs = parseTimestamp(payload.expires_at);
  if (expiresAtMs === undefined && payload.expires_at !== undefined) return reject("malformed", "signed expires_at is not a timestamp");
  if (expiresAtMs === undefined) {
    if (createdAtMs === undefined) return reject("malformed", "signed payload has neither expires_at nor a creation time");
    expiresAtMs = createdAtMs + ctx.defaultTtlSeconds * 1000;
  }
  if (expiresAtMs <= ctx.nowMs) {
    return reject("expired", `order expired at ${new Date(expiresAtMs).toISOString()}`);
  }

  return {
    ok: true,
    order: {
      orderId,
      orderType,
      parameters: parameters as Record<string, unknown>,
      nonce,
      expiresAtMs,
      ...(createdAtMs !== undefined ? { createdAtMs } : {}),
      ...(runbookId ? { runbookId } : {}),
      keyIndex,
    },
  };
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "object" && Object.keys(v as object).length === 0);
}

/**
 * Sigauth, CC's per-request signature by the appliance identity key: the canonical bytes,
 * the header names, and the server-side verification with its rejection reasons.
 * @module
 */
import { base64UrlDecode, fingerprintOf, sha256Hex, utf8ToBytes, verifyEd25519 } from "./crypto.ts";
import type { NonceCache } from "./nonce-cache.ts";
import { parseSigauthTimestamp } from "./python-time.ts";

/** Header names, lower-cased as Fetch `Headers` reports them. */
export const SIGAUTH_HEADERS = {
  signature: "x-appliance-signature",
  timestamp: "x-appliance-timestamp",
  nonce: "x-appliance-nonce",
  fingerprint: "x-appliance-pubkey-fingerprint",
} as const;

/** CC allows ±60 s of clock skew and remembers nonces for 2 h. */
export const SIGAUTH_SKEW_MS = 60_000;
export const SIGAUTH_NONCE_TTL_MS = 2 * 60 * 60 * 1000;

/** Why CC refused a signature; sent as `SIGAUTH_ENFORCE_REJECTED: <reason>`. */
export type SigauthReason =
  | "missing-headers"
  | "malformed-timestamp"
  | "timestamp-skew"
  | "malformed-nonce"
  | "malformed-signature"
  | "unknown-key"
  | "fingerprint-mismatch"
  | "nonce-replayed"
  | "bad-signature";

/** The verdict on one request's signature. */
export type SigauthVerdict = { ok: true; fingerprint: string } | { ok: false; reason: SigauthReason };

/** `METHOD\nPATH\nsha256_hex(body)\nTIMESTAMP\nNONCE` as UTF-8, no trailing newline. */
export function canonicalRequestBytes(
  method: string,
  path: string,
  body: Uint8Array,
  timestamp: string,
  nonce: string,
): Uint8Array {
  return utf8ToBytes([method.toUpperCase(), path, sha256Hex(body), timestamp, nonce].join("\n"));
}

/** True when the request carries any sigauth header (other calls are then verified too). */
export function hasSigauthHeaders(headers: Headers): boolean {
  return Object.values(SIGAUTH_HEADERS).some((name) => headers.has(name));
}

/** What the server knows when it checks one request. */
export interface SigauthCheck {
  method: string;
  /** URL path without the query string. */
  path: string;
  body: Uint8Array;
  headers: Headers;
  /** The identity key CC holds for this appliance; undefined when it has none. */
  publicKey: Uint8Array | undefined;
  nowMs: number;
  nonces: NonceCache;
}

/**
 * Verifies a request the way CC's `signature_auth.py` does. A valid request's nonce is
 * remembered, so the same request verifies only once.
 */
export function verifySigauth(check: SigauthCheck): SigauthVerdict {
  const { headers, publicKey, nowMs, nonces } = check;
  const signature = headers.get(SIGAUTH_HEADERS.signature);
  const timestamp = headers.get(SIGAUTH_HEADERS.timestamp);
  const nonce = headers.get(SIGAUTH_HEADERS.nonce);
  const fingerprint = headers.get(SIGAUTH_HEADERS.fingerprint);
  if (!signature || !timestamp || !nonce || !fingerprint) return { ok: false, reason: "missing-headers" };

  const signedAt = parseSigauthTimestamp(timestamp);
  if (signedAt === undefined) return { ok: false, reason: "malformed-timestamp" };
  if (Math.abs(nowMs - signedAt) > SIGAUTH_SKEW_MS) return { ok: false, reason: "timestamp-skew" };
  if (!/^[0-9a-f]{32}$/.test(nonce)) return { ok: false, reason: "malformed-nonce" };
  const sigBytes = base64UrlDecode(signature);
  if (!sigBytes || sigBytes.length !== 64) return { ok: false, reason: "malformed-signature" };
  if (!publicKey) return { ok: false, reason: "unknown-key" };
  const expected = fingerprintOf(publicKey);
  if (fingerprint !== expected) return { ok: false, reason: "fingerprint-mismatch" };
  if (nonces.has(expected, nonce, nowMs)) return { ok: false, reason: "nonce-replayed" };

  const message = canonicalRequestBytes(check.method, check.path, check.body, timestamp, nonce);
  if (!verifyEd25519(sigBytes, message, publicKey)) return { ok: false, reason: "bad-signature" };
  nonces.remember(expected, nonce, nowMs);
  return { ok: true, fingerprint: expected };
}

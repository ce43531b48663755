/**
 * The server side of sigauth: what CC checks on each signed request. The agent itself never
 * verifies sigauth; the fake Central Command in tests does, so that the agent's signatures are
 * checked by code that follows the protocol rather than by the signer.
 * @module
 */
import { verifyEd25519 } from "./ed25519.ts";
import { parseHex } from "./hex.ts";
import { SIGAUTH_HEADERS, SIGAUTH_NONCE, SIGAUTH_TIMESTAMP, sigauthCanonical, type SigauthRequest } from "./sigauth.ts";
import { fingerprint } from "./signing-key.ts";

/** Options of {@linkcode verifySigauth}: the request as received, and the key CC holds for the appliance. */
export interface VerifySigauthOptions extends SigauthRequest {
  /** The appliance's identity public key, raw 32 bytes or 64 hex characters. */
  publicKey: Uint8Array | string;
  /** The verifier's wall-clock time in milliseconds. */
  nowMs: number;
  /** Largest accepted difference between the signed timestamp and `nowMs`; CC allows 60 s. */
  maxSkewSeconds?: number;
}

/** The outcome of {@linkcode verifySigauth}; a rejection is a value with a readable reason. */
export type SigauthVerdict = { ok: true } | { ok: false; reason: string };

/** Request headers: a `Headers` object, or a plain record whose names may be in any case. */
export type SigauthHeaderSource = Headers | Record<string, string | undefined>;

const SIGNATURE_B64URL = /^[A-Za-z0-9_-]{86}$/; // 64 bytes, base64url, no padding

/**
 * Checks the sigauth headers of a request: all present, fingerprint of `publicKey`, timestamp
 * within `maxSkewSeconds` of `nowMs`, well-formed nonce, and a valid signature over the canonical
 * bytes. Stateless: the caller must also refuse a nonce it has seen in the last 2 h (CC scopes
 * that memory per fingerprint).
 *
 * @example
 * const verdict = verifySigauth(c.req.raw.headers, { method: "POST", path: "/api/appliances/checkin", body, publicKey, nowMs: clock.now() });
 * if (!verdict.ok) return c.json({ error: verdict.reason }, 401);
 */
export function verifySigauth(
  headers: SigauthHeaderSource,
  { method, path, body, publicKey, nowMs, maxSkewSeconds = 60 }: VerifySigauthOptions,
): SigauthVerdict {
  const rawKey = typeof publicKey === "string" ? parseHex(publicKey) : publicKey;
  if (!rawKey || rawKey.length !== 32) throw new RangeError("verifySigauth needs a 32-byte public key");

  const signature = header(headers, SIGAUTH_HEADERS.signature);
  const timestamp = header(headers, SIGAUTH_HEADERS.timestamp);
  const nonce = header(headers, SIGAUTH_HEADERS.nonce);
  const claimed = header(headers, SIGAUTH_HEADERS.fingerprint);
  const missing = [
    [SIGAUTH_HEADERS.signature, signature],
    [SIGAUTH_HEADERS.timestamp, timestamp],
    [SIGAUTH_HEADERS.nonce, nonce],
    [SIGAUTH_HEADERS.fingerprint, claimed],
  ].find(([, value]) => value === undefined);
  if (missing) return reject(`missing header "${missing[0]}"`);

  const expected = fingerprint(rawKey);
  if (claimed !== expected) return reject(`fingerprint ${quote(claimed!)} does not match the key "${expected}"`);

  const timeError = checkTimestamp(timestamp!, nowMs, maxSkewSeconds);
  if (timeError) return reject(timeError);

  if (!SIGAUTH_NONCE.test(nonce!)) return reject(`nonce ${quote(nonce!)} is not 32 lower-case hex characters`);

  // Re-encoding rejects the non-canonical spellings a lenient decoder would accept.
  const signatureBytes = Buffer.from(signature!, "base64url");
  if (!SIGNATURE_B64URL.test(signature!) || signatureBytes.toString("base64url") !== signature) {
    return reject(`signature ${quote(signature!)} is not 64 bytes of unpadded base64url`);
  }

  const canonical = sigauthCanonical({ method, path, body, timestamp: timestamp!, nonce: nonce! });
  if (!verifyEd25519(rawKey, canonical, signatureBytes)) return reject("signature does not match the request");
  return { ok: true };
}

/** A reason when `timestamp` is malformed or too far from `nowMs`, else `undefined`. */
function checkTimestamp(timestamp: string, nowMs: number, maxSkewSeconds: number): string | undefined {
  const signedMs = Date.parse(timestamp);
  // The round trip rejects dates a lenient parser rolls over, such as February 30.
  if (!SIGAUTH_TIMESTAMP.test(timestamp) || Number.isNaN(signedMs) || new Date(signedMs).toISOString() !== timestamp.replace("Z", ".000Z")) {
    return `timestamp ${quote(timestamp)} is not YYYY-MM-DDTHH:MM:SSZ`;
  }
  // Compared to the millisecond, as CC does: the signer truncates to whole seconds, so a signer
  // right at the limit may be refused up to a second early, never accepted late.
  const skew = (nowMs - signedMs) / 1000;
  if (Math.abs(skew) <= maxSkewSeconds) return undefined;
  const direction = skew > 0 ? "behind" : "ahead of";
  return `timestamp ${quote(timestamp)} is ${Math.abs(skew)} s ${direction} the server clock (allowed ${maxSkewSeconds} s)`;
}

function header(headers: SigauthHeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function reject(reason: string): SigauthVerdict {
  return { ok: false, reason };
}

/** A header value for a message: JSON-quoted, and cut short because it came from outside. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

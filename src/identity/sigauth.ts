/**
 * Request signing ("sigauth", CC protocol v1): every call to CC carries an Ed25519 signature by the
 * identity key over the method, path, body hash, timestamp and a one-time nonce.
 *
 * The path is the URL path only: a query string or fragment is cut off before signing, so callers
 * may pass a request target such as `/api/fleet/orders/pending?appliance_id=x`. CC signs what its
 * framework calls the URL path, which excludes the query; the query is therefore not protected by
 * the signature (TLS and the bearer key still cover it). The path is used as given, without
 * percent-decoding or normalisation.
 * @module
 */
import { createHash } from "node:crypto";
import { isoSeconds } from "../time/clock.ts";
import { systemRandom, type Random } from "../time/random.ts";
import { toHex } from "./hex.ts";
import type { SigningKey } from "./signing-key.ts";

/** Header names of sigauth, as CC reads them (HTTP header names are case-insensitive). */
export const SIGAUTH_HEADERS = {
  signature: "X-Appliance-Signature",
  timestamp: "X-Appliance-Timestamp",
  nonce: "X-Appliance-Nonce",
  fingerprint: "X-Appliance-Pubkey-Fingerprint",
} as const;

/** The parts of a request that sigauth covers. */
export interface SigauthRequest {
  /** HTTP method, any case; signed upper-case. */
  method: string;
  /** URL path starting with `/`; anything from `?` or `#` on is not signed (see the module note). */
  path: string;
  /** Request body exactly as sent; absent or `""` for a GET. */
  body?: string | Uint8Array;
}

/** Input of {@linkcode sigauthCanonical}. */
export interface SigauthCanonicalInput extends SigauthRequest {
  /** `YYYY-MM-DDTHH:MM:SSZ`. */
  timestamp: string;
  /** 32 lower-case hex characters. */
  nonce: string;
}

/** Options of {@linkcode signRequest}. */
export interface SignRequestOptions extends SigauthRequest {
  /** Current wall-clock time in milliseconds (from the injected clock). */
  nowMs: number;
  /** Source of the 16-byte nonce. */
  random?: Random;
}

const METHOD = /^[A-Za-z]+$/;
// Control characters and spaces would let one field masquerade as the next line of the canonical form.
const PATH = /^\/[^\u0000-\u0020\u007f]*$/;
export const SIGAUTH_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
export const SIGAUTH_NONCE = /^[0-9a-f]{32}$/;
const NONCE_BYTES = 16;

/**
 * The exact bytes sigauth signs: UTF-8 of `METHOD\nPATH\nsha256_hex(body)\nTIMESTAMP\nNONCE`, with
 * no trailing newline.
 *
 * @throws {TypeError} when a field is malformed (a method with non-letters, a path not starting with
 *   `/` or containing spaces or control characters, a badly formed timestamp or nonce).
 */
export function sigauthCanonical({ method, path, body, timestamp, nonce }: SigauthCanonicalInput): Uint8Array {
  if (!METHOD.test(method)) throw new TypeError(`Cannot sign method ${JSON.stringify(method)}: letters only`);
  const urlPath = signedPath(path);
  if (!SIGAUTH_TIMESTAMP.test(timestamp)) {
    throw new TypeError(`Cannot sign timestamp ${JSON.stringify(timestamp)}: expected YYYY-MM-DDTHH:MM:SSZ`);
  }
  if (!SIGAUTH_NONCE.test(nonce)) {
    throw new TypeError(`Cannot sign nonce ${JSON.stringify(nonce)}: expected 32 lower-case hex characters`);
  }
  const bodyHash = createHash("sha256").update(body ?? "").digest("hex");
  const text = [method.toUpperCase(), urlPath, bodyHash, timestamp, nonce].join("\n");
  return new TextEncoder().encode(text);
}

/**
 * The four sigauth headers for one request. A fresh nonce each call: CC remembers nonces for 2 h
 * and refuses a repeat, so headers are never reused, even for a retried request.
 *
 * @example
 * const headers = signRequest(identityKey, { method: "POST", path: "/api/appliances/checkin", body, nowMs: clock.now() });
 * await fetch(url, { method: "POST", body, headers: { ...headers, authorization } });
 */
export function signRequest(
  key: SigningKey,
  { method, path, body, nowMs, random = systemRandom }: SignRequestOptions,
): Record<string, string> {
  const nonceBytes = random.bytes(NONCE_BYTES);
  if (nonceBytes.length !== NONCE_BYTES) {
    throw new RangeError(`random.bytes(${NONCE_BYTES}) returned ${nonceBytes.length} bytes`);
  }
  const timestamp = isoSeconds(nowMs);
  const nonce = toHex(nonceBytes);
  const signature = key.sign(sigauthCanonical({ method, path, body, timestamp, nonce }));
  return {
    [SIGAUTH_HEADERS.signature]: Buffer.from(signature).toString("base64url"), // unpadded
    [SIGAUTH_HEADERS.timestamp]: timestamp,
    [SIGAUTH_HEADERS.nonce]: nonce,
    [SIGAUTH_HEADERS.fingerprint]: key.fingerprint,
  };
}

/** `path` without its query string or fragment, checked to be a plain absolute path. */
function signedPath(path: string): string {
  const cut = path.search(/[?#]/);
  const urlPath = cut === -1 ? path : path.slice(0, cut);
  if (!PATH.test(urlPath)) {
    throw new TypeError(
      `Cannot sign path ${JSON.stringify(path)}: expected a URL path starting with "/" without spaces or control characters`,
    );
  }
  return urlPath;
}

/**
 * Byte, hash and Ed25519 primitives shared by the reference CC and its test client. Never the
 * agent's own crypto code: keys and signatures are made with @noble, and CC's checks run on
 * `node:crypto` directly (native: a delivery is half a megabyte, and CC hashes and verifies every
 * one), with libsodium's strictness rules checked here (see {@linkcode verifyEd25519}).
 * @module
 */
import { createHash, createPublicKey, verify as nodeVerify, type KeyObject } from "node:crypto";
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";

// @noble/ed25519 v3 ships without a synchronous SHA-512; wire one in once, here. The copy
// narrows @noble/hashes' ArrayBufferLike result to the ArrayBuffer-backed type ed25519 wants.
ed.hashes.sha512 = (message) => new Uint8Array(sha512(message));

export { ed, bytesToHex, hexToBytes, randomBytes, utf8ToBytes };

/** SHA-256 of bytes (or of a string's UTF-8), as lower hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Raw SHA-256 digest of bytes (or of a string's UTF-8). */
export function sha256Bytes(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

/** `n` random bytes as lower hex. */
export function randomHex(n: number): string {
  return bytesToHex(randomBytes(n));
}

/** First 16 hex chars of sha256(raw public key): the sigauth key fingerprint. */
export function fingerprintOf(publicKey: Uint8Array): string {
  return sha256Hex(publicKey).slice(0, 16);
}

/** True when `s` is exactly `bytes` bytes of hex (either case). */
export function isHex(s: unknown, bytes: number): s is string {
  return typeof s === "string" && s.length === bytes * 2 && /^[0-9a-fA-F]*$/.test(s);
}

/** The order L of Ed25519's prime-order subgroup (RFC 8032 §5.1). */
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
/** DER header of an SPKI Ed25519 public key (RFC 8410 §4); the 32 raw key bytes follow it. */
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
/** Public keys seen, as key objects, or null when libsodium would refuse the key. */
const publicKeys = new Map<string, KeyObject | null>();

/**
 * Ed25519 verification as the real CC does it (PyNaCl, i.e. libsodium's
 * `crypto_sign_verify_detached`): false, never a throw, on malformed input.
 *
 * libsodium refuses, before the equation: S not below L (malleability, RFC 8032 §5.1.7); a public
 * key that is not a canonical encoding or is of small order; an R of small order. Those checks
 * are made here (points decoded with @noble's strict RFC 8032 decoding); `node:crypto` then
 * checks the equation, cofactorless and over R's exact bytes, as libsodium does. `node:crypto`
 * alone would accept, e.g., the identity point as key with R = identity and S = 0 for any message;
 * @noble's strict branch (used here before) accepts an R of small order.
 *
 * The fake verifies with `node:crypto` and the agent signs with `node:crypto`: one library, but
 * two code paths (verify here, sign there). The primitive itself is covered elsewhere: the
 * agent's signatures against the RFC 8032 §7.1 vectors and @noble (src/identity/signing-key.test.ts),
 * and this function against @noble's strict verification (crypto.test.ts).
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  if (littleEndian(signature.subarray(32)) >= GROUP_ORDER) return false;
  const key = strictPublicKey(publicKey);
  if (!key || isSmallOrder(signature.subarray(0, 32))) return false;
  try {
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** A key object for a public key libsodium accepts, else undefined; remembered per key. */
function strictPublicKey(raw: Uint8Array): KeyObject | undefined {
  const hex = bytesToHex(raw);
  let key = publicKeys.get(hex);
  if (key === undefined) {
    key = null;
    try {
      if (!ed.Point.fromBytes(raw, false).isSmallOrder()) {
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
      }
    } catch {
      // not a canonical encoding of a curve point
    }
    // Tests make many throwaway keys; a real CC holds one per appliance.
    if (publicKeys.size >= 1024) publicKeys.clear();
    publicKeys.set(hex, key);
  }
  return key ?? undefined;
}

/**
 * True when `encoding` decodes to a point of small order. An encoding that does not decode
 * (strictly) is not refused here: the equation compares R's exact bytes and fails it.
 */
function isSmallOrder(encoding: Uint8Array): boolean {
  try {
    return ed.Point.fromBytes(encoding, false).isSmallOrder();
  } catch {
    return false;
  }
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** An Ed25519 key pair from a 32-byte seed (random when absent). */
export interface Ed25519Key {
  seed: Uint8Array;
  publicKey: Uint8Array;
  publicKeyHex: string;
  sign(message: Uint8Array): Uint8Array;
}

/** Builds an Ed25519 key from `seed`, or from a fresh random seed. */
export function ed25519Key(seed: Uint8Array = randomBytes(32)): Ed25519Key {
  if (seed.length !== 32) throw new RangeError(`Ed25519 seed must be 32 bytes, got ${seed.length}`);
  const publicKey = ed.getPublicKey(seed);
  return {
    seed,
    publicKey,
    publicKeyHex: bytesToHex(publicKey),
    sign: (message) => ed.sign(message, seed),
  };
}

/** base64url without padding (the sigauth signature encoding). */
export function base64UrlEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Strict base64url-without-padding decode; undefined when `s` is not in that form. */
export function base64UrlDecode(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(s, "base64url"));
}

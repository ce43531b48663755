/**
 * Byte, hash and Ed25519 primitives shared by the reference CC and its test client.
 * Written against @noble directly so the fake never trusts the agent's own crypto code.
 * @module
 */
import * as ed from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";

// @noble/ed25519 v3 ships without a synchronous SHA-512; wire one in once, here. The copy
// narrows @noble/hashes' ArrayBufferLike result to the ArrayBuffer-backed type ed25519 wants.
ed.hashes.sha512 = (message) => new Uint8Array(sha512(message));

export { ed, bytesToHex, hexToBytes, randomBytes, utf8ToBytes };

/** SHA-256 of bytes (or of a string's UTF-8), as lower hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(sha256(typeof data === "string" ? utf8ToBytes(data) : data));
}

/** Raw SHA-256 digest of bytes (or of a string's UTF-8). */
export function sha256Bytes(data: Uint8Array | string): Uint8Array {
  return sha256(typeof data === "string" ? utf8ToBytes(data) : data);
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

/** Ed25519 verification that answers false, never throws, on malformed input. */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    // Strict RFC 8032 verification, as PyNaCl/libsodium (the real CC) does.
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
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

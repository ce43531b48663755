/**
 * The evidence public key in the two forms an export carries: hex (what `verify.mjs` reads)
 * and an SPKI PEM (what OpenSSL and most crypto libraries read), plus its fingerprint.
 * @module
 */
import { fingerprint } from "../../identity/index.ts";

// RFC 8410 §4: SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 1.3.101.112 }, BIT STRING (32 bytes) }.
const SPKI_ED25519_PREFIX = "302a300506032b6570032100";

/** The raw 32-byte key for 64 hex characters; throws `RangeError` for anything else. */
export function publicKeyBytes(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new RangeError("An Ed25519 public key is 64 hex characters");
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/**
 * The key as a PEM `PUBLIC KEY` (SPKI, RFC 7468 §13), lines of 64 characters, ending in a newline.
 *
 * @example
 * publicKeyPem(hex); // "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA…\n-----END PUBLIC KEY-----\n"
 */
export function publicKeyPem(hex: string): string {
  const der = Buffer.concat([Buffer.from(SPKI_ED25519_PREFIX, "hex"), publicKeyBytes(hex)]);
  const b64 = der.toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

/** First 16 hex characters of sha256(raw key): the name Central Command shows for the key. */
export function publicKeyFingerprint(hex: string): string {
  return fingerprint(publicKeyBytes(hex));
}

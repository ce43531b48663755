/**
 * An Ed25519 signing key held as a native key object. The agent has two, kept apart on purpose:
 * the identity key (request signing) and the evidence key (bundles, heartbeat signature).
 * @module
 */
import { createHash, sign as nodeSign } from "node:crypto";
import { PUBLIC_KEY_LENGTH, privateKeyFromSeed, rawPublicKey } from "./ed25519.ts";
import { toHex } from "./hex.ts";

/**
 * A key that can sign but never reveals its secret: the private key object lives in a closure,
 * so neither `JSON.stringify` nor a logger can print it.
 */
export interface SigningKey {
  /** The raw 32-byte public key (a fresh copy on each read). */
  readonly publicKey: Uint8Array;
  /** The public key as 64 lower-case hex characters, as sent in every check-in. */
  readonly publicKeyHex: string;
  /** First 16 lower-hex characters of sha256(public key): see {@linkcode fingerprint}. */
  readonly fingerprint: string;
  /** The 64-byte Ed25519 signature (RFC 8032, pure Ed25519) of `data`. */
  sign(data: Uint8Array): Uint8Array;
  /**
   * The same signature computed by WebCrypto off the JavaScript thread, so many can run at once
   * on all cores (the evidence writer signs a batch this way). Byte-identical to `sign`.
   */
  signAsync(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * The short name CC gives a public key: the first 16 lower-hex characters of the SHA-256 of the
 * raw 32 bytes (sent as `X-Appliance-Pubkey-Fingerprint`).
 *
 * @example
 * fingerprint(key.publicKey) // "a3f09c1d22b4e810"
 */
export function fingerprint(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new RangeError(`A fingerprint needs a ${PUBLIC_KEY_LENGTH}-byte public key`);
  }
  return createHash("sha256").update(publicKey).digest("hex").slice(0, 16);
}

/**
 * The signing key for a 32-byte seed (the RFC 8032 "secret key"). Production code gets keys from
 * `loadOrCreateSigningKey`; this is for tests and for that loader.
 */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  const privateKey = privateKeyFromSeed(seed);
  const publicKey = rawPublicKey(privateKey);
  let webKey: Promise<CryptoKey> | undefined;
  const key: SigningKey = {
    // A copy, so that a caller scribbling on the array cannot desynchronise the hex and fingerprint.
    get publicKey() {
      return publicKey.slice();
    },
    publicKeyHex: toHex(publicKey),
    fingerprint: fingerprint(publicKey),
    sign(data: Uint8Array): Uint8Array {
      // `null` algorithm: Ed25519 hashes internally (pure Ed25519, not Ed25519ph).
      return new Uint8Array(nodeSign(null, data, privateKey));
    },
    async signAsync(data: Uint8Array): Promise<Uint8Array> {
      webKey ??= crypto.subtle.importKey("pkcs8", privateKey.export({ format: "der", type: "pkcs8" }), { name: "Ed25519" }, false, ["sign"]);
      return new Uint8Array(await crypto.subtle.sign("Ed25519", await webKey, data as Uint8Array<ArrayBuffer>));
    },
  };
  return Object.freeze(key);
}

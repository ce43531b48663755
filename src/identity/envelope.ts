/**
 * The credential envelope of the check-in answer (`encrypted_credentials`): a NaCl box
 * (X25519 + XSalsa20-Poly1305) that CC seals to the `encryption_public_key` the agent sent in the
 * same check-in. The 24-byte nonce travels in its own field, not in front of the ciphertext.
 *
 * The key pair is made fresh at each process start and its secret half lives only in a closure:
 * never on disk, never in a property, so nothing can serialise or log it. A restart simply sends a
 * new public key and CC encrypts to that.
 * @module
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import nacl from "tweetnacl";
import { systemRandom, type Random } from "../time/random.ts";
import { EnvelopeError } from "./errors.ts";
import { parseHex, toHex } from "./hex.ts";

/** `encrypted_credentials` as CC sends it; every field is hex. */
export interface Envelope {
  ephemeral_public_key: string;
  nonce: string;
  ciphertext: string;
}

/** The agent's envelope key pair: the public half to send, and `open` for what comes back. */
export interface EnvelopeKeys {
  /** X25519 public key, 64 lower-case hex characters: the check-in's `encryption_public_key`. */
  readonly publicKeyHex: string;
  /**
   * The plaintext of an envelope sealed to this key pair (JSON bytes of the credentials; the caller
   * parses it and keeps it in memory only).
   * @throws {EnvelopeError} on bad hex, wrong lengths or failed authentication.
   */
  open(envelope: Envelope): Uint8Array;
}

/** Options of {@linkcode createEnvelopeKeys} and {@linkcode sealEnvelope}. */
export interface EnvelopeOptions {
  /** Source of the secret key (and, when sealing, of the ephemeral key and nonce). */
  random?: Random;
}

const KEY_BYTES = nacl.box.publicKeyLength; // 32
const NONCE_BYTES = nacl.box.nonceLength; // 24
const TAG_BYTES = nacl.box.overheadLength; // 16, Poly1305

/** A fresh envelope key pair whose secret key never leaves this closure. */
export function createEnvelopeKeys({ random = systemRandom }: EnvelopeOptions = {}): EnvelopeKeys {
  const secretKey = randomBytes(random, KEY_BYTES);
  // Native X25519 derives the public half in microseconds; tweetnacl's plain-JS scalar
  // multiplication took ~5 ms of the agent's start-up, before its first check-in.
  const publicKey = x25519PublicKey(secretKey);
  return Object.freeze({
    publicKeyHex: toHex(publicKey),
    open(envelope: Envelope): Uint8Array {
      const { ephemeralPublicKey, nonce, ciphertext } = parseEnvelope(envelope);
      const plaintext = nacl.box.open(ciphertext, nonce, ephemeralPublicKey, secretKey);
      if (!plaintext) throw new EnvelopeError("authentication failed (wrong key, or the envelope was altered)");
      return plaintext;
    },
  });
}

/**
 * Seals `plaintext` to `recipientPublicKeyHex` with a fresh ephemeral key, as CC does: for the
 * fake Central Command in tests.
 * @throws {EnvelopeError} when the recipient key is not 32 bytes of hex.
 */
export function sealEnvelope(
  recipientPublicKeyHex: string,
  plaintext: Uint8Array,
  { random = systemRandom }: EnvelopeOptions = {},
): Envelope {
  const recipient = decodeField("recipient public key", recipientPublicKeyHex, KEY_BYTES, "seal");
  const ephemeral = keyPair(random);
  const nonce = randomBytes(random, NONCE_BYTES);
  const ciphertext = nacl.box(plaintext, nonce, recipient, ephemeral.secretKey);
  ephemeral.secretKey.fill(0); // used once; nothing else should be able to open this envelope
  return { ephemeral_public_key: toHex(ephemeral.publicKey), nonce: toHex(nonce), ciphertext: toHex(ciphertext) };
}

const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** The X25519 public key of a 32-byte secret (RFC 7748; both libraries clamp the scalar). */
function x25519PublicKey(secret: Uint8Array): Uint8Array {
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secret]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(priv).export({ format: "der", type: "spki" });
  return new Uint8Array(spki.subarray(spki.length - KEY_BYTES));
}

function keyPair(random: Random): nacl.BoxKeyPair {
  // From injected bytes rather than nacl.box.keyPair(), so tests are repeatable; X25519 clamps the scalar.
  return nacl.box.keyPair.fromSecretKey(randomBytes(random, KEY_BYTES));
}

function parseEnvelope(envelope: Envelope): { ephemeralPublicKey: Uint8Array; nonce: Uint8Array; ciphertext: Uint8Array } {
  if (typeof envelope !== "object" || envelope === null) throw new EnvelopeError("expected an object");
  const ephemeralPublicKey = decodeField("ephemeral_public_key", envelope.ephemeral_public_key, KEY_BYTES);
  const nonce = decodeField("nonce", envelope.nonce, NONCE_BYTES);
  const ciphertext = decodeField("ciphertext", envelope.ciphertext);
  if (ciphertext.length < TAG_BYTES) {
    throw new EnvelopeError(`"ciphertext" must be at least ${TAG_BYTES} bytes, found ${ciphertext.length}`);
  }
  return { ephemeralPublicKey, nonce, ciphertext };
}

/** Hex `value` of field `name`, of exactly `length` bytes when given. Values are never quoted: they may be ciphertext. */
function decodeField(name: string, value: unknown, length?: number, action: "open" | "seal" = "open"): Uint8Array {
  if (typeof value !== "string") throw new EnvelopeError(`"${name}" is missing or not a string`, { action });
  const bytes = parseHex(value);
  if (!bytes) throw new EnvelopeError(`"${name}" is not hex`, { action });
  if (length !== undefined && bytes.length !== length) {
    throw new EnvelopeError(`"${name}" must be ${length} bytes, found ${bytes.length}`, { action });
  }
  return bytes;
}

function randomBytes(random: Random, n: number): Uint8Array {
  const bytes = random.bytes(n);
  if (bytes.length !== n) throw new RangeError(`random.bytes(${n}) returned ${bytes.length} bytes`);
  return bytes;
}

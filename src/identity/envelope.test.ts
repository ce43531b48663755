import { describe, expect, test } from "bun:test";
import nacl from "tweetnacl";
import { seededRandom } from "../time/random.ts";
import { createEnvelopeKeys, sealEnvelope, type Envelope } from "./envelope.ts";
import { EnvelopeError } from "./errors.ts";
import { toHex } from "./hex.ts";

const SECRET = "planted-secret-Hunter2!";
const PLAINTEXT = new TextEncoder().encode(
  JSON.stringify({ windows_targets: [{ hostname: "dc1", username: "admin", password: SECRET }], linux_targets: [] }),
);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Flips the lowest bit of the byte at `index` of a hex string. */
function flipByte(hex: string, index: number): string {
  const bytes = Buffer.from(hex, "hex");
  bytes[index]! ^= 1;
  return bytes.toString("hex");
}

describe("createEnvelopeKeys", () => {
  test("derives the public key from the injected random bytes", () => {
    const keys = createEnvelopeKeys({ random: seededRandom(11) });
    const expected = nacl.box.keyPair.fromSecretKey(seededRandom(11).bytes(32)).publicKey;
    expect(keys.publicKeyHex).toBe(toHex(expected));
    expect(keys.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
  });

  test("makes a new key pair each time by default", () => {
    expect(createEnvelopeKeys().publicKeyHex).not.toBe(createEnvelopeKeys().publicKeyHex);
  });

  test("keeps the secret key out of every property", () => {
    const keys = createEnvelopeKeys();
    expect(Object.keys(keys).sort()).toEqual(["open", "publicKeyHex"]);
    expect(JSON.parse(JSON.stringify(keys))).toEqual({ publicKeyHex: keys.publicKeyHex });
  });
});

describe("EnvelopeKeys.open", () => {
  test("opens what sealEnvelope sealed to its public key", () => {
    const keys = createEnvelopeKeys();
    const envelope = sealEnvelope(keys.publicKeyHex, PLAINTEXT);
    expect(keys.open(envelope)).toEqual(PLAINTEXT);
  });

  test("opens a box made directly with NaCl, the nonce carried apart from the ciphertext (as CC sends it)", () => {
    const keys = createEnvelopeKeys();
    const ephemeral = nacl.box.keyPair();
    const nonce = nacl.randomBytes(24);
    const ciphertext = nacl.box(PLAINTEXT, nonce, Buffer.from(keys.publicKeyHex, "hex"), ephemeral.secretKey);
    const envelope: Envelope = {
      ephemeral_public_key: toHex(ephemeral.publicKey).toUpperCase(), // either case of hex is read
      nonce: toHex(nonce),
      ciphertext: toHex(ciphertext),
    };
    expect(keys.open(envelope)).toEqual(PLAINTEXT);
  });

  const keys = createEnvelopeKeys({ random: seededRandom(21) });
  const good = sealEnvelope(keys.publicKeyHex, PLAINTEXT, { random: seededRandom(22) });
  const failed = "authentication failed (wrong key, or the envelope was altered)";

  test.each([
    ["a tampered ciphertext", { ciphertext: flipByte(good.ciphertext, 40) }, failed],
    ["a tampered authenticator", { ciphertext: flipByte(good.ciphertext, 0) }, failed],
    ["a tampered nonce", { nonce: flipByte(good.nonce, 3) }, failed],
    ["another ephemeral key", { ephemeral_public_key: flipByte(good.ephemeral_public_key, 5) }, failed],
    ["the nonce in front of the ciphertext", { ciphertext: good.nonce + good.ciphertext }, failed],
    ["a truncated ciphertext", { ciphertext: good.ciphertext.slice(0, 30) }, '"ciphertext" must be at least 16 bytes, found 15'],
    ["a non-hex ciphertext", { ciphertext: `${good.ciphertext.slice(2)}zz` }, '"ciphertext" is not hex'],
    ["an odd-length nonce", { nonce: good.nonce.slice(1) }, '"nonce" is not hex'],
    ["a 12-byte nonce", { nonce: good.nonce.slice(0, 24) }, '"nonce" must be 24 bytes, found 12'],
    ["a 31-byte key", { ephemeral_public_key: good.ephemeral_public_key.slice(2) }, '"ephemeral_public_key" must be 32 bytes, found 31'],
    ["a missing key", { ephemeral_public_key: undefined }, '"ephemeral_public_key" is missing or not a string'],
  ])("throws EnvelopeError for %s", (_, change, reason) => {
    const error = thrown(() => keys.open({ ...good, ...change } as Envelope));

    expect(error).toBeInstanceOf(EnvelopeError);
    const { name, message } = error as EnvelopeError;
    expect({ name, message, reason: (error as EnvelopeError).reason }).toEqual({
      name: "EnvelopeError",
      message: `Cannot open credential envelope: ${reason}`,
      reason,
    });
  });

  test("throws EnvelopeError for an envelope sealed to another key", () => {
    const stranger = createEnvelopeKeys();
    expect(() => stranger.open(good)).toThrow(new EnvelopeError(failed));
  });

  test("never puts plaintext or ciphertext in the error", () => {
    const envelope = sealEnvelope(keys.publicKeyHex, PLAINTEXT);
    const error = thrown(() => keys.open({ ...envelope, ciphertext: `${envelope.ciphertext}zz` }));
    const shown = `${(error as Error).message} ${(error as Error).stack} ${Bun.inspect(error)}`;
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain(envelope.ciphertext.slice(0, 32));
  });
});

describe("sealEnvelope", () => {
  test("uses a fresh ephemeral key and nonce for each envelope", () => {
    const keys = createEnvelopeKeys();
    const a = sealEnvelope(keys.publicKeyHex, PLAINTEXT);
    const b = sealEnvelope(keys.publicKeyHex, PLAINTEXT);
    expect(a.ephemeral_public_key).not.toBe(b.ephemeral_public_key);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.nonce).toMatch(/^[0-9a-f]{48}$/);
  });

  test("throws EnvelopeError for a recipient key that is not 32 bytes", () => {
    expect(() => sealEnvelope("ab".repeat(31), PLAINTEXT)).toThrow(
      new EnvelopeError('"recipient public key" must be 32 bytes, found 31', { action: "seal" }),
    );
    const error = thrown(() => sealEnvelope("ab".repeat(31), PLAINTEXT)) as EnvelopeError;
    expect(error.message).toBe('Cannot seal credential envelope: "recipient public key" must be 32 bytes, found 31');
  });
});

describe("createEnvelopeKeys public key", () => {
  test("equals tweetnacl's derivation from the same secret (native X25519 cross-check)", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const bytes = seededRandom(seed).bytes(32);
      const keys = createEnvelopeKeys({ random: { float: () => 0, bytes: () => bytes.slice() } });
      const expected = Buffer.from(nacl.box.keyPair.fromSecretKey(bytes).publicKey).toString("hex");
      expect(keys.publicKeyHex).toBe(expected);
    }
  });
});

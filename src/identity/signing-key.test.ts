import { describe, expect, test } from "bun:test";
import * as ed from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import rfc8032 from "../../tests/fixtures/rfc8032/rfc8032-ed25519.json";
import { seededRandom } from "../time/random.ts";
import { fingerprint, signingKeyFromSeed } from "./signing-key.ts";

// noble v3's synchronous API needs a SHA-512; it is the independent reference here.
ed.hashes.sha512 = (message) => new Uint8Array(sha512(message));

describe("signingKeyFromSeed", () => {
  test.each(rfc8032.vectors)("derives the public key and signs as RFC 8032 §7.1 $name", (vector) => {
    const key = signingKeyFromSeed(hexToBytes(vector.secret_key));
    expect({
      publicKeyHex: key.publicKeyHex,
      publicKey: bytesToHex(key.publicKey),
      signature: bytesToHex(key.sign(hexToBytes(vector.message))),
    }).toEqual({
      publicKeyHex: vector.public_key,
      publicKey: vector.public_key,
      signature: vector.signature,
    });
  });

  test("signs byte-identically to @noble/ed25519, which verifies the signatures", () => {
    const random = seededRandom(8032);
    for (const length of [0, 1, 31, 32, 64, 255, 2048]) {
      const seed = random.bytes(32);
      const message = random.bytes(length);
      const key = signingKeyFromSeed(seed);
      const signature = key.sign(message);
      expect(bytesToHex(signature)).toBe(bytesToHex(ed.sign(message, seed)));
      expect(key.publicKeyHex).toBe(bytesToHex(ed.getPublicKey(seed)));
      expect(ed.verify(signature, message, key.publicKey)).toBe(true);
    }
  });

  test("returns plain 64-byte Uint8Array signatures", () => {
    const signature = signingKeyFromSeed(new Uint8Array(32)).sign(new Uint8Array(3));
    expect(signature.constructor).toBe(Uint8Array);
    expect(signature.length).toBe(64);
  });

  test("hands out copies of the public key, so callers cannot alter the key", () => {
    const key = signingKeyFromSeed(hexToBytes(rfc8032.vectors[0]!.secret_key));
    key.publicKey.fill(0);
    expect(bytesToHex(key.publicKey)).toBe(rfc8032.vectors[0]!.public_key);
  });

  test("exposes no secret when serialised or inspected", () => {
    const seedHex = rfc8032.vectors[0]!.secret_key;
    const key = signingKeyFromSeed(hexToBytes(seedHex));
    const shown = JSON.stringify(key) + Bun.inspect(key);
    expect(shown).not.toContain(seedHex);
    expect(Object.keys(key).sort()).toEqual(["fingerprint", "publicKey", "publicKeyHex", "sign", "signAsync"]);
  });

  test("throws RangeError for a seed that is not 32 bytes", () => {
    expect(() => signingKeyFromSeed(new Uint8Array(31))).toThrow(
      new RangeError("Ed25519 seed must be 32 bytes, got 31"),
    );
  });
});

describe("fingerprint", () => {
  test("is the first 16 lower-hex characters of sha256(public key)", () => {
    const publicKey = hexToBytes(rfc8032.vectors[0]!.public_key);
    expect(fingerprint(publicKey)).toBe(bytesToHex(sha256(publicKey)).slice(0, 16));
    expect(fingerprint(publicKey)).toMatch(/^[0-9a-f]{16}$/);
  });

  test("matches the key's own fingerprint", () => {
    const key = signingKeyFromSeed(hexToBytes(rfc8032.vectors[1]!.secret_key));
    expect(key.fingerprint).toBe(fingerprint(key.publicKey));
  });

  test("throws RangeError for a key that is not 32 bytes", () => {
    expect(() => fingerprint(new Uint8Array(33))).toThrow(
      new RangeError("A fingerprint needs a 32-byte public key"),
    );
  });
});

describe("SigningKey.signAsync", () => {
  test("gives the same bytes as sign, many at once", async () => {
    const key = signingKeyFromSeed(new Uint8Array(32).fill(21));
    const messages = Array.from({ length: 50 }, (_, i) => new TextEncoder().encode(`message ${i} `.repeat(i + 1)));
    const sigs = await Promise.all(messages.map((m) => key.signAsync(m)));
    messages.forEach((m, i) => expect(Buffer.from(sigs[i]!).equals(Buffer.from(key.sign(m)))).toBe(true));
  });
});

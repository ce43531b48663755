import { describe, expect, test } from "bun:test";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import rfc8032 from "../fixtures/rfc8032/rfc8032-ed25519.json";
import { bytesToHex, ed, ed25519Key, hexToBytes, sha256Bytes, sha256Hex, utf8ToBytes, verifyEd25519 } from "./crypto.ts";

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const fromLe = (b: Uint8Array) => b.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n);
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** The identity point's encoding (y = 1): of small order. */
const IDENTITY = le(1n);
const message = utf8ToBytes("delivery of records 1 to 82");

/** @noble's strict RFC 8032 branch: libsodium's verdict, but for an R of small order. */
const nobleStrict = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) => {
  try {
    return ed.verify(sig, msg, pk, { zip215: false });
  } catch {
    return false;
  }
};

describe("verifyEd25519 (node:crypto, with libsodium's strict checks)", () => {
  test.each(rfc8032.vectors)("accepts RFC 8032 §7.1 $name", (v) => {
    expect(verifyEd25519(hexToBytes(v.signature), hexToBytes(v.message), hexToBytes(v.public_key))).toBe(true);
  });

  test("agrees with @noble's strict verification on good and altered signatures", () => {
    for (let i = 0; i < 20; i++) {
      const key = ed25519Key();
      const msg = utf8ToBytes(`message ${i} ${"é".repeat(i)}`);
      const sig = key.sign(msg);
      const flipped = sig.slice();
      flipped[i % 64]! ^= 1;
      const other = utf8ToBytes(`message ${i + 1}`);
      const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
        [sig, msg, key.publicKey],
        [flipped, msg, key.publicKey],
        [sig, other, key.publicKey],
        [sig, msg, ed25519Key().publicKey],
      ];
      expect(cases.map(([s, m, pk]) => verifyEd25519(s, m, pk))).toEqual(cases.map(([s, m, pk]) => nobleStrict(s, m, pk)));
      expect(cases.map(([s, m, pk]) => verifyEd25519(s, m, pk))).toEqual([true, false, false, false]);
    }
  });

  test("refuses S + L, the malleable twin of a good signature", () => {
    const key = ed25519Key();
    const sig = key.sign(message);
    const twin = concat(sig.subarray(0, 32), le(fromLe(sig.subarray(32)) + L));
    expect([verifyEd25519(twin, message, key.publicKey), nobleStrict(twin, message, key.publicKey)]).toEqual([false, false]);
  });

  test("refuses a small-order public key, which with R = identity and S = 0 'signs' any message", () => {
    const forged = concat(IDENTITY, le(0n));
    // Plain ZIP-215 verification takes it; libsodium and the real CC do not.
    expect(ed.verify(forged, message, IDENTITY, { zip215: true })).toBe(true);
    expect([verifyEd25519(forged, message, IDENTITY), nobleStrict(forged, message, IDENTITY)]).toEqual([false, false]);
  });

  test("refuses an R of small order, as libsodium does, even when the equation holds", () => {
    // With R = identity, S = k·a satisfies S·B = R + k·A: only the small-order rule refuses it.
    const seed = new Uint8Array(32).fill(9);
    const { scalar, pointBytes } = ed.utils.getExtendedPublicKey(seed);
    const k = fromLe(sha512(concat(IDENTITY, pointBytes, message))) % L;
    const sig = concat(IDENTITY, le((k * scalar) % L));
    // libsodium refuses R of small order; @noble's strict branch checks only the key's order.
    expect([verifyEd25519(sig, message, pointBytes), nobleStrict(sig, message, pointBytes)]).toEqual([false, true]);
  });

  test("refuses a public key that is not a canonical encoding, and wrong lengths, without throwing", () => {
    const key = ed25519Key();
    const sig = key.sign(message);
    // y = p + 1: a second encoding of the identity.
    const nonCanonical = hexToBytes("ee" + "ff".repeat(30) + "7f");
    expect(verifyEd25519(sig, message, nonCanonical)).toBe(false);
    expect(verifyEd25519(sig.subarray(1), message, key.publicKey)).toBe(false);
    expect(verifyEd25519(sig, message, key.publicKey.subarray(1))).toBe(false);
  });
});

describe("sha256Hex, sha256Bytes (node:crypto)", () => {
  test("agree with @noble/hashes on text and bytes", () => {
    for (const text of ["", "abc", "Grüße ✓ 𝄞", "x".repeat(100_000)]) {
      const bytes = utf8ToBytes(text);
      expect([sha256Hex(text), sha256Hex(bytes), bytesToHex(sha256Bytes(text))]).toEqual(Array(3).fill(bytesToHex(sha256(bytes))));
    }
  });
});

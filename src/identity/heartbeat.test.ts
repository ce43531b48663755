import { describe, expect, test } from "bun:test";
import * as ed from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { heartbeatSignature, verifyHeartbeat, type HeartbeatFields } from "./heartbeat.ts";
import { signingKeyFromSeed } from "./signing-key.ts";

ed.hashes.sha512 = (message) => new Uint8Array(sha512(message));

const SEED = hexToBytes("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7");
const evidenceKey = signingKeyFromSeed(SEED);
const FIELDS: HeartbeatFields = {
  siteId: "clinic-north-7",
  mac: "aa:bb:cc:0d:1e:2f",
  unixSeconds: 1_795_428_000,
  agentVersion: "0.1.0",
};

describe("heartbeatSignature", () => {
  test("signs the SHA-256 digest of site|MAC upper-case|seconds|version, as hex", () => {
    // Computed independently with noble: the digest, not the text, is the signed message.
    const digest = sha256(utf8ToBytes("clinic-north-7|AA:BB:CC:0D:1E:2F|1795428000|0.1.0"));
    const expected = bytesToHex(ed.sign(digest, SEED));

    expect(heartbeatSignature(evidenceKey, FIELDS)).toBe(expected);
  });

  test("is the same whatever the case of the MAC", () => {
    expect(heartbeatSignature(evidenceKey, { ...FIELDS, mac: "AA:BB:CC:0D:1E:2F" })).toBe(
      heartbeatSignature(evidenceKey, FIELDS),
    );
  });

  test.each([1.5, -1, Number.NaN])("throws RangeError for unixSeconds %p", (unixSeconds) => {
    expect(() => heartbeatSignature(evidenceKey, { ...FIELDS, unixSeconds })).toThrow(
      new RangeError(`Cannot sign heartbeat time ${unixSeconds}: expected whole Unix seconds`),
    );
  });
});

describe("verifyHeartbeat", () => {
  const signature = heartbeatSignature(evidenceKey, FIELDS);

  test("accepts a signature for the same fields, with the MAC in either case", () => {
    expect(verifyHeartbeat(evidenceKey.publicKeyHex, signature, FIELDS)).toBe(true);
    expect(verifyHeartbeat(evidenceKey.publicKeyHex, signature.toUpperCase(), { ...FIELDS, mac: FIELDS.mac.toUpperCase() })).toBe(true);
  });

  test.each([
    ["another site", { siteId: "clinic-south-7" }],
    ["another MAC", { mac: "aa:bb:cc:0d:1e:30" }],
    ["a second later", { unixSeconds: FIELDS.unixSeconds + 1 }],
    ["another version", { agentVersion: "0.1.1" }],
    ["a fractional time", { unixSeconds: FIELDS.unixSeconds + 0.5 }],
  ])("rejects the signature for %s", (_, change) => {
    expect(verifyHeartbeat(evidenceKey.publicKeyHex, signature, { ...FIELDS, ...change })).toBe(false);
  });

  test("rejects the identity key in place of the evidence key", () => {
    const identityKey = signingKeyFromSeed(new Uint8Array(32).fill(9));
    expect(verifyHeartbeat(identityKey.publicKeyHex, signature, FIELDS)).toBe(false);
  });

  test.each([
    ["a non-hex key", "zz", signature],
    ["a short key", evidenceKey.publicKeyHex.slice(2), signature],
    ["a non-hex signature", evidenceKey.publicKeyHex, `${signature.slice(1)}g`],
    ["a short signature", evidenceKey.publicKeyHex, signature.slice(2)],
    ["an empty signature", evidenceKey.publicKeyHex, ""],
  ])("answers false, without throwing, for %s", (_, publicKeyHex, signatureHex) => {
    expect(verifyHeartbeat(publicKeyHex, signatureHex, FIELDS)).toBe(false);
  });
});

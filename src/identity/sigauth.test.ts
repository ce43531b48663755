import { describe, expect, test } from "bun:test";
import * as ed from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { seededRandom } from "../time/random.ts";
import { sigauthCanonical, signRequest } from "./sigauth.ts";
import { verifySigauth, type SigauthVerdict, type VerifySigauthOptions } from "./sigauth-verify.ts";
import { signingKeyFromSeed } from "./signing-key.ts";

ed.hashes.sha512 = (message) => new Uint8Array(sha512(message));

const SEED = hexToBytes("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
const key = signingKeyFromSeed(SEED);
const other = signingKeyFromSeed(new Uint8Array(32).fill(1));
const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);
const NOW_TEXT = "2026-11-23T10:00:00Z";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const NONCE = "00112233445566778899aabbccddeeff";
const CHECKIN = { method: "POST", path: "/api/appliances/checkin", body: '{"site_id":"site-7","mac_address":"AA:BB"}' };

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("sigauthCanonical", () => {
  test("joins method, path, body hash, timestamp and nonce with newlines, none at the end", () => {
    const bytes = sigauthCanonical({ method: "GET", path: "/api/fleet/orders/pending", timestamp: NOW_TEXT, nonce: NONCE });
    expect(text(bytes)).toBe(`GET\n/api/fleet/orders/pending\n${EMPTY_SHA256}\n${NOW_TEXT}\n${NONCE}`);
  });

  test("hashes a string body as UTF-8 and a byte body as is, identically", () => {
    const body = '{"hostname":"réception"}';
    const fromString = sigauthCanonical({ method: "POST", path: "/a", body, timestamp: NOW_TEXT, nonce: NONCE });
    const fromBytes = sigauthCanonical({ method: "POST", path: "/a", body: utf8ToBytes(body), timestamp: NOW_TEXT, nonce: NONCE });
    expect(text(fromString)).toBe(`POST\n/a\n${bytesToHex(sha256(utf8ToBytes(body)))}\n${NOW_TEXT}\n${NONCE}`);
    expect(fromBytes).toEqual(fromString);
  });

  test("upper-cases the method", () => {
    const bytes = sigauthCanonical({ method: "post", path: "/a", timestamp: NOW_TEXT, nonce: NONCE });
    expect(text(bytes).split("\n")[0]).toBe("POST");
  });

  test("signs the URL path only: a query string or fragment is cut off", () => {
    const plain = sigauthCanonical({ method: "GET", path: "/api/fleet/orders/pending", timestamp: NOW_TEXT, nonce: NONCE });
    for (const path of ["/api/fleet/orders/pending?appliance_id=site-7-AA", "/api/fleet/orders/pending#x"]) {
      expect(sigauthCanonical({ method: "GET", path, timestamp: NOW_TEXT, nonce: NONCE })).toEqual(plain);
    }
  });

  test.each([
    ["a method with a space", { method: "GE T" }, 'Cannot sign method "GE T": letters only'],
    ["a full URL as path", { path: "https://cc/api" }, 'Cannot sign path "https://cc/api": expected a URL path starting with "/" without spaces or control characters'],
    ["a path with a newline", { path: "/a\nPOST" }, 'Cannot sign path "/a\\nPOST": expected a URL path starting with "/" without spaces or control characters'],
    ["a timestamp with milliseconds", { timestamp: "2026-11-23T10:00:00.000Z" }, 'Cannot sign timestamp "2026-11-23T10:00:00.000Z": expected YYYY-MM-DDTHH:MM:SSZ'],
    ["an upper-case nonce", { nonce: NONCE.toUpperCase() }, `Cannot sign nonce "${NONCE.toUpperCase()}": expected 32 lower-case hex characters`],
  ])("throws TypeError for %s", (_, change, message) => {
    const input = { method: "GET", path: "/a", timestamp: NOW_TEXT, nonce: NONCE, ...change };
    expect(() => sigauthCanonical(input)).toThrow(new TypeError(message));
  });
});

describe("signRequest", () => {
  test("returns the four sigauth headers, signed over the canonical bytes", () => {
    const nonce = bytesToHex(seededRandom(3).bytes(16));

    const headers = signRequest(key, { ...CHECKIN, nowMs: NOW, random: seededRandom(3) });

    const signature = headers["X-Appliance-Signature"]!;
    expect(headers).toEqual({
      "X-Appliance-Signature": signature,
      "X-Appliance-Timestamp": NOW_TEXT,
      "X-Appliance-Nonce": nonce,
      "X-Appliance-Pubkey-Fingerprint": bytesToHex(sha256(key.publicKey)).slice(0, 16),
    });
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/); // 64 bytes, base64url, no padding
    // Checked with noble over canonical bytes built here, not by the code under test.
    const canonical = `POST\n/api/appliances/checkin\n${bytesToHex(sha256(utf8ToBytes(CHECKIN.body)))}\n${NOW_TEXT}\n${nonce}`;
    expect(ed.verify(Buffer.from(signature, "base64url"), utf8ToBytes(canonical), key.publicKey)).toBe(true);
  });

  test("uses a fresh nonce on every call", () => {
    const random = seededRandom(5);
    const first = signRequest(key, { ...CHECKIN, nowMs: NOW, random });
    const second = signRequest(key, { ...CHECKIN, nowMs: NOW, random });
    expect(first["X-Appliance-Nonce"]).not.toBe(second["X-Appliance-Nonce"]);
  });
});

describe("verifySigauth", () => {
  const options = (change: Partial<VerifySigauthOptions> = {}): VerifySigauthOptions => ({
    ...CHECKIN,
    publicKey: key.publicKey,
    nowMs: NOW,
    ...change,
  });
  const signed = (change: { nowMs?: number } = {}) => signRequest(key, { ...CHECKIN, nowMs: NOW, ...change });

  test("accepts what signRequest produced, from a Headers object or a lower-case record", () => {
    const headers = signed();
    const lowerCase = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    expect(verifySigauth(headers, options())).toEqual({ ok: true });
    expect(verifySigauth(new Headers(headers), options())).toEqual({ ok: true });
    expect(verifySigauth(lowerCase, options({ publicKey: key.publicKeyHex }))).toEqual({ ok: true });
  });

  test("does not cover the query string (documented: only the URL path is signed)", () => {
    const headers = signRequest(key, { method: "GET", path: "/api/x?a=1", nowMs: NOW });
    expect(verifySigauth(headers, options({ method: "GET", path: "/api/x?a=2", body: "" }))).toEqual({ ok: true });
  });

  const mismatch = { ok: false, reason: "signature does not match the request" };
  test.each([
    ["body", {}, options({ body: '{"site_id":"site-8","mac_address":"AA:BB"}' })],
    ["path", {}, options({ path: "/api/appliances/checkin2" })],
    ["method", {}, options({ method: "PUT" })],
    ["byte body", {}, options({ body: utf8ToBytes(`${CHECKIN.body} `) })],
    ["timestamp", { "X-Appliance-Timestamp": "2026-11-23T10:00:01Z" }, options()],
    ["nonce", { "X-Appliance-Nonce": "ffeeddccbbaa99887766554433221100" }, options()],
  ])("rejects a request whose %s was changed after signing", (_, headerChange, verifyOptions) => {
    expect(verifySigauth({ ...signed(), ...headerChange }, verifyOptions)).toEqual(mismatch);
  });

  test("rejects a signature made by another key that claims this key's fingerprint", () => {
    const forged = { ...signRequest(other, { ...CHECKIN, nowMs: NOW }), "X-Appliance-Pubkey-Fingerprint": key.fingerprint };
    expect(verifySigauth(forged, options())).toEqual(mismatch);
  });

  test("rejects a fingerprint of another key", () => {
    const headers = signRequest(other, { ...CHECKIN, nowMs: NOW });
    expect(verifySigauth(headers, options())).toEqual({
      ok: false,
      reason: `fingerprint "${other.fingerprint}" does not match the key "${key.fingerprint}"`,
    });
  });

  test.each<[string, string, number, SigauthVerdict]>([
    ["accepts", "60 s late", NOW + 60_000, { ok: true }],
    ["accepts", "60 s early", NOW - 60_000, { ok: true }],
    ["rejects", "61 s late", NOW + 61_000, { ok: false, reason: `timestamp "${NOW_TEXT}" is 61 s behind the server clock (allowed 60 s)` }],
    ["rejects", "61 s early", NOW - 61_000, { ok: false, reason: `timestamp "${NOW_TEXT}" is 61 s ahead of the server clock (allowed 60 s)` }],
  ])("%s a request checked %s", (_, __, nowMs, verdict) => {
    expect(verifySigauth(signed(), options({ nowMs }))).toEqual(verdict);
  });

  test("measures skew to the millisecond, so the signer's truncation to whole seconds counts", () => {
    const headers = signed({ nowMs: NOW + 400 }); // stamped NOW_TEXT, 0.4 s before it was made
    expect(verifySigauth(headers, options({ nowMs: NOW + 60_400 }))).toEqual({
      ok: false,
      reason: `timestamp "${NOW_TEXT}" is 60.4 s behind the server clock (allowed 60 s)`,
    });
  });

  test("honours maxSkewSeconds", () => {
    expect(verifySigauth(signed(), options({ nowMs: NOW + 10_000, maxSkewSeconds: 5 }))).toEqual({
      ok: false,
      reason: `timestamp "${NOW_TEXT}" is 10 s behind the server clock (allowed 5 s)`,
    });
  });

  test.each([
    ["a missing signature", { "X-Appliance-Signature": undefined }, 'missing header "X-Appliance-Signature"'],
    ["a missing nonce", { "X-Appliance-Nonce": undefined }, 'missing header "X-Appliance-Nonce"'],
    ["a timestamp with milliseconds", { "X-Appliance-Timestamp": "2026-11-23T10:00:00.000Z" }, 'timestamp "2026-11-23T10:00:00.000Z" is not YYYY-MM-DDTHH:MM:SSZ'],
    ["an impossible date", { "X-Appliance-Timestamp": "2026-02-30T10:00:00Z" }, 'timestamp "2026-02-30T10:00:00Z" is not YYYY-MM-DDTHH:MM:SSZ'],
    ["an upper-case nonce", { "X-Appliance-Nonce": NONCE.toUpperCase() }, `nonce "${NONCE.toUpperCase()}" is not 32 lower-case hex characters`],
    ["a short nonce", { "X-Appliance-Nonce": "abcd" }, 'nonce "abcd" is not 32 lower-case hex characters'],
  ])("rejects %s", (_, change, reason) => {
    expect(verifySigauth({ ...signed(), ...change }, options())).toEqual({ ok: false, reason });
  });

  test("rejects a padded or standard-base64 signature", () => {
    const headers = signed();
    const bytes = Buffer.from(headers["X-Appliance-Signature"]!, "base64url");
    // 64 bytes always need "==" in standard base64, so both spellings differ from the header.
    for (const spelling of [`${headers["X-Appliance-Signature"]}==`, bytes.toString("base64")]) {
      expect(verifySigauth({ ...headers, "X-Appliance-Signature": spelling }, options())).toEqual({
        ok: false,
        reason: `signature ${JSON.stringify(spelling)} is not 64 bytes of unpadded base64url`,
      });
    }
  });

  test("cuts long header values short in its reason", () => {
    const verdict = verifySigauth({ ...signed(), "X-Appliance-Nonce": "z".repeat(5000) }, options());
    expect(verdict).toEqual({ ok: false, reason: `nonce "${"z".repeat(100)}…" is not 32 lower-case hex characters` });
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { makeTestCert } from "../../tests/helpers/test-cert.ts";
import { tempDir, type TempDir } from "../../tests/helpers/temp-dir.ts";
import { pinnedServerIdentity, spkiSha256 } from "./tls-pin.ts";

let tmp: TempDir;
let der: Uint8Array;
let opensslPin: string;

beforeAll(() => {
  tmp = tempDir("tls-pin-");
  const made = makeTestCert(tmp.path);
  opensslPin = made.spkiSha256;
  der = new X509Certificate(made.cert).raw;
});
afterAll(() => tmp[Symbol.dispose]());

/** The peer certificate fields `checkServerIdentity` reads. */
const peer = () => ({ raw: der, subject: { CN: "localhost" }, subjectaltname: "DNS:localhost, IP Address:127.0.0.1" });

describe("spkiSha256", () => {
  test("matches openssl's sha256 of the DER SubjectPublicKeyInfo", () => {
    expect(spkiSha256(der)).toBe(opensslPin);
  });
});

describe("pinnedServerIdentity", () => {
  test("accepts the pinned key for a matching host name, in either case", () => {
    expect([pinnedServerIdentity(opensslPin)("localhost", peer()), pinnedServerIdentity(opensslPin.toUpperCase())("127.0.0.1", peer())]).toEqual([
      undefined,
      undefined,
    ]);
  });

  test("refuses another key with ERR_TLS_PIN_MISMATCH, naming both hashes", () => {
    const err = pinnedServerIdentity("00".repeat(32))("localhost", peer()) as Error & { code?: string };
    expect({ code: err.code, message: err.message }).toEqual({
      code: "ERR_TLS_PIN_MISMATCH",
      message: `TLS pin mismatch for "localhost": server key sha256 ${opensslPin}, pinned ${"00".repeat(32)}`,
    });
  });

  test("keeps the normal host-name check: the right key on the wrong name is refused", () => {
    const err = pinnedServerIdentity(opensslPin)("cc.example.net", peer()) as Error & { code?: string };
    expect(err?.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });
});

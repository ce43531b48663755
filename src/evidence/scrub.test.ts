import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { SECRET_FIELD, SecretRegistry } from "../log/secrets.ts";
import { containsSecret, isSecretName, scrubEvidence, type Redaction } from "./scrub.ts";

/** The tag the scrubber must write for `original`, computed here independently of it. */
const tag = (name: string, original: string) =>
  `[${name}-REDACTED-${createHash("sha256").update(original).digest("hex").slice(0, 8)}]`;

const PLANTED = 'Zq9"planted\\secret-7731';

function registry(...values: string[]): SecretRegistry {
  const r = new SecretRegistry();
  for (const v of values) r.add(v);
  return r;
}

const noSecrets = registry();

/** Every form of PLANTED the result must not contain: raw and escaped once, twice, three times. */
function forms(secret: string): string[] {
  const out = [secret];
  for (let i = 0; i < 3; i++) out.push(JSON.stringify(out[out.length - 1]).slice(1, -1));
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe("scrubEvidence secrets", () => {
  const [, escapedOnce, escapedTwice] = forms(PLANTED);
  const draft = {
    check: "linux.sshd.root-login-disabled",
    actual: PLANTED,
    reason: `ssh: auth failed for admin:${PLANTED} on ws-03`,
    stdout_json: `{"password":"${escapedOnce}"}`,
    nested_json: `"{\\"pw\\":\\"${escapedTwice}\\"}"`,
    lines: ["ok", `echo '${PLANTED}' | sudo -S true`, 12],
    deep: { a: { b: { c: { d: [{ e: { f: [`x${PLANTED}x`] } }] } } } },
  };

  test("a planted secret appears in no form anywhere in the result", () => {
    const { value } = scrubEvidence(draft, { secrets: registry(PLANTED) });
    const text = JSON.stringify(value);
    expect(forms(PLANTED).filter((f) => text.includes(f))).toEqual([]);
    expect(containsSecret(value, registry(PLANTED))).toBe(false);
  });

  test("replaces the secret in place and lists each path once", () => {
    expect(scrubEvidence(draft, { secrets: registry(PLANTED) })).toEqual({
      value: {
        check: "linux.sshd.root-login-disabled",
        actual: "[redacted]",
        reason: "ssh: auth failed for admin:[redacted] on ws-03",
        stdout_json: '{"password":"[redacted]"}',
        nested_json: '"{\\"pw\\":\\"[redacted]\\"}"',
        lines: ["ok", "echo '[redacted]' | sudo -S true", 12],
        deep: { a: { b: { c: { d: [{ e: { f: ["x[redacted]x"] } }] } } } },
      },
      redactions: [
        { path: "$.actual", kind: "secret" },
        { path: "$.reason", kind: "secret" },
        { path: "$.stdout_json", kind: "secret" },
        { path: "$.nested_json", kind: "secret" },
        { path: "$.lines[1]", kind: "secret" },
        { path: "$.deep.a.b.c.d[0].e.f[0]", kind: "secret" },
      ],
    });
  });

  test("a secret is redacted before PHI rules can split it", () => {
    const secret = "jane@clinic.org:Pw-2291";
    const { value } = scrubEvidence({ actual: `bind as ${secret}` }, { secrets: registry(secret) });
    expect(value).toEqual({ actual: "bind as [redacted]" });
  });

  test("with no secret present, nothing is listed", () => {
    expect(scrubEvidence({ actual: "PermitRootLogin no" }, { secrets: registry(PLANTED, "another-secret") }).redactions).toEqual([]);
  });

  test("with phi off, secrets are still redacted and PHI is kept", () => {
    const { value } = scrubEvidence({ a: `${PLANTED} 555-123-4567` }, { secrets: registry(PLANTED), phi: false });
    expect(value).toEqual({ a: "[redacted] 555-123-4567" });
  });
});

describe("scrubEvidence secret-named members", () => {
  test("replace the value whatever its type", () => {
    // Typed loosely: a redacted member no longer has its declared type.
    const input: Record<string, unknown> = {
      password: "hunter22",
      sudo_password: "",
      api_key: 123456789,
      privateKey: { pem: "-----BEGIN " + "PRIVATE KEY-----" /* split: not a real key */ },
      credentials: [{ user: "admin", pass: "x" }],
      "X-Api-Key": "k",
      Authorization: "Bearer abc",
      refresh_token: "t",
      client_secret: "s",
      targets: [{ hostname: "ws-01", ssh_private_key: "-----BEGIN OPENSSH " + "PRIVATE KEY-----" }],
    };
    expect(scrubEvidence(input, { secrets: noSecrets })).toEqual({
      value: {
        password: "[redacted]",
        sudo_password: "[redacted]",
        api_key: "[redacted]",
        privateKey: "[redacted]",
        credentials: "[redacted]",
        "X-Api-Key": "[redacted]",
        Authorization: "[redacted]",
        refresh_token: "[redacted]",
        client_secret: "[redacted]",
        targets: [{ hostname: "ws-01", ssh_private_key: "[redacted]" }],
      },
      redactions: [
        { path: "$.password", kind: "secret_field" },
        { path: "$.sudo_password", kind: "secret_field" },
        { path: "$.api_key", kind: "secret_field" },
        { path: "$.privateKey", kind: "secret_field" },
        { path: "$.credentials", kind: "secret_field" },
        { path: '$["X-Api-Key"]', kind: "secret_field" },
        { path: "$.Authorization", kind: "secret_field" },
        { path: "$.refresh_token", kind: "secret_field" },
        { path: "$.client_secret", kind: "secret_field" },
        { path: "$.targets[0].ssh_private_key", kind: "secret_field" },
      ],
    });
  });

  test("keep null and booleans, which cannot carry a secret", () => {
    const input = { password: null, has_password: true, api_key: false, token: undefined };
    expect(scrubEvidence(input, { secrets: noSecrets })).toEqual({ value: input, redactions: [] });
  });

  test("a password-policy check result survives whole", () => {
    const check = {
      check: "windows.password-policy",
      hostname: "ws-03",
      status: "pass",
      expected: "password_min_length >= 12",
      actual: "MinimumPasswordLength 12",
      password_min_length: 12,
      password_policy: { max_age_days: 90, complexity: true },
      credential_type: "ssh_key",
      api_key_rotated: true,
      controls: { hipaa: ["164.308(a)(5)(ii)(D)"] },
    };
    expect(scrubEvidence(check, { secrets: noSecrets })).toEqual({ value: check, redactions: [] });
  });
});

describe("isSecretName", () => {
  test.each([
    ["password", true],
    ["Password", true],
    ["passwd", true],
    ["passphrase", true],
    ["secret", true],
    ["token", true],
    ["api_key", true],
    ["apikey", true],
    ["apiKey", true],
    ["APIKey", true],
    ["X-Api-Key", true],
    ["private_key", true],
    ["privateKey", true],
    ["sudo_password", true],
    ["sudoPassword", true],
    ["SUDO_PASSWORD", true],
    ["dc_password", true],
    ["authorization", true],
    ["proxy-authorization", true],
    ["credential", true],
    ["credentials", true],
    ["client_secret", true],
    ["access_key", true],
    ["aws_secret_access_key", true],
    ["secret_key", true],
    ["session_key", true],
    ["refresh_token", true],
    ["OAuthToken", true],
    ["webhook_secret", true],
    ["ssh_private_key", true],
    // Evidence names that the logger's SECRET_FIELD would flag but that hold no secret.
    ["password_min_length", false],
    ["passwordMinLength", false],
    ["password_policy", false],
    ["password_authentication", false],
    ["PasswordAuthentication", false],
    ["permit_empty_passwords", false],
    ["credential_type", false],
    ["api_key_rotated", false],
    ["token_lifetime_hours", false],
    ["secret_count", false],
    ["private_key_bits", false],
    ["authorization_policy", false],
    // Names no rule flags.
    ["check", false],
    ["expected", false],
    ["actual", false],
    ["hostname", false],
    ["public_key", false],
    ["host_key", false],
    ["key", false],
    ["passport", false],
    ["bypass", false],
  ])("%s → %p", (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  test("is narrower than the logger's SECRET_FIELD for names our evidence uses", () => {
    const kept = ["password_min_length", "password_policy", "credential_type", "api_key_rotated", "token_lifetime_hours"];
    expect(kept.map((n) => [n, SECRET_FIELD.test(n), isSecretName(n)])).toEqual(kept.map((n) => [n, true, false]));
  });
});

describe("scrubEvidence PHI", () => {
  test.each([
    ["ssn", "SSN 123-45-6789.", `SSN ${tag("SSN", "123-45-6789")}.`],
    ["ssn", "ssn=078-05-1120,", `ssn=${tag("SSN", "078-05-1120")},`],
    ["phone", "call (555) 123-4567 now", `call ${tag("PHONE", "(555) 123-4567")} now`],
    ["phone", "call (555)123-4567", `call ${tag("PHONE", "(555)123-4567")}`],
    ["phone", "tel 555-123-4567", `tel ${tag("PHONE", "555-123-4567")}`],
    ["phone", "tel 555.123.4567.", `tel ${tag("PHONE", "555.123.4567")}.`],
    ["phone", "tel +1 555 123 4567", `tel ${tag("PHONE", "+1 555 123 4567")}`],
    ["phone", "tel +1-555-123-4567", `tel ${tag("PHONE", "+1-555-123-4567")}`],
    ["phone", "tel 1 (555) 123-4567", `tel ${tag("PHONE", "1 (555) 123-4567")}`],
    ["email", "mail jane.doe+x@clinic-mail.org, please", `mail ${tag("EMAIL", "jane.doe+x@clinic-mail.org")}, please`],
    ["email", "<JDoe@Example.COM>", `<${tag("EMAIL", "JDoe@Example.COM")}>`],
    ["dob", "DOB: 01/02/1980", `DOB: ${tag("DOB", "01/02/1980")}`],
    ["dob", "d.o.b. 1-2-80", `d.o.b. ${tag("DOB", "1-2-80")}`],
    ["dob", "date of birth Jan 2, 1980", `date of birth ${tag("DOB", "Jan 2, 1980")}`],
    ["dob", "BirthDate=1980-01-02;", `BirthDate=${tag("DOB", "1980-01-02")};`],
    ["dob", "born? date of birth is 2 March 1980", `born? date of birth is ${tag("DOB", "2 March 1980")}`],
    ["mrn", "MRN: 12345678", `MRN: ${tag("MRN", "12345678")}`],
    ["mrn", "mrn#A-99812", `mrn#${tag("MRN", "A-99812")}`],
    ["mrn", "patient id 1234", `patient id ${tag("MRN", "1234")}`],
    ["mrn", "patient_id=PT-0042 seen", `patient_id=${tag("MRN", "PT-0042")} seen`],
    ["mrn", "Medical record number: 7781234", `Medical record number: ${tag("MRN", "7781234")}`],
    ["card", "card 4111 1111 1111 1111 exp", `card ${tag("CARD", "4111 1111 1111 1111")} exp`],
    ["card", "4111-1111-1111-1111", tag("CARD", "4111-1111-1111-1111")],
    ["card", "pan=5555555555554444", `pan=${tag("CARD", "5555555555554444")}`],
    ["card", "amex 3782 822463 10005", `amex ${tag("CARD", "3782 822463 10005")}`],
    ["card", "amex 378282246310005", `amex ${tag("CARD", "378282246310005")}`],
    ["card", "discover 6011111111111117", `discover ${tag("CARD", "6011111111111117")}`],
  ])("%s: %s", (kind, input, output) => {
    expect(scrubEvidence({ checks: [{ actual: input }] }, { secrets: noSecrets })).toEqual({
      value: { checks: [{ actual: output }] },
      redactions: [{ path: "$.checks[0].actual", kind: kind as Redaction["kind"] }],
    });
  });

  test("the same value gets the same tag, in one string, across strings and across calls", () => {
    const input = { a: "555-123-4567 or 555-123-4567", b: ["555-123-4567", "555-123-4568"] };
    const first = scrubEvidence(input, { secrets: noSecrets });
    const t = tag("PHONE", "555-123-4567");
    expect(first.value).toEqual({ a: `${t} or ${t}`, b: [t, tag("PHONE", "555-123-4568")] });
    expect(scrubEvidence(input, { secrets: noSecrets })).toEqual(first);
  });

  test("several kinds in one string are listed once each, in rule order", () => {
    const { value, redactions } = scrubEvidence(
      { reason: "jane@x.org, 555-123-4567, 555-123-4568, SSN 123-45-6789, DOB: 01/02/1980" },
      { secrets: noSecrets },
    );
    expect({ value, redactions }).toEqual({
      value: {
        reason:
          `${tag("EMAIL", "jane@x.org")}, ${tag("PHONE", "555-123-4567")}, ${tag("PHONE", "555-123-4568")}, ` +
          `SSN ${tag("SSN", "123-45-6789")}, DOB: ${tag("DOB", "01/02/1980")}`,
      },
      redactions: [
        { path: "$.reason", kind: "dob" },
        { path: "$.reason", kind: "ssn" },
        { path: "$.reason", kind: "phone" },
        { path: "$.reason", kind: "email" },
      ],
    });
  });

  // Field lesson 28: a phone regex matched NTP floats. None of these is PHI.
  test.each([
    ["NTP offsets (the field case)", "offset 0.0012345678 s, 1732356000.123, jitter 0.000123"],
    ["an epoch in ms", "last sync 1732356000123"],
    ["an epoch in ns", "1732356000123456789"],
    ["a plain number", "uptime 12345678"],
    ["a disk size in bytes", "sda 4000787030016 bytes, sdb 2000398934016"],
    ["an IPv4 address", "listening on 192.168.1.10:22"],
    ["an IPv6 address", "fe80::5054:ff:fe12:3456%eth0"],
    ["a MAC address", "52:54:00:12:34:56"],
    ["a Windows MAC address", "52-54-00-12-34-56"],
    ["a hostname", "ws-0123.clinic.local"],
    ["a Windows path", "C:\\Windows\\System32\\drivers\\etc\\hosts"],
    ["a Unix path", "/var/lib/compliance-agent/evidence-2026-11-23.db"],
    ["a Windows version", "10.0.19045.3803"],
    ["a version with a build", "openssh 9.6p1, kernel 6.1.0-27-amd64"],
    ["a sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ["a digit-only sha256 prefix", "1234567890123456789012345678901234567890123456789012345678901234"],
    ["a UUID", "0192f3a4-5b6c-7d8e-9f01-234567890abc"],
    ["a digit-only UUID", "12345678-1234-1234-1234-123456789012"],
    ["an ISO timestamp", "2026-11-23T10:00:00Z"],
    ["a timestamp with offset", "2026-11-23 10:00:00.123+00:00"],
    ["a port list", "22,80,443"],
    ["a spaced port list", "22 80 443 3389 5985 5986"],
    ["a table row", "Mem: 7982 1234 5678 12 2200 2400"],
    ["a Windows SID", "S-1-5-21-3623811015-3361044348-30300820-1013"],
    ["a KB number", "KB5031356 installed"],
    ["a HIPAA control id", "164.312(a)(1)"],
    ["an unlabelled date", "cert expires 01/02/2027"],
    ["a user at a host", "root@ws-03"],
    ["a card number failing Luhn", "4111 1111 1111 1112"],
    ["an SSN with area 000", "000-12-3456"],
    ["an SSN with area 666", "666-12-3456"],
    ["an SSN with area 9xx", "900-12-3456"],
    ["an SSN with group 00", "123-00-4567"],
    ["an SSN-like run inside a longer number", "1123-45-67890"],
    ["a phone-like run inside a version", "1.555.123.4567.8"],
    ["a phone-like run inside a hostname", "ws-555-123-4567"],
    ["a bare spaced number", "555 123 4567"],
    ["'record' without a label", "record 12345678 written"],
    ["a check id", "windows.password-policy"],
    ["an earlier tag", `MRN: ${tag("MRN", "1")} ${tag("PHONE", "2")}`],
  ])("keeps %s", (_label, text) => {
    expect(scrubEvidence({ actual: text }, { secrets: noSecrets })).toEqual({ value: { actual: text }, redactions: [] });
  });

  test("numbers and booleans are never changed by PHI rules", () => {
    const input = { phone: 5551234567, ssn_digits: 123456789, card: 4111111111111111, flag: true, n: -0.0012345678 };
    expect(scrubEvidence(input, { secrets: noSecrets })).toEqual({ value: input, redactions: [] });
  });

  test("member names are kept as they are: they come from our code", () => {
    const input = { "555-123-4567": "x", "jane@clinic.org": 1 };
    expect(scrubEvidence(input, { secrets: noSecrets })).toEqual({ value: input, redactions: [] });
  });

  test("a card after another number is still a card", () => {
    const { value } = scrubEvidence({ a: "555-123-4567 4111111111111111" }, { secrets: noSecrets });
    expect(value).toEqual({ a: `${tag("PHONE", "555-123-4567")} ${tag("CARD", "4111111111111111")}` });
  });

  test("scrubbing twice changes nothing more", () => {
    const input = { a: "DOB: 01/02/1980 MRN: 123456 jane@x.org 555-123-4567 4111111111111111 123-45-6789" };
    const once = scrubEvidence(input, { secrets: noSecrets }).value;
    expect(scrubEvidence(once, { secrets: noSecrets })).toEqual({ value: once, redactions: [] });
  });

  test("hostile input takes linear time", () => {
    const hostile = [
      "1".repeat(200_000),
      "4111 ".repeat(40_000),
      "555-".repeat(50_000),
      "a".repeat(100_000) + "@" + "b.".repeat(50_000),
      "MRN " + "1-".repeat(100_000),
      "patient id ".repeat(20_000) + "1",
      "(555) ".repeat(40_000),
    ];
    const start = performance.now();
    scrubEvidence(hostile, { secrets: noSecrets });
    // About 10 ms on a development box; quadratic behaviour would take minutes.
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe("scrubEvidence copying", () => {
  test("never mutates the input and shares no container with it", () => {
    const input = deepFreeze({
      password: "x",
      checks: [{ actual: `555-123-4567 ${PLANTED}`, controls: { hipaa: ["164.312(b)"] } }],
    });
    const before = structuredClone(input);
    const { value } = scrubEvidence(input, { secrets: registry(PLANTED) });
    expect(input).toEqual(before);
    expect([value === input, value.checks === input.checks, value.checks[0] === input.checks[0]]).toEqual([false, false, false]);
    expect(value.checks[0]!.controls.hipaa === input.checks[0]!.controls.hipaa).toBe(false);
  });

  test("copies a __proto__ member as a member", () => {
    const input = JSON.parse('{"__proto__": {"polluted": "555-123-4567"}}') as Record<string, unknown>;
    const { value } = scrubEvidence(input, { secrets: noSecrets });
    expect([Object.keys(value), Object.getPrototypeOf(value) === Object.prototype, JSON.stringify(value)]).toEqual([
      ["__proto__"],
      true,
      `{"__proto__":{"polluted":"${tag("PHONE", "555-123-4567")}"}}`,
    ]);
  });

  test("keeps a null prototype", () => {
    const input = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(Object.getPrototypeOf(scrubEvidence(input, { secrets: noSecrets }).value)).toBeNull();
  });

  test.each([
    ["a Date", { at: new Date(0) }, TypeError, "Cannot scrub $.at: Date object is not JSON data"],
    ["a Map", { checks: [new Map()] }, TypeError, "Cannot scrub $.checks[0]: Map object is not JSON data"],
    ["a bigint", { n: 1n }, TypeError, "Cannot scrub $.n: bigint is not JSON data"],
    ["a function", { f: () => 1 }, TypeError, "Cannot scrub $.f: function is not JSON data"],
  ])("refuses %s, naming where", (_label, input, type, message) => {
    expect(() => scrubEvidence(input, { secrets: noSecrets })).toThrow(new type(message));
  });

  test("refuses a cycle", () => {
    const input: Record<string, unknown> = { a: { b: [] as unknown[] } };
    ((input.a as Record<string, unknown>).b as unknown[]).push(input);
    expect(() => scrubEvidence(input, { secrets: registry(PLANTED) })).toThrow(
      new TypeError("Cannot scrub $.a.b[0]: value contains itself (a cycle)"),
    );
  });
});

describe("containsSecret", () => {
  const secrets = registry(PLANTED);
  test.each([
    ["a raw value", true, { a: PLANTED }],
    ["a value inside text", true, { a: [`x ${PLANTED} y`] }],
    ["a JSON-escaped value", true, { a: JSON.stringify({ pw: PLANTED }) }],
    ["a member name", true, { [PLANTED]: 1 }],
    ["a string on its own", true, `x${PLANTED}`],
    ["a clean record", false, { check: "linux.x", actual: "[redacted]" }],
    ["a part of the secret", false, { a: PLANTED.slice(0, -1) }],
  ])("%s → %p", (_label, found, value) => {
    expect(containsSecret(value, secrets)).toBe(found);
  });

  test("finds a number that spells a secret", () => {
    expect(containsSecret({ pin: 98765432 }, registry("98765432"))).toBe(true);
  });

  test("is false for an empty registry", () => {
    expect(containsSecret({ a: PLANTED }, noSecrets)).toBe(false);
  });
});

describe("scrubEvidence phiTagKey", () => {
  test("keyed tags differ from plain sha256 tags, stay stable per key, and differ between keys", () => {
    const secrets = new SecretRegistry();
    const text = { note: "SSN 123-45-6789" };
    const plain = scrubEvidence(text, { secrets }).value.note;
    const k1 = scrubEvidence(text, { secrets, phiTagKey: new Uint8Array(32).fill(1) }).value.note;
    const k1again = scrubEvidence(text, { secrets, phiTagKey: new Uint8Array(32).fill(1) }).value.note;
    const k2 = scrubEvidence(text, { secrets, phiTagKey: new Uint8Array(32).fill(2) }).value.note;
    expect(k1).toMatch(/^SSN \[SSN-REDACTED-[0-9a-f]{8}\]$/);
    expect(new Set([plain, k1, k2]).size).toBe(3);
    expect(k1again).toBe(k1);
  });
});

import { describe, expect, test } from "bun:test";
import { SECRET_FIELD, SecretRegistry } from "./secrets.ts";

describe("SecretRegistry", () => {
  test("redacts every occurrence of every registered value", () => {
    const r = new SecretRegistry();
    r.add("alpha-key");
    r.add("beta-pass");
    expect(r.redact("alpha-key, beta-pass and alpha-key again")).toBe("[redacted], [redacted] and [redacted] again");
  });

  test.each([
    ["a quote", 'a"bcd'],
    ["a backslash", "a\\bcd"],
    ["a newline", "ab\ncd"],
    ["a control character", "ab\u0001cd"],
  ])("redacts a value with %s in its raw, JSON-escaped and twice-escaped forms", (_label, secret) => {
    const r = new SecretRegistry();
    r.add(secret);
    const once = JSON.stringify(secret);
    const twice = JSON.stringify(once);
    expect([r.redact(`x ${secret} x`), r.redact(once), r.redact(twice)]).toEqual([
      "x [redacted] x",
      '"[redacted]"',
      '"\\"[redacted]\\""',
    ]);
  });

  test("ignores empty and short values, which would redact noise", () => {
    const r = new SecretRegistry();
    r.add("");
    r.add("abc");
    r.add(undefined);
    r.add(null);
    expect({ size: r.size, text: r.redact("abc def") }).toEqual({ size: 0, text: "abc def" });
  });

  test("forgets a deleted value", () => {
    const r = new SecretRegistry();
    r.add("old-secret");
    r.delete("old-secret");
    expect({ size: r.size, text: r.redact("old-secret") }).toEqual({ size: 0, text: "old-secret" });
  });
});

describe("SECRET_FIELD", () => {
  test.each([
    ["password", true],
    ["sudo_password", true],
    ["passwd", true],
    ["passphrase", true],
    ["api_key", true],
    ["apiKey", true],
    ["private_key", true],
    ["privateKey", true],
    ["token", true],
    ["refresh_token", true],
    ["client_secret", true],
    ["Authorization", true],
    ["credential", true],
    ["hostname", false],
    ["username", false],
    ["order_id", false],
    ["public_key", false],
  ])("%s → %p", (name, secret) => {
    expect(SECRET_FIELD.test(name)).toBe(secret);
  });
});

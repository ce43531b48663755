import { describe, expect, test } from "bun:test";
import { SecretRegistry } from "../log/secrets.ts";
import { CredentialHolder } from "./credentials.ts";

const FIRST = "first-key-000000000000000000000000000000000";
const SECOND = "second-key-00000000000000000000000000000000";

describe("CredentialHolder", () => {
  test("hands out the current key and the replacement after replace()", () => {
    const holder = new CredentialHolder(FIRST);
    const seen = [holder.apiKey];
    holder.replace(SECOND, "rotation");
    seen.push(holder.apiKey);
    expect(seen).toEqual([FIRST, SECOND]);
  });

  test("tells every listener, in order, with the source of the change", () => {
    const holder = new CredentialHolder(FIRST);
    const calls: string[] = [];
    holder.onChange((key, source) => calls.push(`a:${key}:${source}`));
    holder.onChange((key, source) => calls.push(`b:${key}:${source}`));
    holder.replace(SECOND, "rekey");
    expect(calls).toEqual([`a:${SECOND}:rekey`, `b:${SECOND}:rekey`]);
  });

  test("listeners already see the new key when they run", () => {
    const holder = new CredentialHolder(FIRST);
    let inside = "";
    holder.onChange(() => (inside = holder.apiKey));
    holder.replace(SECOND, "rotation");
    expect(inside).toBe(SECOND);
  });

  test("registers both the first and every new key as secrets, and keeps the old ones", () => {
    const secrets = new SecretRegistry();
    const holder = new CredentialHolder(FIRST, secrets);
    holder.replace(SECOND, "rotation");
    expect(secrets.redact(`old ${FIRST} new ${SECOND}`)).toBe("old [redacted] new [redacted]");
  });

  test("refuses an empty key and keeps the current one, telling no listener", () => {
    const holder = new CredentialHolder(FIRST);
    const calls: string[] = [];
    holder.onChange((key) => calls.push(key));
    expect(() => holder.replace("", "rotation")).toThrow(new TypeError("Cannot replace the API key with an empty value"));
    expect({ key: holder.apiKey, calls }).toEqual({ key: FIRST, calls: [] });
  });

  test("does not print the key when serialised", () => {
    expect(JSON.stringify(new CredentialHolder(FIRST))).not.toContain(FIRST);
  });
});

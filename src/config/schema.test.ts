import { describe, expect, test } from "bun:test";
import { CONFIG_KEYS, expectedFor, isValidValue } from "./schema.ts";

describe("expectedFor", () => {
  // The descriptions are the error messages and the docs table, so none may be missing.
  test.each(CONFIG_KEYS)("describes %s", (key) => {
    expect(expectedFor(key)).not.toBe("valid");
  });
});

describe("isValidValue", () => {
  test.each([
    ["api_key", "k-1", true],
    ["api_key", "", false],
    ["poll_interval", 60, true],
    ["poll_interval", "60", false],
    ["maintenance_window", "22:00-02:00", true],
    ["maintenance_window", "22:00", false],
    ["ntp_servers", ["ntp.example.net", "[fd00::1]:123"], true],
    ["ntp_servers", ["[not-ipv6]:123"], false],
    ["ntp_servers", "ntp.example.net", false],
  ] as const)("%s = %p is %p", (key, value, valid) => {
    expect(isValidValue(key, value)).toBe(valid);
  });
});

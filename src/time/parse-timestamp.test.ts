import { describe, expect, test } from "bun:test";
import { parseTimestamp } from "./parse-timestamp.ts";

describe("parseTimestamp", () => {
  test.each([
    ["2026-11-23T10:00:00Z", Date.UTC(2026, 10, 23, 10, 0, 0)],
    ["2026-11-23T10:00:00.123456+00:00", Date.UTC(2026, 10, 23, 10, 0, 0, 123)],
    ["2026-11-23T12:30:00+02:30", Date.UTC(2026, 10, 23, 10, 0, 0)],
    ["2026-11-23T05:00:00-05:00", Date.UTC(2026, 10, 23, 10, 0, 0)],
    ["2026-11-23T10:00:00", Date.UTC(2026, 10, 23, 10, 0, 0)],
    ["2026-11-23 10:00:00.5Z", Date.UTC(2026, 10, 23, 10, 0, 0, 500)],
  ])("reads %s", (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  test.each(["", "yesterday", "2026-02-31T00:00:00Z", "2026-11-23", 42, null])("rejects %p", (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

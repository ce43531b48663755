import { describe, expect, test } from "bun:test";
import { formatBytes, formatDuration, formatMs, formatPercent } from "./format.ts";

describe("format", () => {
  test.each([
    [formatBytes(1024 ** 3 - 1), "1023 MiB"],
    [formatBytes(1024 ** 3), "1.0 GiB"],
    [formatBytes(1.99 * 1024 ** 3), "1.9 GiB"],
    [formatDuration(59_999), "59 s"],
    [formatDuration(15 * 60_000), "15 min"],
    [formatDuration(3 * 3_600_000), "3 h"],
    [formatDuration(3 * 3_600_000 + 5 * 60_000 + 59_000), "3 h 5 min"],
    [formatDuration(24 * 3_600_000), "1 d"],
    [formatDuration(52 * 3_600_000 + 59 * 60_000), "2 d 4 h"],
    [formatMs(-0.37), "0.3 ms"],
    [formatMs(8), "8 ms"],
    [formatMs(-5234.9), "5234 ms"],
    [formatPercent(0.0999), "9.9 %"],
    [formatPercent(0.1), "10.0 %"],
  ])("%p is %p: rounded down, so no threshold seems met that was missed", (shown, expected) => {
    expect(shown).toBe(expected);
  });
});

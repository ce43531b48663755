import { describe, expect, test } from "bun:test";
import { parseProcUptime } from "./proc-uptime.ts";

const GARBLED = ["", "abc 1.0", "-5.00 1.00", "1e3 2.0", "12,5 3"];

describe("parseProcUptime", () => {
  test.each([
    ["12345.67 54321.00\n", 12345],
    ["0.99 0.10", 0],
    ["  86400.00   300000.12  ", 86400],
    ["7", 7],
  ])("reads %p as %p whole seconds", (text, seconds) => {
    expect(parseProcUptime(text)).toBe(seconds);
  });

  test.each(GARBLED)("throws SyntaxError for %p", (text) => {
    expect(() => parseProcUptime(text)).toThrow(
      new SyntaxError(`Cannot parse uptime "${text.trim()}": expected seconds since boot`),
    );
  });
});

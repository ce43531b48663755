import { describe, expect, test } from "bun:test";
import { pythonJsonDumps } from "./python-json.ts";
import { pythonIsoformat, sigauthTimestamp, parseSigauthTimestamp } from "./python-time.ts";

// Expected strings were produced by CPython 3: json.dumps(value, sort_keys=True).
describe("pythonJsonDumps", () => {
  test.each([
    [{ b: 1, a: "é" }, '{"a": "\\u00e9", "b": 1}'],
    [{ z: [1, 2.5, null, true, false], a: { y: "x", b: '\n\t"\\' } }, '{"a": {"b": "\\n\\t\\"\\\\", "y": "x"}, "z": [1, 2.5, null, true, false]}'],
    [{ emoji: "😀", ctl: "\x01\x7f", slash: "a/b" }, '{"ctl": "\\u0001\\u007f", "emoji": "\\ud83d\\ude00", "slash": "a/b"}'],
    [[0.1, 1e-5, 0.0001, 123456789.125, -2.5, 1e-7], "[0.1, 1e-05, 0.0001, 123456789.125, -2.5, 1e-07]"],
    [{ "\ue000": 1, "😀": 2, a: 3 }, '{"a": 3, "\\ue000": 1, "\\ud83d\\ude00": 2}'],
    [{}, "{}"],
    [[], "[]"],
    [{ nested: { d: {}, c: [] } }, '{"nested": {"c": [], "d": {}}}'],
  ])("%j matches CPython", (value, expected) => {
    expect(pythonJsonDumps(value)).toBe(expected);
  });

  test("refuses NaN, which CC never signs", () => {
    expect(() => pythonJsonDumps({ x: Number.NaN })).toThrow(TypeError);
  });
});

describe("python-time", () => {
  test("pythonIsoformat prints microseconds, and omits a zero fraction as Python does", () => {
    expect(pythonIsoformat(Date.UTC(2026, 10, 23, 10, 0, 0, 123))).toBe("2026-11-23T10:00:00.123000+00:00");
    expect(pythonIsoformat(Date.UTC(2026, 10, 23, 10, 0, 0))).toBe("2026-11-23T10:00:00+00:00");
  });

  test("sigauth timestamps are second-precision Z form and parse strictly", () => {
    const ms = Date.UTC(2026, 10, 23, 10, 0, 0, 999);
    expect(sigauthTimestamp(ms)).toBe("2026-11-23T10:00:00Z");
    expect(parseSigauthTimestamp("2026-11-23T10:00:00Z")).toBe(Date.UTC(2026, 10, 23, 10, 0, 0));
    expect(parseSigauthTimestamp("2026-11-23T10:00:00.000Z")).toBeUndefined();
    expect(parseSigauthTimestamp("2026-11-23T10:00:00+00:00")).toBeUndefined();
    expect(parseSigauthTimestamp("2026-02-30T10:00:00Z")).toBeUndefined();
  });
});

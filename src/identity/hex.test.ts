import { describe, expect, test } from "bun:test";
import { parseHex, toHex } from "./hex.ts";

describe("toHex", () => {
  test("writes lower-case hex of exactly the viewed bytes", () => {
    const view = new Uint8Array([0x00, 0xab, 0xcd, 0xef, 0x10]).subarray(1, 4);
    expect(toHex(view)).toBe("abcdef");
  });
});

describe("parseHex", () => {
  test.each([
    ["", []],
    ["00ff", [0x00, 0xff]],
    ["ABcd", [0xab, 0xcd]],
  ])("reads %p", (text, bytes) => {
    expect(parseHex(text)).toEqual(new Uint8Array(bytes));
  });

  // Buffer.from(text, "hex") would quietly return the bytes before the first bad digit.
  test.each(["0", "abc", "zz", "00zz", "00 ff", "0x00", "ab\n"])("answers undefined for %p", (text) => {
    expect(parseHex(text)).toBeUndefined();
  });
});

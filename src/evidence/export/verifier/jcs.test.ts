import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { canonicalize } from "../../canonical-json.ts";
import { canonicalJson, notCanonical } from "./jcs.ts";

const FIXTURES = join(import.meta.dir, "../../../../tests/fixtures/jcs");

describe("canonicalJson (the verifier's own RFC 8785)", () => {
  test.each(readdirSync(join(FIXTURES, "input")))("RFC 8785 test vector %s", (name) => {
    const input = JSON.parse(readFileSync(join(FIXTURES, "input", name), "utf8"));
    const expected = readFileSync(join(FIXTURES, "output", name), "utf8").replace(/\n$/, "");
    expect(canonicalJson(input)).toBe(expected);
  });

  test("agrees with the agent's canonicalize on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 500 },
    );
  });

  test.each([
    ["NaN", Number.NaN, RangeError],
    ["Infinity", Number.POSITIVE_INFINITY, RangeError],
    ["a lone surrogate", "\ud800x", RangeError],
    ["a lone surrogate in a name", { "\udc00": 1 }, RangeError],
    ["undefined", undefined, TypeError],
  ])("refuses %s", (_name, value, type) => {
    expect(() => canonicalJson(value)).toThrow(type);
  });
});

describe("notCanonical", () => {
  test("accepts canonical text", () => {
    expect(notCanonical('{"a":[1,1e+21,0.5,"é\\n"],"b":null,"c":{"":true}}')).toBeUndefined();
  });

  test.each([
    ["spaces", '{"a": 1}', "not in RFC 8785 canonical form (differs from its canonical form at character 5)"],
    ["member order", '{"b":1,"a":2}', "not in RFC 8785 canonical form (differs from its canonical form at character 2)"],
    ["a duplicate member name", '{"a":1,"a":1}', "not in RFC 8785 canonical form (differs from its canonical form at character 6)"],
    ["a number form", '{"a":1.0}', "not in RFC 8785 canonical form (differs from its canonical form at character 6)"],
    ["an escaped plain letter", '{"a":"\\u0041"}', "not in RFC 8785 canonical form (differs from its canonical form at character 6)"],
    ["an upper-case unicode escape", '{"a":"\\u001F"}', "not in RFC 8785 canonical form (differs from its canonical form at character 11)"],
    ["an escaped lone surrogate", '{"a":"\\ud800"}', "not I-JSON (a string holds a lone surrogate)"],
    ["a number beyond double range", '{"a":1e400}', "not I-JSON (Infinity is not a JSON number)"],
    ["a trailing newline", '{"a":1}\n', "not in RFC 8785 canonical form (differs from its canonical form at character 7)"],
  ])("names %s", (_name, text, reason) => {
    expect(notCanonical(text)).toBe(reason);
  });

  test("names text that is not JSON", () => {
    expect(notCanonical("{")).toStartWith("not JSON (");
  });
});

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { canonicalBytes, canonicalize, parseStrict } from "./canonical-json.ts";

const VECTORS = join(import.meta.dir, "../../tests/fixtures/jcs");

/** The class and message of what `run` throws, for one whole-object comparison. */
function caught(run: () => unknown): { error: string; message: string } | "returned" {
  try {
    run();
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
  return "returned";
}

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

/** `value` with every -0 replaced by 0: JSON has one zero, so a round trip cannot keep the sign. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: withoutNegativeZero(v), writable: true, enumerable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** `value` rebuilt with every object's members inserted in an order drawn from `seed`. */
function shuffled(value: unknown, seed: number): unknown {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const rebuild = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rebuild);
    if (v === null || typeof v !== "object") return v;
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries) {
      Object.defineProperty(out, k, { value: rebuild(x), writable: true, enumerable: true, configurable: true });
    }
    return out;
  };
  return rebuild(value);
}

// Strings that reach the escaping rules: quotes, backslash, controls, DEL, U+2028, a noncharacter,
// an astral character, and any other code point (fast-check's "binary" unit never yields a lone
// surrogate half).
const stringUnit = fc.oneof(
  fc.constantFrom('"', "\\", "/", "\u0000", "\b", "\t", "\n", "\f", "\r", "\u001f", "\u007f", "\u2028", "\uFFFF", "\u{1F600}", "é"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const json = fc.jsonValue({ stringUnit: stringUnit, maxDepth: 5 });

describe("canonicalize", () => {
  const names = readdirSync(join(VECTORS, "input")).filter((f) => f.endsWith(".json")).sort();

  test("finds the RFC 8785 test vectors", () => {
    expect(names).toEqual(["arrays.json", "french.json", "structures.json", "unicode.json", "values.json", "weird.json"]);
  });

  test.each(names)("writes the exact bytes of output/%s", (name) => {
    const input = readFileSync(join(VECTORS, "input", name), "utf8");
    const output = new Uint8Array(readFileSync(join(VECTORS, "output", name)));
    expect(canonicalBytes(JSON.parse(input))).toEqual(output);
    expect(canonicalBytes(parseStrict(input))).toEqual(output);
  });

  // RFC 8785 Appendix B: IEEE 754 bit pattern → canonical text. Each row is also what
  // JSON.stringify writes, which is the point: JCS adopts ECMA-262 Number::toString.
  const appendixB: [string, string][] = [
    ["0000000000000000", "0"],
    ["8000000000000000", "0"],
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555553", "333333333.3333332"],
    ["41b3de4355555554", "333333333.33333325"],
    ["41b3de4355555555", "333333333.3333333"],
    ["41b3de4355555556", "333333333.3333334"],
    ["41b3de4355555557", "333333333.33333343"],
    ["becbf647612f3696", "-0.0000033333333333333333"],
    ["43143ff3c1cb0959", "1424953923781206.2"],
  ];
  test.each(appendixB)("writes the double %s as %s (RFC 8785 Appendix B)", (bits, text) => {
    const n = fromBits(bits);
    expect([canonicalize(n), JSON.stringify(n)]).toEqual([text, text]);
  });

  // Further boundaries of Number::toString: where exponent notation starts on either side.
  test.each([
    [1e21, "1e+21"],
    [1e20, "100000000000000000000"],
    [1e-7, "1e-7"],
    [0.000001, "0.000001"],
    [9007199254740991, "9007199254740991"],
    [-0, "0"],
    [4.5, "4.5"],
    [0.1 + 0.2, "0.30000000000000004"],
  ])("writes the number %p as %s", (n, text) => {
    expect([canonicalize(n), JSON.stringify(n)]).toEqual([text, text]);
  });

  test.each([
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ])("refuses %p with its path", (n, text) => {
    expect(caught(() => canonicalize({ checks: [{ score: n }] }))).toEqual({
      error: "RangeError",
      message: `Cannot canonicalize $.checks[0].score: ${text} is not JSON`,
    });
  });

  test("writes literals and keeps array order, without whitespace", () => {
    expect(canonicalize([3, null, true, false, "x", [], {}, [2, 1]])).toBe('[3,null,true,false,"x",[],{},[2,1]]');
  });

  test("sorts member names by UTF-16 code units, not code points or locale", () => {
    // U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FFFF; by code point it would sort after.
    const value = { "\uFFFF": 1, "\u{1F600}": 2, é: 3, z: 4, Z: 5, "10": 6, "2": 7, "1": 8, "": 9 };
    expect(canonicalize(value)).toBe('{"":9,"1":8,"10":6,"2":7,"Z":5,"z":4,"é":3,"\u{1F600}":2,"\uFFFF":1}');
  });

  test("sorts nested objects and leaves array elements in place", () => {
    expect(canonicalize({ b: [{ y: 1, x: 2 }, { b: 0, a: 0 }], a: { d: 1, c: 2 } })).toBe(
      '{"a":{"c":2,"d":1},"b":[{"x":2,"y":1},{"a":0,"b":0}]}',
    );
  });

  // RFC 8785 §3.2.2.2: only ", \ and U+0000..U+001F are escaped, with the short forms where JSON
  // has them and lower-case hex otherwise.
  test.each([
    ["\u0000", '"\\u0000"'],
    ["\b", '"\\b"'],
    ["\t", '"\\t"'],
    ["\n", '"\\n"'],
    ["\u000b", '"\\u000b"'],
    ["\f", '"\\f"'],
    ["\r", '"\\r"'],
    ["\u001f", '"\\u001f"'],
    ['"', '"\\""'],
    ["\\", '"\\\\"'],
    ["/", '"/"'],
    ["\u007f", '"\u007f"'],
    ["\u2028", '"\u2028"'],
    ["\uFFFF", '"\uFFFF"'],
    ["\u{1F600}", '"\u{1F600}"'],
    ["A\u030a", '"A\u030a"'],
  ])("writes the string %p as %s", (text, written) => {
    expect(canonicalize(text)).toBe(written);
  });

  test.each([
    ["a\uD800", "\\ud800 at index 1"],
    ["\uDC00b", "\\udc00 at index 0"],
    ["\uDE00\uD83D", "\\ude00 at index 0"],
    ["ok \u{1F600} then \uDBFF", "\\udbff at index 11"],
  ])("refuses a lone surrogate in the string %p", (text, where) => {
    expect(caught(() => canonicalize({ notes: ["fine", text] }))).toEqual({
      error: "RangeError",
      message: `Cannot canonicalize $.notes[1]: string has a lone surrogate ${where}`,
    });
  });

  test("refuses a lone surrogate in a member name, naming the object", () => {
    expect(caught(() => canonicalize({ host: { ok: 1, "x\uD800": 2 } }))).toEqual({
      error: "RangeError",
      message: 'Cannot canonicalize $.host: member name "x\\ud800" has a lone surrogate \\ud800 at index 1',
    });
  });

  test("refuses an undefined member instead of dropping it", () => {
    const record = { checks: [{}, {}, {}, { id: "linux.sshd.root-login-disabled", actual: undefined }] };
    expect(caught(() => canonicalize(record))).toEqual({
      error: "TypeError",
      message: "Cannot canonicalize $.checks[3].actual: undefined is not JSON",
    });
  });

  test("refuses undefined at the top, in an array and in an array hole", () => {
    const holey = [1, , 3];
    expect([caught(() => canonicalize(undefined)), caught(() => canonicalize([1, undefined])), caught(() => canonicalize(holey))]).toEqual([
      { error: "TypeError", message: "Cannot canonicalize $: undefined is not JSON" },
      { error: "TypeError", message: "Cannot canonicalize $[1]: undefined is not JSON" },
      { error: "TypeError", message: "Cannot canonicalize $[1]: undefined is not JSON" },
    ]);
  });

  class Finding {
    constructor(readonly id: string) {}
  }
  class Checks extends Array<number> {}

  test.each([
    ["a function", () => 1, "function is not JSON"],
    ["a symbol", Symbol("s"), "symbol is not JSON"],
    ["a bigint", 10n, "bigint is not JSON"],
    ["a Date", new Date(0), "Date object is not JSON"],
    ["a Map", new Map([["a", 1]]), "Map object is not JSON"],
    ["a Set", new Set([1]), "Set object is not JSON"],
    ["a Uint8Array", new Uint8Array([1]), "Uint8Array object is not JSON"],
    ["a class instance", new Finding("x"), "Finding object is not JSON"],
    ["an Array subclass", Checks.from([1]), "Checks array is not JSON"],
    ["a boxed string", Object("s"), "String object is not JSON"],
    ["a RegExp", /x/, "RegExp object is not JSON"],
    ["an Error", new Error("x"), "Error object is not JSON"],
    ["an object with a nameless prototype", Object.create(Object.create(null)), "object with a custom prototype is not JSON"],
  ])("refuses %s with its path", (_, value, problem) => {
    expect(caught(() => canonicalize({ "evidence id": [{ value }] }))).toEqual({
      error: "TypeError",
      message: `Cannot canonicalize $["evidence id"][0].value: ${problem}`,
    });
  });

  test("does not call toJSON: a member that is a function is refused", () => {
    expect(caught(() => canonicalize({ at: 1, toJSON: () => "replaced" }))).toEqual({
      error: "TypeError",
      message: "Cannot canonicalize $.toJSON: function is not JSON",
    });
  });

  test("accepts objects without a prototype and an own __proto__ member", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });
    expect([canonicalize(bare), canonicalize(JSON.parse('{"z":0,"__proto__":{"x":1}}'))]).toEqual([
      '{"a":2,"b":1}',
      '{"__proto__":{"x":1},"z":0}',
    ]);
  });

  test("reads own enumerable string-keyed members only, as Object.keys does", () => {
    const value: Record<string | symbol, unknown> = { a: 1, [Symbol("hidden")]: 2 };
    Object.defineProperty(value, "b", { value: 3, enumerable: false });
    expect(canonicalize(value)).toBe('{"a":1}');
  });

  test("writes a shared object once per place it appears", () => {
    const shared = { k: 1 };
    expect(canonicalize({ a: shared, b: [shared] })).toBe('{"a":{"k":1},"b":[{"k":1}]}');
  });

  test("refuses a cycle, naming where it closes and where it leads back to", () => {
    const record: Record<string, unknown> = { host: { name: "ws-01" } };
    (record.host as Record<string, unknown>).owner = [record.host];
    expect(caught(() => canonicalize(record))).toEqual({
      error: "TypeError",
      message: "Cannot canonicalize $.host.owner[0]: value contains itself (cycle back to $.host)",
    });
  });

  test("accepts nesting 1000 deep and refuses 1001", () => {
    const nest = (depth: number): unknown => {
      let v: unknown = 0;
      for (let i = 0; i < depth; i++) v = [v];
      return v;
    };
    expect(canonicalize(nest(1000))).toBe(`${"[".repeat(1000)}0${"]".repeat(1000)}`);
    expect(caught(() => canonicalize(nest(1001)))).toEqual({
      error: "RangeError",
      message: `Cannot canonicalize $${"[0]".repeat(1000)}: nesting deeper than 1000`,
    });
  });

  test("is idempotent through JSON.parse", () => {
    fc.assert(
      fc.property(json, (x) => {
        const once = canonicalize(x);
        expect(canonicalize(JSON.parse(once))).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  test("does not depend on the order members were added in", () => {
    fc.assert(
      fc.property(json, fc.integer(), (x, seed) => {
        expect(canonicalize(shuffled(x, seed))).toBe(canonicalize(x));
      }),
      { numRuns: 500 },
    );
  });

  test("reads back as the same value, except that -0 becomes 0", () => {
    fc.assert(
      fc.property(json, (x) => {
        expect(JSON.parse(canonicalize(x))).toEqual(withoutNegativeZero(x));
      }),
      { numRuns: 500 },
    );
  });

  test("writes every well-formed string as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.string({ unit: stringUnit }), (s) => {
        expect(canonicalize(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 1000 },
    );
  });

  test("refuses exactly the strings that hold a lone surrogate", () => {
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    const unit = fc.oneof(stringUnit, fc.constantFrom("\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uD83D", "\uDE00"));
    fc.assert(
      fc.property(fc.string({ unit }), (s) => {
        const outcome = caught(() => canonicalize(s));
        expect(outcome === "returned" ? "returned" : outcome.error).toBe(lone.test(s) ? "RangeError" : "returned");
      }),
      { numRuns: 1000 },
    );
  });
});

describe("canonicalBytes", () => {
  test("answers the UTF-8 bytes of the canonical text", () => {
    const bytes = canonicalBytes({ "€": "\u{1F600}", a: "é" });
    expect(bytes.constructor).toBe(Uint8Array);
    expect(bytes).toEqual(new Uint8Array(Buffer.from('{"a":"é","€":"\u{1F600}"}', "utf8")));
  });
});

describe("parseStrict", () => {
  test.each([
    "0",
    "-0",
    " \t\r\n[ 1 , -2.5e+3 , 1E-2 , 0.5 ] \n",
    '{"a":{"b":[true,false,null]},"":""}',
    '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u00E9\\ud83d\\ude00"',
    '"\u{1F600} raw and \uFFFF"',
    '{"a":1,"A":2,"\\u0061b":3}',
    "333333333.33333329",
    "1e-400",
  ])("reads %p as JSON.parse does", (text) => {
    expect(parseStrict(text)).toEqual(JSON.parse(text));
  });

  test.each([
    ['{"a":1,"a":2}', "Cannot parse $ at offset 7: duplicate member name \"a\""],
    ['{"a":1,"\\u0061":2}', "Cannot parse $ at offset 7: duplicate member name \"a\""],
    ['{"x":[{"k":1},{"k":1,"k":2}]}', "Cannot parse $.x[1] at offset 21: duplicate member name \"k\""],
    ['{"x":{"y":{"":1,"":1}}}', "Cannot parse $.x.y at offset 16: duplicate member name \"\""],
  ])("refuses the duplicate member name in %s", (text, message) => {
    expect(caught(() => parseStrict(text))).toEqual({ error: "SyntaxError", message });
  });

  test("refuses any member name given twice", () => {
    const object = fc.dictionary(fc.string({ unit: stringUnit }), json, { minKeys: 1, maxKeys: 5 });
    fc.assert(
      fc.property(object, fc.nat(), (x, pick) => {
        const names = Object.keys(x);
        const name = names[pick % names.length]!;
        const text = `{${JSON.stringify(name)}:null,${canonicalize(x).slice(1)}`;
        expect(caught(() => parseStrict(text))).toMatchObject({
          error: "SyntaxError",
          message: expect.stringContaining(`duplicate member name ${JSON.stringify(name)}`),
        });
      }),
      { numRuns: 300 },
    );
  });

  test.each([
    ['["\\ud800"]', "Cannot parse $[0] at offset 1: string has a lone surrogate \\ud800 at index 0"],
    ['{"a":"x\\uDC00"}', "Cannot parse $.a at offset 5: string has a lone surrogate \\udc00 at index 1"],
    ['"\\ude00\\ud83d"', "Cannot parse $ at offset 0: string has a lone surrogate \\ude00 at index 0"],
    ['{"\\ud800":1}', "Cannot parse $ at offset 1: member name has a lone surrogate \\ud800 at index 0"],
    ['"raw \uD800"', "Cannot parse $ at offset 0: string has a lone surrogate \\ud800 at index 4"],
  ])("refuses the lone surrogate in %s", (text, message) => {
    expect(caught(() => parseStrict(text))).toEqual({ error: "SyntaxError", message });
  });

  test.each([
    ["", "Cannot parse $ at offset 0: unexpected end of text"],
    ["   ", "Cannot parse $ at offset 3: unexpected end of text"],
    ["\uFEFF{}", 'Cannot parse $ at offset 0: unexpected "\uFEFF"'],
    ["[1,]", 'Cannot parse $[1] at offset 3: unexpected "]"'],
    ['{"a":1,}', 'Cannot parse $ at offset 7: expected a member name, found "}"'],
    ["{'a':1}", "Cannot parse $ at offset 1: expected a member name, found \"'\""],
    ['{"a" 1}', 'Cannot parse $ at offset 5: expected ":" after a member name, found "1"'],
    ['{"a":1 "b":2}', 'Cannot parse $ at offset 7: expected "," or "}" after a member, found "\\""'],
    ["[1 2]", 'Cannot parse $ at offset 3: expected "," or "]" after an element, found "2"'],
    ["[1", 'Cannot parse $ at offset 2: expected "," or "]" after an element, found end of text'],
    ["01", 'Cannot parse $ at offset 1: unexpected "1" after the value'],
    ["1.", 'Cannot parse $ at offset 1: unexpected "." after the value'],
    ["+1", 'Cannot parse $ at offset 0: unexpected "+"'],
    [".5", 'Cannot parse $ at offset 0: unexpected "."'],
    ["NaN", 'Cannot parse $ at offset 0: unexpected "N"'],
    ["[Infinity]", 'Cannot parse $[0] at offset 1: unexpected "I"'],
    ["tru", 'Cannot parse $ at offset 0: unexpected "t"'],
    ['{"a":"x', "Cannot parse $.a at offset 5: unterminated string"],
    ['"a\tb"', 'Cannot parse $ at offset 2: unescaped control character "\\t" in a string'],
    ['"\\x"', 'Cannot parse $ at offset 1: bad escape "\\\\x"'],
    ['"\\u12G4"', 'Cannot parse $ at offset 1: bad escape "\\\\u12G4"'],
    ['"\\', 'Cannot parse $ at offset 1: bad escape "\\\\"'],
    ["1e400", "Cannot parse $ at offset 0: number 1e400 is beyond the IEEE 754 double range"],
    ['{"n":[-1e309]}', "Cannot parse $.n[0] at offset 6: number -1e309 is beyond the IEEE 754 double range"],
    ["{} {}", 'Cannot parse $ at offset 3: unexpected "{" after the value'],
  ])("refuses %p", (text, message) => {
    expect(caught(() => parseStrict(text))).toEqual({ error: "SyntaxError", message });
  });

  test("keeps a __proto__ member as an own property, not as the prototype", () => {
    const value = parseStrict('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect([Object.getPrototypeOf(value) === Object.prototype, Object.keys(value), value.polluted]).toEqual([
      true,
      ["__proto__"],
      undefined,
    ]);
  });

  test("accepts nesting 1000 deep and refuses 1001", () => {
    expect(parseStrict(`${"[".repeat(1000)}${"]".repeat(1000)}`)).toBeArray();
    expect(caught(() => parseStrict(`${"[".repeat(1001)}${"]".repeat(1001)}`))).toEqual({
      error: "SyntaxError",
      message: `Cannot parse $${"[0]".repeat(1000)} at offset 1000: nesting deeper than 1000`,
    });
  });

  test("reads canonical and indented text as JSON.parse does", () => {
    fc.assert(
      fc.property(json, (x) => {
        for (const text of [canonicalize(x), JSON.stringify(x, null, 2)]) expect(parseStrict(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  // Differential check against the platform parser on damaged text: wherever JSON.parse fails,
  // parseStrict fails too, and wherever it succeeds, parseStrict agrees or refuses the text for
  // one of its stated reasons.
  test("refuses what JSON.parse refuses and otherwise agrees with it", () => {
    const damaged = fc
      .tuple(json, fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(",", ":", "[", "]", "{", "}", '"', "\\", "0", "-", "e", ".", " ", "\u0001", "\uD800", "\\ud800", '"a"'))
      .map(([x, at, cut, insert]) => {
        const text = canonicalize(x);
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + cut);
      });
    const stated = /duplicate member name|lone surrogate|beyond the IEEE 754 double range/;
    fc.assert(
      fc.property(damaged, (text) => {
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expect(caught(() => parseStrict(text))).toMatchObject({ error: "SyntaxError" });
          return;
        }
        const outcome = caught(() => parseStrict(text));
        if (outcome === "returned") expect(parseStrict(text)).toEqual(expected);
        else expect(outcome.error === "SyntaxError" && stated.test(outcome.message)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

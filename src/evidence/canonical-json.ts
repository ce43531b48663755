/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of an evidence record that is
 * hashed and signed, and the strict parser the verifier uses to read stored records back.
 *
 * JCS (RFC 8785 §3.2) is what ECMAScript's `JSON.stringify` writes for strings and numbers, with
 * object members sorted by name and no whitespace. What it adds is refusal: the input must be
 * I-JSON (RFC 7493), so anything `JSON.stringify` would quietly drop, coerce or escape throws here.
 * @module
 */
import { formatPath, type Step } from "./json-path.ts";

/**
 * The deepest nesting of objects and arrays either direction accepts. RFC 8259 §9 lets a parser
 * limit depth; applying the same limit when writing keeps everything written readable by
 * `parseStrict`, and keeps hostile stored text from ending the verifier with a stack overflow.
 */
const MAX_DEPTH = 1000;

/** A lone surrogate: a high half not followed by a low half, or a low half not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Printable ASCII other than `"` and `\`: the strings JSON writes unchanged between quotes. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;


const utf8 = new TextEncoder();


/**
 * The RFC 8785 canonical form of `value`.
 *
 * `value` must be JSON data as `JSON.parse` builds it: plain objects (prototype `Object.prototype`
 * or `null`), arrays, strings, finite numbers, booleans and `null`. Anything else throws, naming
 * its JSON path, instead of being converted or dropped the way `JSON.stringify` would:
 *
 * - `TypeError` for `undefined` (also as an object member or an array hole), functions, symbols,
 *   bigints, cycles, and objects that are not plain (`Date`, `Map`, `Set`, `Uint8Array`, class
 *   instances, boxed primitives). `toJSON` is not consulted. An `undefined` member is refused
 *   rather than left out: a field silently missing from signed evidence hides a bug.
 * - `RangeError` for `NaN` and `±Infinity` (RFC 8785 §3.2.2.3), for strings and member names that
 *   hold a lone surrogate (I-JSON, RFC 7493 §2.1; escaping them, as `JSON.stringify` does, would
 *   sign text that no conforming reader accepts), and for nesting deeper than 1000.
 *
 * Members are the object's own enumerable string-keyed properties, as for `Object.keys`; symbol
 * keys are not JSON members and are not read. A JS object cannot hold two members of one name,
 * so duplicate names (forbidden by RFC 7493 §2.3) can only arise in JSON text: reading text is the
 * caller's concern, and `parseStrict` is the reader that refuses them.
 *
 * @example
 * canonicalize({ b: [1e21, -0, "é"], a: null }); // '{"a":null,"b":[1e+21,0,"é"]}'
 * canonicalize({ at: new Date() }); // TypeError: Cannot canonicalize $.at: Date object is not JSON
 */
export function canonicalize(value: unknown): string {
  return write(value, [], []);
}

/** The UTF-8 bytes of `canonicalize(value)`: what is hashed and signed (RFC 8785 §3.2.4). */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalize(value));
}

// `path` holds the steps from the root to `value`, `ancestors` the objects and arrays that
// contain it (ancestors[i] sits at path.slice(0, i)). Both are per call, pushed and popped on the
// way down, so an error can name where it happened without any work on the way to success.
function write(value: unknown, path: Step[], ancestors: object[]): string {
  switch (typeof value) {
    case "string":
      return quote(value, path);
    case "number":
      // ECMA-262 Number::toString, which RFC 8785 §3.2.2.3 adopts; it also turns -0 into "0".
      if (Number.isFinite(value)) return String(value);
      throw new RangeError(failure(path, `${value} is not JSON`));
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Array.prototype) return writeArray(value as unknown[], path, ancestors);
      if (proto === Object.prototype || proto === null) {
        return writeObject(value as Record<string, unknown>, path, ancestors);
      }
      throw new TypeError(failure(path, `${describe(value, proto)} is not JSON`));
    }
    default: // undefined, function, symbol, bigint
      throw new TypeError(failure(path, `${typeof value} is not JSON`));
  }
}

function writeArray(array: unknown[], path: Step[], ancestors: object[]): string {
  enter(array, path, ancestors);
  let out = "[";
  for (let i = 0; i < array.length; i++) {
    if (i > 0) out += ",";
    path.push(i);
    out += write(array[i], path, ancestors); // a hole reads as undefined and is refused
    path.pop();
  }
  ancestors.pop();
  return out + "]";
}

function writeObject(object: Record<string, unknown>, path: Step[], ancestors: object[]): string {
  enter(object, path, ancestors);
  // RFC 8785 §3.2.3 orders members by their names as arrays of UTF-16 code units. The default
  // sort does exactly that: with no comparator, ECMA-262 SortCompare compares the strings with
  // IsLessThan, code unit by code unit, so no locale or code point order enters ("\u{1F600}",
  // code units D83D DE00, sorts before "\uFFFF").
  const names = Object.keys(object).sort();
  let out = "{";
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (i > 0) out += ",";
    out += quote(name, path, true) + ":";
    path.push(name);
    out += write(object[name], path, ancestors);
    path.pop();
  }
  ancestors.pop();
  return out + "}";
}

/** Pushes `container` on `ancestors`, refusing a cycle or nesting beyond MAX_DEPTH. */
function enter(container: object, path: Step[], ancestors: object[]): void {
  const index = ancestors.indexOf(container);
  if (index >= 0) {
    throw new TypeError(failure(path, `value contains itself (cycle back to ${formatPath(path.slice(0, index))})`));
  }
  if (ancestors.length >= MAX_DEPTH) throw new RangeError(failure(path, `nesting deeper than ${MAX_DEPTH}`));
  ancestors.push(container);
}

// RFC 8785 §3.2.2.2 escapes exactly what ECMA-262 QuoteJSONString escapes: `"`, `\`, and U+0000
// to U+001F, as \b \t \n \f \r or lower-case \u00hh; everything else is written as is. Once lone
// surrogates are refused, the only code units QuoteJSONString would escape beyond that (its
// ES2019 "well-formed stringify" \ud800-style escapes) cannot occur, so JSON.stringify is JCS.
function quote(text: string, path: Step[], isName = false): string {
  // Most names and values are printable ASCII without " or \, which quote to themselves; one
  // regex test is cheaper than the call into JSON.stringify (about 1.5× on a typical record).
  if (PLAIN_ASCII.test(text)) return `"${text}"`;
  // isWellFormed (ES2024) is the native form of the LONE_SURROGATE test, without a regex.
  if (!text.isWellFormed()) {
    const subject = isName ? `member name ${JSON.stringify(text)}` : "string";
    throw new RangeError(failure(path, `${subject} ${loneSurrogateAt(text)}`));
  }
  return JSON.stringify(text);
}

/** Where the first lone surrogate of an ill-formed `text` is, for an error message. */
function loneSurrogateAt(text: string): string {
  const index = LONE_SURROGATE.exec(text)!.index;
  return `has a lone surrogate \\u${text.charCodeAt(index).toString(16)} at index ${index}`;
}

function describe(value: object, proto: unknown): string {
  const name: unknown = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (Array.isArray(value)) return typeof name === "string" && name ? `${name} array` : "array with a custom prototype";
  return typeof name === "string" && name ? `${name} object` : "object with a custom prototype";
}

function failure(path: readonly Step[], problem: string): string {
  return `Cannot canonicalize ${formatPath(path)}: ${problem}`;
}


/**
 * Parses JSON text that must be I-JSON (RFC 7493), the input RFC 8785 requires, so that a stored
 * record can be re-canonicalized and compared byte for byte. Beyond `JSON.parse` (RFC 8259
 * grammar, the same whitespace) it throws `SyntaxError`, naming the JSON path and offset, for:
 *
 * - a member name that occurs twice in one object (RFC 7493 §2.3), where `JSON.parse` keeps the
 *   last and so lets two readers see different records under one signature;
 * - a string or member name holding a lone surrogate, escaped (`"\ud800"`) or raw (RFC 7493 §2.1);
 * - a number beyond the IEEE 754 double range, such as `1e400` (RFC 7493 §2.2), which
 *   `JSON.parse` turns into `Infinity`;
 * - nesting deeper than 1000.
 *
 * Objects come back as plain objects; a member named `__proto__` is an ordinary own property.
 *
 * @example
 * parseStrict('{"a":1,"a":2}'); // SyntaxError: Cannot parse $ at offset 7: duplicate member name "a"
 */
export function parseStrict(text: string): unknown {
  const reader: Reader = { text, at: 0, path: [] };
  skipSpace(reader);
  const value = readValue(reader);
  skipSpace(reader);
  if (reader.at < text.length) throw syntaxError(reader, `unexpected ${charAt(reader)} after the value`);
  return value;
}

interface Reader {
  readonly text: string;
  at: number;
  readonly path: Step[];
}

// Sticky scanners: each use sets lastIndex first, so no state survives between calls.
const SPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

function readValue(r: Reader): unknown {
  switch (r.text[r.at]) {
    case "{":
      return readObject(r);
    case "[":
      return readArray(r);
    case '"':
      return readString(r);
    case "t":
      return readLiteral(r, "true", true);
    case "f":
      return readLiteral(r, "false", false);
    case "n":
      return readLiteral(r, "null", null);
    default:
      return readNumber(r);
  }
}

function readObject(r: Reader): Record<string, unknown> {
  if (r.path.length >= MAX_DEPTH) throw syntaxError(r, `nesting deeper than ${MAX_DEPTH}`);
  const object: Record<string, unknown> = {};
  r.at++; // "{"
  skipSpace(r);
  if (r.text[r.at] === "}") {
    r.at++;
    return object;
  }
  for (;;) {
    if (r.text[r.at] !== '"') throw syntaxError(r, `expected a member name, found ${charAt(r)}`);
    const nameAt = r.at;
    const name = readString(r, "member name");
    if (Object.hasOwn(object, name)) {
      r.at = nameAt;
      throw syntaxError(r, `duplicate member name ${JSON.stringify(name)}`);
    }
    skipSpace(r);
    expect(r, ":", "after a member name");
    skipSpace(r);
    r.path.push(name);
    const value = readValue(r);
    r.path.pop();
    // Plain assignment to "__proto__" would set the prototype instead of adding a member.
    if (name === "__proto__") {
      Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
    } else {
      object[name] = value;
    }
    skipSpace(r);
    if (r.text[r.at] === "}") {
      r.at++;
      return object;
    }
    expect(r, ",", 'or "}" after a member');
    skipSpace(r);
  }
}

function readArray(r: Reader): unknown[] {
  if (r.path.length >= MAX_DEPTH) throw syntaxError(r, `nesting deeper than ${MAX_DEPTH}`);
  const array: unknown[] = [];
  r.at++; // "["
  skipSpace(r);
  if (r.text[r.at] === "]") {
    r.at++;
    return array;
  }
  for (;;) {
    r.path.push(array.length);
    array.push(readValue(r));
    r.path.pop();
    skipSpace(r);
    if (r.text[r.at] === "]") {
      r.at++;
      return array;
    }
    expect(r, ",", 'or "]" after an element');
    skipSpace(r);
  }
}

function readString(r: Reader, subject = "string"): string {
  const start = r.at;
  r.at++; // opening quote
  let out = "";
  for (;;) {
    PLAIN_RUN.lastIndex = r.at;
    PLAIN_RUN.test(r.text); // always matches, possibly empty
    out += r.text.slice(r.at, PLAIN_RUN.lastIndex);
    r.at = PLAIN_RUN.lastIndex;
    const c = r.text[r.at];
    if (c === '"') break;
    if (c === undefined) {
      r.at = start;
      throw syntaxError(r, "unterminated string");
    }
    if (c !== "\\") throw syntaxError(r, `unescaped control character ${charAt(r)} in a string`);
    const e = r.text[r.at + 1];
    if (e === "u") {
      const hex = r.text.slice(r.at + 2, r.at + 6);
      if (!HEX4.test(hex)) throw syntaxError(r, `bad escape ${JSON.stringify(r.text.slice(r.at, r.at + 6))}`);
      out += String.fromCharCode(parseInt(hex, 16));
      r.at += 6;
    } else {
      const decoded = e === undefined ? undefined : ESCAPES[e];
      if (decoded === undefined) throw syntaxError(r, `bad escape ${JSON.stringify(r.text.slice(r.at, r.at + 2))}`);
      out += decoded;
      r.at += 2;
    }
  }
  r.at++; // closing quote
  if (!out.isWellFormed()) {
    r.at = start;
    throw syntaxError(r, `${subject} ${loneSurrogateAt(out)}`);
  }
  return out;
}

function readNumber(r: Reader): number {
  NUMBER.lastIndex = r.at;
  if (!NUMBER.test(r.text)) {
    throw syntaxError(r, r.at < r.text.length ? `unexpected ${charAt(r)}` : "unexpected end of text");
  }
  const literal = r.text.slice(r.at, NUMBER.lastIndex);
  const value = Number(literal);
  if (!Number.isFinite(value)) throw syntaxError(r, `number ${literal} is beyond the IEEE 754 double range`);
  r.at = NUMBER.lastIndex;
  return value;
}

function readLiteral<T>(r: Reader, word: string, value: T): T {
  if (!r.text.startsWith(word, r.at)) throw syntaxError(r, `unexpected ${charAt(r)}`);
  r.at += word.length;
  return value;
}

function expect(r: Reader, char: string, context: string): void {
  if (r.text[r.at] !== char) throw syntaxError(r, `expected "${char}" ${context}, found ${charAt(r)}`);
  r.at++;
}

function skipSpace(r: Reader): void {
  SPACE.lastIndex = r.at;
  SPACE.test(r.text);
  r.at = SPACE.lastIndex;
}

function charAt(r: Reader): string {
  const c = r.text[r.at];
  return c === undefined ? "end of text" : JSON.stringify(c);
}

function syntaxError(r: Reader, problem: string): SyntaxError {
  return new SyntaxError(`Cannot parse ${formatPath(r.path)} at offset ${r.at}: ${problem}`);
}

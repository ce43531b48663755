/**
 * The export verifier's own RFC 8785 (JCS) canonicalizer. It is written apart from the agent's
 * `canonical-json.ts` on purpose: the auditor's check should not share the code, and so the
 * bugs, of what it checks. Small because the verifier only needs a yes/no answer: a text is
 * canonical when `JSON.parse` followed by canonicalization gives back exactly the same text.
 * @module
 */

/** A lone UTF-16 surrogate: text no conforming JSON reader accepts (I-JSON, RFC 7493 §2.1). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The RFC 8785 form of JSON data (as `JSON.parse` returns it). Throws on values JSON cannot
 * hold: non-finite numbers, lone surrogates, and anything that is not null, a boolean, a
 * number, a string, an array or a plain object.
 *
 * @example
 * canonicalJson({ b: 1e21, a: "é" }); // '{"a":"é","b":1e+21}'
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      // RFC 8785 §3.2.2.3 adopts ECMAScript's Number-to-String, which String() is (-0 gives "0").
      if (!Number.isFinite(value)) throw new RangeError(`${value} is not a JSON number`);
      return String(value);
    case "string":
      return quote(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
      // §3.2.3: members sorted by name as UTF-16 code units, which is what sort() without a
      // comparator compares.
      const object = value as Record<string, unknown>;
      const names = Object.keys(object).sort();
      return "{" + names.map((name) => quote(name) + ":" + canonicalJson(object[name])).join(",") + "}";
    }
    default:
      throw new TypeError(`${typeof value} is not JSON`);
  }
}

// §3.2.2.2 escapes exactly what JSON.stringify escapes for well-formed strings: `"`, `\`, and
// U+0000–U+001F (as \b \t \n \f \r or \u00hh). Ill-formed strings are refused, not escaped.
function quote(text: string): string {
  if (LONE_SURROGATE.test(text)) throw new RangeError("a string holds a lone surrogate");
  return JSON.stringify(text);
}

/**
 * Why `text` is not RFC 8785 canonical JSON, or `undefined` when it is. Non-canonical spacing,
 * member order, number or string forms, and duplicate member names (which `JSON.parse` merges)
 * all make the re-canonicalized text differ from the original.
 */
export function notCanonical(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  let again: string;
  try {
    again = canonicalJson(value);
  } catch (err) {
    return `not I-JSON (${(err as Error).message})`;
  }
  if (again === text) return undefined;
  let at = 0;
  while (at < text.length && text[at] === again[at]) at++;
  return `not in RFC 8785 canonical form (differs from its canonical form at character ${at})`;
}

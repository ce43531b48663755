/**
 * Python's `json.dumps(value, sort_keys=True)` byte for byte: the form CC signs orders and
 * provisioning configs in. Separators are `", "` and `": "`, everything outside printable ASCII
 * is `\uXXXX`-escaped (ensure_ascii), keys sort by code point, floats print as Python's `repr`.
 * @module
 */

/** Options mirroring the `json.dumps` keywords CC uses. */
export interface PythonJsonOptions {
  /** `sort_keys`; CC always signs with true. */
  sortKeys?: boolean;
}

/**
 * Serialises `value` exactly as CPython's `json.dumps(value, sort_keys=True)` would.
 * A JS number that is an integer prints as a Python int (JS cannot tell `1` from `1.0`).
 *
 * @example
 * pythonJsonDumps({ b: 1, a: "é" }) // '{"a": "\\u00e9", "b": 1}'
 */
export function pythonJsonDumps(value: unknown, { sortKeys = true }: PythonJsonOptions = {}): string {
  return dump(value, sortKeys);
}

function dump(value: unknown, sortKeys: boolean): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return pythonNumber(value);
    case "string":
      return pythonString(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => dump(v ?? null, sortKeys)).join(", ")}]`;
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      if (sortKeys) entries.sort(([a], [b]) => compareCodePoints(a, b));
      return `{${entries.map(([k, v]) => `${pythonString(k)}: ${dump(v, sortKeys)}`).join(", ")}}`;
    }
    default:
      throw new TypeError(`Cannot serialise a ${typeof value} as Python JSON`);
  }
}

/** Python compares str by code point; JS `<` compares UTF-16 units (differs above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** json.encoder.py_encode_basestring_ascii: escapes `"`, `\` and anything outside U+0020–U+007E. */
function pythonString(s: string): string {
  let out = '"';
  // Iterating UTF-16 units emits astral characters as surrogate pairs, as Python does.
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** Python int / float repr: exponent form when the exponent is below -4 or at least 16. */
function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`Cannot serialise ${n}: CC never signs NaN or Infinity`);
  if (Number.isInteger(n)) return BigInt(n).toString();
  // toExponential() with no argument gives the shortest round-trip digits, like Python's repr.
  const [mantissa, expPart] = n.toExponential().split("e") as [string, string];
  const exp = Number(expPart);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  let fixed: string;
  if (exp < 0) fixed = `0.${"0".repeat(-exp - 1)}${digits}`;
  else if (digits.length > exp + 1) fixed = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else fixed = `${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return negative ? `-${fixed}` : fixed;
}

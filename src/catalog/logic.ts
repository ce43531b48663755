/**
 * json-logic for check verdicts and derived facts, with a few operations the catalog needs
 * (regular expressions, lengths, set difference, dates) and `{{path}}` templates for the
 * expected/actual text. Operations are registered once, here.
 * @module
 */
import jsonLogic from "json-logic-js";

type Logic = Parameters<typeof jsonLogic.apply>[0];

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** Compiled regular expressions, by source and flags: verdicts run thousands of times a minute. */
const regexCache = new Map<string, RegExp>();
function regex(source: unknown, flags: unknown = ""): RegExp {
  const key = `${String(flags)}/${String(source)}`;
  let re = regexCache.get(key);
  if (!re) {
    re = new RegExp(String(source), String(flags));
    regexCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

const OPERATIONS: Record<string, (...args: any[]) => unknown> = {
  /** `{"match": [text, "regex", "flags"?]}`: does the text match? */
  match: (text: unknown, source: unknown, flags?: unknown) =>
    typeof text === "string" && regex(source, flags ?? "").test(text),
  /** `{"capture": [text, "re(gr)oup", "flags"?]}`: the first group, or null. */
  capture: (text: unknown, source: unknown, flags?: unknown) =>
    typeof text === "string" ? (regex(source, flags ?? "").exec(text)?.[1] ?? null) : null,
  /** `{"grep": [list, "regex", "flags"?]}`: the strings that match. */
  grep: (list: unknown, source: unknown, flags?: unknown) =>
    asArray(list).filter((x) => typeof x === "string" && regex(source, flags ?? "").test(x)),
  /** `{"grep_v": [list, "regex"]}`: the strings that do not match. */
  grep_v: (list: unknown, source: unknown, flags?: unknown) =>
    asArray(list).filter((x) => !(typeof x === "string" && regex(source, flags ?? "").test(x))),
  /** Length of a list or string, key count of an object; 0 for nothing. */
  length: (v: unknown) =>
    Array.isArray(v) || typeof v === "string" ? v.length : v && typeof v === "object" ? Object.keys(v).length : 0,
  lower: (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v),
  /** A number from text such as "93%" or "1.5", or null. */
  number: (v: unknown) => {
    if (typeof v === "number") return v;
    if (typeof v !== "string") return null;
    const n = Number.parseFloat(v.replace(/%$/, ""));
    return Number.isFinite(n) ? n : null;
  },
  keys: (v: unknown) => (v && typeof v === "object" ? Object.keys(v) : []),
  split: (text: unknown, sep: unknown) => (typeof text === "string" ? text.split(String(sep)).filter((s) => s !== "") : []),
  join: (list: unknown, sep: unknown = ", ") => asArray(list).map(String).join(String(sep)),
  /** Items of the first list not in the second (e.g. SUID files not on the allow-list). */
  difference: (a: unknown, b: unknown) => {
    const drop = new Set(asArray(b));
    return asArray(a).filter((x) => !drop.has(x));
  },
  /** Distinct items, first occurrence kept. */
  unique: (list: unknown) => [...new Set(asArray(list))],
  /** Seconds since the epoch for an RFC 3339 / date string or epoch seconds, or null. */
  epoch: (v: unknown) => {
    if (typeof v === "number") return v;
    if (typeof v !== "string" || v.trim() === "") return null;
    if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v.trim());
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
  },
  /** `{"pluck": [rows, "column"]}`: one column of a table. */
  pluck: (rows: unknown, column: unknown) =>
    asArray(rows).map((r) => (r && typeof r === "object" ? (r as Record<string, unknown>)[String(column)] : undefined)),
  /** The largest number in a list, or null. */
  max_of: (list: unknown) => {
    const nums = asArray(list).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
    return nums.length ? Math.max(...nums) : null;
  },
};
/** Inside `map`/`filter`, json-logic hands each string item over as a `String` object: unbox it. */
const unbox = (v: unknown) => (v instanceof String || v instanceof Number || v instanceof Boolean ? v.valueOf() : v);
for (const [name, fn] of Object.entries(OPERATIONS)) jsonLogic.add_operation(name, (...args: unknown[]) => fn(...args.map(unbox)));

/** json-logic's own operators, which need no registration. */
const BUILTIN = new Set([
  "var", "missing", "missing_some", "if", "?:", "==", "===", "!=", "!==", "!", "!!", "or", "and",
  ">", ">=", "<", "<=", "max", "min", "+", "-", "*", "/", "%", "map", "filter", "reduce", "all",
  "none", "some", "merge", "in", "cat", "substr", "log",
]);

/** Every operator named in `expr` that json-logic would not know. */
export function unknownOperators(expr: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const op = keys[0]!;
      if (!BUILTIN.has(op) && !(op in OPERATIONS)) found.add(op);
    }
    for (const v of Object.values(node)) walk(v);
  };
  walk(expr);
  return [...found];
}

/** Evaluates a json-logic expression over `data`. */
export function evaluate(expr: unknown, data: Record<string, unknown>): unknown {
  return jsonLogic.apply(expr as Logic, data);
}

/** json-logic's own notion of truth (an empty list is false). */
export function truthy(value: unknown): boolean {
  return jsonLogic.truthy(value);
}

/** Reads `a.b.0.c` from data. */
export function lookup(data: unknown, path: string): unknown {
  let node: unknown = data;
  for (const part of path.split(".")) {
    if (node === null || node === undefined || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const MAX_LISTED = 20;

function show(value: unknown): string {
  if (value === undefined || value === null) return "unknown";
  if (Array.isArray(value)) {
    if (value.length === 0) return "none";
    const shown = value.slice(0, MAX_LISTED).map(show).join(", ");
    return value.length > MAX_LISTED ? `${shown}, … (+${value.length - MAX_LISTED} more)` : shown;
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Fills `{{path}}` placeholders from `data`; lists are joined, missing values read "unknown".
 *
 * @example
 * renderTemplate("PermitRootLogin {{sshd.permitrootlogin}}", { sshd: { permitrootlogin: "yes" } }) // "PermitRootLogin yes"
 */
export function renderTemplate(template: string, data: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_, path: string) => show(lookup(data, path)));
}

/** The `{{paths}}` a template reads, to check them against known names at load. */
export function templatePaths(template: string): string[] {
  return [...template.matchAll(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g)].map((m) => m[1]!);
}

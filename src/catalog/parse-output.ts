/**
 * Turns one section of a probe's raw output into data, as its parser entry says. A parser that
 * cannot make sense of the text throws `SyntaxError`; the check then reports `error` and keeps
 * the raw output.
 * @module
 */
import type { Parser } from "./schema.ts";

/** Non-empty, right-trimmed lines. */
function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
}

const isComment = (line: string) => line.trimStart().startsWith("#");

function splitKeyValue(line: string, separator: "=" | ":" | "space"): [string, string] | undefined {
  if (separator === "space") {
    const m = /^\s*(\S+)\s*(.*)$/.exec(line);
    return m ? [m[1]!, m[2]!.trim()] : undefined;
  }
  const at = line.indexOf(separator);
  if (at <= 0) return undefined;
  return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
}

/** Splits a row on runs of blanks; the last column keeps the rest of the line. */
function splitColumns(line: string, count: number): string[] {
  const out: string[] = [];
  let rest = line.trim();
  while (out.length < count - 1 && rest !== "") {
    const m = /^(\S+)\s*(.*)$/.exec(rest)!;
    out.push(m[1]!);
    rest = m[2]!;
  }
  if (rest !== "") out.push(rest);
  return out;
}

/**
 * Parses `text` with `parser`.
 *
 * @example
 * parseOutput("PermitRootLogin no\nX11Forwarding yes", { kind: "key_value", separator: "space", lowercase_keys: true, multi: false, skip_comments: true })
 * // { permitrootlogin: "no", x11forwarding: "yes" }
 */
export function parseOutput(text: string, parser: Parser): unknown {
  switch (parser.kind) {
    case "text":
      return text.trim();
    case "lines":
      return lines(text).filter((l) => !(parser.skip_comments && isComment(l)));
    case "integer": {
      const t = text.trim();
      if (!/^-?\d+$/.test(t)) throw new SyntaxError(`expected an integer, found ${JSON.stringify(t.slice(0, 80))}`);
      return Number.parseInt(t, 10);
    }
    case "json":
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new SyntaxError(`expected JSON: ${(error as Error).message}`);
      }
    case "key_value": {
      const out: Record<string, unknown> = {};
      for (const line of lines(text)) {
        if (parser.skip_comments && isComment(line)) continue;
        const kv = splitKeyValue(line, parser.separator);
        if (!kv) continue;
        const key = parser.lowercase_keys ? kv[0].toLowerCase() : kv[0];
        if (!parser.multi) out[key] = kv[1];
        else (out[key] as string[] | undefined)?.push(kv[1]) ?? (out[key] = [kv[1]]);
      }
      return out;
    }
    case "table": {
      const rows = lines(text);
      const columns = parser.columns ?? rows.shift()?.trim().toLowerCase().split(/\s+/).map((c) => c.replace(/[^a-z0-9_]/g, "_"));
      if (!columns || columns.length === 0) return [];
      return rows.map((row) => {
        const cells = parser.delimiter === "whitespace" ? splitColumns(row, columns.length) : row.split(parser.delimiter);
        return Object.fromEntries(columns.map((c, i) => [c, cells[i]?.trim() ?? ""]));
      });
    }
  }
}

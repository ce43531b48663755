/**
 * Parsing os-release(5): the file that names the distribution and its version.
 * @module
 */

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Inside double quotes the shell gives backslash a meaning only before these (os-release(5)
// requires escaping exactly "$", quotes, backslash and backtick).
const DOUBLE_QUOTE_ESCAPABLE = new Set(['"', "\\", "$", "`"]);

/**
 * The assignments in an os-release file as a plain record.
 *
 * Lines are `KEY=value`. A value may be unquoted, single-quoted (taken literally) or
 * double-quoted (backslash escapes `\"`, `\\`, `\$`, `` \` ``); quoted and unquoted parts may
 * be joined as in the shell. Blank lines and `#` comments are ignored, and so is any line that
 * is not an assignment, as systemd does: a stray line must not cost the check-in its version.
 * A later assignment of the same key wins.
 *
 * @example
 * parseOsRelease('NAME=NixOS\nVERSION_ID="24.05"\n')
 * // { NAME: "NixOS", VERSION_ID: "24.05" }
 */
export function parseOsRelease(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!KEY.test(key)) continue;
    result[key] = unquote(line.slice(eq + 1));
  }
  return result;
}

/** Shell-style word: removes quotes and resolves escapes. An unterminated quote runs to the end. */
function unquote(value: string): string {
  let out = "";
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else out += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < value.length && DOUBLE_QUOTE_ESCAPABLE.has(value[i + 1]!)) {
        out += value[++i];
      } else out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "\\" && i + 1 < value.length) {
      out += value[++i];
    } else out += c;
  }
  return out;
}

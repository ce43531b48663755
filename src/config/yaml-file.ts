/**
 * Reads a YAML file into a `yaml` Document, turning read and syntax failures into `ConfigError`.
 * @module
 */
import { readFileSync } from "node:fs";
import { type Document, parseDocument } from "yaml";
import { ConfigError } from "./errors.ts";

/** The single YAML document in `file`, with comments and order kept for a faithful rewrite. */
export function readYamlDocument(file: string): Document {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, osReason(err), { cause: err, action: "Cannot read config" });
  }
  const doc = parseDocument(source);
  const first = doc.errors[0];
  if (first !== undefined) {
    // The library's message ends with an excerpt of the source, which may hold the API key:
    // keep only its description and position, and do not attach it as the cause.
    const description = first.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
    const at = first.linePos?.[0];
    const where = at === undefined ? "" : ` at line ${at.line}, column ${at.col}`;
    throw new ConfigError(file, `invalid YAML${where}: ${description}`);
  }
  return doc;
}

// "ENOENT: no such file or directory, open '/x'" → "no such file or directory (ENOENT)":
// the message names the file already.
function osReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = "code" in err && typeof err.code === "string" ? err.code : undefined;
  if (code === undefined) return err.message;
  const text = err.message.replace(new RegExp(`^${code}: `), "").replace(/, \w+ '.*'$/, "");
  return `${text} (${code})`;
}

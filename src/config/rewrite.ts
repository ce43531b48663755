/**
 * Changes one top-level value of `config.yaml` on disk, e.g. the API key after Central Command
 * rotates it, without disturbing anything else in the file.
 * @module
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { isMap, isScalar } from "yaml";
import { replaceFileAtomically } from "./atomic-write.ts";
import { ConfigError, describeFound } from "./errors.ts";
import { CONFIG_KEYS, type ConfigKey, expectedFor, isValidValue } from "./schema.ts";
import { readYamlDocument } from "./yaml-file.ts";

/**
 * Sets the top-level `key` of the config file at `path` to the string `value`. The file is
 * parsed, not edited line by line, so comments, key order and nested blocks are kept: a nested
 * `config: { api_key: … }` is never touched (a line-prefix replace once corrupted exactly that).
 * The new text is written to a temp file with the original's mode, read back and checked, then
 * renamed over the original; after the rename the file is read back and checked again.
 * Throws `ConfigError` when the key is unknown, the value breaks the key's rule, or the file
 * reads back with any other value changed. The original stays in place unless the rename
 * happened, and no temp file is left behind.
 *
 * Only `value` is checked against the schema, not the rest of the file: a rotated key must reach
 * disk even when someone has since hand-edited an unrelated key into a bad state.
 *
 * @example
 * rewriteConfigValue("/var/lib/msp/config.yaml", "api_key", rotatedKey);
 */
export function rewriteConfigValue(path: string, key: string, value: string): void {
  const file = resolveLinks(resolve(path));
  const fail = (reason: string, cause?: unknown) =>
    new ConfigError(file, reason, { key, cause, action: "Cannot rewrite config" });

  if (!(CONFIG_KEYS as readonly string[]).includes(key)) throw fail(`unknown key "${key}"`);
  if (!isValidValue(key as ConfigKey, value)) {
    throw fail(`key "${key}" must be ${expectedFor(key as ConfigKey)}, found ${describeFound(key, value)}`);
  }

  const doc = readYamlDocument(file);
  if (!isMap(doc.contents)) throw fail("the top level is not a mapping of keys to values");
  const expected = { ...(doc.toJS() as Record<string, unknown>), [key]: value };
  const node = doc.get(key, true);
  // Changing the scalar in place keeps its comment and quoting style; the stringifier still
  // quotes a value such as "true" or "123" so that it reads back as a string.
  if (isScalar(node)) node.value = value;
  else doc.set(key, value);

  try {
    replaceFileAtomically(file, doc.toString(), { check: (temp) => verify(temp, expected, fail) });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw fail(err instanceof Error ? err.message : String(err), err);
  }
  // Again at the real path: another writer may have raced the rename.
  verify(file, expected, fail);
}

// Replace the file a symlink points to, not the link, so the link keeps working. A path that
// does not resolve is kept, and reading it then reports the OS reason.
function resolveLinks(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function verify(file: string, expected: Record<string, unknown>, fail: (reason: string) => ConfigError): void {
  const actual = readYamlDocument(file).toJS() as Record<string, unknown> | null;
  if (isDeepStrictEqual(actual, expected)) return;
  const got = actual ?? {};
  const changed = [...new Set([...Object.keys(expected), ...Object.keys(got)])].filter(
    (k) => !isDeepStrictEqual(got[k], expected[k]),
  );
  // Key names only: the values may be secrets.
  throw fail(`the file reads back with different values for ${changed.map((k) => `"${k}"`).join(", ")}`);
}

/**
 * Reading small text files under the injected root, where "absent" is an ordinary answer.
 * Internal to `host`; not re-exported.
 * @module
 */
import { readFileSync } from "node:fs";

/**
 * The file's text, or `undefined` when it does not exist or is not a readable file
 * (ENOENT, ENOTDIR, EISDIR, EACCES, or EINVAL, which some sysfs attributes answer when the
 * device cannot report them). Any other error is rethrown.
 */
export function readOptionalText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (isAbsentError(error)) return undefined;
    throw error;
  }
}

const ABSENT_CODES = new Set(["ENOENT", "ENOTDIR", "EISDIR", "EACCES", "EINVAL"]);

/** True for errors meaning "nothing readable there" rather than a broken system. */
export function isAbsentError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && ABSENT_CODES.has(code);
}

/**
 * JSONPath-style names for places inside a value (`$.checks[3].actual`), for error messages and
 * redaction reports that must say where without quoting what.
 * @module
 */

/** One step down: a member name or an array index. */
export type Step = string | number;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `$`, then `.name` for plain names, `["odd name"]` for others and `[3]` for indexes. */
export function formatPath(path: readonly Step[]): string {
  let out = "$";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (IDENTIFIER.test(step)) out += `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

/**
 * Scrubbing of evidence drafts before they are canonicalized and signed: known secret values,
 * secret-named members and PHI leave the draft here and nowhere later. Scrubbing signed bytes
 * breaks their signature (field lesson 28), so nothing downstream of the signature rewrites text.
 *
 * Only values are scrubbed, never member names: names come from our schema and code, and a record
 * whose names changed would no longer match it. Data therefore never becomes a member name (a set
 * of hosts is an array of objects with a `hostname`, not an object keyed by hostname).
 * @module
 */
import type { SecretRegistry } from "../log/secrets.ts";
import { redactPhi, type PhiKind } from "./scrub-phi.ts";
import { formatPath, type Step } from "./json-path.ts";

/** Why a value was changed. */
export type RedactionKind = "secret" | "secret_field" | PhiKind;

/** One changed value: where it is (a JSON path such as `$.scan.checks[2].actual`) and why. Never the value. */
export interface Redaction {
  path: string;
  kind: RedactionKind;
}

export interface ScrubOptions {
  /** Secret values alive in the process; every occurrence in a string becomes `[redacted]`. */
  secrets: SecretRegistry;
  /** Also replace PHI (SSN, phone, e-mail, card, labelled DOB and MRN) in strings. */
  phi?: boolean;
  /** Key of the HMAC that makes PHI tags; without it tags are plain sha256 (guessable). */
  phiTagKey?: Uint8Array;
}

const REDACTED = "[redacted]";
/** As canonicalize's limit: deeper input is refused there anyway. */
const MAX_DEPTH = 1000;

/**
 * A deep copy of the draft `value` with secrets and PHI replaced, and the list of what changed.
 * `value` is never mutated. It must be JSON data (plain objects, arrays, strings, numbers,
 * booleans, null; `undefined` is copied as is and left for the canonicalizer to refuse); other
 * objects, functions, bigints and cycles throw `TypeError`, nesting beyond 1000 `RangeError`.
 *
 * In order, for each value:
 * 1. A member whose name is secret (see {@linkcode isSecretName}) becomes `"[redacted]"` whatever
 *    it holds, unless it holds `null`, `undefined` or a boolean, which cannot carry a secret
 *    (`has_password: true` keeps its meaning).
 * 2. Every registered secret value in a string becomes `[redacted]` (also its JSON-escaped forms).
 * 3. With `phi` (the default), PHI in a string becomes `[TAG-REDACTED-<8 hex>]`, where the hex is
 *    the first 8 of sha256 of the original text, so equal values stay correlatable.
 *
 * Numbers and booleans are only ever changed by rule 1. What counts as PHI, and what does not
 * (addresses, versions, hashes, timestamps, plain numbers), is in `scrub-phi.ts`. `redactions`
 * lists each path once per kind, in document order. The copy is typed as `T`, but a redacted
 * secret-named member is the string `"[redacted]"` whatever type `T` gives it.
 *
 * @example
 * scrubEvidence({ actual: "called 555-123-4567", sudo_password: "x" }, { secrets }).value;
 * // { actual: "called [PHONE-REDACTED-d36e8308]", sudo_password: "[redacted]" }
 */
export function scrubEvidence<T>(value: T, { secrets, phi = true, phiTagKey }: ScrubOptions): { value: T; redactions: Redaction[] } {
  const scrubber: Scrubber = {
    secrets,
    // One pass over all strings at once decides whether any string needs the per-string search.
    redactSecrets: secrets.size > 0 && containsSecret(value, secrets),
    phi,
    phiTagKey,
    onPhi: (kind) => record(scrubber, kind),
    path: [],
    ancestors: [],
    redactions: [],
  };
  return { value: copy(scrubber, value) as T, redactions: scrubber.redactions };
}

/**
 * Whether any string in `value` (member names, string values, numbers as JSON writes them)
 * contains a registered secret in any form `secrets.redact` would replace. For tests and
 * assertions, e.g. `expect(containsSecret(record, secrets)).toBe(false)`. Cycles are not followed.
 */
export function containsSecret(value: unknown, secrets: SecretRegistry): boolean {
  if (secrets.size === 0) return false;
  const texts: string[] = [];
  collectTexts(value, texts, []);
  // U+0000 joins: a match across two strings would need a secret holding U+0000, and would only
  // err towards "contains".
  const joined = texts.join("\u0000");
  return secrets.redact(joined) !== joined;
}

// ---------------------------------------------------------------------------------------------
// Secret-named members

/**
 * Names whose value is a secret, after normalising (camelCase and `-` to snake_case, lower case).
 * A name is secret when it is one of these or ends in `_` plus one of these (`sudo_password`,
 * `refresh_token`, `x_api_key`). Deliberately narrower than the logger's `SECRET_FIELD`: evidence
 * is about passwords and keys, so `password_min_length`, `password_policy`, `credential_type`,
 * `api_key_rotated`, `public_key` and `permit_empty_passwords` keep their values.
 */
const SECRET_NAMES = [
  "password", "passwd", "passphrase", "secret", "token", "api_key", "apikey", "private_key",
  "authorization", "credential", "credentials", "client_secret", "access_key", "secret_key", "session_key",
];
const SECRET_NAME = new RegExp(`(?:^|_)(?:${SECRET_NAMES.join("|")})$`);
const nameCache = new Map<string, boolean>();
/** Names come from our code, so few are distinct; the bound only guards against data as names. */
const NAME_CACHE_LIMIT = 4096;

/** Whether a member named `name` holds a secret (see `SECRET_NAMES`). */
export function isSecretName(name: string): boolean {
  let secret = nameCache.get(name);
  if (secret === undefined) {
    const snake = name
      .replace(/([a-z\d])([A-Z])/g, "$1_$2") // sudoPassword → sudo_Password
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2") // APIKey → API_Key
      .replace(/[-\s.]+/g, "_")
      .toLowerCase();
    secret = SECRET_NAME.test(snake);
    if (nameCache.size < NAME_CACHE_LIMIT) nameCache.set(name, secret);
  }
  return secret;
}

// ---------------------------------------------------------------------------------------------
// The walk


interface Scrubber {
  secrets: SecretRegistry;
  redactSecrets: boolean;
  phi: boolean;
  phiTagKey?: Uint8Array;
  /** Records a PHI kind at the current path (one closure per call, not per string). */
  onPhi: (kind: PhiKind) => void;
  /** Steps from the root to the current value, pushed and popped on the way down. */
  path: Step[];
  ancestors: object[];
  redactions: Redaction[];
}

function copy(s: Scrubber, value: unknown): unknown {
  switch (typeof value) {
    case "string":
      return scrubString(s, value);
    case "number":
    case "boolean":
    case "undefined":
      return value;
    case "object": {
      if (value === null) return null;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Array.prototype) return copyArray(s, value as unknown[]);
      if (proto === Object.prototype || proto === null) return copyObject(s, value as Record<string, unknown>, proto);
      throw new TypeError(failure(s.path, `${describe(proto)} is not JSON data`));
    }
    default: // function, symbol, bigint
      throw new TypeError(failure(s.path, `${typeof value} is not JSON data`));
  }
}

function copyArray(s: Scrubber, array: readonly unknown[]): unknown[] {
  enter(s, array);
  const out = new Array<unknown>(array.length);
  for (let i = 0; i < array.length; i++) {
    s.path.push(i);
    out[i] = copy(s, array[i]);
    s.path.pop();
  }
  s.ancestors.pop();
  return out;
}

function copyObject(s: Scrubber, object: Record<string, unknown>, proto: unknown): Record<string, unknown> {
  enter(s, object);
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const name of Object.keys(object)) {
    const member = object[name];
    s.path.push(name);
    let scrubbed: unknown;
    if (isSecretName(name) && member !== null && member !== undefined && typeof member !== "boolean") {
      scrubbed = REDACTED;
      record(s, "secret_field");
    } else {
      scrubbed = copy(s, member);
    }
    s.path.pop();
    // Plain assignment of "__proto__" would set the copy's prototype instead of a member.
    if (name === "__proto__") Object.defineProperty(out, name, { value: scrubbed, enumerable: true, writable: true, configurable: true });
    else out[name] = scrubbed;
  }
  s.ancestors.pop();
  return out;
}

function enter(s: Scrubber, container: object): void {
  if (s.ancestors.includes(container)) throw new TypeError(failure(s.path, "value contains itself (a cycle)"));
  if (s.ancestors.length >= MAX_DEPTH) throw new RangeError(failure(s.path, `nesting deeper than ${MAX_DEPTH}`));
  s.ancestors.push(container);
}

function scrubString(s: Scrubber, text: string): string {
  let out = text;
  // Secrets first: a PHI tag placed inside a secret would leave the rest of it readable.
  if (s.redactSecrets) {
    const redacted = s.secrets.redact(out);
    if (redacted !== out) {
      out = redacted;
      record(s, "secret");
    }
  }
  if (!s.phi) return out;
  return redactPhi(out, s.onPhi, s.phiTagKey);
}

function record(s: Scrubber, kind: RedactionKind): void {
  s.redactions.push({ path: formatPath(s.path), kind });
}

function failure(path: readonly Step[], problem: string): string {
  return `Cannot scrub ${formatPath(path)}: ${problem}`;
}


function describe(proto: unknown): string {
  const name: unknown = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === "string" && name ? `${name} object` : "object with a custom prototype";
}

/** Every member name, string and number under `value`, for `containsSecret`. Lenient: never throws. */
function collectTexts(value: unknown, out: string[], ancestors: object[]): void {
  switch (typeof value) {
    case "string":
      out.push(value);
      return;
    case "number":
    case "bigint":
      out.push(String(value));
      return;
    case "object": {
      if (value === null || ancestors.includes(value) || ancestors.length >= MAX_DEPTH) return;
      ancestors.push(value);
      if (Array.isArray(value)) {
        for (const item of value) collectTexts(item, out, ancestors);
      } else {
        for (const name of Object.keys(value)) {
          out.push(name);
          collectTexts((value as Record<string, unknown>)[name], out, ancestors);
        }
      }
      ancestors.pop();
      return;
    }
    default:
      return;
  }
}

/**
 * The one error the config module throws: a config the agent must not start with.
 * @module
 */

/** Options for {@link ConfigError}. */
export interface ConfigErrorOptions {
  /** The config key or environment variable at fault, when one is. */
  key?: string;
  /** The underlying error, e.g. the OS error of a failed read. */
  cause?: unknown;
  /** What was being done; starts the message. */
  action?: "Invalid config" | "Cannot read config" | "Cannot rewrite config";
}

/**
 * A config file that cannot be used, with the file, the key and the reason kept apart so the
 * CLI and the status page can show them. The message never contains a secret value.
 *
 * @example
 * new ConfigError("/etc/msp/config.yaml", 'missing required key "site_id"', { key: "site_id" })
 *   .message; // 'Invalid config "/etc/msp/config.yaml": missing required key "site_id"'
 */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly file: string;
  readonly key?: string;
  readonly reason: string;

  constructor(file: string, reason: string, { key, cause, action = "Invalid config" }: ConfigErrorOptions = {}) {
    super(`${action} "${file}": ${reason}`, cause === undefined ? undefined : { cause });
    this.file = file;
    this.reason = reason;
    if (key !== undefined) this.key = key;
  }
}

/** Keys whose values are never shown: the API key and anything that looks like a credential. */
export const SECRET_KEY = /(^|_)key$|secret|pass(word|wd|phrase)?|token|credential/i;

/**
 * How a value found under `key` is described in a message: quoted when short and not secret,
 * otherwise by its type only, so an error about `api_key` cannot leak the key.
 */
export function describeFound(key: string, value: unknown, { secret = SECRET_KEY.test(key) } = {}): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (value === "") return "an empty string";
  if (secret) return `a value of type ${typeof value}`;
  if (typeof value === "string") {
    // Long values are cut: the point is to recognise the value, not to echo a paragraph.
    return JSON.stringify(value.length > 100 ? `${value.slice(0, 97)}...` : value);
  }
  return String(value);
}

/**
 * Turns the parsed YAML of a config file (plus environment overrides) into a `Config`, or a
 * `ConfigError` that names the file, the key and what was wrong.
 * @module
 */
import type { EnvOverride } from "./env.ts";
import { ConfigError, describeFound } from "./errors.ts";
import { LEGACY_KEYS, legacyKeyWarning } from "./legacy-keys.ts";
import { CONFIG_KEYS, type Config, type ConfigKey, configFileSchema, expectedFor, REQUIRED_KEYS } from "./schema.ts";
import { closest } from "./suggest.ts";

/** A valid config and the warnings to log about it. */
export interface LoadedConfig {
  config: Config;
  /** Human-readable notes, e.g. ignored previous-generation keys; never contain a secret. */
  warnings: string[];
}

const isConfigKey = (k: string): k is ConfigKey => (CONFIG_KEYS as readonly string[]).includes(k);

/**
 * Checks `document` (the YAML as plain data) read from `file`; `overrides` replace file values.
 * Throws `ConfigError` at the first problem: unknown keys first, in file order, then the schema.
 */
export function validateConfig(
  document: unknown,
  file: string,
  { overrides = [] }: { overrides?: readonly EnvOverride[] } = {},
): LoadedConfig {
  if (document === null || document === undefined) {
    throw new ConfigError(file, 'the file is empty, expected a mapping with at least "site_id" and "api_key"');
  }
  if (typeof document !== "object" || Array.isArray(document)) {
    // Type only: a file holding nothing but a pasted API key must not echo it.
    const found = describeFound("", document, { secret: true });
    throw new ConfigError(file, `the top level must be a mapping of keys to values, found ${found}`);
  }

  const input: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (isConfigKey(key)) {
      // `key:` with nothing after it means "not set", except where a value is required.
      if (value !== null || REQUIRED_KEYS.includes(key)) input[key] = value;
    } else if (LEGACY_KEYS.has(key)) {
      warnings.push(legacyKeyWarning(file, key));
    } else {
      const suggestion = closest(key, CONFIG_KEYS);
      const hint = suggestion === undefined ? "" : `, did you mean "${suggestion}"?`;
      throw new ConfigError(file, `unknown key "${key}"${hint}`, { key });
    }
  }
  const fromEnv = new Map<string, EnvOverride>();
  for (const o of overrides) {
    input[o.key] = o.value;
    fromEnv.set(o.key, o);
  }

  const result = configFileSchema.safeParse(input);
  if (result.success) return { config: { file, ...result.data }, warnings };

  const issue = result.error.issues[0]!;
  const key = String(issue.path[0] ?? "");
  const env = fromEnv.get(key);
  if (issue.code === "custom" && issue.params?.crossKey === true) {
    throw new ConfigError(file, issue.message, { key });
  }
  if (!isConfigKey(key)) throw new ConfigError(file, issue.message); // not reached: every issue has a key
  const expected = expectedFor(key);
  if (env !== undefined) {
    const found = describeFound(key, env.text);
    throw new ConfigError(file, `environment variable ${env.name} must be ${expected}, found ${found}`, {
      key: env.name,
    });
  }
  if (input[key] === undefined && REQUIRED_KEYS.includes(key)) {
    throw new ConfigError(file, `missing required key "${key}"`, { key });
  }
  // An issue inside a list quotes the item at fault and its position: `found "ntp:0" as item 2`.
  const value = input[key];
  const item = issue.path[1];
  const found =
    typeof item === "number" && Array.isArray(value)
      ? `${describeFound(key, value[item])} as item ${item + 1}`
      : describeFound(key, value);
  throw new ConfigError(file, `key "${key}" must be ${expected}, found ${found}`, { key });
}

/**
 * Reads `config.yaml` from disk, applies environment overrides and validates the result.
 * @module
 */
import { resolve } from "node:path";
import { readEnvOverrides } from "./env.ts";
import { type LoadedConfig, validateConfig } from "./validate.ts";
import { readYamlDocument } from "./yaml-file.ts";

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Where the variables of `ENV_OVERRIDES` are read from. */
  env?: Record<string, string | undefined>;
}

/**
 * Loads and validates the config file at `path`. Throws `ConfigError` naming the file (and the
 * key, line or OS reason) when the agent must not start with it. Warnings are returned for the
 * caller to log: this module prints nothing.
 *
 * @example
 * const { config, warnings } = loadConfig("/var/lib/msp/config.yaml");
 * for (const w of warnings) log.warn(w);
 */
export function loadConfig(path: string, { env = process.env }: LoadConfigOptions = {}): LoadedConfig {
  const file = resolve(path);
  return validateConfig(readYamlDocument(file).toJS(), file, { overrides: readEnvOverrides(env) });
}

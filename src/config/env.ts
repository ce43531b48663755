/**
 * Environment variables that override keys of the config file, e.g. `HEALING_DRY_RUN=1` from a
 * systemd drop-in. They are applied after the file and checked by the same schema.
 * @module
 */
import type { ConfigKey } from "./schema.ts";

/** Each supported environment variable and the config key it overrides; the docs are generated from this. */
export const ENV_OVERRIDES = {
  STATE_DIR: "state_dir",
  LOG_LEVEL: "log_level",
  HEALING_DRY_RUN: "healing_dry_run",
  HEALING_ENABLED: "healing_enabled",
  L2_ENABLED: "l2_enabled",
  API_ENDPOINT: "api_endpoint",
  POLL_INTERVAL: "poll_interval",
} as const satisfies Record<string, ConfigKey>;

/** One override found in the environment: its variable, the key, its text and the value to check. */
export interface EnvOverride {
  name: keyof typeof ENV_OVERRIDES;
  key: ConfigKey;
  text: string;
  value: unknown;
}

/**
 * The overrides set in `env`, with their text turned into the type the key takes. Text that does
 * not convert is passed on as is, so the schema rejects it with the usual message. An empty
 * variable counts as unset, the way shells and unit files commonly "clear" one.
 */
export function readEnvOverrides(env: Record<string, string | undefined>): EnvOverride[] {
  const found: EnvOverride[] = [];
  for (const [name, key] of Object.entries(ENV_OVERRIDES) as [keyof typeof ENV_OVERRIDES, ConfigKey][]) {
    const text = env[name]?.trim();
    if (text === undefined || text === "") continue;
    found.push({ name, key, text, value: fromText(key, text) });
  }
  return found;
}

function fromText(key: ConfigKey, text: string): unknown {
  switch (key) {
    case "poll_interval":
      return /^\d+$/.test(text) ? Number(text) : text;
    case "healing_dry_run":
    case "healing_enabled":
    case "l2_enabled":
      // 1 and 0 are the shell's booleans; "true"/"false" (any case) are left to the schema.
      return text === "1" ? true : text === "0" ? false : text;
    default:
      return text;
  }
}

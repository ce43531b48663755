import { describe, expect, test } from "bun:test";
import { ENV_OVERRIDES } from "./env.ts";
import { ConfigError } from "./errors.ts";
import { loadConfig } from "./load.ts";
import { tempDirForTest } from "./test-support.ts";

const FILE = `site_id: clinic-42
api_key: key-0123456789
state_dir: /var/lib/msp
log_level: info
healing_dry_run: true
poll_interval: 60
`;

function loadWith(env: Record<string, string | undefined>) {
  using dir = tempDirForTest();
  return loadConfig(dir.write("config.yaml", FILE), { env });
}

function failWith(env: Record<string, string | undefined>): { file: string; err: unknown } {
  using dir = tempDirForTest();
  const file = dir.write("config.yaml", FILE);
  try {
    loadConfig(file, { env });
  } catch (err) {
    return { file, err };
  }
  throw new Error("loadConfig did not throw");
}

describe("ENV_OVERRIDES", () => {
  test("lists each variable and the key it overrides", () => {
    expect(ENV_OVERRIDES).toEqual({
      STATE_DIR: "state_dir",
      LOG_LEVEL: "log_level",
      HEALING_DRY_RUN: "healing_dry_run",
      HEALING_ENABLED: "healing_enabled",
      L2_ENABLED: "l2_enabled",
      API_ENDPOINT: "api_endpoint",
      POLL_INTERVAL: "poll_interval",
    });
  });
});

describe("loadConfig with environment overrides", () => {
  test("replaces the file's values", () => {
    const { config } = loadWith({
      STATE_DIR: "/data/msp",
      LOG_LEVEL: "warning",
      HEALING_DRY_RUN: "0",
      HEALING_ENABLED: "false",
      L2_ENABLED: "1",
      API_ENDPOINT: "http://127.0.0.1:8000/",
      POLL_INTERVAL: "15",
    });
    expect(config).toMatchObject({
      stateDir: "/data/msp",
      logLevel: "warn",
      healingDryRun: false,
      healingEnabled: false,
      l2Enabled: true,
      apiEndpoint: "http://127.0.0.1:8000",
      pollIntervalSeconds: 15,
    });
  });

  test("ignores unrelated and empty variables", () => {
    const { config } = loadWith({ SITE_ID: "other", LOG_LEVEL: "", POLL_INTERVAL: undefined });
    expect(config).toMatchObject({ siteId: "clinic-42", logLevel: "info", pollIntervalSeconds: 60 });
  });

  // [variable, value, reason after 'Invalid config "<file>": ']
  test.each([
    ["POLL_INTERVAL", "abc", 'environment variable POLL_INTERVAL must be an integer from 10 to 3600, found "abc"'],
    ["POLL_INTERVAL", "5", 'environment variable POLL_INTERVAL must be an integer from 10 to 3600, found "5"'],
    ["HEALING_DRY_RUN", "maybe", 'environment variable HEALING_DRY_RUN must be true or false, found "maybe"'],
    ["LOG_LEVEL", "loud", 'environment variable LOG_LEVEL must be one of "debug", "info", "warn", "error", found "loud"'],
    ["STATE_DIR", "relative/dir", 'environment variable STATE_DIR must be an absolute path, found "relative/dir"'],
    ["API_ENDPOINT", "cc.example.net", 'environment variable API_ENDPOINT must be an http:// or https:// URL, found "cc.example.net"'],
  ])("rejects %s=%p, naming the variable", (name, value, reason) => {
    const { file, err } = failWith({ [name]: value });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`Invalid config "${file}": ${reason}`);
    expect((err as ConfigError).key).toBe(name);
  });
});

import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./errors.ts";
import { loadConfig } from "./load.ts";
import { rewriteConfigValue } from "./rewrite.ts";
import { tempDirForTest } from "./test-support.ts";

const ORIGINAL = `# OsirisCare appliance config
site_id: clinic-42
api_key: old-key-0123456789 # rotated by Central Command
poll_interval: 60

# nested block from the previous generation; must stay as it is
config:
  api_key: old-key-0123456789
  site_id: clinic-42
healing_dry_run: true
`;

function errorOf(fn: () => void): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("did not throw");
}

describe("rewriteConfigValue", () => {
  test("replaces the top-level key only and keeps comments, order, the nested block and the mode", () => {
    using dir = tempDirForTest();
    const file = dir.write("config.yaml", ORIGINAL);
    chmodSync(file, 0o640);

    rewriteConfigValue(file, "api_key", "new-key-abcdef9876543210");

    expect(readFileSync(file, "utf8")).toBe(
      ORIGINAL.replace(
        "api_key: old-key-0123456789 # rotated",
        "api_key: new-key-abcdef9876543210 # rotated",
      ),
    );
    expect(statSync(file).mode & 0o7777).toBe(0o640);
    expect(dir.list()).toEqual(["config.yaml"]);
    const { config } = loadConfig(file, { env: {} });
    expect(config.apiKey).toBe("new-key-abcdef9876543210");
  });

  test("keeps a value that looks like another type a string", () => {
    using dir = tempDirForTest();
    const file = dir.write("config.yaml", ORIGINAL);
    rewriteConfigValue(file, "api_key", "12345");
    expect(loadConfig(file, { env: {} }).config.apiKey).toBe("12345");
  });

  test("adds a key the file does not have at the end", () => {
    using dir = tempDirForTest();
    const file = dir.write("config.yaml", ORIGINAL);
    rewriteConfigValue(file, "log_level", "debug");
    expect(readFileSync(file, "utf8")).toBe(`${ORIGINAL}log_level: debug\n`);
  });

  test("rewrites the target of a symlink and keeps the link", () => {
    using dir = tempDirForTest();
    const target = dir.write("real.yaml", ORIGINAL);
    const link = join(dir.path, "config.yaml");
    symlinkSync(target, link);
    rewriteConfigValue(link, "api_key", "new-key-abcdef9876543210");
    expect(loadConfig(link, { env: {} }).config.apiKey).toBe("new-key-abcdef9876543210");
    expect(dir.list()).toEqual(["config.yaml", "real.yaml"]);
  });

  // [what, key, value, reason after 'Cannot rewrite config "<file>": ']
  test.each([
    ["an unknown key", "api_kye", "x", 'unknown key "api_kye"'],
    ["an empty api_key (value never shown)", "api_key", "", 'key "api_key" must be a non-empty string, found an empty string'],
    ["a string for a number", "poll_interval", "120", 'key "poll_interval" must be an integer from 10 to 3600, found "120"'],
  ])("refuses %s and leaves the file alone", (_what, key, value, reason) => {
    using dir = tempDirForTest();
    const file = dir.write("config.yaml", ORIGINAL);
    const err = errorOf(() => rewriteConfigValue(file, key, value));
    expect(err.message).toBe(`Cannot rewrite config "${file}": ${reason}`);
    expect(err.key).toBe(key);
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL);
    expect(dir.list()).toEqual(["config.yaml"]);
  });

  test("refuses a file that is not valid YAML and leaves it alone", () => {
    using dir = tempDirForTest();
    const broken = "site_id: a\napi_key: b\nx: [1,\n";
    const file = dir.write("config.yaml", broken);
    const err = errorOf(() => rewriteConfigValue(file, "api_key", "new-key"));
    expect(err.message).toStartWith(`Invalid config "${file}": invalid YAML at line 4`);
    expect(readFileSync(file, "utf8")).toBe(broken);
    expect(dir.list()).toEqual(["config.yaml"]);
  });

  test("refuses a file whose top level is not a mapping", () => {
    using dir = tempDirForTest();
    const file = dir.write("config.yaml", "- a\n");
    const err = errorOf(() => rewriteConfigValue(file, "api_key", "new-key"));
    expect(err.message).toBe(`Cannot rewrite config "${file}": the top level is not a mapping of keys to values`);
    expect(dir.list()).toEqual(["config.yaml"]);
  });

  test("names the OS reason for a missing file", () => {
    using dir = tempDirForTest();
    const file = join(dir.path, "missing.yaml");
    expect(() => rewriteConfigValue(file, "api_key", "new-key")).toThrow(
      new ConfigError(file, "no such file or directory (ENOENT)", { action: "Cannot read config" }),
    );
  });
});

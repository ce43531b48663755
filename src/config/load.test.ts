import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigError } from "./errors.ts";
import { LEGACY_KEYS } from "./legacy-keys.ts";
import { loadConfig } from "./load.ts";
import { tempDirForTest } from "./test-support.ts";

const PIN = "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789";
const MINIMAL = "site_id: clinic-42\napi_key: key-0123456789\n";
const NTP_MUST = `key "ntp_servers" must be a list of at most 8 different "host" or "host:port" strings, with a port from 1 to 65535 (123 when left out) and an IPv6 address in brackets`;

/** Loads `text` from a real file, with no environment, and returns what happened. */
function load(text: string) {
  using dir = tempDirForTest();
  const file = dir.write("config.yaml", text);
  return { file, ...loadConfig(file, { env: {} }) };
}

/** The ConfigError that loading `text` throws, with the file it was loaded from. */
function failure(text: string): { file: string; err: ConfigError } {
  using dir = tempDirForTest();
  const file = dir.write("config.yaml", text);
  try {
    loadConfig(file, { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return { file, err };
    throw err;
  }
  throw new Error("loadConfig did not throw");
}

describe("loadConfig", () => {
  test("reads every key of a full config", () => {
    const { file, config, warnings } = load(`# written by the installer
site_id: clinic-42
api_key: key-0123456789
api_endpoint: https://cc.example.net/
state_dir: /srv/msp
poll_interval: 120
log_level: warning
tls_pin_hash: ${PIN}
healing_enabled: false
healing_dry_run: false
maintenance_window: "22:30-01:15"
allow_disruptive_outside_window: true
deployment_mode: reseller
reseller_id: partner-7
order_ttl: 600
ntp_max_skew_ms: 2000
ntp_servers:
  - ntp1.example.net
  - "192.0.2.10:1123"
  - "[2001:db8::123]"
evidence_retention: 500
prune_retention_days: 30
rmm_webhook_url: https://rmm.example.net/hook
syslog_target: logs.example.net:514
webhook_secret_file: /etc/msp/webhook.secret
status_port: 8081
sensor_port: 8082
metrics_port: 9100
l2_enabled: false
require_signed_rules: false
scan_interval_minutes: 30
drift_scan_interval_minutes: 10
ssh_max_concurrency: 8
ssh_max_connections: 100
`);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      file,
      siteId: "clinic-42",
      apiKey: "key-0123456789",
      apiEndpoint: "https://cc.example.net",
      stateDir: "/srv/msp",
      pollIntervalSeconds: 120,
      logLevel: "warn",
      tlsPinHash: PIN.toLowerCase(),
      healingEnabled: false,
      healingDryRun: false,
      maintenanceWindow: { start: "22:30", end: "01:15", startMinutes: 1350, endMinutes: 75 },
      allowDisruptiveOutsideWindow: true,
      deploymentMode: "reseller",
      resellerId: "partner-7",
      orderTtlSeconds: 600,
      ntpMaxSkewMs: 2000,
      ntpServers: [
        { host: "ntp1.example.net", port: 123 },
        { host: "192.0.2.10", port: 1123 },
        { host: "2001:db8::123", port: 123 },
      ],
      evidenceRetention: 500,
      pruneRetentionDays: 30,
      rmmWebhookUrl: "https://rmm.example.net/hook",
      syslogTarget: "logs.example.net:514",
      webhookSecretFile: "/etc/msp/webhook.secret",
      listeners: { status: 8081, sensor: 8082, metrics: 9100 },
      l2Enabled: false,
      requireSignedRules: false,
      scan: { intervalMinutes: 30, driftIntervalMinutes: 10, sshMaxConcurrency: 8, sshMaxConnections: 100 },
    });
  });

  test("fills every default from a minimal config", () => {
    const { file, config, warnings } = load(MINIMAL);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      file,
      siteId: "clinic-42",
      apiKey: "key-0123456789",
      apiEndpoint: "https://api.osiriscare.net",
      stateDir: "/var/lib/msp",
      pollIntervalSeconds: 60,
      logLevel: "info",
      healingEnabled: true,
      healingDryRun: true,
      maintenanceWindow: { start: "02:00", end: "04:00", startMinutes: 120, endMinutes: 240 },
      allowDisruptiveOutsideWindow: false,
      deploymentMode: "direct",
      orderTtlSeconds: 900,
      ntpMaxSkewMs: 5000,
      ntpServers: [],
      evidenceRetention: 200,
      pruneRetentionDays: 90,
      listeners: { status: 80, sensor: 8080 },
      l2Enabled: true,
      requireSignedRules: true,
      scan: { intervalMinutes: 15, driftIntervalMinutes: 5, sshMaxConcurrency: 32, sshMaxConnections: 512 },
    });
  });

  test("returns the absolute path of a relative file", () => {
    using dir = tempDirForTest();
    dir.write("config.yaml", MINIMAL);
    const cwd = process.cwd();
    process.chdir(dir.path);
    try {
      expect(loadConfig("config.yaml", { env: {} }).config.file).toBe(join(dir.path, "config.yaml"));
    } finally {
      process.chdir(cwd);
    }
  });

  test("reads YAML 1.1 booleans, a case-insensitive log level, an unquoted window and empty keys as unset", () => {
    const { config } = load(`${MINIMAL}healing_dry_run: no\nl2_enabled: On\nlog_level: DEBUG
tls_pin_hash: ""\nmetrics_port:\npoll_interval:\nmaintenance_window: 22:00-02:00\n`);
    expect(config.healingDryRun).toBe(false);
    expect(config.l2Enabled).toBe(true);
    expect(config.logLevel).toBe("debug");
    expect(config.tlsPinHash).toBeUndefined();
    expect(config.listeners).toEqual({ status: 80, sensor: 8080 });
    expect(config.pollIntervalSeconds).toBe(60);
    expect(config.maintenanceWindow.start).toBe("22:00");
  });

  test.each([
    ["an empty list", "ntp_servers: []", []],
    ["a key with nothing after it", "ntp_servers:", []],
    ["a flow list with ports and an IPv6 address", 'ntp_servers: [ntp.example.net, "10.0.0.1:11123", "[fd00::1]:123"]', [
      { host: "ntp.example.net", port: 123 },
      { host: "10.0.0.1", port: 11123 },
      { host: "fd00::1", port: 123 },
    ]],
    ["eight servers, spaces trimmed", `ntp_servers: [${[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `" ntp${n}.example.net "`).join(", ")}]`,
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ host: `ntp${n}.example.net`, port: 123 }))],
  ])("reads ntp_servers: %s", (_what, line, servers) => {
    expect(load(`${MINIMAL}${line}\n`).config.ntpServers).toEqual(servers);
  });

  test("accepts an http endpoint and a bracketed IPv6 syslog target", () => {
    const { config } = load(`${MINIMAL}api_endpoint: http://10.0.0.5:8000\nsyslog_target: "[fd00::1]:6514"\n`);
    expect(config.apiEndpoint).toBe("http://10.0.0.5:8000");
    expect(config.syslogTarget).toBe("[fd00::1]:6514");
  });
});

describe("loadConfig rejects a bad config", () => {
  // [what, file body, reason after 'Invalid config "<file>": ', key]
  test.each([
    ["unknown key with a near match", `${MINIMAL}poll_intervall: 60\n`, 'unknown key "poll_intervall", did you mean "poll_interval"?', "poll_intervall"],
    ["unknown key without a near match", `${MINIMAL}frobnicate: 1\n`, 'unknown key "frobnicate"', "frobnicate"],
    ["wrong type", `${MINIMAL}poll_interval: sixty\n`, 'key "poll_interval" must be an integer from 10 to 3600, found "sixty"', "poll_interval"],
    ["poll_interval below range", `${MINIMAL}poll_interval: 5\n`, 'key "poll_interval" must be an integer from 10 to 3600, found 5', "poll_interval"],
    ["poll_interval above range", `${MINIMAL}poll_interval: 3601\n`, 'key "poll_interval" must be an integer from 10 to 3600, found 3601', "poll_interval"],
    ["fractional poll_interval", `${MINIMAL}poll_interval: 60.5\n`, 'key "poll_interval" must be an integer from 10 to 3600, found 60.5', "poll_interval"],
    ["quoted number", `${MINIMAL}order_ttl: "900"\n`, 'key "order_ttl" must be an integer from 60 to 86400, found "900"', "order_ttl"],
    ["missing site_id", "api_key: key-0123456789\n", 'missing required key "site_id"', "site_id"],
    ["missing api_key", "site_id: clinic-42\n", 'missing required key "api_key"', "api_key"],
    ["empty site_id", 'site_id: ""\napi_key: k\n', 'key "site_id" must be a non-empty string, found an empty string', "site_id"],
    ["site_id without a value", "site_id:\napi_key: k\n", 'key "site_id" must be a non-empty string, found an empty value', "site_id"],
    ["a list for a string", "site_id: [a, b]\napi_key: k\n", 'key "site_id" must be a non-empty string, found a list', "site_id"],
    ["a bad boolean", `${MINIMAL}healing_dry_run: maybe\n`, 'key "healing_dry_run" must be true or false, found "maybe"', "healing_dry_run"],
    ["a number for a boolean", `${MINIMAL}healing_enabled: 1\n`, 'key "healing_enabled" must be true or false, found 1', "healing_enabled"],
    ["a bad log level", `${MINIMAL}log_level: verbose\n`, 'key "log_level" must be one of "debug", "info", "warn", "error", found "verbose"', "log_level"],
    ["an ftp endpoint", `${MINIMAL}api_endpoint: ftp://cc.example.net\n`, 'key "api_endpoint" must be an http:// or https:// URL, found "ftp://cc.example.net"', "api_endpoint"],
    ["a relative state_dir", `${MINIMAL}state_dir: msp\n`, 'key "state_dir" must be an absolute path, found "msp"', "state_dir"],
    ["a port out of range", `${MINIMAL}status_port: 70000\n`, 'key "status_port" must be an integer from 1 to 65535, found 70000', "status_port"],
    ["sensor_port on the default status port", `${MINIMAL}sensor_port: 80\n`, 'keys "status_port" and "sensor_port" are both 80: each listener needs its own port', "sensor_port"],
    ["metrics_port on the sensor port", `${MINIMAL}metrics_port: 8080\n`, 'keys "sensor_port" and "metrics_port" are both 8080: each listener needs its own port', "metrics_port"],
    ["reseller without reseller_id", `${MINIMAL}deployment_mode: reseller\n`, 'missing key "reseller_id": required when "deployment_mode" is "reseller"', "reseller_id"],
    ["an unknown deployment mode", `${MINIMAL}deployment_mode: partner\n`, 'key "deployment_mode" must be "reseller" or "direct", found "partner"', "deployment_mode"],
    ["an hour past 23", `${MINIMAL}maintenance_window: "25:00-02:00"\n`, 'key "maintenance_window" must be a 24-hour window "HH:MM-HH:MM" with different start and end, e.g. "22:00-02:00", found "25:00-02:00"', "maintenance_window"],
    ["an empty window", `${MINIMAL}maintenance_window: "03:00-03:00"\n`, 'key "maintenance_window" must be a 24-hour window "HH:MM-HH:MM" with different start and end, e.g. "22:00-02:00", found "03:00-03:00"', "maintenance_window"],
    ["a short tls_pin_hash", `${MINIMAL}tls_pin_hash: abc123\n`, 'key "tls_pin_hash" must be 64 hex digits (the SHA-256 of the server\'s public key), with no "sha256/" or "sha256:" prefix, found "abc123"', "tls_pin_hash"],
    ["a prefixed tls_pin_hash", `${MINIMAL}tls_pin_hash: sha256/${PIN}\n`, `key "tls_pin_hash" must be 64 hex digits (the SHA-256 of the server's public key), with no "sha256/" or "sha256:" prefix, found "sha256/${PIN}"`, "tls_pin_hash"],
    ["a tls_pin_hash with a plain-http endpoint", `${MINIMAL}api_endpoint: http://cc.example.net\ntls_pin_hash: ${PIN}\n`, 'key "tls_pin_hash" is set but "api_endpoint" is plain http: a pin needs an https endpoint', "tls_pin_hash"],
    ["a syslog target without a port", `${MINIMAL}syslog_target: logs.example.net\n`, 'key "syslog_target" must be "host:port" with a port from 1 to 65535, found "logs.example.net"', "syslog_target"],
    ["an ntp server with a bad port", `${MINIMAL}ntp_servers: [ntp.example.net, "ntp2.example.net:99999"]\n`, `${NTP_MUST}, found "ntp2.example.net:99999" as item 2`, "ntp_servers"],
    ["an ntp server with port 0", `${MINIMAL}ntp_servers: ["ntp.example.net:0"]\n`, `${NTP_MUST}, found "ntp.example.net:0" as item 1`, "ntp_servers"],
    ["an unbracketed IPv6 ntp server", `${MINIMAL}ntp_servers: ["2001:db8::1"]\n`, `${NTP_MUST}, found "2001:db8::1" as item 1`, "ntp_servers"],
    ["an ntp server given as a URL", `${MINIMAL}ntp_servers: ["ntp://ntp.example.net"]\n`, `${NTP_MUST}, found "ntp://ntp.example.net" as item 1`, "ntp_servers"],
    ["a number among the ntp servers", `${MINIMAL}ntp_servers: [ntp.example.net, 123]\n`, `${NTP_MUST}, found 123 as item 2`, "ntp_servers"],
    ["nine ntp servers", `${MINIMAL}ntp_servers: [${[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `ntp${n}.example.net`).join(", ")}]\n`, `${NTP_MUST}, found "ntp9.example.net" as item 9`, "ntp_servers"],
    ["a repeated ntp server", `${MINIMAL}ntp_servers: [ntp.example.net, NTP.example.net:123]\n`, `${NTP_MUST}, found "NTP.example.net:123" as item 2`, "ntp_servers"],
    ["one ntp server, not a list", `${MINIMAL}ntp_servers: ntp.example.net\n`, `${NTP_MUST}, found "ntp.example.net"`, "ntp_servers"],
    ["a mapping for ntp_servers", `${MINIMAL}ntp_servers: { host: ntp.example.net }\n`, `${NTP_MUST}, found a mapping`, "ntp_servers"],
    ["zero evidence_retention", `${MINIMAL}evidence_retention: 0\n`, 'key "evidence_retention" must be an integer of at least 1, found 0', "evidence_retention"],
    ["a relative webhook_secret_file (a secret-named key: value not shown)", `${MINIMAL}webhook_secret_file: hook.secret\n`, 'key "webhook_secret_file" must be an absolute path, found a value of type string', "webhook_secret_file"],
  ])("%s", (_what, text, reason, key) => {
    const { file, err } = failure(text);
    expect(err.message).toBe(`Invalid config "${file}": ${reason}`);
    expect({ name: err.name, file: err.file, key: err.key, reason: err.reason }).toEqual({
      name: "ConfigError",
      file,
      key,
      reason,
    });
  });

  test.each([
    ["a bad value", "site_id: a\napi_key: b\npoll_interval: [1,\n", 'invalid YAML at line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ["a duplicate key", "site_id: a\napi_key: b\nsite_id: c\n", "invalid YAML at line 3, column 1: Map keys must be unique"],
    ["two documents", "site_id: a\n---\napi_key: b\n", "invalid YAML at line 2, column 1: Source contains multiple documents; please use YAML.parseAllDocuments()"],
  ])("invalid YAML (%s) with its line", (_what, text, reason) => {
    const { file, err } = failure(text);
    expect(err.message).toBe(`Invalid config "${file}": ${reason}`);
  });

  test.each([
    ["a list", "- site_id: a\n", "the top level must be a mapping of keys to values, found a list"],
    ["a string", "just some text\n", "the top level must be a mapping of keys to values, found a value of type string"],
    ["nothing", "# only a comment\n", 'the file is empty, expected a mapping with at least "site_id" and "api_key"'],
  ])("a top level that is %s", (_what, text, reason) => {
    const { file, err } = failure(text);
    expect(err.message).toBe(`Invalid config "${file}": ${reason}`);
  });

  test("a missing file, naming the OS reason", () => {
    using dir = tempDirForTest();
    const file = join(dir.path, "missing.yaml");
    expect(() => loadConfig(file, { env: {} })).toThrow(
      `Cannot read config "${file}": no such file or directory (ENOENT)`,
    );
  });

  test("a directory instead of a file", () => {
    using dir = tempDirForTest();
    let err: unknown;
    try {
      loadConfig(dir.path, { env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(new RegExp(`^Cannot read config "${dir.path}": .*\\(EISDIR\\)$`));
    expect((err as ConfigError).cause).toMatchObject({ code: "EISDIR" });
  });
});

describe("loadConfig and previous-generation keys", () => {
  test.each([...LEGACY_KEYS])("%s gives one warning, not an error", (key) => {
    const { file, warnings } = load(`${MINIMAL}${key}: x\n`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toStartWith(`Ignoring key "${key}" in "${file}": `);
  });

  test("a whole old config loads, with a louder warning for each secret and no value quoted", () => {
    const { file, config, warnings } = load(`site_id: clinic-42
api_key: key-0123456789
grpc_port: 50051
dc_password: Planted-DC-Pass-1
worm_secret_key: Planted-Worm-Key-2
config:
  api_key: key-0123456789
  nested: { deep: true }
`);
    expect(config.siteId).toBe("clinic-42");
    expect(warnings).toEqual([
      `Ignoring key "grpc_port" in "${file}": only the previous generation of the appliance used it`,
      `Ignoring key "dc_password" in "${file}": only the previous generation of the appliance used it; it holds a secret in plain text, remove it from the file`,
      `Ignoring key "worm_secret_key" in "${file}": only the previous generation of the appliance used it; it holds a secret in plain text, remove it from the file`,
      `Ignoring key "config" in "${file}": only the previous generation of the appliance used it`,
    ]);
  });
});

describe("loadConfig never shows a secret", () => {
  const SECRET = "Planted-Secret-7f3a91";
  // Each file fails or warns in a place where a careless message would quote the secret.
  test.each([
    ["a wrong-typed api_key", `site_id: a\napi_key: [${SECRET}]\n`],
    ["a numeric api_key", `site_id: a\napi_key: 73919\n`],
    ["an unknown key beside it", `site_id: a\napi_key: ${SECRET}\npoll_intervall: 60\n`],
    ["a YAML error on its line", `site_id: a\napi_key: "${SECRET}\n`],
    ["a YAML error after it", `site_id: a\napi_key: ${SECRET}\nx: [1,\n`],
    ["a file that is only the key", `${SECRET}\n`],
    ["a bad secret-named key", `site_id: a\napi_key: k\nwebhook_secret_file: ${SECRET}\n`],
    ["a range error beside it", `site_id: a\napi_key: ${SECRET}\npoll_interval: 1\n`],
  ])("%s", (_what, text) => {
    const { err } = failure(text);
    const everything = JSON.stringify({ message: err.message, reason: err.reason, cause: String(err.cause) });
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain("73919");
  });

  test("in the warnings about legacy secrets", () => {
    const { warnings } = load(`${MINIMAL}dc_password: ${SECRET}\nworm_access_key: ${SECRET}\n`);
    expect(warnings).toHaveLength(2);
    expect(warnings.join("\n")).not.toContain(SECRET);
  });
});

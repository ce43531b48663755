/**
 * Generates `docs/configuration.md` from the config module, so the page cannot drift from the
 * code: keys, rules and overrides come from `src/config`, defaults and every quoted message from
 * running `loadConfig` on small files in a temp directory. Each hand-written claim the page makes
 * (a conditional key, how override text is read, which keys are not used yet) is checked against
 * the code while generating, and generation fails when one no longer holds.
 *
 * Usage: bun run scripts/gen-docs.ts [--check] [--out FILE]
 *   --check  exit 1, writing nothing, when FILE differs from what would be generated
 *   --out    the page to write or check (default docs/configuration.md)
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { configPath } from "../src/cli/args.ts";
import { exitCodeFor } from "../src/cli/errors.ts";
import { EXIT } from "../src/cli/exit-codes.ts";
import {
  CONFIG_KEYS,
  ConfigError,
  DEFAULT_API_ENDPOINT,
  ENV_OVERRIDES,
  LEGACY_KEYS,
  REQUIRED_KEYS,
  expectedFor,
  loadConfig,
  type Config,
  type ConfigKey,
} from "../src/config/index.ts";
import { jitteredInterval } from "../src/loop/backoff.ts";

const ROOT = join(import.meta.dir, "..");
const DEFAULT_OUT = join(ROOT, "docs", "configuration.md");

/** Where each key lands in the loaded `Config`: how defaults are read back from a real load. */
const VALUE_OF: Record<ConfigKey, (c: Config) => unknown> = {
  site_id: (c) => c.siteId,
  api_key: (c) => c.apiKey,
  api_endpoint: (c) => c.apiEndpoint,
  state_dir: (c) => c.stateDir,
  poll_interval: (c) => c.pollIntervalSeconds,
  log_level: (c) => c.logLevel,
  tls_pin_hash: (c) => c.tlsPinHash,
  healing_enabled: (c) => c.healingEnabled,
  healing_dry_run: (c) => c.healingDryRun,
  maintenance_window: (c) => `${c.maintenanceWindow.start}-${c.maintenanceWindow.end}`,
  allow_disruptive_outside_window: (c) => c.allowDisruptiveOutsideWindow,
  deployment_mode: (c) => c.deploymentMode,
  reseller_id: (c) => c.resellerId,
  order_ttl: (c) => c.orderTtlSeconds,
  ntp_max_skew_ms: (c) => c.ntpMaxSkewMs,
  ntp_servers: (c) => c.ntpServers.map(({ host, port }) => `${host.includes(":") ? `[${host}]` : host}:${port}`),
  evidence_retention: (c) => c.evidenceRetention,
  prune_retention_days: (c) => c.pruneRetentionDays,
  rmm_webhook_url: (c) => c.rmmWebhookUrl,
  syslog_target: (c) => c.syslogTarget,
  webhook_secret_file: (c) => c.webhookSecretFile,
  status_port: (c) => c.listeners.status,
  sensor_port: (c) => c.listeners.sensor,
  metrics_port: (c) => c.listeners.metrics,
  l2_enabled: (c) => c.l2Enabled,
  require_signed_rules: (c) => c.requireSignedRules,
  scan_interval_minutes: (c) => c.scan.intervalMinutes,
  drift_scan_interval_minutes: (c) => c.scan.driftIntervalMinutes,
  ssh_max_concurrency: (c) => c.scan.sshMaxConcurrency,
  ssh_max_connections: (c) => c.scan.sshMaxConnections,
};

/** What each key is for. The schema holds only the "must be" phrase, so this text lives here. */
const PURPOSE: Record<ConfigKey, string> = {
  site_id: "The site this appliance belongs to, as Central Command names it. Sent in every check-in and rekey request.",
  api_key:
    "The site's API key, sent to Central Command as a bearer token. A secret: messages and logs never show it. " +
    "The agent writes a new value into this file when Central Command rotates the key or after a rekey.",
  api_endpoint:
    "Base URL of Central Command; a trailing slash is dropped. The default is the previous generation's production " +
    "service. With plain `http://` to any host but the loopback address the agent logs a warning at start.",
  state_dir: "Where the database and the signing keys live; see [state-directory.md](state-directory.md).",
  poll_interval: "Seconds between check-ins. Each wait is varied by up to 10 % either way, so appliances do not call in step.",
  log_level: "The least severe log level written. Case is ignored and `warning` is read as `warn`.",
  tls_pin_hash:
    "When set, every call to Central Command must reach a server whose certificate carries this public key, on top " +
    "of the normal certificate check. Upper-case hex is accepted. When not set, no pin is checked.",
  healing_enabled:
    "Whether the agent may heal drift on managed machines. Central Command's `disable_healing` and `enable_healing` " +
    "orders override it until the next such order. A refused heal is recorded as a `rejected` action.",
  healing_dry_run:
    "When true, heals are planned and recorded (outcome `dry_run`) but not run. On by default, so a new appliance " +
    "changes nothing until someone decides otherwise.",
  maintenance_window:
    "Daily window, in local time, in which runbooks marked disruptive or for the maintenance window may run; it may " +
    "wrap past midnight. Outside it such a heal is recorded as `deferred`.",
  allow_disruptive_outside_window:
    "Whether runbooks marked disruptive may also run outside the maintenance window (runbooks that require the " +
    "window still wait for it).",
  deployment_mode: "Whether the site is served directly or through a reseller; every evidence record carries it.",
  reseller_id: "The reseller serving the site; every evidence record carries it.",
  order_ttl: "Seconds an order stays valid when Central Command signs only its creation time and no `expires_at`.",
  ntp_max_skew_ms: "How far, in milliseconds, this clock may differ from Central Command's `server_time` before a warning is logged.",
  ntp_servers:
    "NTP servers that the appliance's clock self-checks ask over SNTP; a port left out is 123. Their median offset is " +
    "held to `ntp_max_skew_ms`. When the list is empty no NTP query is made, and the clock offset comes from " +
    "Central Command's `server_time`.",
  evidence_retention: "Minimum number of evidence records kept, whatever their age.",
  prune_retention_days:
    "Age in days after which records Central Command has accepted may be pruned, once a day (the `evidence_retention` " +
    "newest, records not yet accepted, refused records and the newest success of each check are kept regardless).",
  rmm_webhook_url: "Webhook that notifications are sent to (the site's RMM or the reseller).",
  syslog_target: "An RFC 5424 syslog receiver that events are copied to.",
  webhook_secret_file: "File holding the secret that signs webhook notifications.",
  status_port: "Port of the local status page; metrics are served here too when `metrics_port` is not set.",
  sensor_port: "Port on which sensors on managed machines report to the appliance.",
  metrics_port: "A separate port for metrics.",
  l2_enabled: "Whether the agent may ask Central Command for an L2 plan when no L1 rule matches.",
  require_signed_rules: "Whether rules received from Central Command must carry a valid signature.",
  scan_interval_minutes:
    "Minutes between scans of each Linux target Central Command lists. A target whose last scan found drift is " +
    "scanned again sooner (see `drift_scan_interval_minutes`).",
  drift_scan_interval_minutes:
    "Minutes between scans of a target while its last scan found drift (a failed check); never longer than " +
    "`scan_interval_minutes`.",
  ssh_max_concurrency: "Most Linux targets scanned at the same time.",
  ssh_max_connections:
    "Most SSH connections kept open between scans; beyond it the least recently used connection is closed.",
};

/**
 * Keys this version checks but does not act on, with the `Config` field that would show a use and
 * the files that may mention it today (the start-up log line). A mention anywhere else fails
 * generation, so the page cannot keep calling a key unused after a feature starts reading it.
 */
const NOT_USED_YET: Partial<Record<ConfigKey, { field: string; mentionedIn?: string[] }>> = {
  rmm_webhook_url: { field: "rmmWebhookUrl" },
  syslog_target: { field: "syslogTarget" },
  webhook_secret_file: { field: "webhookSecretFile" },
  status_port: { field: "listeners" },
  sensor_port: { field: "listeners" },
  metrics_port: { field: "listeners" },
  l2_enabled: { field: "l2Enabled" },
  require_signed_rules: { field: "requireSignedRules" },
};

/** Keys that become required when another key has a value; each is proved by a real load below. */
const REQUIRED_WHEN: Partial<Record<ConfigKey, { key: ConfigKey; value: string }>> = {
  reseller_id: { key: "deployment_mode", value: "reseller" },
};

/** The smallest file the agent starts with. */
const MINIMAL = 'site_id: clinic-example\napi_key: "REPLACE-WITH-THE-SITE-API-KEY"\n';

/**
 * Bad inputs whose real messages the page quotes: a whole file, or lines added to the smallest
 * file (`add`), or an environment variable set beside it.
 */
const ERROR_CASES: { what: string; text?: string; add?: string; env?: Record<string, string> }[] = [
  { what: "The file does not exist or cannot be read" },
  { what: "The file is empty", text: "" },
  { what: "The file is a list, not a mapping of keys to values", text: "- site_id\n- api_key\n" },
  { what: "The YAML does not parse", add: "healing_enabled: [yes" },
  { what: "A required key is missing", text: 'api_key: "REPLACE-WITH-THE-SITE-API-KEY"\n' },
  { what: "A key is misspelt", add: "poll_intervall: 60" },
  { what: "A value has the wrong type", add: "poll_interval: sixty" },
  { what: "A value is out of range", add: "poll_interval: 5" },
  { what: "A maintenance window is not in 24-hour time", add: 'maintenance_window: "25:00-02:00"' },
  { what: "A pin is written with a prefix", add: `tls_pin_hash: "sha256/${"ab".repeat(32)}"` },
  { what: "A key whose name marks a secret has the wrong type (only the type is shown)", text: "site_id: clinic-example\napi_key: 12345678\n" },
  { what: "Two listeners share a port", add: "status_port: 8080" },
  { what: "A reseller site names no reseller", add: "deployment_mode: reseller" },
  { what: "An environment override is wrong", text: MINIMAL, env: { POLL_INTERVAL: "often" } },
];

/** Loads config files from one temp path and reports them as if they were at the default path. */
class Probe implements Disposable {
  readonly dir = mkdtempSync(join(tmpdir(), "gen-docs-"));
  readonly file = join(this.dir, "config.yaml");
  constructor(readonly shownAs: string) {}

  /** Loads `text` (or no file at all when `text` is undefined) with exactly `env`. */
  load(text: string | undefined, env: Record<string, string> = {}) {
    rmSync(this.file, { force: true });
    if (text !== undefined) writeFileSync(this.file, text, { mode: 0o600 });
    return loadConfig(this.file, { env });
  }

  /** The `ConfigError` that loading `text` must throw: its key and message, the temp path replaced. */
  failure(text: string | undefined, env: Record<string, string> = {}): { key?: string; message: string } {
    try {
      this.load(text, env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return { ...(err.key !== undefined ? { key: err.key } : {}), message: err.message.replaceAll(this.file, this.shownAs) };
    }
    throw new Error(`gen-docs: expected a ConfigError for ${JSON.stringify(text)} ${JSON.stringify(env)}, but it loaded`);
  }

  [Symbol.dispose]() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function check(condition: boolean, claim: string): void {
  if (!condition) throw new Error(`gen-docs: the page would claim "${claim}", but the code no longer does that`);
}

const code = (s: string) => `\`${s}\``;
const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
const withoutFile = ({ file: _, ...rest }: Config) => rest;

/** Default of every key, read from a minimal load and proved by writing it back explicitly. */
function defaults(probe: Probe): Map<ConfigKey, unknown> {
  const base = probe.load(MINIMAL).config;
  const out = new Map<ConfigKey, unknown>();
  for (const key of CONFIG_KEYS) {
    if (REQUIRED_KEYS.includes(key)) continue;
    const value = VALUE_OF[key](base);
    out.set(key, value);
    if (value === undefined) continue;
    // Written out, the default must give exactly the config that leaving the key out gives.
    const explicit = probe.load(`${MINIMAL}${key}: ${JSON.stringify(value)}\n`).config;
    check(isDeepStrictEqual(withoutFile(explicit), withoutFile(base)), `${key} defaults to ${JSON.stringify(value)}`);
  }
  check(out.get("api_endpoint") === DEFAULT_API_ENDPOINT, `api_endpoint defaults to ${DEFAULT_API_ENDPOINT}`);
  return out;
}

/**
 * Source files outside `src/config` and tests that read `field` (`x.field`, or `field` destructured
 * after `{` or `,`), relative to the repo. Prose in comments does not count.
 */
function filesMentioning(field: string): string[] {
  const pattern = new RegExp(`(?:\\.|[{,])\\s*${field}\\b`);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (path !== join(ROOT, "src", "config")) walk(path);
      } else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".generated.ts") && pattern.test(readFileSync(path, "utf8"))) {
        found.push(relative(ROOT, path));
      }
    }
  };
  walk(join(ROOT, "src"));
  return found;
}

function keysSection(probe: Probe): string[] {
  const defaultOf = defaults(probe);
  for (const [key, { field, mentionedIn = [] }] of Object.entries(NOT_USED_YET) as [ConfigKey, { field: string; mentionedIn?: string[] }][]) {
    const files = filesMentioning(field);
    if (!isDeepStrictEqual(files, mentionedIn)) {
      throw new Error(
        `gen-docs: "${key}" is documented as not used yet, but "${field}" is now mentioned in ${files.join(", ") || "no file"} ` +
          `(expected ${mentionedIn.join(", ") || "none"}): update PURPOSE and NOT_USED_YET in scripts/gen-docs.ts`,
      );
    }
  }
  for (const [key, when] of Object.entries(REQUIRED_WHEN) as [ConfigKey, { key: ConfigKey; value: string }][]) {
    const err = probe.failure(`${MINIMAL}${when.key}: ${when.value}\n`);
    check(err.key === key, `${key} is required when ${when.key} is "${when.value}"`);
  }

  // Claims made in PURPOSE, each tried on a real load or the code that implements it.
  const one = (add: string) => probe.load(`${MINIMAL}${add}\n`).config;
  check(one('api_endpoint: "https://cc.example.net/"').apiEndpoint === "https://cc.example.net", "a trailing slash is dropped");
  check(one("log_level: WARNING").logLevel === "warn", "log_level ignores case and reads warning as warn");
  check(one(`tls_pin_hash: "${"AB".repeat(32)}"`).tlsPinHash === "ab".repeat(32), "upper-case pin hex is accepted");
  check(one('maintenance_window: "22:00-02:00"').maintenanceWindow.endMinutes === 120, "the window may wrap past midnight");
  check(one("ntp_servers: [ntp.example.net]").ntpServers[0]?.port === 123, "an NTP server's port defaults to 123");
  const edge = (float: number) => jitteredInterval(60_000, { float: () => float, bytes: () => new Uint8Array() });
  check(edge(0) === 54_000 && edge(0.999999) === 66_000, "each poll wait varies by up to 10 % either way");

  const rows = CONFIG_KEYS.map((key) => {
    const when = REQUIRED_WHEN[key];
    const required = REQUIRED_KEYS.includes(key) ? "yes" : when ? `when ${code(when.key)} is ${code(`"${when.value}"`)}` : "no";
    const value = defaultOf.get(key);
    const shown = REQUIRED_KEYS.includes(key) ? "—" : value === undefined ? "not set" : code(JSON.stringify(value));
    const purpose = PURPOSE[key] + (key in NOT_USED_YET ? " *Checked, but not used by this version yet.*" : "");
    return `| ${code(key)} | ${required} | ${shown} | ${cell(expectedFor(key))} | ${cell(purpose)} |`;
  });

  const unused = CONFIG_KEYS.filter((k) => k in NOT_USED_YET);
  return [
    "## Keys",
    "",
    "Keys are listed in the order the schema defines them. A default is what the agent uses when the key is",
    "absent; writing the default out gives exactly the same configuration.",
    "",
    "| key | required | default | what it must be | what it is for |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `This version acts on ${CONFIG_KEYS.length - unused.length} of the ${CONFIG_KEYS.length} keys. The other ${unused.length}`,
    "configure parts of the agent that are not built yet or not yet run by it (healing, L2 planning, signed rules,",
    "local listeners, notifications).",
    "They are checked already, so that a file which would be wrong later is refused today. `healing_enabled` and",
    "`healing_dry_run` are written into the start-up log line and change nothing else.",
    "",
  ];
}

function fileSection(probe: Probe): string[] {
  const defaultPath = configPath(undefined, {});
  check(configPath(undefined, { COMPLIANCE_AGENT_CONFIG: "/x.yaml" }) === "/x.yaml", "COMPLIANCE_AGENT_CONFIG selects the file");
  check(configPath("/y.yaml", { COMPLIANCE_AGENT_CONFIG: "/x.yaml" }) === "/y.yaml", "--config wins over COMPLIANCE_AGENT_CONFIG");

  // Claims about how values are read, each tried on a real load.
  const base = probe.load(MINIMAL).config;
  check(probe.load(`${MINIMAL}poll_interval:\n`).config.pollIntervalSeconds === base.pollIntervalSeconds, "an empty value means not set");
  check(probe.load(`${MINIMAL}reseller_id: ""\n`).config.resellerId === undefined, "an empty string in an optional key means not set");
  check(probe.load(`${MINIMAL}healing_dry_run: no\n`).config.healingDryRun === false, "yes/no/on/off are booleans");
  check(probe.load(`${MINIMAL}healing_dry_run: "Off"\n`).config.healingDryRun === false, "boolean words ignore case");
  check(probe.load(`${MINIMAL}healing_dry_run: n\n`).config.healingDryRun === false, "y/n are booleans");
  check(probe.failure('site_id: ""\napi_key: "x"\n').key === "site_id", "a required key may not be empty");

  return [
    "## The file",
    "",
    "The agent reads one YAML file. Which one:",
    "",
    `1. the path given with ${code("--config FILE")} (or ${code("-c FILE")}), else`,
    `2. the path in the environment variable ${code("COMPLIANCE_AGENT_CONFIG")}, else`,
    `3. ${code(defaultPath)}.`,
    "",
    "The top level is a mapping of keys to values. The smallest file the agent starts with:",
    "",
    "```yaml",
    MINIMAL.trimEnd(),
    "```",
    "",
    "How values are read:",
    "",
    "- A key with nothing after it (`poll_interval:`) counts as not set, and so does an empty string in a key",
    "  that is not required. A required key must have a non-empty value.",
    "- Boolean keys take `true`/`false`, and also `yes`/`no`, `on`/`off`, `y`/`n` in any case, as files written",
    "  for older YAML parsers use them.",
    "- Unknown keys stop the agent (a misspelt key must not be silently ignored). Keys of the previous",
    "  generation are the exception: see below.",
    "",
    "The file holds the site's API key in plain text. Keep it readable by the agent's user only (mode 0600);",
    "the agent does not check the file's mode. The agent writes to the file in one case: when Central Command",
    "gives it a new API key (a rotation, or a rekey after repeated 401 answers). It then changes only the",
    "`api_key` value: the file is parsed, comments and key order are kept, the new text goes to a temporary",
    "file beside it with the same mode (and owner, when the agent runs as root), is read back and checked,",
    "and replaces the original by rename. So the file and its directory must be writable by the agent's user.",
    "If the write fails, the agent logs an error and keeps the new key in memory until it stops.",
    "",
  ];
}

function envSection(probe: Probe): string[] {
  const rows: string[] = [];
  for (const [name, key] of Object.entries(ENV_OVERRIDES) as [string, ConfigKey][]) {
    const read = (text: string) => VALUE_OF[key](probe.load(MINIMAL, { [name]: text }).config);
    let how: string;
    if (expectedFor(key) === "true or false") {
      for (const [text, value] of [["1", true], ["0", false], ["TRUE", true], ["no", false], [" on ", true]] as const) {
        check(read(text) === value, `${name}=${JSON.stringify(text)} means ${value}`);
      }
      how = "`1`, `true`, `yes`, `on` for true; `0`, `false`, `no`, `off` for false; any case";
    } else if (expectedFor(key).startsWith("an integer")) {
      check(read("120") === 120, `${name}=120 means 120`);
      how = "decimal digits";
    } else {
      how = "the text as written";
    }
    check(read("") === VALUE_OF[key](probe.load(MINIMAL).config), `an empty ${name} counts as unset`);
    rows.push(`| ${code(name)} | ${code(key)} | ${how} |`);
  }
  return [
    "## Environment overrides",
    "",
    "These variables replace the value of a key from the file, for example `HEALING_DRY_RUN=1` in a systemd",
    "drop-in. They are applied after the file is read and checked by the same rules; a bad value names the",
    "variable, not the key. Surrounding spaces are ignored, and a variable that is set but empty counts as not set.",
    "",
    "| variable | overrides | how its text is read |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ];
}

function legacySection(probe: Probe): string[] {
  const keys = [...LEGACY_KEYS].sort();
  const text = MINIMAL + keys.map((k) => `${k}: "x"\n`).join("");
  const { warnings } = probe.load(text);
  check(warnings.length === keys.length, "each previous-generation key gives one warning");
  const warningFor = (key: string) => warnings.find((w) => w.includes(`key "${key}"`))!.replaceAll(probe.file, probe.shownAs);
  const secret = keys.filter((k) => warningFor(k).includes("secret"));
  const plain = keys.filter((k) => !secret.includes(k));
  return [
    "## Keys of the previous generation",
    "",
    "Files written for the previous generation of the appliance keep loading. These keys are accepted and",
    "ignored; the agent logs one warning for each at start:",
    "",
    plain.map(code).join(", ") + ".",
    "",
    "Example warning:",
    "",
    "```text",
    warningFor(plain[0]!),
    "```",
    "",
    "These keys' names mark them as secret-bearing. Their warning is louder and asks for the key to be removed,",
    "because a credential would sit in plain text where nothing uses it; the value is never shown" +
      (secret.includes("ssh_authorized_keys") ? " (`ssh_authorized_keys` holds public keys, but its name matches):" : ":"),
    "",
    secret.map(code).join(", ") + ".",
    "",
    "```text",
    warningFor(secret[0]!),
    "```",
    "",
  ];
}

function errorsSection(probe: Probe): string[] {
  const status = exitCodeFor(new ConfigError(probe.shownAs, "x"));
  check(status === EXIT.config, "a config error exits with EXIT.config");
  const lines = [
    "## When the file is wrong",
    "",
    `The agent refuses to start. ${code("run")} and ${code("status")} exit with status ${status}`,
    `(EX_CONFIG in sysexits(3)); ${code("run")} prints one line on stderr, starting \`compliance-agent: \`, and`,
    "writes the same error as a JSON log line on stdout for the journal.",
    `${code("selftest")} reports the problem as a failed ${code("config")} check and exits ${EXIT.failure}.`,
    "The first problem found is reported: unknown keys first, in file order, then the values.",
    "",
    "Each message names the file and the key (or the environment variable, line or operating-system reason).",
    "It never contains a secret: a value under a key whose name suggests a secret is described by its type only.",
    "These are the real messages, produced by loading each bad file while this page was generated:",
    "",
  ];
  for (const c of ERROR_CASES) {
    const err = probe.failure(c.add === undefined ? c.text : `${MINIMAL}${c.add}\n`, c.env);
    const example = c.env
      ? `: ${Object.entries(c.env).map(([k, v]) => code(`${k}=${v}`)).join(", ")}`
      : c.add !== undefined
        ? `: ${code(c.add)}`
        : "";
    lines.push(`- ${c.what}${example}`, "", "  ```text", `  ${err.message}`, "  ```", "");
  }
  return lines;
}

/** The whole page. */
export function renderConfigurationPage(): string {
  using probe = new Probe(configPath(undefined, {}));
  const parts = [
    "<!-- Generated by scripts/gen-docs.ts from src/config. Do not edit: run `npm run docs`. -->",
    "",
    "# Configuration",
    "",
    "What the agent reads at start, what each key must be, and what happens when the file is wrong.",
    "This page is generated from the agent's schema by `scripts/gen-docs.ts`: the defaults and every quoted",
    "message come from loading real files with the agent's own code, and a test fails when the page is stale.",
    "",
    ...fileSection(probe),
    ...keysSection(probe),
    ...envSection(probe),
    ...legacySection(probe),
    ...errorsSection(probe),
  ];
  return parts.join("\n").replace(/\n+$/, "\n");
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { check: { type: "boolean" }, out: { type: "string" } } });
  const out = values.out ?? DEFAULT_OUT;
  const page = renderConfigurationPage();
  if (values.check) {
    const current = existsSync(out) ? readFileSync(out, "utf8") : undefined;
    if (current !== page) {
      console.error(`${relative(process.cwd(), out)} is out of date: run \`npm run docs\` and commit the result`);
      process.exit(1);
    }
    console.log(`${relative(process.cwd(), out)} is up to date`);
  } else {
    writeFileSync(out, page);
    console.log(`wrote ${relative(process.cwd(), out)}`);
  }
}

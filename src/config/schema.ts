/**
 * The schema of `config.yaml`: every key the agent reads, its type, range and default, and the
 * typed `Config` it becomes. Keys are snake_case because existing sites' files use them.
 * Each field's description is the "must be …" phrase used in error messages and docs.
 * @module
 */
import { isIP } from "node:net";
import { isAbsolute } from "node:path";
import { z } from "zod";
import type { LogLevel } from "../log/index.ts";
import { type MaintenanceWindow, parseMaintenanceWindow } from "./maintenance-window.ts";

/** Where the agent checks in when the file names no endpoint: the previous generation's production. */
export const DEFAULT_API_ENDPOINT = "https://api.osiriscare.net";

/** The loaded configuration. Optional fields are absent when the file does not set them. */
export interface Config {
  /** The absolute path of the file this came from. */
  file: string;
  siteId: string;
  /** Bearer token for Central Command: a secret, never log it. */
  apiKey: string;
  /** Base URL of Central Command, without a trailing slash. */
  apiEndpoint: string;
  stateDir: string;
  pollIntervalSeconds: number;
  logLevel: LogLevel;
  /** Lower-case hex SHA-256 of the server's SubjectPublicKeyInfo. */
  tlsPinHash?: string;
  healingEnabled: boolean;
  /** When true heals are planned and recorded but not run. */
  healingDryRun: boolean;
  maintenanceWindow: MaintenanceWindow;
  allowDisruptiveOutsideWindow: boolean;
  deploymentMode: "reseller" | "direct";
  /** Present whenever `deploymentMode` is `"reseller"`. */
  resellerId?: string;
  orderTtlSeconds: number;
  ntpMaxSkewMs: number;
  /** NTP servers the clock self-check asks, in file order; empty when none are configured. */
  ntpServers: { host: string; port: number }[];
  /** Minimum number of evidence records kept, whatever their age. */
  evidenceRetention: number;
  pruneRetentionDays: number;
  rmmWebhookUrl?: string;
  /** `host:port` of an RFC 5424 syslog receiver. */
  syslogTarget?: string;
  webhookSecretFile?: string;
  /** Local listener ports, pairwise distinct. Without `metrics`, metrics are served on `status`. */
  listeners: { status: number; sensor: number; metrics?: number };
  l2Enabled: boolean;
  requireSignedRules: boolean;
  /** Host scans: how often, and how many SSH sessions at once. */
  scan: { intervalMinutes: number; driftIntervalMinutes: number; sshMaxConcurrency: number; sshMaxConnections: number };
}

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

// YAML 1.2 reads yes/no/on/off as strings, but files written for YAML 1.1 parsers use them as
// booleans; accepting them in boolean keys keeps those files meaning what their authors meant.
const YAML11_BOOLEANS: Record<string, boolean> = {
  y: true, yes: true, on: true, true: true,
  n: false, no: false, off: false, false: false,
};

const bool = (fallback: boolean) =>
  z
    .preprocess((v) => (typeof v === "string" ? (YAML11_BOOLEANS[v.toLowerCase()] ?? v) : v), z.boolean())
    .default(fallback)
    .describe("true or false");

const int = (min: number, max?: number) => {
  const base = z.int().min(min);
  return max === undefined
    ? base.describe(`an integer of at least ${min}`)
    : base.max(max).describe(`an integer from ${min} to ${max}`);
};

const port = () => int(1, 65535);

const text = () => z.string().trim().min(1).describe("a non-empty string");

const absolutePath = () =>
  z.string().refine((p) => isAbsolute(p), "not absolute").describe("an absolute path");

const httpUrl = () =>
  z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, "")) // callers append paths that start with "/"
    .describe("an http:// or https:// URL");

// An empty string in an optional key means "not set", as the previous generation read it.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

// Hostname, IPv4 or [IPv6], then a port.
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

// An NTP server: a hostname, IPv4 address or [IPv6] address, and an optional port.
const NTP_SERVER = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?))(?::(\d{1,5}))?$/;
const MAX_NTP_SERVERS = 8;
const NTP_PORT = 123;

/** `host`, `host:port`, `[v6]` or `[v6]:port` as `{ host, port }` (IPv6 without brackets), or undefined. */
function parseNtpServer(text: string): { host: string; port: number } | undefined {
  const m = NTP_SERVER.exec(text);
  if (!m || (m[1] !== undefined && isIP(m[1]) !== 6)) return undefined;
  const port = m[3] === undefined ? NTP_PORT : Number(m[3]);
  return port >= 1 && port <= 65535 ? { host: (m[1] ?? m[2])!, port } : undefined;
}

const ntpServers = () =>
  z
    .array(z.string().trim().refine((s) => parseNtpServer(s) !== undefined))
    .superRefine((list, ctx) => {
      // Issues point at an item, so the message can quote it: the ninth server, or a repeat.
      if (list.length > MAX_NTP_SERVERS) ctx.addIssue({ code: "custom", path: [MAX_NTP_SERVERS], message: "too many" });
      const seen = new Set<string>();
      list.forEach((text, i) => {
        const server = parseNtpServer(text);
        if (server === undefined) return; // reported by the item's own rule
        const id = `${server.host.toLowerCase()}:${server.port}`;
        // A repeated server would count twice in the median and in "half of them answered".
        if (seen.has(id)) ctx.addIssue({ code: "custom", path: [i], message: "repeated" });
        seen.add(id);
      });
    })
    .describe(
      `a list of at most ${MAX_NTP_SERVERS} different "host" or "host:port" strings, with a port from 1 to 65535 ` +
        `(${NTP_PORT} when left out) and an IPv6 address in brackets`,
    )
    .transform((list) => list.map((text) => parseNtpServer(text)!));

/** The keys of the file and how each is checked; the order is the documented order. */
const fields = {
  site_id: text(),
  api_key: text(),
  api_endpoint: httpUrl().default(DEFAULT_API_ENDPOINT),
  state_dir: absolutePath().default("/var/lib/msp"),
  poll_interval: int(10, 3600).default(60),
  log_level: z
    .preprocess(
      (v) => (typeof v === "string" ? v.toLowerCase().replace(/^warning$/, "warn") : v),
      z.enum(LOG_LEVELS),
    )
    .default("info")
    .describe(`one of ${LOG_LEVELS.map((l) => `"${l}"`).join(", ")}`),
  tls_pin_hash: optional(
    z
      .string()
      .regex(/^[0-9A-Fa-f]{64}$/)
      .transform((h) => h.toLowerCase())
      .describe('64 hex digits (the SHA-256 of the server\'s public key), with no "sha256/" or "sha256:" prefix'),
  ),
  healing_enabled: bool(true),
  // Dry run by default: a new or half-configured box must prove itself before it changes hosts.
  healing_dry_run: bool(true),
  maintenance_window: z
    .string()
    .transform((s, ctx) => {
      try {
        return parseMaintenanceWindow(s);
      } catch {
        ctx.addIssue({ code: "custom", message: "bad window" });
        return z.NEVER;
      }
    })
    .prefault("02:00-04:00")
    .describe('a 24-hour window "HH:MM-HH:MM" with different start and end, e.g. "22:00-02:00"'),
  allow_disruptive_outside_window: bool(false),
  deployment_mode: z.enum(["reseller", "direct"]).default("direct").describe('"reseller" or "direct"'),
  reseller_id: optional(text()),
  order_ttl: int(60, 86400).default(900),
  ntp_max_skew_ms: int(1, 600000).default(5000),
  ntp_servers: ntpServers().default([]),
  evidence_retention: int(1).default(200),
  prune_retention_days: int(1).default(90),
  rmm_webhook_url: optional(httpUrl()),
  syslog_target: optional(
    z
      .string()
      .refine((s) => {
        const port = Number(HOST_PORT.exec(s)?.[2]);
        return port >= 1 && port <= 65535;
      })
      .describe('"host:port" with a port from 1 to 65535'),
  ),
  webhook_secret_file: optional(absolutePath()),
  status_port: port().default(80),
  sensor_port: port().default(8080),
  metrics_port: optional(port()),
  l2_enabled: bool(true),
  require_signed_rules: bool(true),
  scan_interval_minutes: int(5, 60).default(15),
  drift_scan_interval_minutes: int(1, 60).default(5),
  ssh_max_concurrency: int(1, 256).default(32),
  ssh_max_connections: int(1, 4096).default(512),
};

/** A key of the config file. */
export type ConfigKey = keyof typeof fields;

/** Every key the agent reads, in documented order. */
export const CONFIG_KEYS = Object.keys(fields) as ConfigKey[];

/** Keys that must be present. */
export const REQUIRED_KEYS: readonly ConfigKey[] = ["site_id", "api_key"];

/** What each key must be, as used in messages: `key "x" must be <this>`. */
export function expectedFor(key: ConfigKey): string {
  // A description stays on the schema it was given to, so look through defaults and wrappers.
  let schema: z.ZodType | undefined = fields[key];
  while (schema !== undefined && schema.description === undefined) {
    schema =
      schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional
        ? (schema.unwrap() as z.ZodType)
        : schema instanceof z.ZodPipe // a transform's input, or a preprocess's output
          ? ((schema.in instanceof z.ZodTransform ? schema.out : schema.in) as z.ZodType)
          : undefined;
  }
  return schema?.description ?? "valid";
}

const LISTENER_KEYS = ["status_port", "sensor_port", "metrics_port"] as const;

/**
 * The whole file: per-key rules, then the rules that span keys, then the typed result.
 * Cross-key issues say `params.crossKey` and carry the complete reason as their message.
 */
export const configFileSchema = z
  .object(fields)
  .superRefine((v, ctx) => {
    // Two local services fighting over one port was a field bug: every listener is declared here.
    for (const [i, a] of LISTENER_KEYS.entries()) {
      for (const b of LISTENER_KEYS.slice(i + 1)) {
        if (v[a] !== undefined && v[a] === v[b]) {
          ctx.addIssue({
            code: "custom",
            path: [b],
            message: `keys "${a}" and "${b}" are both ${v[a]}: each listener needs its own port`,
            params: { crossKey: true },
          });
        }
      }
    }
    if (v.tls_pin_hash !== undefined && v.api_endpoint !== undefined && v.api_endpoint.startsWith("http:")) {
      ctx.addIssue({
        code: "custom",
        path: ["tls_pin_hash"],
        message: 'key "tls_pin_hash" is set but "api_endpoint" is plain http: a pin needs an https endpoint',
        params: { crossKey: true },
      });
    }
    if (v.deployment_mode === "reseller" && v.reseller_id === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["reseller_id"],
        message: 'missing key "reseller_id": required when "deployment_mode" is "reseller"',
        params: { crossKey: true },
      });
    }
  })
  .transform(
    (v): Omit<Config, "file"> => ({
      siteId: v.site_id,
      apiKey: v.api_key,
      apiEndpoint: v.api_endpoint,
      stateDir: v.state_dir,
      pollIntervalSeconds: v.poll_interval,
      logLevel: v.log_level,
      ...(v.tls_pin_hash !== undefined && { tlsPinHash: v.tls_pin_hash }),
      healingEnabled: v.healing_enabled,
      healingDryRun: v.healing_dry_run,
      maintenanceWindow: v.maintenance_window,
      allowDisruptiveOutsideWindow: v.allow_disruptive_outside_window,
      deploymentMode: v.deployment_mode,
      ...(v.reseller_id !== undefined && { resellerId: v.reseller_id }),
      orderTtlSeconds: v.order_ttl,
      ntpMaxSkewMs: v.ntp_max_skew_ms,
      ntpServers: v.ntp_servers,
      evidenceRetention: v.evidence_retention,
      pruneRetentionDays: v.prune_retention_days,
      ...(v.rmm_webhook_url !== undefined && { rmmWebhookUrl: v.rmm_webhook_url }),
      ...(v.syslog_target !== undefined && { syslogTarget: v.syslog_target }),
      ...(v.webhook_secret_file !== undefined && { webhookSecretFile: v.webhook_secret_file }),
      listeners: {
        status: v.status_port,
        sensor: v.sensor_port,
        ...(v.metrics_port !== undefined && { metrics: v.metrics_port }),
      },
      l2Enabled: v.l2_enabled,
      requireSignedRules: v.require_signed_rules,
      scan: {
        intervalMinutes: v.scan_interval_minutes,
        driftIntervalMinutes: Math.min(v.drift_scan_interval_minutes, v.scan_interval_minutes),
        sshMaxConcurrency: v.ssh_max_concurrency,
        sshMaxConnections: v.ssh_max_connections,
      },
    }),
  );

/** Whether `value` passes the rule of `key` by itself; rules that span keys are not checked. */
export function isValidValue(key: ConfigKey, value: unknown): boolean {
  return fields[key].safeParse(value).success;
}

/**
 * `compliance-agent status`: what the agent knows, read from its database without disturbing
 * a running agent — provisioned?, last check-in and its result, targets, queues.
 * @module
 */
import { accessSync, constants, existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../config/index.ts";
import { KEY_FILES } from "../agent/agent.ts";
import { createAgentState, createCheckinLog, createEvidenceStore, createOrderStore, openDatabase, type EvidenceStore } from "../store/index.ts";
import { configPath, parse } from "./args.ts";
import { EXIT } from "./exit-codes.ts";

export const STATUS_HELP = `Usage: compliance-agent status [--config FILE | --state-dir DIR] [--json]

Shows what the agent knows: whether it is provisioned, its last check-in and the result,
how many targets Central Command assigned, and the depth of its queues.

Options:
  -c, --config FILE     configuration file (its state_dir is read)
  --state-dir DIR       read this state directory directly
  --json                print one JSON object instead of text
  -h, --help            show this help`;

export interface StatusReport {
  provisioned: boolean;
  site_id?: string;
  appliance_id?: string;
  agent_version?: string;
  state_dir: string;
  keys: { identity: boolean; evidence: boolean };
  last_checkin?: { at: string; ok: boolean; http_status?: number; error?: string; skew_ms?: number };
  last_successful_checkin?: string;
  checkins_recorded: number;
  targets: { windows: number; linux: number };
  orders: Record<string, number>;
  queue_depths: Record<string, number>;
  evidence: {
    records: number;
    pending: number;
    delivered: number;
    /** Refused by Central Command: kept, never deleted, listed in `dead_letters`. */
    dead: number;
    late: number;
    pruned: number;
    head_seq: number;
    oldest_pending?: string;
    dead_letters: { seq: number; bundle_id: string; reason: string }[];
  };
  healing_override?: { enabled: boolean; reason: string; at: string };
}

export function readStatus(stateDir: string, siteId?: string): StatusReport {
  // existsSync would read "permission denied" as "absent" and report a healthy box as new.
  try {
    accessSync(stateDir, constants.R_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") throw new StatusError(`Cannot read state dir "${stateDir}": ${code === "EACCES" ? "permission denied; run as the agent's user or root" : (err as Error).message}`);
  }
  const keys = {
    identity: existsSync(join(stateDir, KEY_FILES.identity)),
    evidence: existsSync(join(stateDir, KEY_FILES.evidence)),
  };
  const base: StatusReport = {
    provisioned: false,
    ...(siteId ? { site_id: siteId } : {}),
    state_dir: stateDir,
    keys,
    checkins_recorded: 0,
    targets: { windows: 0, linux: 0 },
    orders: { running: 0, succeeded: 0, failed: 0, rejected: 0 },
    queue_depths: {},
    evidence: { records: 0, pending: 0, delivered: 0, dead: 0, late: 0, pruned: 0, head_seq: 0, dead_letters: [] },
  };
  if (!existsSync(join(stateDir, "agent.db"))) return base;
  let db;
  try {
    db = openDatabase(stateDir, { readonly: true });
    db.query("SELECT 1 FROM kv LIMIT 1").all();
  } catch (err) {
    db?.close();
    throw new StatusError(`Cannot read database "${join(stateDir, "agent.db")}": ${(err as Error).message}`);
  }
  try {
    const state = createAgentState(db);
    const last = state.get("lastCheckin");
    const okAt = state.get("lastCheckinOkAt");
    const override = state.get("healingOverride");
    const applianceId = state.get("applianceId");
    return {
      ...base,
      provisioned: applianceId !== undefined && okAt !== undefined,
      ...(applianceId ? { appliance_id: applianceId } : {}),
      ...(state.get("agentVersion") ? { agent_version: state.get("agentVersion") } : {}),
      ...(last
        ? {
            last_checkin: {
              at: new Date(last.at).toISOString(),
              ok: last.ok,
              ...(last.httpStatus !== undefined ? { http_status: last.httpStatus } : {}),
              ...(last.error ? { error: last.error } : {}),
              ...(last.skewMs !== undefined ? { skew_ms: last.skewMs } : {}),
            },
          }
        : {}),
      ...(okAt ? { last_successful_checkin: new Date(okAt).toISOString() } : {}),
      checkins_recorded: createCheckinLog(db).count(),
      targets: state.get("targetCounts") ?? { windows: 0, linux: 0 },
      orders: createOrderStore(db).countByState(),
      queue_depths: state.get("queueDepths") ?? {},
      evidence: evidenceStatus(createEvidenceStore(db)),
      ...(override ? { healing_override: { ...override, at: new Date(override.at).toISOString() } } : {}),
    };
  } finally {
    db.close();
  }
}

function evidenceStatus(store: EvidenceStore): StatusReport["evidence"] {
  const c = store.counts();
  return {
    records: c.total,
    pending: c.pending,
    delivered: c.delivered,
    dead: c.dead,
    late: c.late,
    pruned: c.pruned,
    head_seq: store.head()?.seq ?? 0,
    ...(c.oldestPendingAt !== undefined ? { oldest_pending: new Date(c.oldestPendingAt).toISOString() } : {}),
    dead_letters: store.dead(10).map((r) => ({ seq: r.seq, bundle_id: r.bundleId, reason: r.deadReason ?? "" })),
  };
}

/** The state cannot be read; the message says which file and why. */
export class StatusError extends Error {
  override name = "StatusError";
}

export function formatStatus(s: StatusReport): string {
  const lines = [
    `provisioned:      ${s.provisioned ? "yes" : "no"}${s.appliance_id ? ` (${s.appliance_id})` : ""}`,
    `site:             ${s.site_id ?? "-"}`,
    `agent version:    ${s.agent_version ?? "-"}`,
    `state dir:        ${s.state_dir}`,
    `keys:             identity ${s.keys.identity ? "present" : "absent"}, evidence ${s.keys.evidence ? "present" : "absent"}`,
    `last check-in:    ${
      s.last_checkin
        ? `${s.last_checkin.at} ${s.last_checkin.ok ? "ok" : "FAILED"}${s.last_checkin.http_status ? ` (HTTP ${s.last_checkin.http_status})` : ""}${
            s.last_checkin.error ? `: ${s.last_checkin.error}` : ""
          }`
        : "never"
    }`,
    `last success:     ${s.last_successful_checkin ?? "never"}`,
    `clock skew:       ${s.last_checkin?.skew_ms !== undefined ? `${s.last_checkin.skew_ms} ms` : "-"}`,
    `targets:          ${s.targets.windows} windows, ${s.targets.linux} linux`,
    `orders:           ${Object.entries(s.orders).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`,
    `queues:           ${Object.entries(s.queue_depths).map(([k, v]) => `${k} ${v}`).join(", ") || "-"}`,
    `evidence:         ${s.evidence.records} records to seq ${s.evidence.head_seq}: ${s.evidence.delivered} delivered (${s.evidence.late} late), ` +
      `${s.evidence.pending} waiting${s.evidence.oldest_pending ? ` since ${s.evidence.oldest_pending}` : ""}, ${s.evidence.dead} refused, ${s.evidence.pruned} pruned`,
    ...s.evidence.dead_letters.map((d) => `  REFUSED seq ${d.seq} (${d.bundle_id}): ${d.reason}`),
  ];
  if (s.healing_override) {
    lines.push(`healing:          ${s.healing_override.enabled ? "enabled" : "DISABLED"} by order at ${s.healing_override.at}${s.healing_override.reason ? `: ${s.healing_override.reason}` : ""}`);
  }
  return lines.join("\n");
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: "string", short: "c" },
    "state-dir": { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    console.log(STATUS_HELP);
    return EXIT.ok;
  }
  let stateDir = values["state-dir"] as string | undefined;
  let siteId: string | undefined;
  if (!stateDir) {
    const { config } = loadConfig(configPath(values.config));
    stateDir = config.stateDir;
    siteId = config.siteId;
  }
  const report = readStatus(stateDir, siteId);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatStatus(report));
  return EXIT.ok;
}

/**
 * Scans one host: the whole batch in one round trip (under sudo when the login is not root),
 * then a verdict per check. A host that cannot be reached gives `unreachable` for every check,
 * never `pass`; a probe that timed out or whose output was cut gives `error`.
 * @module
 */
import { judgeCheck, MAX_KEPT_OUTPUT, type Check, type Platform } from "../catalog/index.ts";
import type { CheckResult } from "../evidence/record.ts";
import { privilegedInvocation, TransportError, type Executor, type Privilege } from "../transport/index.ts";
import { buildBatchScript, splitBatchOutput, type BatchOutput } from "./batch-script.ts";

export type { Privilege };

export interface ScanHostOptions {
  executor: Executor;
  checks: readonly Check[];
  /** The target's name as Central Command gave it: results are filed under it. */
  hostname: string;
  privilege: Privilege;
  /** Fresh per scan (letters and digits, 16+). */
  nonce: string;
  nowMs: number;
  deadlineMs?: number;
  /** Bytes of output kept for the whole batch. */
  maxOutputBytes?: number;
  /** Site overrides of check parameters, by check id. */
  params?: Record<string, Record<string, unknown>>;
}

export interface HostScan {
  hostname: string;
  /** The connection worked and the batch ran. */
  reached: boolean;
  platform?: Platform;
  distro?: string;
  /** os-release `ID_LIKE` words. */
  distroLike?: string[];
  /** `/etc/machine-id` of the host scanned: how the appliance recognises itself. */
  machineId?: string;
  results: CheckResult[];
  /** Why the host gave no verdicts, when it did not. */
  failure?: { kind: "unreachable" | "auth" | "host-key" | "sudo"; reason: string };
}

const firstLine = (text: string) => (text.trim().split("\n")[0] ?? "").slice(0, 200);

function allResults(checks: readonly Check[], hostname: string, status: CheckResult["status"], reason: string): CheckResult[] {
  return checks.map((c) => ({
    check: c.id,
    check_type: c.check_type,
    hostname,
    status,
    reason,
    expected: c.expected,
    severity: c.severity,
    controls: c.compliance,
  }));
}

/** The verdicts for one batch's output. */
function judgeBatch(batch: BatchOutput, opts: ScanHostOptions, elevated: boolean, truncated: boolean): CheckResult[] {
  const platform: Platform = batch.host.CA_PLATFORM === "nixos" ? "nixos" : "linux";
  const distro = batch.host.ID ?? "unknown";
  const distroLike = (batch.host.ID_LIKE ?? "").split(/\s+/).filter(Boolean);
  const isRoot = batch.host.CA_UID === "0";
  return opts.checks.map((check) => {
    const base = { check: check.id, check_type: check.check_type, hostname: opts.hostname, expected: check.expected, severity: check.severity, controls: check.compliance };
    if (!check.platforms.includes(platform)) return { ...base, status: "not_applicable", reason: `the check does not apply to ${platform} hosts` };
    const run = batch.runs.get(check.id);
    if (!run) {
      return { ...base, status: "error", reason: truncated ? "the scan's output passed its size limit before this check ran" : "the scan ended before this check ran (deadline)" };
    }
    const raw = Object.values(run.sections).join("\n").slice(0, MAX_KEPT_OUTPUT);
    if (!run.complete) return { ...base, status: "error", reason: truncated ? "the check's output was cut at the scan's size limit" : "the check did not finish before the scan's deadline", output: raw };
    if (run.exitCode === 124 || run.exitCode === 137) {
      return { ...base, status: "error", reason: `the probe ran past its ${check.timeout_seconds} s timeout and was killed`, output: raw };
    }
    if (check.privileged && !isRoot) {
      return { ...base, status: "error", reason: elevated ? "the probe needs root, and sudo did not give it" : "the probe needs root: log in as root or give a sudo-capable account" };
    }
    return judgeCheck(check, { sections: run.sections, exitCode: run.exitCode }, {
      hostname: opts.hostname,
      platform,
      distro,
      distroLike,
      nowMs: opts.nowMs,
      ...(opts.params?.[check.id] ? { params: opts.params[check.id] } : {}),
    });
  });
}

/** Scans one host with one round trip (two when sudo refuses and the batch runs again without it). */
export async function scanHost(opts: ScanHostOptions): Promise<HostScan> {
  const { executor, checks, hostname, nonce, deadlineMs = 120_000, maxOutputBytes = 8 * 1024 * 1024 } = opts;
  const script = buildBatchScript(checks, nonce);
  const attempt = async (privilege: Privilege) => {
    const { command, stdin } = privilegedInvocation(privilege, script);
    return executor.run(command, { deadlineMs, maxOutputBytes, stdin });
  };
  try {
    let privilege = opts.privilege;
    let result = await attempt(privilege);
    let batch = splitBatchOutput(result.stdout, nonce);
    let sudoFailure: string | undefined;
    if (privilege.kind === "sudo" && Object.keys(batch.host).length === 0 && !result.timedOut) {
      // sudo refused before the script started: run it unprivileged, so unprivileged checks still count.
      sudoFailure = firstLine(result.stderr) || `sudo exited with ${result.exitCode}`;
      privilege = { kind: "none" };
      result = await attempt(privilege);
      batch = splitBatchOutput(result.stdout, nonce);
    }
    if (Object.keys(batch.host).length === 0) {
      const why = result.timedOut ? "the scan timed out before it started" : `the scan did not start: ${firstLine(result.stderr) || `exit ${result.exitCode}`}`;
      return { hostname, reached: true, results: allResults(checks, hostname, "error", why), failure: { kind: "unreachable", reason: why } };
    }
    const results = judgeBatch(batch, opts, opts.privilege.kind === "sudo", result.truncated);
    if (sudoFailure) {
      for (const r of results) if (r.status === "error" && r.reason?.startsWith("the probe needs root")) r.reason = `the probe needs root, and sudo refused: ${sudoFailure}`;
    }
    const scan: HostScan = {
      hostname,
      reached: true,
      platform: batch.host.CA_PLATFORM === "nixos" ? "nixos" : "linux",
      distro: batch.host.ID ?? "unknown",
      distroLike: (batch.host.ID_LIKE ?? "").split(/\s+/).filter(Boolean),
      results,
      ...(sudoFailure ? { failure: { kind: "sudo" as const, reason: sudoFailure } } : {}),
    };
    if (batch.host.CA_MACHINE_ID) scan.machineId = batch.host.CA_MACHINE_ID;
    return scan;
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    const kind = error.kind === "auth" ? "auth" : error.kind === "host-key-changed" ? "host-key" : "unreachable";
    // A refused login or a changed host key: the host answered, but we cannot vouch for anything on it.
    const status = kind === "unreachable" ? "unreachable" : "error";
    return { hostname, reached: false, results: allResults(checks, hostname, status, error.message), failure: { kind, reason: error.message } };
  }
}

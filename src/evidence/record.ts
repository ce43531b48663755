/**
 * The evidence record: what an auditor reads. Two kinds — a scan attestation (checks run and
 * what they saw) and an action record (a change made or refused, phase by phase) — with common
 * fields that place each record in the site, the agent's version and the chain.
 *
 * Names are snake_case because the record is the exported, signed, cross-language format.
 * A *draft* is what the agent's parts hand to the outbox; the outbox adds the chain fields
 * (`seq`, `prev_hash`, `bundle_id`, `created_at`), scrubs, canonicalizes and signs.
 * @module
 */

/** The verdict of one check on one host. `unreachable` is never `pass` (field lesson 25). */
export type CheckStatus = "pass" | "fail" | "error" | "not_applicable" | "unreachable";
export const CHECK_STATUSES: readonly CheckStatus[] = ["pass", "fail", "error", "not_applicable", "unreachable"];

/** Control ids per framework, e.g. `{ hipaa: ["164.312(b)"], cis: ["4.1.1"] }`. */
export interface FrameworkControls {
  hipaa?: string[];
  soc2?: string[];
  pci_dss?: string[];
  nist_csf?: string[];
  cis?: string[];
}
export const FRAMEWORKS = ["hipaa", "soc2", "pci_dss", "nist_csf", "cis"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** One check's result inside a scan attestation. */
export interface CheckResult {
  /** Stable check id, e.g. `linux.sshd.root-login-disabled` or `appliance.disk-space`. */
  check: string;
  /** The name Central Command's rules know the check by, e.g. `linux_ssh_config`, when it has one. */
  check_type?: string;
  hostname: string;
  status: CheckStatus;
  /** What compliance needs, in words or a value. */
  expected?: string;
  /** What was seen (scrubbed). */
  actual?: string;
  /** Why the verdict is error / not_applicable / unreachable, or a note on a fail. */
  reason?: string;
  severity?: "low" | "medium" | "high" | "critical";
  controls: FrameworkControls;
  /** Raw probe output (capped, scrubbed) kept when the output could not be judged. */
  output?: string;
}

/** Outcome of an action record (design: evidence.md). */
export type ActionOutcome = "success" | "failed" | "reverted" | "deferred" | "alert" | "rejected" | "expired" | "dry_run";
export const ACTION_OUTCOMES: readonly ActionOutcome[] = ["success", "failed", "reverted", "deferred", "alert", "rejected", "expired", "dry_run"];

/** One phase of an action (detect, remediate, verify, rollback) with digests, not raw output. */
export interface ActionPhase {
  phase: string;
  started_at: string;
  duration_ms: number;
  /** sha256 hex of the script or command that ran. */
  command_sha256?: string;
  exit_code?: number | null;
  /** sha256 hex of stdout+stderr as captured. */
  output_sha256?: string;
  result?: string;
}

/** Clock facts at the time of the record. */
export interface ClockFacts {
  /** Offset from the reference clock (ms), when known. */
  offset_ms?: number;
  /** Whether the kernel reports the clock as synchronised. */
  synchronized?: boolean;
  /** What the offset was measured against, e.g. "central-command" or an NTP server. */
  source?: string;
}

/** Fields every record carries; the outbox fills the chain fields. */
export interface RecordCommon {
  schema: "compliance-agent/evidence/v1";
  kind: "scan" | "action";
  /** Sortable unique id (UUID v7). */
  bundle_id: string;
  /** Position in the chain, from 1, no gaps. */
  seq: number;
  /** sha256 hex of the previous record's canonical bytes; 64 zeros for the first record. */
  prev_hash: string;
  created_at: string;
  site_id: string;
  /** The host the record is about (the appliance's own hostname for self-checks). */
  host_id: string;
  agent_version: string;
  policy_version: string;
  /** sha256 of the check/runbook/rule catalog in force. */
  ruleset_hash: string;
  deployment_mode: "direct" | "reseller";
  reseller_id?: string;
  clock: ClockFacts;
}

export interface ScanRecord extends RecordCommon {
  kind: "scan";
  scan: {
    started_at: string;
    finished_at: string;
    /** How the checks were run: `self`, `ssh`, `winrm`, `sensor`. */
    method: string;
    checks: CheckResult[];
    summary: Record<CheckStatus, number> & { total: number };
  };
}

export interface ActionRecord extends RecordCommon {
  kind: "action";
  action: {
    /** What chose the action: an L1 rule, an L2 plan, an order, a person. */
    tier: "L1" | "L2" | "L3" | "order" | "manual";
    incident_id?: string;
    order_id?: string;
    rule_id?: string;
    plan_id?: string;
    runbook_id?: string;
    runbook_version?: string;
    hostname: string;
    check?: string;
    pre_state?: { expected?: string; actual?: string };
    phases: ActionPhase[];
    post_state?: { status?: CheckStatus; actual?: string };
    outcome: ActionOutcome;
    reason?: string;
    rollback_available: boolean;
    controls: FrameworkControls;
  };
}

export type EvidenceRecord = ScanRecord | ActionRecord;

/** Chain fields the outbox assigns; everything else comes from the caller. */
type ChainFields = "schema" | "bundle_id" | "seq" | "prev_hash" | "created_at";
export type ScanDraft = Omit<ScanRecord, ChainFields>;
export type ActionDraft = Omit<ActionRecord, ChainFields>;
export type EvidenceDraft = ScanDraft | ActionDraft;

export const GENESIS_HASH = "0".repeat(64);
export const RECORD_SCHEMA = "compliance-agent/evidence/v1" as const;

/** Counts of each status plus the total, for a scan's summary. */
export function summarize(checks: readonly CheckResult[]): ScanRecord["scan"]["summary"] {
  const s = { total: checks.length, pass: 0, fail: 0, error: 0, not_applicable: 0, unreachable: 0 };
  for (const c of checks) s[c.status]++;
  return s;
}

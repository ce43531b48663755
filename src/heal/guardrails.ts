/**
 * The one gate in front of every remote change: healing switched on, a trusted clock, the
 * maintenance window for disruptive work, no flapping, and dry-run. Each refusal is a value
 * with the outcome it records and a reason a technician can act on.
 * @module
 */
import { inMaintenanceWindow, type MaintenanceWindow } from "../config/maintenance-window.ts";
import type { ActionOutcome } from "../evidence/record.ts";

export interface GuardrailFacts {
  /** `healing_enabled`, after any disable_healing / enable_healing order. */
  healingEnabled: boolean;
  dryRun: boolean;
  maintenanceWindow: MaintenanceWindow;
  allowDisruptiveOutsideWindow: boolean;
  /** Central Command has put the site in maintenance until then (epoch ms). */
  maintenanceUntilMs?: number;
  /** Local time, minutes after midnight. */
  minutesOfDay: number;
  nowMs: number;
  /** Measured offset from a trusted clock, when known; unknown counts as untrusted. */
  clockOffsetMs?: number;
  maxClockSkewMs: number;
  /** Heals of this check on this host in the flap window, including failed ones. */
  recentHeals: number;
  maxHealsPerWindow: number;
  runbook: { disruptive: boolean; requires_maintenance_window: boolean };
}

export type GuardrailVerdict = { allowed: true } | { allowed: false; outcome: Extract<ActionOutcome, "rejected" | "deferred" | "dry_run">; reason: string };

/**
 * Decides whether a remediation may run now. Order matters: a switched-off heal is refused
 * before anything is measured, and dry-run comes last so a dry run reports what else would
 * have stopped it.
 */
export function judgeGuardrails(f: GuardrailFacts): GuardrailVerdict {
  if (!f.healingEnabled) return { allowed: false, outcome: "rejected", reason: "healing is switched off for this site" };
  // Evidence must say when a change happened: a heal on an unknown or wrong clock is put off.
  if (f.clockOffsetMs === undefined) return { allowed: false, outcome: "deferred", reason: "the clock has not been checked against a trusted source yet" };
  if (Math.abs(f.clockOffsetMs) > f.maxClockSkewMs) {
    return { allowed: false, outcome: "deferred", reason: `the clock is off by ${Math.round(f.clockOffsetMs)} ms (limit ${f.maxClockSkewMs} ms)` };
  }
  if (f.maintenanceUntilMs !== undefined && f.nowMs < f.maintenanceUntilMs) {
    return { allowed: false, outcome: "deferred", reason: `the site is in maintenance until ${new Date(f.maintenanceUntilMs).toISOString()}` };
  }
  const needsWindow = f.runbook.requires_maintenance_window || (f.runbook.disruptive && !f.allowDisruptiveOutsideWindow);
  if (needsWindow && !inMaintenanceWindow(f.maintenanceWindow, f.minutesOfDay)) {
    return {
      allowed: false,
      outcome: "deferred",
      reason: `the runbook is ${f.runbook.requires_maintenance_window ? "for the maintenance window" : "disruptive"} and it is outside ${f.maintenanceWindow.start}-${f.maintenanceWindow.end}`,
    };
  }
  if (f.recentHeals >= f.maxHealsPerWindow) {
    return { allowed: false, outcome: "rejected", reason: `flapping: healed ${f.recentHeals} times in the flap window; escalate instead of healing again` };
  }
  if (f.dryRun) return { allowed: false, outcome: "dry_run", reason: "dry run: the remediation was not run" };
  return { allowed: true };
}

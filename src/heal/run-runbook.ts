/**
 * The one path to a change on a host: detect (run the check), pick the platform's variant,
 * check the parameters, pass the guardrails, remediate, then verify by running the check again.
 * Success means the verify phase shows the check passing; a failed verify rolls back when the
 * runbook can. Every phase is kept as digests for the action record.
 * @module
 */
import { createHash } from "node:crypto";
import type { Check, Runbook } from "../catalog/index.ts";
import type { ActionOutcome, ActionPhase, CheckResult } from "../evidence/record.ts";
import { batchNonce } from "../scan/batch-script.ts";
import { scanHost, type HostScan } from "../scan/scan-host.ts";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { privilegedInvocation, TransportError, type Executor, type Privilege } from "../transport/index.ts";
import type { GuardrailVerdict } from "./guardrails.ts";
import { runbookArgs } from "./runbook-args.ts";

export interface HealRequest {
  runbook: Runbook;
  check: Check;
  hostname: string;
  executor: Executor;
  privilege: Privilege;
  params?: Record<string, unknown>;
  /** The guardrails, asked once the change is known and about to run. */
  guard: (runbook: Runbook) => GuardrailVerdict;
  /** Called just before the remediation runs (flap counting). */
  onAttempt?: () => void;
  clock: Clock;
  random: Random;
}

export interface HealResult {
  outcome: ActionOutcome;
  reason?: string;
  phases: ActionPhase[];
  pre: CheckResult;
  post?: CheckResult;
  rollbackAvailable: boolean;
  /** The variant's platform and distro, when the host was reached. */
  platform?: string;
  distro?: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

type Variant = Runbook["variants"][number];

/** The first variant for the host's platform and distro (by `ID` or `ID_LIKE`). */
export function variantFor(runbook: Runbook, scan: Pick<HostScan, "platform" | "distro" | "distroLike">): Variant | undefined {
  const names = [scan.distro, ...(scan.distroLike ?? [])].filter((n): n is string => n !== undefined);
  return runbook.variants.find((v) => v.platforms.includes(scan.platform ?? "linux") && (v.distros.length === 0 || v.distros.some((d) => names.includes(d))));
}

export async function runRunbook(req: HealRequest): Promise<HealResult> {
  const { runbook, check, clock } = req;
  const phases: ActionPhase[] = [];
  const detectOrVerify = async (phase: "detect" | "verify"): Promise<HostScan> => {
    const started = clock.now();
    const scan = await scanHost({ executor: req.executor, checks: [check], hostname: req.hostname, privilege: req.privilege, nonce: batchNonce(req.random), nowMs: started });
    const r = scan.results[0]!;
    phases.push({
      phase,
      started_at: new Date(started).toISOString(),
      duration_ms: Math.max(0, clock.now() - started),
      command_sha256: sha256(check.probe.shell),
      result: r.status,
    });
    return scan;
  };

  const detected = await detectOrVerify("detect");
  const pre = detected.results[0]!;
  const base = { phases, pre, rollbackAvailable: false, ...(detected.platform ? { platform: detected.platform } : {}), ...(detected.distro ? { distro: detected.distro } : {}) };
  if (pre.status === "pass") return { ...base, outcome: "success", reason: "already compliant: nothing was changed" };
  if (pre.status !== "fail") return { ...base, outcome: "failed", reason: `cannot heal: the check gave ${pre.status}${pre.reason ? `: ${pre.reason}` : ""}` };

  const variant = variantFor(runbook, detected);
  if (!variant) return { ...base, outcome: "failed", reason: `runbook "${runbook.id}" has no variant for ${detected.platform}/${detected.distro}` };
  if (variant.escalate !== undefined) return { ...base, outcome: "alert", reason: `escalated: ${variant.escalate}` };
  const args = runbookArgs(runbook, req.params);
  if (!args.ok) return { ...base, outcome: "rejected", reason: args.reason };
  const rollbackAvailable = variant.rollback !== undefined;
  const verdict = req.guard(runbook);
  if (!verdict.allowed) return { ...base, rollbackAvailable, outcome: verdict.outcome, reason: verdict.reason };

  const runPhase = async (phase: "remediate" | "rollback", script: string) => {
    const started = clock.now();
    const { command, stdin } = privilegedInvocation(req.privilege, script, args.args);
    try {
      const r = await req.executor.run(command, { deadlineMs: runbook.timeout_seconds * 1000, stdin, maxOutputBytes: 256 * 1024 });
      phases.push({
        phase,
        started_at: new Date(started).toISOString(),
        duration_ms: r.durationMs,
        command_sha256: sha256(script),
        exit_code: r.exitCode,
        output_sha256: sha256(r.stdout + r.stderr),
        result: r.timedOut ? "timed_out" : r.exitCode === 0 ? "ok" : "failed",
      });
      return r;
    } catch (error) {
      phases.push({ phase, started_at: new Date(started).toISOString(), duration_ms: Math.max(0, clock.now() - started), command_sha256: sha256(script), result: "not_run" });
      if (error instanceof TransportError) return undefined;
      throw error;
    }
  };

  req.onAttempt?.();
  const remediated = await runPhase("remediate", variant.remediate!);
  const verified = await detectOrVerify("verify");
  const post = verified.results[0]!;
  if (post.status === "pass") return { ...base, rollbackAvailable, post, outcome: "success" };
  const why = !remediated
    ? "the connection failed during the remediation"
    : remediated.timedOut
      ? `the remediation ran past its ${runbook.timeout_seconds} s timeout`
      : `the check still gives ${post.status} after the remediation (exit ${remediated.exitCode})`;
  if (variant.rollback !== undefined) {
    const rolled = await runPhase("rollback", variant.rollback);
    const ok = rolled !== undefined && rolled.exitCode === 0;
    return { ...base, rollbackAvailable, post, outcome: ok ? "reverted" : "failed", reason: ok ? `${why}; rolled back` : `${why}; the rollback failed too` };
  }
  return { ...base, rollbackAvailable, post, outcome: "failed", reason: why };
}

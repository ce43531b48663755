/**
 * Runs every self-check over one set of facts and returns evidence results. Pure: the same
 * facts give the same results.
 * @module
 */
import type { CheckResult, FrameworkControls } from "../evidence/record.ts";
import { agentVersionCheck } from "./agent-version.ts";
import { clockOffsetCheck } from "./clock-offset.ts";
import { diskSpaceCheck } from "./disk-space.ts";
import { evidenceQueueCheck } from "./evidence-queue.ts";
import type { SelfCheckFacts } from "./facts.ts";
import { lastCheckinCheck } from "./last-checkin.ts";
import { DEFAULT_MAX_SKEW_MS, type SelfCheck, type SelfCheckOptions, type SelfCheckVerdict } from "./self-check.ts";
import { timeSyncCheck } from "./time-sync.ts";

/** Every self-check, in the order results are reported. */
export const SELF_CHECKS: readonly SelfCheck[] = [
  diskSpaceCheck,
  clockOffsetCheck,
  timeSyncCheck,
  agentVersionCheck,
  evidenceQueueCheck,
  lastCheckinCheck,
];

/**
 * One result per self-check, about `facts.hostname`. A check that throws yields an `error`
 * result with the exception's message: a bug in one check never hides the others, and never
 * passes.
 *
 * @example
 * const results = runSelfChecks(await gatherSelfCheckFacts(deps), { maxSkewMs: config.ntpMaxSkewMs });
 */
export function runSelfChecks(facts: SelfCheckFacts, { maxSkewMs = DEFAULT_MAX_SKEW_MS }: SelfCheckOptions = {}): CheckResult[] {
  if (!(maxSkewMs > 0)) throw new RangeError(`maxSkewMs must be positive, got ${maxSkewMs}`);
  return SELF_CHECKS.map((check) => {
    let verdict: SelfCheckVerdict;
    try {
      verdict = check.evaluate(facts, { maxSkewMs });
    } catch (err) {
      verdict = { status: "error", reason: `the check failed to run: ${err instanceof Error ? err.message : String(err)}` };
    }
    return {
      check: check.id,
      hostname: facts.hostname,
      status: verdict.status,
      ...(verdict.expected !== undefined && { expected: verdict.expected }),
      ...(verdict.actual !== undefined && { actual: verdict.actual }),
      ...(verdict.reason !== undefined && { reason: verdict.reason }),
      severity: check.severity,
      controls: copyControls(check.controls),
    };
  });
}

// Each result gets its own arrays, so a caller editing one record cannot change the table.
function copyControls(controls: Readonly<FrameworkControls>): FrameworkControls {
  return Object.fromEntries(Object.entries(controls).map(([framework, ids]) => [framework, [...ids]]));
}

/**
 * `appliance.evidence-queue`: evidence reaches Central Command. Records waiting on the
 * appliance are not reviewed and are lost with the appliance; a growing or ageing queue means
 * uploads are failing.
 * @module
 */
import { SELF_CHECK_CONTROLS } from "./controls.ts";
import { formatDuration } from "./format.ts";
import type { SelfCheck } from "./self-check.ts";

/** Fail when more records than this wait for upload. */
export const MAX_PENDING_RECORDS = 10_000;
/** Fail when the oldest waiting record is older than this. */
export const MAX_PENDING_AGE_MS = 24 * 60 * 60 * 1000;

export const evidenceQueueCheck: SelfCheck = {
  id: "appliance.evidence-queue",
  title: "Evidence is uploaded to Central Command without a backlog",
  rationale: "Evidence that stays on the appliance is neither reviewed nor safe from the appliance's loss.",
  severity: "high",
  controls: SELF_CHECK_CONTROLS["appliance.evidence-queue"],
  evaluate({ evidenceQueue: queue }) {
    const expected = `at most ${MAX_PENDING_RECORDS} records waiting for upload, none for longer than ${formatDuration(MAX_PENDING_AGE_MS)}`;
    if (queue === undefined) return { status: "error", expected, reason: "the agent did not report its evidence queue" };
    const { depth, oldestPendingAgeMs: age } = queue;
    if (!Number.isInteger(depth) || depth < 0 || (age !== undefined && !(age >= 0))) {
      return { status: "error", expected, reason: `the evidence queue report is not usable: depth ${depth}, oldest age ${age} ms` };
    }
    if (depth === 0) return { status: "pass", expected, actual: "no records waiting" };

    const actual = `${depth} ${depth === 1 ? "record" : "records"} waiting` + (age === undefined ? "" : `, the oldest for ${formatDuration(age)}`);
    const problems = [
      ...(depth > MAX_PENDING_RECORDS ? [`more than ${MAX_PENDING_RECORDS} records wait`] : []),
      ...(age !== undefined && age > MAX_PENDING_AGE_MS ? [`a record has waited longer than ${formatDuration(MAX_PENDING_AGE_MS)}`] : []),
    ];
    if (problems.length > 0) return { status: "fail", expected, actual, reason: problems.join(" and ") };
    if (age === undefined) return { status: "error", expected, actual, reason: "the age of the oldest waiting record is unknown" };
    return { status: "pass", expected, actual };
  },
};

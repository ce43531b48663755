/**
 * `appliance.last-checkin`: Central Command has heard from the appliance recently. Without
 * check-ins nobody sees the site's findings, and the appliance receives no orders or updates.
 * @module
 */
import { isoSeconds } from "../time/clock.ts";
import { SELF_CHECK_CONTROLS } from "./controls.ts";
import { formatDuration } from "./format.ts";
import type { SelfCheck } from "./self-check.ts";

/** Fail when the last successful check-in is older than this. */
export const MAX_CHECKIN_AGE_MS = 15 * 60 * 1000;

export const lastCheckinCheck: SelfCheck = {
  id: "appliance.last-checkin",
  title: "The appliance checked in with Central Command recently",
  rationale: "Findings reach the people who act on them only through check-ins.",
  severity: "high",
  controls: SELF_CHECK_CONTROLS["appliance.last-checkin"],
  evaluate({ lastCheckinAtMs: at, nowMs }) {
    const expected = `a successful check-in within the last ${formatDuration(MAX_CHECKIN_AGE_MS)}`;
    if (at === undefined) {
      return { status: "fail", expected, actual: "never", reason: "no successful check-in is recorded" };
    }
    if (!Number.isFinite(at) || !Number.isFinite(nowMs)) {
      return { status: "error", expected, reason: `the check-in time is not usable: ${at}` };
    }
    const age = nowMs - at;
    if (age < 0) {
      return {
        status: "error",
        expected,
        actual: `last successful check-in at ${isoSeconds(at)}`,
        reason: `the last check-in is ${formatDuration(-age)} in the future: the clock was set back`,
      };
    }
    const actual = `last successful check-in ${formatDuration(age)} ago, at ${isoSeconds(at)}`;
    return age <= MAX_CHECKIN_AGE_MS
      ? { status: "pass", expected, actual }
      : { status: "fail", expected, actual, reason: `no successful check-in for more than ${formatDuration(MAX_CHECKIN_AGE_MS)}` };
  },
};

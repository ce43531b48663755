/**
 * `appliance.clock-offset`: this clock is close to a reference clock. Evidence carries
 * timestamps, and an auditor relies on them only if the clock that wrote them was right; a
 * frozen or drifting clock (the T640's TSC freeze, field lesson 30) shows up here first.
 * @module
 */
import { clockReference } from "./clock-reference.ts";
import { SELF_CHECK_CONTROLS } from "./controls.ts";
import { formatMs } from "./format.ts";
import type { SelfCheck } from "./self-check.ts";

export const clockOffsetCheck: SelfCheck = {
  id: "appliance.clock-offset",
  title: "The clock is within the allowed offset of a reference clock",
  rationale: "Every evidence record is timestamped by this clock.",
  severity: "high",
  controls: SELF_CHECK_CONTROLS["appliance.clock-offset"],
  evaluate(facts, { maxSkewMs }) {
    const expected = `within ${maxSkewMs} ms of the NTP servers' median, else of Central Command's clock`;
    const reference = clockReference(facts);
    if (reference === undefined) {
      const ntp = facts.ntp?.summary;
      const why =
        ntp !== undefined && ntp.queried > 0
          ? `none of the ${ntp.queried} NTP servers answered`
          : "no NTP server is configured";
      return {
        status: "error",
        expected,
        reason: `no clock offset is known: ${why} and no check-in has measured Central Command's clock`,
      };
    }
    const { offsetMs, description } = reference;
    const direction = offsetMs > 0 ? "behind" : "ahead of";
    const actual =
      Math.abs(offsetMs) < 0.05
        ? `this clock agrees with ${description}`
        : `this clock is ${formatMs(offsetMs)} ${direction} ${description}`;
    return Math.abs(offsetMs) <= maxSkewMs
      ? { status: "pass", expected, actual }
      : { status: "fail", expected, actual, reason: `the offset is more than the ${maxSkewMs} ms allowed (ntp_max_skew_ms)` };
  },
};

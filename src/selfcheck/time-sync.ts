/**
 * `appliance.time-sync`: something keeps this clock synchronised. The kernel knows whether a
 * time daemon disciplines it (adjtimex); with NTP servers configured, they must also mostly
 * answer and agree, or the offset the appliance reports rests on one voice or on none.
 * @module
 */
import { ADJTIMEX_STATES, type KernelClockStatus } from "../time/adjtimex.ts";
import type { NtpSummary } from "../time/sntp.ts";
import { SELF_CHECK_CONTROLS } from "./controls.ts";
import { formatMs } from "./format.ts";
import type { SelfCheck } from "./self-check.ts";

export const timeSyncCheck: SelfCheck = {
  id: "appliance.time-sync",
  title: "The clock is synchronised to a time source",
  rationale: "An unsynchronised clock drifts, and evidence timestamps drift with it.",
  severity: "medium",
  controls: SELF_CHECK_CONTROLS["appliance.time-sync"],
  evaluate({ kernelClock, ntp }, { maxSkewMs }) {
    const withNtp = ntp !== undefined && ntp.summary.queried > 0;
    const expected =
      "the kernel reports the clock synchronised (adjtimex)" +
      (withNtp ? `; at least half of the NTP servers answer and agree within ${maxSkewMs} ms` : "");
    const problems: string[] = [];
    const seen = [describeKernel(kernelClock)];
    if (kernelClock !== undefined && !kernelClock.synchronized) problems.push("the kernel reports the clock unsynchronised");
    if (withNtp) {
      const s = ntp.summary;
      seen.push(describeNtp(s));
      if (s.answered * 2 < s.queried) problems.push(`only ${s.answered} of ${s.queried} NTP servers answered`);
      if (s.spreadMs !== undefined && s.spreadMs > maxSkewMs) {
        problems.push(`the NTP servers disagree by ${formatMs(s.spreadMs)}, more than ${maxSkewMs} ms`);
      }
    }
    const actual = seen.join("; ");
    // A known failure is a fail even when the kernel could not be read; an unknown alone is an error.
    if (problems.length > 0) return { status: "fail", expected, actual, reason: problems.join("; ") };
    if (kernelClock === undefined) {
      return { status: "error", expected, actual, reason: "cannot read the kernel clock state (adjtimex is unavailable or failed)" };
    }
    return { status: "pass", expected, actual };
  },
};

function describeKernel(clock: KernelClockStatus | undefined): string {
  if (clock === undefined) return "kernel clock state unknown";
  const state = ADJTIMEX_STATES[clock.state] ?? `state ${clock.state}`;
  const flags = `status 0x${clock.statusFlags.toString(16).padStart(4, "0")}`;
  return clock.synchronized
    ? `kernel synchronised (${state}, ${flags}, maximum error ${formatMs(clock.maxErrorUs / 1000)}, estimated error ${formatMs(clock.estErrorUs / 1000)})`
    : `kernel unsynchronised (${state}, ${flags})`;
}

function describeNtp({ queried, answered, spreadMs }: NtpSummary): string {
  const agreement = answered >= 2 && spreadMs !== undefined ? `, ${formatMs(spreadMs)} apart` : "";
  return `${answered} of ${queried} NTP servers answered${agreement}`;
}

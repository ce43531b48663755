/**
 * Which clock this one is compared with: the median of the NTP servers that answered, else
 * Central Command's `server_time` from the last check-in. Shared by the clock-offset check and
 * the clock facts of the self-check record, so both name the same source.
 * @module
 */
import { formatNtpServer } from "../time/sntp.ts";
import type { SelfCheckFacts } from "./facts.ts";

/** A measured offset and where it came from. */
export interface ClockReference {
  /** The reference clock minus ours (ms): positive when this clock is behind. */
  offsetMs: number;
  /** For the record's `clock.source`: `ntp:<server>,<server>…` or `central-command`. */
  source: string;
  /** For people: `the median of 2 of 3 NTP servers`. */
  description: string;
}

/** The reference clock, or `undefined` when neither NTP nor Central Command has measured one. */
export function clockReference({ ntp, centralSkewMs }: Pick<SelfCheckFacts, "ntp" | "centralSkewMs">): ClockReference | undefined {
  const summary = ntp?.summary;
  if (summary?.medianOffsetMs !== undefined) {
    const answered = ntp!.results.flatMap((r) => (r.ok ? [formatNtpServer(r.server)] : []));
    return {
      offsetMs: summary.medianOffsetMs,
      source: `ntp:${answered.join(",")}`,
      description: `the median of ${summary.answered} of ${summary.queried} NTP servers`,
    };
  }
  if (centralSkewMs !== undefined && Number.isFinite(centralSkewMs)) {
    const fallback = summary !== undefined && summary.queried > 0 ? ", as no NTP server answered" : "";
    return {
      offsetMs: centralSkewMs,
      source: "central-command",
      description: `Central Command's server_time at the last check-in${fallback}`,
    };
  }
  return undefined;
}

/**
 * What the self-checks judge: plain facts about the appliance, gathered by `gather.ts` or
 * written by a test. Every fact that can be unknown says so, and no check passes on an unknown.
 * @module
 */
import type { KernelClockStatus } from "../time/adjtimex.ts";
import type { NtpSurvey } from "../time/sntp.ts";

/** The filesystem holding the state directory, or why it could not be read. */
export type DiskFacts =
  | { path: string; totalBytes: number; freeBytes: number }
  | { path: string; error: string };

/** The evidence outbox: records waiting for upload to Central Command. */
export interface EvidenceQueueFacts {
  depth: number;
  /** Age of the oldest waiting record; absent when none waits (or unknown). */
  oldestPendingAgeMs?: number;
}

/** Everything the self-checks look at. */
export interface SelfCheckFacts {
  /** When the facts were gathered, milliseconds since the Unix epoch. */
  nowMs: number;
  /** The appliance's hostname: the host every self-check result is about. */
  hostname: string;
  agentVersion: string;
  disk: DiskFacts;
  /** adjtimex(2); absent where it cannot be read. */
  kernelClock?: KernelClockStatus;
  /** The NTP servers' answers; absent when none is configured. */
  ntp?: NtpSurvey;
  /** Central Command's clock minus ours (ms), from the last check-in that measured it. */
  centralSkewMs?: number;
  /** When the last successful check-in happened; absent when there has been none. */
  lastCheckinAtMs?: number;
  /** Absent when the agent did not report its outbox. */
  evidenceQueue?: EvidenceQueueFacts;
}

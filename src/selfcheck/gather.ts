/**
 * Reads the facts the self-checks judge from this machine: the state directory's filesystem,
 * the kernel clock and, when configured, the NTP servers. Values only the agent knows (its last
 * check-in, its outbox) are passed in. Every reader is injected; the defaults are the real ones.
 * @module
 */
import { statfsSync } from "node:fs";
import os from "node:os";
import { readAdjtimex, type KernelClockStatus } from "../time/adjtimex.ts";
import type { Clock } from "../time/clock.ts";
import { queryNtpMany, type NtpQueryOptions, type NtpServer, type NtpSurvey } from "../time/sntp.ts";
import type { DiskFacts, EvidenceQueueFacts, SelfCheckFacts } from "./facts.ts";

/** What {@link gatherSelfCheckFacts} reads and is told. */
export interface GatherSelfCheckDeps {
  stateDir: string;
  agentVersion: string;
  /** Config `ntp_servers`; none means no NTP query. */
  ntpServers?: readonly NtpServer[];
  /** How long each NTP server has to answer. */
  ntpTimeoutMs?: number;
  /** When the last successful check-in happened (ms since the epoch); absent when never. */
  lastCheckinAtMs?: number;
  /** Central Command's clock minus ours (ms) at the last check-in that measured it. */
  centralSkewMs?: number;
  evidenceQueue?: EvidenceQueueFacts;
  clock?: Pick<Clock, "now">;
  hostname?: () => string;
  statfs?: (path: string) => { bsize: number; blocks: number; bavail: number };
  readKernelClock?: () => KernelClockStatus | undefined;
  queryNtpMany?: (servers: readonly NtpServer[], options: NtpQueryOptions) => Promise<NtpSurvey>;
}

/**
 * The facts for {@link runSelfChecks}. Never throws for a fact it cannot read: that fact is
 * recorded as unknown (or as the error) and the check that needs it reports `error`.
 *
 * @example
 * const facts = await gatherSelfCheckFacts({ stateDir: config.stateDir, agentVersion: AGENT_VERSION,
 *   ntpServers: config.ntpServers, lastCheckinAtMs, centralSkewMs, evidenceQueue });
 */
export async function gatherSelfCheckFacts({
  stateDir,
  agentVersion,
  ntpServers = [],
  ntpTimeoutMs = 2000,
  lastCheckinAtMs,
  centralSkewMs,
  evidenceQueue,
  clock = { now: () => Date.now() },
  hostname = os.hostname,
  statfs = statfsSync,
  readKernelClock = readAdjtimex,
  queryNtpMany: askNtp = queryNtpMany,
}: GatherSelfCheckDeps): Promise<SelfCheckFacts> {
  const ntp = ntpServers.length > 0 ? await askNtp(ntpServers, { timeoutMs: ntpTimeoutMs }) : undefined;
  const kernelClock = readKernelClock();
  return {
    nowMs: clock.now(),
    hostname: hostname().trim(),
    agentVersion,
    disk: readDisk(stateDir, statfs),
    ...(kernelClock !== undefined && { kernelClock }),
    ...(ntp !== undefined && { ntp }),
    ...(centralSkewMs !== undefined && { centralSkewMs }),
    ...(lastCheckinAtMs !== undefined && { lastCheckinAtMs }),
    ...(evidenceQueue !== undefined && { evidenceQueue: { ...evidenceQueue } }),
  };
}

function readDisk(path: string, statfs: NonNullable<GatherSelfCheckDeps["statfs"]>): DiskFacts {
  try {
    const { bsize, blocks, bavail } = statfs(path);
    // bavail, not bfree: the blocks reserved for root are not room the agent can count on.
    return { path, totalBytes: Number(blocks) * Number(bsize), freeBytes: Number(bavail) * Number(bsize) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { path, error: e.code ?? e.message };
  }
}

/**
 * The check-in's `daemon_health` object: how the agent process itself is doing.
 * @module
 */
import os from "node:os";
import type { BootSource } from "./boot-source.ts";
import type { HostFacts } from "./host-facts.ts";

/** The `daemon_health` check-in field, in Central Command's snake_case. */
export interface DaemonHealth {
  /** Resident set size, MiB to one decimal. */
  rss_mb: number;
  /** JavaScript heap in use, MiB to one decimal. */
  heap_used_mb: number;
  /** Whole seconds since the agent started. */
  uptime_seconds_daemon: number;
  num_cpu: number;
  proc_uptime_raw: string;
  clocksource: string;
  boot_source: BootSource;
  /** Items waiting per named queue (outbox, orders, …). */
  queue_depths: Record<string, number>;
}

/** Everything {@linkcode daemonHealth} reports, passed in. */
export interface DaemonHealthInput {
  startedAtMs: number;
  nowMs: number;
  queueDepths: Readonly<Record<string, number>>;
  facts: Pick<HostFacts, "procUptimeRaw" | "clocksource" | "bootSource">;
  /** Bytes, as `process.memoryUsage()` reports them. */
  memory: { rss: number; heapUsed: number };
  numCpu: number;
}

/** Builds `daemon_health` from plain values; pure. */
export function daemonHealth({
  startedAtMs,
  nowMs,
  queueDepths,
  facts,
  memory,
  numCpu,
}: DaemonHealthInput): DaemonHealth {
  return {
    rss_mb: toMiB(memory.rss),
    heap_used_mb: toMiB(memory.heapUsed),
    // A wall clock stepped backwards must not report a negative uptime.
    uptime_seconds_daemon: Math.max(0, Math.floor((nowMs - startedAtMs) / 1000)),
    num_cpu: numCpu,
    proc_uptime_raw: facts.procUptimeRaw,
    clocksource: facts.clocksource,
    boot_source: facts.bootSource,
    queue_depths: { ...queueDepths },
  };
}

/**
 * {@linkcode daemonHealth} with this process's memory and CPU count filled in.
 *
 * @example
 * measureDaemonHealth({ startedAtMs, nowMs: clock.now(), queueDepths: { outbox: 3 }, facts })
 */
export function measureDaemonHealth(
  input: Omit<DaemonHealthInput, "memory" | "numCpu">,
): DaemonHealth {
  const { rss, heapUsed } = process.memoryUsage();
  // os.cpus() is empty where /proc/cpuinfo is hidden (some containers); fall back.
  const numCpu = os.cpus().length || os.availableParallelism();
  return daemonHealth({ ...input, memory: { rss, heapUsed }, numCpu });
}

function toMiB(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}

/**
 * Scans every Linux target from the check-in on a schedule: each host every
 * `intervalMs`, or every `driftIntervalMs` while its last scan found drift, at most
 * `concurrency` hosts at a time. The appliance never scans itself, by address or, once
 * connected, by machine id. A host that fails to log in is reported once per cycle and waits
 * for its next turn instead of being retried in a tight loop.
 * @module
 */
import type { Catalog, Check } from "../catalog/index.ts";
import type { LinuxTarget } from "../inventory/targets.ts";
import type { Logger } from "../log/logger.ts";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import type { Executor } from "../transport/index.ts";
import { batchNonce } from "./batch-script.ts";
import { scanHost, type HostScan, type Privilege } from "./scan-host.ts";

/** How the appliance recognises itself among the targets. */
export interface SelfIdentity {
  hostname: string;
  /** This machine's own non-loopback addresses. */
  addresses: readonly string[];
  /** `/etc/machine-id`, when readable. */
  machineId?: string;
}

export interface LinuxScannerOptions {
  catalog: Catalog;
  targets: () => readonly LinuxTarget[];
  executorFor: (target: LinuxTarget) => Executor;
  clock: Clock;
  random: Random;
  log: Logger;
  intervalMs: number;
  driftIntervalMs: number;
  concurrency: number;
  self: SelfIdentity;
  /** Check ids or check types the site has turned off. */
  disabledChecks?: () => readonly string[];
  /** Called with each host's scan (to sign it into evidence); awaited. */
  onScan: (scan: HostScan, times: { startedAt: number; finishedAt: number }) => Promise<void>;
  /** Whole-batch deadline per host. */
  deadlineMs?: number;
  /** Once aborted, scans cut short by the stop are not reported. */
  signal?: AbortSignal;
}

export interface ScanCycle {
  scanned: number;
  drifted: number;
  unreachable: number;
  skippedSelf: number;
}

export interface LinuxScanner {
  /** Scans every host that is due now; resolves when they are all done. */
  runDue(): Promise<ScanCycle>;
  /** Makes every host due now (Central Command's `trigger_immediate_scan`). */
  scanAllNow(): void;
  /** Ends the current wait, so new targets are scanned without waiting for the next minute. */
  wake(): void;
  /** Milliseconds until the next host is due (0 when one is due now). */
  nextDueInMs(): number;
  /** Runs `runDue` whenever something is due, until the signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

const hostKey = (t: LinuxTarget) => `${t.hostname.toLowerCase()}:${t.port}`;

/** How a target gets root: root itself, else sudo with its sudo password (or login password). */
export function privilegeFor(target: LinuxTarget): Privilege {
  if (target.username === "root") return { kind: "root" };
  const password = target.sudoPassword ?? target.password;
  return password === undefined ? { kind: "sudo" } : { kind: "sudo", password };
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function createLinuxScanner(o: LinuxScannerOptions): LinuxScanner {
  const dueAt = new Map<string, number>();
  const selfHosts = new Set<string>();
  let wake: (() => void) | undefined;
  const ownNames = new Set([o.self.hostname.toLowerCase(), ...o.self.addresses.map((a) => a.toLowerCase())]);

  const checks = (): Check[] => {
    const off = new Set(o.disabledChecks?.() ?? []);
    return o.catalog.checks.filter((c) => c.status !== "retired" && !off.has(c.id) && !off.has(c.check_type));
  };

  const due = (now: number) => o.targets().filter((t) => !selfHosts.has(hostKey(t)) && (dueAt.get(hostKey(t)) ?? 0) <= now);

  async function scanOne(target: LinuxTarget, list: Check[], cycle: ScanCycle, loginFailures: string[]): Promise<void> {
    const key = hostKey(target);
    if (ownNames.has(target.hostname.toLowerCase())) {
      selfHosts.add(key);
      cycle.skippedSelf++;
      o.log.warn("target is this appliance; it is not scanned as a target", { target: target.hostname });
      return;
    }
    const startedAt = o.clock.now();
    let scan: HostScan;
    try {
      scan = await scanHost({
        executor: o.executorFor(target),
        checks: list,
        hostname: target.hostname,
        privilege: privilegeFor(target),
        nonce: batchNonce(o.random),
        nowMs: startedAt,
        ...(o.deadlineMs ? { deadlineMs: o.deadlineMs } : {}),
      });
    } catch (error) {
      // A bug, not a host problem: say so, and try again at the normal interval.
      o.log.error("scan failed", { target: target.hostname, error });
      dueAt.set(key, o.clock.now() + o.intervalMs);
      return;
    }
    const finishedAt = Math.max(startedAt, o.clock.now());
    // A stop closes the connections: what a scan saw after that is not about the host.
    if (o.signal?.aborted) return;
    if (scan.machineId !== undefined && scan.machineId === o.self.machineId) {
      selfHosts.add(key);
      cycle.skippedSelf++;
      o.log.warn("target is this appliance (same machine id); it is not scanned as a target", { target: target.hostname });
      return;
    }
    const drift = scan.results.some((r) => r.status === "fail");
    cycle.scanned++;
    if (drift) cycle.drifted++;
    if (!scan.reached) cycle.unreachable++;
    if (scan.failure && scan.failure.kind !== "unreachable") loginFailures.push(`${target.hostname}: ${scan.failure.reason}`);
    // Spread hosts over the interval (±5 %) so a site's scans do not stay bunched together.
    const interval = drift ? o.driftIntervalMs : o.intervalMs;
    dueAt.set(key, finishedAt + Math.round(interval * (0.95 + 0.1 * o.random.float())));
    try {
      await o.onScan(scan, { startedAt, finishedAt });
    } catch (error) {
      o.log.error("scan result not recorded", { target: target.hostname, error });
    }
  }

  const scanner: LinuxScanner = {
    async runDue() {
      const cycle: ScanCycle = { scanned: 0, drifted: 0, unreachable: 0, skippedSelf: 0 };
      const hosts = due(o.clock.now());
      if (hosts.length === 0) return cycle;
      const list = checks();
      const loginFailures: string[] = [];
      await eachLimited(hosts, o.concurrency, (t) => scanOne(t, list, cycle, loginFailures), o.signal);
      if (loginFailures.length > 0) o.log.warn("cannot log in to some targets; they are retried next cycle", { targets: loginFailures });
      o.log.info("scan cycle", { ...cycle, checks: list.length });
      return cycle;
    },
    scanAllNow() {
      dueAt.clear();
      selfHosts.clear();
      wake?.();
    },
    wake() {
      wake?.();
    },
    nextDueInMs() {
      const now = o.clock.now();
      let next = Number.POSITIVE_INFINITY;
      for (const t of o.targets()) {
        if (selfHosts.has(hostKey(t))) continue;
        next = Math.min(next, Math.max(0, (dueAt.get(hostKey(t)) ?? 0) - now));
      }
      return next;
    },
    async run(signal) {
      while (!signal.aborted) {
        await scanner.runDue();
        // Re-read the targets at least every minute: a check-in may have added one.
        const wait = Math.min(scanner.nextDueInMs(), 60_000);
        // A stop during the cycle has already fired: listening for it now would never hear it.
        if (signal.aborted) break;
        if (wait <= 0) continue;
        const woken = new AbortController();
        wake = () => woken.abort();
        const stop = () => woken.abort();
        signal.addEventListener("abort", stop, { once: true });
        await o.clock.sleep(wait, woken.signal).catch(() => undefined);
        signal.removeEventListener("abort", stop);
        wake = undefined;
      }
    },
  };
  return scanner;
}

/**
 * The agent's host-scanning side: the SSH pool, the Linux scanner on its schedule, and a signed
 * scan record per host scan. Loaded once the evidence side runs; it scans only what the latest
 * check-in listed, honours the site's disabled checks and CC's "scan now".
 * @module
 */
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { embeddedCatalog, type Catalog } from "../catalog/index.ts";
import type { Config } from "../config/schema.ts";
import type { Outbox } from "../evidence/outbox.ts";
import { scanDraft } from "../evidence/scan-draft.ts";
import type { LinuxTarget, TargetInventory } from "../inventory/targets.ts";
import type { Logger } from "../log/logger.ts";
import { createLinuxScanner, type LinuxScanner, type SelfIdentity } from "../scan/linux-scanner.ts";
import type { HostScan } from "../scan/scan-host.ts";
import type { AgentState } from "../store/agent-state.ts";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { createFileHostKeyStore, createSshPool, type Executor, type SshLogin, type SshPool } from "../transport/index.ts";
import { POLICY_VERSION, rulesetHash } from "./policy.ts";

export interface HostScansDeps {
  config: Config;
  agentVersion: string;
  inventory: TargetInventory;
  outbox: Outbox;
  state: AgentState;
  clock: Clock;
  random: Random;
  log: Logger;
  hostname: () => string;
  disabledChecks: () => readonly string[];
  signal: AbortSignal;
  catalog?: Catalog;
  /** Overrides how the appliance recognises itself (tests). */
  self?: SelfIdentity;
}

export interface HostScans {
  scanner: LinuxScanner;
  pool: SshPool;
  /** The pooled executor for a target (the heal path shares the scanner's connections). */
  executorFor(target: LinuxTarget): Executor;
  /** The SSH login for a target, as the pool keys it. */
  sshLogin(target: LinuxTarget): SshLogin;
  /** The scanner loop; resolves after the signal aborted and connections closed. */
  done: Promise<void>;
}

/** The SSH login for a target. */
export function sshLogin(t: LinuxTarget): SshLogin {
  return {
    host: t.hostname,
    port: t.port,
    username: t.username,
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(t.privateKey !== undefined ? { privateKey: t.privateKey } : {}),
  };
}

/** This machine's name, addresses and machine id. */
export function ownIdentity(hostname: string): SelfIdentity {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal)
    .map((a) => a!.address);
  let machineId: string | undefined;
  try {
    machineId = readFileSync("/etc/machine-id", "utf8").trim() || undefined;
  } catch {
    // Without a machine id the address check still stands.
  }
  return { hostname, addresses, ...(machineId ? { machineId } : {}) };
}

export function startHostScans(d: HostScansDeps): HostScans {
  const log = d.log.child({ component: "scan" });
  const pool = createSshPool({
    // Host keys pinned on first use, kept beside the database: a changed key stays refused across restarts.
    knownHosts: createFileHostKeyStore(join(d.config.stateDir, "ssh_known_hosts.json")),
    maxConnections: d.config.scan.sshMaxConnections,
  });
  const record = async (scan: HostScan, times: { startedAt: number; finishedAt: number }) => {
    const offset = d.state.get("lastCheckin")?.skewMs;
    const draft = scanDraft("ssh", scan.results, {
      site_id: d.config.siteId,
      host_id: scan.hostname,
      agent_version: d.agentVersion,
      policy_version: POLICY_VERSION,
      ruleset_hash: rulesetHash(),
      deployment_mode: d.config.deploymentMode,
      ...(d.config.resellerId ? { reseller_id: d.config.resellerId } : {}),
      clock: offset !== undefined ? { offset_ms: offset, source: "central-command" } : {},
      started_at: new Date(times.startedAt).toISOString(),
      finished_at: new Date(times.finishedAt).toISOString(),
    });
    const appended = await d.outbox.append(draft);
    const failing = scan.results.filter((r) => r.status !== "pass" && r.status !== "not_applicable").map((r) => `${r.check}=${r.status}`);
    log.info("host scanned", { target: scan.hostname, seq: appended.seq, checks: scan.results.length, failing });
  };
  const executorFor = (t: LinuxTarget) => pool.executorFor(sshLogin(t));
  const scanner = createLinuxScanner({
    catalog: d.catalog ?? embeddedCatalog(),
    targets: () => d.inventory.linux,
    executorFor,
    clock: d.clock,
    random: d.random,
    log,
    intervalMs: d.config.scan.intervalMinutes * 60_000,
    driftIntervalMs: d.config.scan.driftIntervalMinutes * 60_000,
    concurrency: d.config.scan.sshMaxConcurrency,
    self: d.self ?? ownIdentity(d.hostname()),
    disabledChecks: d.disabledChecks,
    onScan: record,
    signal: d.signal,
  });
  // Stopping closes every connection at once, so scans in flight end instead of holding up the stop.
  d.signal.addEventListener("abort", () => void pool.close(), { once: true });
  const done = scanner
    .run(d.signal)
    .catch((error) => log.error("scanner stopped", { error }))
    .finally(() => pool.close());
  return { scanner, pool, executorFor, sshLogin, done };
}

/**
 * Linux scanning over SSH, end to end in-process: the agent's real scanner
 * (`createLinuxScanner`) with the real SSH pool (`createSshPool`, memory host-key store) scans
 * 500 distinct loopback targets (quick: 50), each an (address, port) of a real OpenSSH server,
 * logged in as a throwaway non-root user with passwordless sudo. Each host runs 20 checks: the
 * embedded catalog's first 20 Linux checks, padded with `echo` checks if it has fewer.
 *
 * The targets all run on this machine, so their probes (a `find` over the whole filesystem
 * among them) would take the cores the agent is measured on. So, by default:
 * 1. each check's probe runs once over SSH, alone, to record its output and to measure what it
 *    costs the target;
 * 2. a sample of hosts (20; quick: 5) gets one cycle with the real probes;
 * 3. all hosts get two full cycles (the first opens every connection, the second reuses them, as
 *    every cycle after the agent's first does) with the same checks, except that each probe
 *    replays its recorded output (`section` calls, `cat` of each section, the recorded exit
 *    status) and the original probe text travels after `exit`, unexecuted. The agent sends the
 *    real probes' text (plus a short replay prefix), receives the same output and judges it
 *    with the same parsers and rules; only the targets' work shrinks. The verdicts are compared
 *    with the real probes'.
 * `--probes real` runs step 3 with the real probes instead (about 1 s of CPU per host here).
 *
 *   bun bench/linux-scan.ts [--quick] [--concurrency 32] [--hosts 500] [--probes replay|real]
 * @module
 */
import { heapStats } from "bun:jsc";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCatalog, embeddedCatalog, type Check } from "../src/catalog/index.ts";
import type { CheckResult } from "../src/evidence/record.ts";
import type { LinuxTarget } from "../src/inventory/targets.ts";
import { createLogger } from "../src/log/logger.ts";
import { buildBatchScript, splitBatchOutput, type ProbeRun } from "../src/scan/batch-script.ts";
import { createLinuxScanner, privilegeFor, type LinuxScanner } from "../src/scan/linux-scanner.ts";
import { systemClock, systemRandom } from "../src/time/index.ts";
import { privilegedInvocation, shellQuote, TransportError } from "../src/transport/index.ts";
import { createMemoryHostKeyStore, createSshExecutor, createSshPool, type SshPool } from "../src/transport/ssh/index.ts";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir } from "./support/cleanup.ts";
import type { Figure } from "./support/figures.ts";
import { machineCpuMs, selfCpuMs, selfStatusBytes } from "./support/proc.ts";
import { sshdFarmSkipReason, startSshdFarm, type SshdFarm } from "./support/sshd-farm.ts";

/** The issue's target: 500 hosts × 20 checks within one 60 s cycle on 2 cores. */
const TARGET_HOSTS = 500;
const CHECKS_PER_HOST = 20;
const TARGET_CYCLE_S = 60;
const TARGET_RATE = (TARGET_HOSTS * CHECKS_PER_HOST * 60) / TARGET_CYCLE_S;
const MB = 1e6;

/** A cheap probe that passes: pads the catalog to `CHECKS_PER_HOST` checks. */
function syntheticCheck(n: number): Check {
  const id = `bench.synthetic.echo-${String(n).padStart(2, "0")}`;
  return {
    id,
    check_type: "bench_synthetic",
    title: id,
    status: "stable",
    platforms: ["linux", "nixos"],
    severity: "low",
    rationale: "Pads a benchmark scan to its number of checks.",
    remediation: "None.",
    compliance: { hipaa: ["164.312(b)"] },
    privileged: false,
    timeout_seconds: 5,
    params: {},
    probe: { shell: "echo ok", parse: {} },
    facts: {},
    verdict: [{ if: { "==": [{ var: "out" }, "ok"] }, status: "pass" }, { status: "fail" }],
    expected: "ok",
    actual: "{{out}}",
  };
}

/**
 * The checks every host runs: the first `CHECKS_PER_HOST` of the embedded catalog that apply to
 * Linux (checks for NixOS only would be skipped on these Debian targets), padded with synthetic
 * ones when there are fewer.
 */
function benchChecks(): { checks: Check[]; fromCatalog: number } {
  const linux = embeddedCatalog().checksFor("linux").slice(0, CHECKS_PER_HOST);
  const padding = Array.from({ length: CHECKS_PER_HOST - linux.length }, (_, i) => syntheticCheck(i + 1));
  return { checks: [...linux, ...padding], fromCatalog: linux.length };
}

/** A fresh batch nonce (16+ letters and digits). */
const nonce = () => crypto.randomUUID().replaceAll("-", "");

/** One check's recorded run and what it cost the target (sshd tree CPU, ±10 ms: reaped processes count in ticks) beyond an empty batch. */
interface ProbeRecording {
  run: ProbeRun | undefined;
  targetCpuMs: number;
  wallMs: number;
}

/** An executor of its own (outside any pool) for `target`. */
function plainExecutor(farm: SshdFarm, target: LinuxTarget) {
  return createSshExecutor({
    host: target.hostname,
    port: target.port,
    username: farm.username,
    privateKey: farm.privateKey,
    knownHosts: createMemoryHostKeyStore(),
  });
}

/** Runs each check's probe alone over SSH (as the scan would: sudo when the login is not root) and records it. */
async function recordProbes(farm: SshdFarm, target: LinuxTarget, checks: readonly Check[]): Promise<Map<string, ProbeRecording>> {
  const executor = plainExecutor(farm, target);
  const privilege = privilegeFor(target);
  const runAlone = async (list: readonly Check[]) => {
    const n = nonce();
    const { command, stdin } = privilegedInvocation(farm.sudo ? privilege : { kind: "none" }, buildBatchScript(list, n));
    const cpu0 = farm.cpuMs();
    const t0 = performance.now();
    const r = await executor.run(command, { deadlineMs: 120_000, stdin, maxOutputBytes: 8 * 1024 * 1024 }).catch(async (error: unknown) => {
      // A fast probe's exit status can slip past the executor (see ssh-exec); the probe ran, so run it again.
      if (!(error instanceof TransportError && error.kind === "closed")) throw error;
      return executor.run(command, { deadlineMs: 120_000, stdin, maxOutputBytes: 8 * 1024 * 1024 });
    });
    const wallMs = performance.now() - t0;
    await Bun.sleep(50); // let the session account for its children
    return { batch: splitBatchOutput(r.stdout, n), targetCpuMs: farm.cpuMs() - cpu0, wallMs };
  };
  try {
    await runAlone([]);
    const empty = await runAlone([]);
    const recordings = new Map<string, ProbeRecording>();
    for (const check of checks) {
      const { batch, targetCpuMs, wallMs } = await runAlone([check]);
      recordings.set(check.id, {
        run: batch.runs.get(check.id),
        targetCpuMs: Math.max(0, targetCpuMs - empty.targetCpuMs),
        wallMs: Math.max(0, wallMs - empty.wallMs),
      });
    }
    return recordings;
  } finally {
    await executor.close();
  }
}

/**
 * `check` with a probe that prints `run`'s sections (from files in `dir`) and exits with its
 * status; the original probe follows `exit`, so the script sent is a little larger than the
 * real one, but the target never parses or runs that part (sh reads and runs one command at a
 * time).
 */
function replayCheck(check: Check, run: ProbeRun | undefined, dir: string, index: number): Check {
  if (!run || !run.complete) return check;
  const lines: string[] = [];
  for (const [i, [name, text]] of Object.entries(run.sections).entries()) {
    if (name !== "out") lines.push(`section ${name}`);
    if (text === "") continue;
    const file = join(dir, `probe-${index}-${i}.txt`);
    // splitBatchOutput drops the newline the next marker's printf added, so the text gets one back.
    writeFileSync(file, `${text}\n`, { mode: 0o644 });
    lines.push(`cat ${shellQuote(file)}`);
  }
  lines.push(`exit ${run.exitCode ?? 1}`, check.probe.shell);
  return { ...check, probe: { ...check.probe, shell: lines.join("\n") } };
}

/** A scanner over `targets` with its own pool, tallying what every scan found. */
function scanRig(targets: readonly LinuxTarget[], checks: readonly Check[], concurrency: number, maxConnections: number) {
  const pool: SshPool = createSshPool({ knownHosts: createMemoryHostKeyStore(), maxConnections });
  const statuses = new Map<string, number>();
  /** check id → status → count */
  const byCheck = new Map<string, Map<string, number>>();
  const reasons = new Map<string, number>();
  const logLines: string[] = [];
  const scanner = createLinuxScanner({
    catalog: createCatalog(checks, []),
    targets: () => targets,
    executorFor: (t) =>
      pool.executorFor({ host: t.hostname, port: t.port, username: t.username, ...(t.privateKey !== undefined ? { privateKey: t.privateKey } : {}) }),
    clock: systemClock,
    random: systemRandom,
    log: createLogger({ level: "warn", sink: (line) => logLines.push(line) }),
    intervalMs: 15 * 60_000,
    driftIntervalMs: 5 * 60_000,
    concurrency,
    // Not the loopback targets' machine id: the scanner would otherwise skip them as itself.
    self: { hostname: "bench-appliance", addresses: [], machineId: "bench-appliance" },
    // The agent signs each scan into evidence here; `evidence-append` measures that separately.
    onScan: async (scan) => {
      for (const r of scan.results) tally(r, statuses, byCheck, reasons);
    },
  });
  return { pool, scanner, statuses, byCheck, reasons, logLines };
}

function tally(r: CheckResult, statuses: Map<string, number>, byCheck: Map<string, Map<string, number>>, reasons: Map<string, number>): void {
  statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const perCheck = byCheck.get(r.check) ?? new Map<string, number>();
  perCheck.set(r.status, (perCheck.get(r.status) ?? 0) + 1);
  byCheck.set(r.check, perCheck);
  if (r.status === "error" || r.status === "unreachable") {
    const key = `${r.status}: ${r.check}: ${(r.reason ?? "").slice(0, 100)}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
}

/** What one cycle took. */
interface CycleFigures {
  wallMs: number;
  agentCpuMs: number;
  targetCpuMs: number;
  machineCpuMs: number;
  scanned: number;
  unreachable: number;
  statuses: Map<string, number>;
}

/** Runs one full cycle (every host due) and measures it. */
async function measureCycle(scanner: LinuxScanner, farm: SshdFarm, statuses: Map<string, number>): Promise<CycleFigures> {
  statuses.clear();
  scanner.scanAllNow();
  const agent0 = selfCpuMs();
  const target0 = farm.cpuMs();
  const machine0 = machineCpuMs();
  const t0 = performance.now();
  const cycle = await scanner.runDue();
  const wallMs = performance.now() - t0;
  return {
    wallMs,
    agentCpuMs: selfCpuMs() - agent0,
    targetCpuMs: farm.cpuMs() - target0,
    machineCpuMs: machineCpuMs() - machine0,
    scanned: cycle.scanned,
    unreachable: cycle.unreachable,
    statuses: new Map(statuses),
  };
}

function describeCycle(label: string, c: CycleFigures, hosts: number): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const other = Math.max(0, c.machineCpuMs - c.agentCpuMs - c.targetCpuMs);
  return (
    `${label}: ${c.scanned}/${hosts} hosts in ${s(c.wallMs)}; CPU: agent ${s(c.agentCpuMs)}, targets (sshd trees) ${s(c.targetCpuMs)}, ` +
    `rest of the machine ${s(other)}, of ${s(navigator.hardwareConcurrency * c.wallMs)}; results ${[...c.statuses].map(([k, v]) => `${k} ${v}`).join(", ")}`
  );
}

const rate = (c: CycleFigures) => (c.scanned * CHECKS_PER_HOST * 60_000) / c.wallMs;
const perHost = (ms: number, c: CycleFigures) => ms / Math.max(1, c.scanned);

/** Checks whose set of statuses differs between two tallies, e.g. `linux.x: pass → fail`. */
function verdictDifferences(real: Map<string, Map<string, number>>, replayed: Map<string, Map<string, number>>): string[] {
  const seen = (m: Map<string, number> | undefined) => [...(m?.keys() ?? [])].sort().join("/");
  const differences: string[] = [];
  for (const id of new Set([...real.keys(), ...replayed.keys()])) {
    const a = seen(real.get(id));
    const b = seen(replayed.get(id));
    if (a !== b) differences.push(`${id}: ${a || "none"} → ${b || "none"}`);
  }
  return differences;
}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Cannot run with --${flag} "${text}": give a positive integer`);
  return n;
}

/** Measures the scan cycles; `quick` scans 50 hosts instead of 500 (and samples 5 with real probes instead of 20). */
export async function measureLinuxScan({ quick, flags }: BenchOptions): Promise<Figure[]> {
  const skip = sshdFarmSkipReason();
  if (skip) {
    return [{ figure: "cycle 2, hosts × checks per minute", value: null, unit: "/min", target: { op: ">=", value: TARGET_RATE }, note: `skipped: ${skip}` }];
  }
  const concurrency = positiveInteger("concurrency", flags.concurrency ?? "32");
  const hosts = flags.hosts ? positiveInteger("hosts", flags.hosts) : quick ? 50 : TARGET_HOSTS;
  const probes = flags.probes ?? "replay";
  if (probes !== "replay" && probes !== "real") throw new RangeError(`Cannot run with --probes "${probes}": give replay or real`);
  const sample = Math.min(hosts, quick ? 5 : 20);
  const { checks, fromCatalog } = benchChecks();
  const checksNote =
    fromCatalog === CHECKS_PER_HOST
      ? `the embedded catalog's first ${CHECKS_PER_HOST} Linux checks`
      : `the embedded catalog's ${fromCatalog} Linux checks + ${CHECKS_PER_HOST - fromCatalog} synthetic "echo ok" checks`;

  console.log(`starting sshd for ${hosts} targets…`);
  const farm = await startSshdFarm({ targets: hosts });
  using replayDir = tempDir("replay");
  // The throwaway user reads the recordings when sudo is absent.
  chmodSync(replayDir.path, 0o755);
  const pools: SshPool[] = [];
  try {
    console.log(
      `${hosts} targets on ${farm.pids.length} sshd servers (127.0.0.1–127.0.0.${Math.min(hosts, 50)}), login "${farm.username}" ` +
        `(/bin/sh, ed25519 key, ${farm.sudo ? "passwordless sudo" : "no sudo: /usr/bin/sudo is absent, privileged checks give error"})`,
    );
    console.log(`${CHECKS_PER_HOST} checks per host: ${checksNote}; concurrency ${concurrency}; probes ${probes}`);
    const targets: LinuxTarget[] = farm.targets.map((t) => ({ hostname: t.host, port: t.port, username: farm.username, privateKey: farm.privateKey }));
    const figures: Figure[] = [
      { figure: "hosts", value: hosts, unit: "hosts", note: `distinct (address, port) on ${farm.pids.length} loopback sshd; concurrency ${concurrency}` },
      { figure: "checks per host", value: CHECKS_PER_HOST, unit: "checks", note: checksNote },
    ];

    let scanChecks = checks;
    let realByCheck: Map<string, Map<string, number>> | undefined;
    if (probes === "replay") {
      console.log(`recording each probe's output over SSH, one probe at a time…`);
      const recordings = await recordProbes(farm, targets[0]!, checks);
      const heaviest = [...recordings].sort((a, b) => b[1].targetCpuMs - a[1].targetCpuMs);
      const totalProbeCpu = heaviest.reduce((sum, [, r]) => sum + r.targetCpuMs, 0);
      console.log(
        `probes' CPU on the target: ${totalProbeCpu.toFixed(0)} ms for all ${checks.length}; heaviest: ` +
          heaviest.slice(0, 4).map(([id, r]) => `${id} ${r.targetCpuMs.toFixed(0)} ms`).join(", ") +
          ` (${heaviest[0]![0]} takes ${(heaviest[0]![1].wallMs / 1000).toFixed(1)} s wall)`,
      );
      scanChecks = checks.map((c, i) => replayCheck(c, recordings.get(c.id)?.run, replayDir.path, i));

      console.log(`real probes: one cycle over ${sample} hosts…`);
      const rig = scanRig(targets.slice(0, sample), checks, concurrency, Math.max(512, hosts));
      pools.push(rig.pool);
      const real = await measureCycle(rig.scanner, farm, rig.statuses);
      console.log(describeCycle(`real probes, ${sample} hosts`, real, sample));
      realByCheck = rig.byCheck;
      await rig.pool.close();
      figures.push(
        {
          figure: `real probes, ${sample} hosts: hosts × checks per minute`,
          value: rate(real),
          unit: "/min",
          note: "bound by the probes' own work, on the same cores",
        },
        {
          figure: "  targets' CPU per host scan, real probes",
          value: perHost(real.targetCpuMs, real),
          unit: "ms",
          note: "sshd + sudo + probes; on a site, each target's own",
        },
        {
          figure: "  heaviest probe on the target",
          value: heaviest[0]![1].targetCpuMs,
          unit: "ms",
          note: `${heaviest[0]![0]}; all ${checks.length} probes: ${totalProbeCpu.toFixed(0)} ms CPU (±10 ms each)`,
        },
        { figure: "  agent CPU per host scan, real probes", value: perHost(real.agentCpuMs, real), unit: "ms", note: "new connections" },
      );
    }

    const rig = scanRig(targets, scanChecks, concurrency, Math.max(512, hosts));
    pools.push(rig.pool);
    // The memory before any connection of the pool, with ssh2 loaded and initialised (the agent
    // loads it lazily; its first connection sets up WebAssembly memories, a one-off).
    const warmUp = plainExecutor(farm, targets[0]!);
    await warmUp.run("true", { deadlineMs: 10_000 }).catch(() => undefined);
    await warmUp.close();
    Bun.gc(true);
    const rssBefore = selfStatusBytes("VmRSS");
    const heapBefore = heapStats().heapSize + heapStats().extraMemorySize;

    console.log(`cycle 1: all ${hosts} hosts due, every connection new…`);
    const first = await measureCycle(rig.scanner, farm, rig.statuses);
    console.log(describeCycle("cycle 1", first, hosts));
    await Bun.sleep(1000);
    console.log(`cycle 2: all ${hosts} hosts due again, connections reused…`);
    const second = await measureCycle(rig.scanner, farm, rig.statuses);
    console.log(describeCycle("cycle 2", second, hosts));

    const peak = selfStatusBytes("VmHWM");
    Bun.gc(true);
    const open = rig.pool.size;
    const rssHeld = selfStatusBytes("VmRSS");
    const heapHeld = heapStats().heapSize + heapStats().extraMemorySize;
    const sshdMemory = farm.memory();
    console.log(
      `memory: RSS ${(rssBefore / MB).toFixed(1)} MB before the pool's first connection, ${(rssHeld / MB).toFixed(1)} MB with ${open} connections open, ` +
        `peak ${(peak / MB).toFixed(1)} MB; the sshd side (not this process): ${sshdMemory.processes} processes, PSS ${(sshdMemory.pss / MB).toFixed(0)} MB`,
    );
    if (rig.reasons.size > 0) {
      console.log("results that are not verdicts about the host (both cycles), by count:");
      for (const [reason, count] of [...rig.reasons].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${String(count).padStart(6)}  ${reason}`);
    }
    for (const line of rig.logLines.filter((l) => l.includes('"level":"error"') || l.includes("cannot log in")).slice(0, 3)) {
      console.log(`scanner: ${line.slice(0, 300)}`);
    }
    let replayNote = probes === "real" ? "real probes" : "probes replay recorded output";
    if (realByCheck) {
      const differences = verdictDifferences(realByCheck, rig.byCheck);
      console.log(
        differences.length === 0
          ? `replayed verdicts: the same statuses as the real probes' for all ${checks.length} checks`
          : `replayed verdicts differ from the real probes' for: ${differences.join("; ")}`,
      );
      if (differences.length > 0) replayNote += `; verdicts differ for ${differences.length} checks`;
    }

    const full = hosts >= TARGET_HOSTS;
    const wallTarget = full ? { target: { op: "<=", value: TARGET_CYCLE_S } as const } : {};
    const notReached = first.unreachable + second.unreachable + (hosts - first.scanned) + (hosts - second.scanned);
    figures.push(
      {
        figure: "cycle 1 (new connections), wall time",
        value: first.wallMs / 1000,
        unit: "s",
        ...wallTarget,
        note: `${full ? "" : `target is for ${TARGET_HOSTS} hosts; `}${replayNote}`,
      },
      { figure: "cycle 1, hosts × checks per minute", value: rate(first), unit: "/min", target: { op: ">=", value: TARGET_RATE } },
      { figure: "cycle 2 (connections reused), wall time", value: second.wallMs / 1000, unit: "s", ...wallTarget },
      { figure: "cycle 2, hosts × checks per minute", value: rate(second), unit: "/min", target: { op: ">=", value: TARGET_RATE } },
      { figure: "  agent CPU per host scan, cycle 1", value: perHost(first.agentCpuMs, first), unit: "ms", note: "this process: SSH set-up + batch + verdicts" },
      { figure: "  agent CPU per host scan, cycle 2", value: perHost(second.agentCpuMs, second), unit: "ms", note: "this process: batch + verdicts" },
      {
        figure: "  targets' CPU per host scan, cycle 2",
        value: perHost(second.targetCpuMs, second),
        unit: "ms",
        note: `sshd + sudo + ${probes === "real" ? "probes" : "replayed probes"}, on these same ${navigator.hardwareConcurrency} cores here`,
      },
      {
        figure: "  agent-only ceiling, cycle 2",
        value: (60_000 / perHost(second.agentCpuMs, second)) * CHECKS_PER_HOST,
        unit: "/min",
        note: "hosts × checks per minute if the agent had one core and the targets their own",
      },
      { figure: "hosts not reached or not scanned", value: notReached, unit: "scans", note: "both cycles; should be 0" },
      { figure: "peak RSS (VmHWM) of the bench process", value: peak / MB, unit: "MB", note: "bun running the TypeScript, not the compiled agent" },
      { figure: `RSS at ${open} open connections`, value: rssHeld / MB, unit: "MB", note: "after the cycles and a GC; sshd's memory not included" },
      {
        figure: "  RSS growth per open connection",
        value: (rssHeld - rssBefore) / open / 1000,
        unit: "kB",
        note: `vs ${(rssBefore / MB).toFixed(1)} MB before the pool's first connection (ssh2 initialised); includes heap the cycles left resident`,
      },
      {
        figure: "  live JS heap per open connection",
        value: (heapHeld - heapBefore) / open / 1000,
        unit: "kB",
        // The absolute values include ssh2's two WebAssembly memories (~70 MB counted, ~12 MB resident).
        note: "difference of bun:jsc heapStats (heap + extra memory) after GC",
      },
    );
    return figures;
  } finally {
    for (const pool of pools) await pool.close();
    await farm.stop();
  }
}

if (import.meta.main) await benchMain("Linux scan over SSH", measureLinuxScan, { concurrency: "32", hosts: "", probes: "replay" });

/**
 * What `/proc` says about processes: this process's memory, and the CPU time and memory of a
 * process tree (a daemon and everything it started, including children it has already reaped).
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS = (() => {
  const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const ticks = Number.parseInt(out.stdout ?? "", 10);
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/** A field of `/proc/self/status` in bytes (its sizes are in KiB), e.g. `VmRSS`, `VmHWM`. */
export function selfStatusBytes(field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  if (!match) throw new Error(`No ${field} in /proc/self/status`);
  return Number(match[1]) * 1024;
}

/** CPU time this process has used (all threads, user + system), in ms. */
export function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The fields of `/proc/<pid>/stat` after the command name (field 3 onwards, 0-based from state). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // ended while we looked
  }
}

/** `roots` and every live descendant of them. */
export function processTree(roots: readonly number[]): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isInteger(ppid)) continue;
    const list = childrenOf.get(ppid) ?? [];
    list.push(Number(entry));
    childrenOf.set(ppid, list);
  }
  const tree: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(childrenOf.get(pid) ?? []));
  }
  return tree;
}

/** CPU time (ns) of every thread of `pid` from `/proc/<pid>/task/<tid>/schedstat`; undefined when unreadable. */
function ownCpuNs(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    return Number.isFinite(ns) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms, user + system) used so far by `roots` and all their descendants. Each live
 * process counts its own time plus that of the children it has reaped (cutime/cstime), and
 * reaped children carry their own reaped children's time, so every process that ever ran under
 * the roots counts exactly once, as long as nothing left the tree by double-forking. A live
 * process's own time comes from `schedstat` in ns: `stat` rounds each process down to 10 ms
 * ticks, which for hundreds of short-lived sessions loses most of their time. Reaped children's
 * time exists only in ticks, rounded down once per live parent.
 */
export function treeCpuMs(roots: readonly number[]): number {
  let ms = 0;
  for (const pid of processTree(roots)) {
    const f = statFields(pid);
    if (!f) continue;
    // utime, stime, cutime, cstime are fields 14–17 of stat: 11–14 counted from the state field.
    const own = ownCpuNs(pid);
    ms += own !== undefined ? own / 1e6 : ((Number(f[11]) + Number(f[12])) / CLOCK_TICKS) * 1000;
    ms += ((Number(f[13]) + Number(f[14])) / CLOCK_TICKS) * 1000;
  }
  return ms;
}

/** Resident memory of `roots` and their descendants in bytes: summed RSS, and PSS (shared pages split). */
export function treeMemory(roots: readonly number[]): { processes: number; rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const pid of processTree(roots)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      rss += Number(/^Rss:\s+(\d+) kB$/m.exec(rollup)?.[1] ?? 0) * 1024;
      pss += Number(/^Pss:\s+(\d+) kB$/m.exec(rollup)?.[1] ?? 0) * 1024;
      processes++;
    } catch {
      // ended while we looked
    }
  }
  return { processes, rss, pss };
}

/** CPU time (ms) every process on the machine has used since boot (non-idle time of `/proc/stat`). */
export function machineCpuMs(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in
  // user; steal is another guest's time, not ours)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq) / CLOCK_TICKS) * 1000;
}

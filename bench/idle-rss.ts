/**
 * Idle memory: the compiled agent checking in every 10 s (the shortest poll interval) against
 * the reference CC, its resident set read from `/proc/<pid>/status` at the first check-in, after
 * 1 min and after 5 min (quick: after 10 s and 30 s). RssAnon is the process's own heap and
 * stacks; RssFile is mapped file pages (mostly the binary), which the kernel can share and drop.
 *
 *   bun bench/idle-rss.ts [--quick]
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir, track } from "./support/cleanup.ts";
import { compileBinary } from "./support/compile.ts";
import type { Figure } from "./support/figures.ts";
import { requireAgentBinary } from "./support/paths.ts";
import { spawnAgent, startBenchCC, withTimeout, writeAgentConfig } from "./support/agent-process.ts";

/** The target: "< 40 MB", taken strictly as 40 × 10⁶ bytes. */
const TARGET_MB = 40;
const MB = 1e6;

/** Memory fields of `/proc/<pid>/status`, in bytes. */
interface MemoryReading {
  vmRss: number;
  rssAnon: number;
  rssFile: number;
  rssShmem: number;
  vmHwm: number;
}

/** Reads `/proc/<pid>/status` (its sizes are in KiB). */
function readMemory(pid: number): MemoryReading {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    if (!match) throw new Error(`No ${name} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return {
    vmRss: field("VmRSS"),
    rssAnon: field("RssAnon"),
    rssFile: field("RssFile"),
    rssShmem: field("RssShmem"),
    vmHwm: field("VmHWM"),
  };
}

/** Resident bytes of the mappings of `file` in `/proc/<pid>/smaps` (the binary's own pages). */
function mappedFileRss(pid: number, file: string): number {
  let current = "";
  let total = 0;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) current = header[1]!;
    else if (current === file && line.startsWith("Rss:")) total += Number(/(\d+) kB/.exec(line)![1]) * 1024;
  }
  return total;
}

/** RSS of a compiled program that only waits: what the runtime alone keeps resident. */
async function runtimeFloor(dir: string): Promise<MemoryReading> {
  const entry = join(dir, "idle.ts");
  writeFileSync(entry, "setInterval(() => {}, 1 << 30);\n");
  const binary = join(dir, "idle");
  compileBinary({ entry, outfile: binary });
  const proc = track(Bun.spawn([binary], { stdin: "ignore", stdout: "ignore", stderr: "ignore" }));
  try {
    await Bun.sleep(2000);
    return readMemory(proc.pid);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

function describeReading(label: string, r: MemoryReading): string {
  const mb = (b: number) => `${(b / MB).toFixed(1)} MB`.padStart(8);
  return `${label.padEnd(24)} VmRSS ${mb(r.vmRss)}  RssAnon ${mb(r.rssAnon)}  RssFile ${mb(r.rssFile)}  RssShmem ${mb(r.rssShmem)}  VmHWM ${mb(r.vmHwm)}`;
}

/** Sleeps until `atMs` after `startMs` (on `performance.now()`), printing a heartbeat each minute. */
async function sleepUntil(startMs: number, atMs: number): Promise<void> {
  for (;;) {
    const left = startMs + atMs - performance.now();
    if (left <= 0) return;
    await Bun.sleep(Math.min(left, 60_000));
  }
}

/** Measures idle RSS; `quick` samples at 10 s and 30 s instead of 1 and 5 minutes. */
export async function measureIdleRss({ quick }: BenchOptions): Promise<Figure[]> {
  const binary = requireAgentBinary();
  const marks = quick
    ? [{ label: "10 s", ms: 10_000 }, { label: "30 s", ms: 30_000 }]
    : [{ label: "1 min", ms: 60_000 }, { label: "5 min", ms: 300_000 }];
  using dir = tempDir("rss");
  const cc = await startBenchCC();
  try {
    const config = writeAgentConfig(dir.path, cc.cc.url, 10);
    const firstCheckin = cc.nextCheckin();
    const agent = spawnAgent(binary, config);
    try {
      await withTimeout(firstCheckin, 15_000, "the agent's first check-in");
      await withTimeout(agent.lineAt("checked in"), 15_000, 'the agent\'s "checked in" line');
      const startedMs = performance.now();
      const readings: { label: string; reading: MemoryReading }[] = [];
      const take = (label: string) => {
        const reading = readMemory(agent.proc.pid);
        readings.push({ label, reading });
        console.log(describeReading(label, reading));
      };
      take("first check-in");
      console.log(`sampling until ${marks.at(-1)!.label}…`);
      for (const mark of marks) {
        await sleepUntil(startedMs, mark.ms);
        if (agent.proc.exitCode !== null) throw new Error(`the agent exited ${agent.proc.exitCode} while idle`);
        take(mark.label);
      }
      const checkins = cc.cc.state.acceptedCheckins.length;
      const last = readings.at(-1)!;
      const binaryPages = mappedFileRss(agent.proc.pid, binary);
      console.log(`of RssFile, mappings of ${binary}: ${(binaryPages / MB).toFixed(1)} MB`);
      await agent.stop();
      const floor = await runtimeFloor(dir.path);
      console.log(describeReading("idle empty program", floor));
      const target = { op: "<", value: TARGET_MB } as const;
      return [
        ...readings.map(({ label, reading }): Figure => ({
          figure: `idle RSS (VmRSS) at ${label}`,
          value: reading.vmRss / MB,
          unit: "MB",
          ...(reading === last.reading ? { target, note: `${checkins} check-ins so far` } : {}),
        })),
        { figure: `  RssAnon at ${last.label}`, value: last.reading.rssAnon / MB, unit: "MB", note: "private heap and stacks" },
        { figure: `  RssFile at ${last.label}`, value: last.reading.rssFile / MB, unit: "MB", note: "mapped binary pages, shareable" },
        { figure: `  of which the binary's mapped pages`, value: binaryPages / MB, unit: "MB", note: "Bun runtime code + our bytecode" },
        { figure: `  VmHWM (peak RSS) by ${last.label}`, value: last.reading.vmHwm / MB, unit: "MB" },
        {
          figure: "idle RSS of an empty compiled program",
          value: floor.vmRss / MB,
          unit: "MB",
          note: `runtime floor: RssAnon ${(floor.rssAnon / MB).toFixed(1)}, RssFile ${(floor.rssFile / MB).toFixed(1)}`,
        },
      ];
    } finally {
      await agent.stop();
    }
  } finally {
    await cc.stop();
  }
}

if (import.meta.main) await benchMain("idle RSS", measureIdleRss);

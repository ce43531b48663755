/**
 * The machine a figure was measured on: CPU count and model, memory, kernel, Bun version and the
 * load at the time. Printed at the top of every run, since every figure depends on it.
 * @module
 */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, release, totalmem } from "node:os";

/** Facts about this machine. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  bun: string;
  loadAverage: [number, number, number];
}

/** Reads the facts now. */
export function machineInfo(): MachineInfo {
  let cpuModel = "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match) cpuModel = match[1]!.trim();
  } catch {
    // not Linux: leave unknown
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    memoryGiB: totalmem() / 2 ** 30,
    kernel: release(),
    bun: Bun.version,
    loadAverage: loadavg() as [number, number, number],
  };
}

/** One line, e.g. `machine: 2 × Intel(R) Xeon(R) Processor, 3.8 GiB, Linux 6.1.0, bun 1.4.5, load 0.05`. */
export function describeMachine(m: MachineInfo = machineInfo()): string {
  return (
    `machine: nproc ${m.nproc}, ${m.cpuModel}, ${m.memoryGiB.toFixed(1)} GiB RAM, Linux ${m.kernel}, ` +
    `bun ${m.bun}, load average ${m.loadAverage.map((l) => l.toFixed(2)).join(" ")}`
  );
}

/**
 * Nothing a benchmark starts outlives it: child processes and temp dirs are registered here and
 * removed on normal exit, on an uncaught error and on SIGINT/SIGTERM/SIGHUP.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const children = new Set<Subprocess>();
const dirs = new Set<string>();

/** Registers a child so that it is killed if the benchmark ends first; returns it. */
export function track<T extends Subprocess>(proc: T): T {
  children.add(proc);
  void proc.exited.then(() => children.delete(proc));
  return proc;
}

/** A temp dir removed on dispose (and at exit at the latest). */
export interface TempDir {
  path: string;
  [Symbol.dispose](): void;
}

/**
 * Creates a temp dir under the system temp dir.
 *
 * @example
 * using dir = tempDir("startup");
 * writeFileSync(join(dir.path, "config.yaml"), text);
 */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `compliance-agent-bench-${prefix}-`));
  dirs.add(path);
  return {
    path,
    [Symbol.dispose]() {
      rmSync(path, { recursive: true, force: true });
      dirs.delete(path);
    },
  };
}

/** Kills every tracked child (SIGKILL: this is the emergency path) and removes every temp dir. */
export function cleanupNow(): void {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

let installed = false;

/** Installs the exit and signal hooks once per process. */
export function installCleanupHooks(): void {
  if (installed) return;
  installed = true;
  process.on("exit", cleanupNow);
  const signals = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
  for (const [signal, number] of Object.entries(signals)) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      cleanupNow();
      process.exit(128 + number);
    });
  }
}

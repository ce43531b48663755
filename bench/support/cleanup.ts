/**
 * Nothing a benchmark starts outlives it: child processes, temp dirs and other changes to the
 * machine (a throwaway user) are registered here and undone on normal exit, on an uncaught error
 * and on SIGINT/SIGTERM/SIGHUP.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const children = new Set<Subprocess>();
const dirs = new Set<string>();
const undoSteps = new Set<() => void>();

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

/**
 * Registers a synchronous step that undoes a change to the machine (e.g. deleting a user); it
 * runs once, on dispose or at clean-up at the latest, after the children are killed.
 *
 * @example
 * using user = undoLater(() => spawnSync("userdel", ["-f", name]));
 */
export function undoLater(undo: () => void): Disposable {
  const step = () => {
    if (!undoSteps.delete(step)) return;
    undo();
  };
  undoSteps.add(step);
  return { [Symbol.dispose]: step };
}

/**
 * Kills every tracked child (SIGKILL: this is the emergency path), runs the pending undo steps
 * (newest first) and removes every temp dir.
 */
export function cleanupNow(): void {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const step of [...undoSteps].reverse()) {
    try {
      step();
    } catch (err) {
      process.stderr.write(`bench: a clean-up step failed: ${String(err)}\n`);
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/**
 * SIGTERM to every tracked child, then SIGKILL to those still running after `graceMs`. A child
 * that is itself a benchmark gets the chance to stop its own children first.
 */
async function terminateChildren(graceMs: number): Promise<void> {
  const running = [...children];
  for (const child of running) {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  }
  await Promise.race([Promise.all(running.map((c) => c.exited)), Bun.sleep(graceMs)]);
}

let installed = false;
let stopExitCode: number | undefined;

/** 128 + the signal number once a stop signal has arrived; undefined before. */
export function stopRequested(): number | undefined {
  return stopExitCode;
}

/** Installs the exit and signal hooks once per process. */
export function installCleanupHooks(): void {
  if (installed) return;
  installed = true;
  process.on("exit", cleanupNow);
  const signals = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
  for (const [signal, number] of Object.entries(signals)) {
    process.on(signal, () => {
      if (stopExitCode !== undefined) return;
      stopExitCode = 128 + number;
      process.stderr.write(`\nbench: ${signal}, stopping children and cleaning up\n`);
      void terminateChildren(3000).finally(() => {
        cleanupNow();
        process.exit(128 + number);
      });
    });
  }
}

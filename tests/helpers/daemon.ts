/**
 * A real daemon started by a test (sshd, chronyd…): its stderr collected, and a stop that ends
 * it (SIGTERM, then SIGKILL after 5 s) and removes its temporary directory.
 * @module
 */
import { rmSync } from "node:fs";
import type { Subprocess } from "bun";

export interface Daemon {
  proc: Subprocess<"ignore", "ignore", "pipe">;
  /** What the daemon has written to stderr so far. */
  stderr(): string;
  /** True once the process has ended. */
  exited(): boolean;
  stop(): Promise<void>;
}

/** Runs `cmd` in the foreground; `dir` (the daemon's config and keys) goes when it stops. */
export function spawnDaemon(cmd: string[], dir: string): Daemon {
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  let stderr = "";
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  return {
    proc,
    stderr: () => stderr,
    exited,
    async stop() {
      if (!exited()) {
        proc.kill("SIGTERM");
        const killer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
        await proc.exited;
        clearTimeout(killer);
      }
      await drained;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

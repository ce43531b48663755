/**
 * Runs scripts on this machine with `/bin/sh -c`, each in its own process group so a deadline
 * kills everything the script started.
 * @module
 */
import { checkRunOptions, TransportError, type ExecResult, type Executor, type RunOptions } from "../executor.ts";
import { OutputBuffer } from "../output-buffer.ts";

export interface LocalExecutorOptions {
  /** The shell; `/bin/sh` by default. */
  shell?: string;
  /** Grace between SIGTERM and SIGKILL on deadline. */
  killGraceMs?: number;
}

export function createLocalExecutor({ shell = "/bin/sh", killGraceMs = 200 }: LocalExecutorOptions = {}): Executor {
  let closed = false;
  return {
    async run(script: string, opts: RunOptions): Promise<ExecResult> {
      const max = checkRunOptions(opts);
      if (closed) throw new TransportError("closed", "Cannot run: the local executor is closed");
      const started = performance.now();
      const proc = Bun.spawn([shell, "-c", script], {
        stdin: opts.stdin === undefined ? "ignore" : "pipe",
        stdout: "pipe",
        stderr: "pipe",
        detached: true, // its own process group, so -pid reaches the whole tree
      });
      if (opts.stdin !== undefined && proc.stdin) {
        try {
          proc.stdin.write(opts.stdin);
          await proc.stdin.end();
        } catch {
          // The script may exit without reading its input.
        }
      }
      const out = new OutputBuffer(max);
      const err = new OutputBuffer(max);
      let timedOut = false;
      const killGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-proc.pid, signal);
        } catch {
          // Already gone.
        }
      };
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const expire = () => {
        if (timedOut) return;
        timedOut = true;
        killGroup("SIGTERM");
        graceTimer = setTimeout(() => killGroup("SIGKILL"), killGraceMs);
      };
      const deadline = setTimeout(expire, opts.deadlineMs);
      if (opts.signal?.aborted) expire();
      opts.signal?.addEventListener("abort", expire, { once: true });
      const drain = async (stream: ReadableStream<Uint8Array>, into: OutputBuffer) => {
        for await (const chunk of stream) into.push(chunk);
      };
      // Grandchildren may keep the pipes open after the shell exits; stop reading once it has
      // exited and the group is killed.
      const drained = Promise.all([drain(proc.stdout, out), drain(proc.stderr, err)]);
      await proc.exited;
      const settle = await Promise.race([drained.then(() => true), Bun.sleep(killGraceMs + 100).then(() => false)]);
      if (!settle) {
        killGroup("SIGKILL");
        await Promise.race([drained, Bun.sleep(500)]);
      }
      clearTimeout(deadline);
      opts.signal?.removeEventListener("abort", expire);
      if (timedOut) {
        // Make sure the whole group is gone, not just the shell.
        killGroup("SIGKILL");
        if (graceTimer) clearTimeout(graceTimer);
      }
      return {
        exitCode: proc.exitCode,
        ...(proc.signalCode ? { signal: String(proc.signalCode) } : {}),
        stdout: out.text(),
        stderr: err.text(),
        durationMs: Math.round(performance.now() - started),
        truncated: out.truncated || err.truncated,
        timedOut,
      };
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * A compiled agent run against an in-process reference CC, timed on one clock. The CC's `now`
 * is `performance.timeOrigin + performance.now()`, so the arrival time it records for a request
 * and the spawn time taken here are readings of the same clock, with sub-millisecond precision.
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startReferenceCC, type RecordedRequest, type RunningReferenceCC } from "../../tests/reference-cc/index.ts";
import { track } from "./cleanup.ts";

export const BENCH_SITE = "bench-site";
export const BENCH_API_KEY = "bench-api-key-0123456789abcdef";

/** Milliseconds since the Unix epoch from the monotonic high-resolution clock. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A reference CC that reports each check-in it answers. */
export interface BenchCC {
  cc: RunningReferenceCC;
  /** Resolves with the next check-in request CC records after this call. */
  nextCheckin(): Promise<RecordedRequest>;
  stop(): Promise<void>;
}

/**
 * Starts a reference CC on loopback that knows the bench site, keeps its key (no rotation, so one
 * config serves every run) and timestamps requests with {@linkcode epochNow}.
 */
export async function startBenchCC(): Promise<BenchCC> {
  let waiters: ((r: RecordedRequest) => void)[] = [];
  const cc = await startReferenceCC({
    sites: { [BENCH_SITE]: { apiKey: BENCH_API_KEY } },
    rotateOnFirstCheckin: false,
    now: epochNow,
    onRequest: (record) => {
      if (record.route !== "checkin") return;
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve(record);
    },
  });
  return {
    cc,
    nextCheckin: () => new Promise((resolve) => waiters.push(resolve)),
    stop: () => cc.stop(),
  };
}

/** Writes the agent's YAML config (mode 0600) into `dir`; returns its path. */
export function writeAgentConfig(dir: string, endpoint: string, pollIntervalSeconds = 10): string {
  const file = join(dir, "config.yaml");
  writeFileSync(
    file,
    [
      `site_id: ${BENCH_SITE}`,
      `api_key: ${BENCH_API_KEY}`,
      `api_endpoint: ${endpoint}`,
      `state_dir: ${join(dir, "state")}`,
      `poll_interval: ${pollIntervalSeconds}`,
      "",
    ].join("\n"),
    // As installed: the agent warns (one more log line at start-up) when others can read its key.
    { mode: 0o600 },
  );
  return file;
}

/** A running agent process and the times (epoch ms, {@linkcode epochNow}) of what it printed. */
export interface AgentProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Just before `Bun.spawn`. */
  spawnedAt: number;
  /** When the first byte of stdout arrived. */
  firstOutputAt: Promise<number>;
  /** When a log line with this `msg` arrived. */
  lineAt(msg: string): Promise<number>;
  /** Every stdout line so far. */
  lines: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Spawns `binary run --config configFile` and follows its JSON log lines. */
export function spawnAgent(binary: string, configFile: string): AgentProcess {
  const spawnedAt = epochNow();
  const proc = track(
    Bun.spawn([binary, "run", "--config", configFile], { stdin: "ignore", stdout: "pipe", stderr: "pipe" }),
  );
  const lines: string[] = [];
  const lineWaiters = new Map<string, (t: number) => void>();
  const seen = new Map<string, number>();
  let resolveFirst!: (t: number) => void;
  const firstOutputAt = new Promise<number>((resolve) => (resolveFirst = resolve));

  void (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of proc.stdout) {
      const at = epochNow();
      resolveFirst(at);
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lines.push(line);
        const msg = messageOf(line);
        if (msg !== undefined && !seen.has(msg)) {
          seen.set(msg, at);
          lineWaiters.get(msg)?.(at);
        }
      }
    }
  })();
  // Drain stderr so a chatty child never blocks on a full pipe.
  void new Response(proc.stderr).text();

  return {
    proc,
    spawnedAt,
    firstOutputAt,
    lines,
    lineAt(msg) {
      const at = seen.get(msg);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) => lineWaiters.set(msg, resolve));
    },
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function messageOf(line: string): string | undefined {
  try {
    const msg = (JSON.parse(line) as { msg?: unknown }).msg;
    return typeof msg === "string" ? msg : undefined;
  } catch {
    return undefined;
  }
}

/** Rejects after `ms` with a message naming what was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** Wall time (ms) from just before spawn to exit of `argv`, stdout and stderr discarded. */
export async function wallTime(argv: string[]): Promise<number> {
  const started = performance.now();
  const proc = track(Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" }));
  const code = await proc.exited;
  const elapsed = performance.now() - started;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}`);
  return elapsed;
}

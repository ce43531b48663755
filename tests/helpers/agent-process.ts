/**
 * Runs the compiled agent as a real process for end-to-end tests: writes its config, collects
 * its JSON log lines, and lets a test wait for a line or for the exit.
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const ROOT = resolve(import.meta.dir, "../..");

/** The executable under test: `$COMPLIANCE_AGENT_BINARY` (set by `npm test`) or a fresh build. */
export function agentBinary(): string {
  const fromEnv = process.env.COMPLIANCE_AGENT_BINARY;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const built = join(ROOT, "dist/compliance-agent");
  if (!existsSync(built)) {
    const r = Bun.spawnSync([process.execPath, "run", "scripts/build.ts"], { cwd: ROOT, stdout: "ignore", stderr: "inherit" });
    if (r.exitCode !== 0) throw new Error("cannot build dist/compliance-agent");
  }
  return built;
}

/** Runs `compliance-agent ARGS…` to completion. */
export function runAgentCommand(args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([agentBinary(), ...args], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

export interface AgentConfigFields {
  site_id: string;
  api_key: string;
  api_endpoint: string;
  state_dir: string;
  [key: string]: unknown;
}

/** Writes a config file the way a technician would: YAML with a comment. */
export function writeAgentConfig(path: string, fields: AgentConfigFields, extraText = ""): string {
  const lines = ["# compliance-agent test configuration"];
  for (const [k, v] of Object.entries(fields)) lines.push(`${k}: ${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
  writeFileSync(path, lines.join("\n") + "\n" + extraText, { mode: 0o600 });
  return path;
}

export type LogLine = { msg: string; level: string; [k: string]: unknown };

export class AgentProcess {
  readonly lines: LogLine[] = [];
  /** Everything the process printed, raw (for secret searches). */
  stdout = "";
  stderr = "";
  readonly exited: Promise<number>;
  readonly startedAt = performance.now();

  constructor(readonly proc: Subprocess<"ignore", "pipe", "pipe">) {
    const collect = async (stream: ReadableStream<Uint8Array>, which: "stdout" | "stderr") => {
      const decoder = new TextDecoder();
      let partial = "";
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        this[which] += text;
        if (which !== "stdout") continue;
        partial += text;
        const parts = partial.split("\n");
        partial = parts.pop()!;
        for (const p of parts) {
          try {
            this.lines.push(JSON.parse(p));
          } catch {
            this.lines.push({ msg: "(not json)", level: "?", raw: p });
          }
        }
      }
    };
    const done = Promise.all([collect(proc.stdout, "stdout"), collect(proc.stderr, "stderr")]);
    this.exited = proc.exited.then(async (code) => {
      await done;
      return code;
    });
  }

  /** Resolves with the first log line matching, or rejects after `timeoutMs`. */
  async waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      if (this.proc.exitCode !== null) break;
      await Bun.sleep(10);
    }
    throw new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${this.stdout.slice(-2000)}\n${this.stderr.slice(-1000)}`);
  }

  logs(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg);
  }

  /** Sends `signal` and waits for the exit; kills hard after `graceMs`. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<number> {
    if (this.proc.exitCode === null) this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async [Symbol.asyncDispose]() {
    await this.stop("SIGKILL", 1000).catch(() => {});
  }
}

/** Starts `compliance-agent run --config FILE`. */
export function startAgent(configFile: string, env: Record<string, string | undefined> = {}): AgentProcess {
  const proc = Bun.spawn([agentBinary(), "run", "--config", configFile], {
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return new AgentProcess(proc);
}

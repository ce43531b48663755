/**
 * Runs scripts on a remote machine over one reused SSH connection (ssh2, imported lazily).
 * Each run is `sh -c <script>` without a login shell; the remote shell first reports its pid,
 * which (sshd runs each session command under `setsid`) is also its process group, so a
 * deadline kills the whole remote tree with `kill -- -<pgid>` over a second channel.
 * @module
 */
import type { Client, ClientChannel, ConnectConfig } from "ssh2";
import { checkRunOptions, TransportError, type ExecResult, type Executor, type RunOptions } from "../executor.ts";
import { OutputBuffer } from "../output-buffer.ts";
import { shellQuote } from "../privilege.ts";
import { sha256Fingerprint, type HostKeyStore } from "./host-key-store.ts";

export interface SshExecutorOptions {
  host: string;
  port?: number;
  username: string;
  password?: string;
  /** An OpenSSH private key (e.g. ed25519), unencrypted. */
  privateKey?: string | Buffer;
  knownHosts: HostKeyStore;
  connectTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL on deadline. */
  killGraceMs?: number;
}

interface ExitStatus {
  code: number | null;
  signalName?: string;
}
/** Exit statuses seen before `#collect` listened, by channel. */
const EXITS = new WeakMap<ClientChannel, ExitStatus>();

export function createSshExecutor(options: SshExecutorOptions): Executor {
  return new SshExecutor(options);
}


class SshExecutor implements Executor {
  readonly #opts: Required<Pick<SshExecutorOptions, "port" | "connectTimeoutMs" | "killGraceMs">> & SshExecutorOptions;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #closed = false;
  /** Ends a connection attempt in progress. */
  #abortPending: (() => void) | undefined;

  constructor({ port = 22, connectTimeoutMs = 10_000, killGraceMs = 300, ...rest }: SshExecutorOptions) {
    if (!rest.host) throw new TypeError("Cannot create SSH executor: host is empty");
    if (!rest.username) throw new TypeError("Cannot create SSH executor: username is empty");
    if (rest.password === undefined && rest.privateKey === undefined) {
      throw new TypeError(`Cannot create SSH executor for "${rest.host}": give a password or a privateKey`);
    }
    this.#opts = { port, connectTimeoutMs, killGraceMs, ...rest };
  }

  get #hostPort(): string {
    return `${this.#opts.host}:${this.#opts.port}`;
  }

  async run(script: string, opts: RunOptions): Promise<ExecResult> {
    const max = checkRunOptions(opts);
    if (this.#closed) throw new TransportError("closed", `Cannot run on "${this.#hostPort}": the executor is closed`);
    const started = performance.now();
    const reused = this.#client !== undefined;
    let channel: ClientChannel;
    try {
      channel = await this.#exec(await this.#connection(), this.#wrap(script));
    } catch (error) {
      if (!reused || error instanceof TransportError) throw error;
      // The connection dropped since the last run: reconnect once.
      this.#drop();
      const client = await this.#connection();
      try {
        channel = await this.#exec(client, this.#wrap(script));
      } catch (retryError) {
        this.#drop();
        throw new TransportError("closed", `Cannot run on "${this.#hostPort}": the connection failed`, { cause: retryError });
      }
    }
    return this.#collect(channel, opts, max, started);
  }

  async close(): Promise<void> {
    this.#closed = true;
    // A connection still being set up is torn down now, not waited for (stop must be prompt).
    this.#abortPending?.();
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#drop();
    client?.end();
  }

  /** `echo $$` tells us the pid (= process group) of the shell that then becomes the script. */
  #wrap(script: string): string {
    return `echo $$; exec /bin/sh -c ${shellQuote(script)}`;
  }

  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#connecting = undefined;
    client?.destroy();
  }

  #connection(): Promise<Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().then(
      (client) => {
        this.#client = client;
        return client;
      },
      (error) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  async #connect(): Promise<Client> {
    const { Client } = await import("ssh2");
    // close() may have run while ssh2 was loading: no attempt after that.
    if (this.#closed) throw new TransportError("closed", `Cannot connect to "${this.#hostPort}": the executor was closed`);
    const { host, port, username, password, privateKey, knownHosts, connectTimeoutMs } = this.#opts;
    const hostPort = this.#hostPort;
    const client = new Client();
    let hostKeyError: TransportError | undefined;
    const config: ConnectConfig = {
      host,
      port,
      username,
      readyTimeout: connectTimeoutMs,
      keepaliveInterval: 15_000,
      hostVerifier: ((key: Buffer, verify: (ok: boolean) => void) => {
        const seen = sha256Fingerprint(key);
        knownHosts.get(hostPort).then(
          async (pinned) => {
            if (pinned === undefined) {
              await knownHosts.set(hostPort, seen);
              verify(true);
            } else if (pinned === seen) {
              verify(true);
            } else {
              hostKeyError = new TransportError(
                "host-key-changed",
                `Refusing "${hostPort}": host key changed from "${pinned}" to "${seen}"`,
                { retryable: false },
              );
              verify(false);
            }
          },
          (error: unknown) => {
            hostKeyError = new TransportError("connect", `Cannot read the pinned host key for "${hostPort}"`, {
              retryable: false,
              cause: error,
            });
            verify(false);
          },
        );
      }) as unknown as ConnectConfig["hostVerifier"],
      ...(password !== undefined ? { password } : {}),
      ...(privateKey !== undefined ? { privateKey } : {}),
    };
    return new Promise<Client>((resolve, reject) => {
      let ready = false;
      this.#abortPending = () => {
        client.destroy();
        reject(new TransportError("closed", `Cannot connect to "${hostPort}": the executor was closed`));
      };
      client.once("ready", () => {
        ready = true;
        this.#abortPending = undefined;
        client.setNoDelay(true); // without it, small requests wait on delayed ACKs (~80 ms per run)
        resolve(client);
      });
      client.on("error", (error: Error & { level?: string }) => {
        if (ready) return; // surfaces as a failed exec; "close" below forgets the connection
        client.destroy();
        if (hostKeyError) return reject(hostKeyError);
        if (error.level === "client-authentication") {
          return reject(
            new TransportError("auth", `Cannot log in to "${hostPort}" as "${username}": authentication failed`, {
              retryable: false,
              cause: error,
            }),
          );
        }
        reject(new TransportError("connect", `Cannot connect to "${hostPort}": ${error.message}`, { cause: error }));
      });
      client.on("close", () => {
        if (this.#client === client) {
          this.#client = undefined;
          this.#connecting = undefined;
        }
        if (!ready) {
          reject(hostKeyError ?? new TransportError("connect", `Cannot connect to "${hostPort}": connection closed`));
        }
      });
      try {
        client.connect(config);
      } catch (error) {
        reject(new TransportError("connect", `Cannot connect to "${hostPort}"`, { cause: error }));
      }
    });
  }

  #exec(client: Client, command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        client.exec(command, (error, channel) => {
          if (error) return reject(error);
          // The exit status can arrive in the same read as the channel itself, before an awaiting
          // caller could listen: keep it on the channel from the first moment.
          channel.once("exit", (code: number | null, signalName?: string) => {
            EXITS.set(channel, { code, ...(signalName ? { signalName } : {}) });
          });
          resolve(channel);
        });
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Runs a short helper command (the killer) and waits for it to finish. */
  async #fire(command: string): Promise<void> {
    const client = this.#client;
    if (!client) return;
    try {
      const channel = await this.#exec(client, command);
      await new Promise<void>((resolve) => {
        channel.on("close", () => resolve());
        channel.resume();
        channel.stderr.resume();
      });
    } catch {
      // Best effort: the connection may be gone, which ends the remote session anyway.
    }
  }

  #collect(channel: ClientChannel, opts: RunOptions, max: number, started: number): Promise<ExecResult> {
    const out = new OutputBuffer(max);
    const err = new OutputBuffer(max);
    let pid: number | undefined;
    let head: Buffer | undefined = Buffer.alloc(0); // stdout until the pid line has arrived
    let exitCode: number | null = null;
    let signal: string | undefined;
    let timedOut = false;
    const grace = this.#opts.killGraceMs;

    return new Promise<ExecResult>((resolve, reject) => {
      let exited = false;
      let forceClose: ReturnType<typeof setTimeout> | undefined;
      const expire = () => {
        if (timedOut) return;
        timedOut = true;
        const kill =
          pid === undefined
            ? undefined
            : `kill -TERM -- -${pid} 2>/dev/null; sleep ${grace / 1000}; kill -KILL -- -${pid} 2>/dev/null; true`;
        if (kill) void this.#fire(kill);
        // Whatever happens remotely, stop waiting a little after the kill.
        forceClose = setTimeout(() => channel.close(), grace + 2_000);
      };
      const deadline = setTimeout(expire, opts.deadlineMs);
      if (opts.signal?.aborted) expire();
      opts.signal?.addEventListener("abort", expire, { once: true });

      channel.on("data", (chunk: Buffer) => {
        if (head === undefined) return out.push(chunk);
        head = Buffer.concat([head, chunk]);
        const newline = head.indexOf(10);
        if (newline === -1) return;
        pid = Number.parseInt(head.subarray(0, newline).toString("latin1"), 10);
        const rest = head.subarray(newline + 1);
        head = undefined;
        if (rest.byteLength > 0) out.push(rest);
        if (timedOut && Number.isInteger(pid)) void this.#fire(`kill -KILL -- -${pid} 2>/dev/null; true`);
      });
      channel.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      const onExit = ({ code, signalName }: ExitStatus) => {
        exited = true;
        if (typeof code === "number") exitCode = code;
        else if (signalName) signal = signalName.startsWith("SIG") ? signalName : `SIG${signalName}`;
      };
      const early = EXITS.get(channel);
      if (early) onExit(early);
      else channel.once("exit", (code: number | null, signalName?: string) => onExit({ code, ...(signalName ? { signalName } : {}) }));
      channel.on("close", () => {
        clearTimeout(deadline);
        if (forceClose) clearTimeout(forceClose);
        opts.signal?.removeEventListener("abort", expire);
        if (!exited && !timedOut) {
          // sshd always reports an exit status or signal; without one the connection died mid-run.
          return reject(new TransportError("closed", `Lost the connection to "${this.#hostPort}" during a run`));
        }
        resolve({
          exitCode,
          ...(signal ? { signal } : {}),
          stdout: out.text(),
          stderr: err.text(),
          durationMs: Math.round(performance.now() - started),
          truncated: out.truncated || err.truncated,
          timedOut,
        });
      });

      if (opts.stdin !== undefined) channel.end(opts.stdin);
      else channel.end();
    });
  }
}

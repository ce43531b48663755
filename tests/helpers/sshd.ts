/**
 * A real OpenSSH server for tests: `sshd -D -e` on 127.0.0.1 with its own temp directory, a
 * freshly generated ed25519 host key, its own config and authorized_keys. Root logs in with a
 * generated client key; password tests use a throwaway local user when `useradd` works.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnDaemon } from "./daemon.ts";

export const sshdPath = "/usr/sbin/sshd";

/** Why SSH tests are skipped, for their titles; `undefined` when they run. */
export const sshdSkipReason: string | undefined = !existsSync(sshdPath)
  ? "skipped: /usr/sbin/sshd is absent (apt-get install openssh-server)"
  : process.getuid?.() !== 0
    ? "skipped: the sshd test helper logs in as root and must run as root"
    : undefined;

export interface SshKeyPair {
  privateKey: string;
  publicKey: string;
}

/** Generates an unencrypted ed25519 key pair with ssh-keygen. */
export function generateKeyPair(comment = "test"): SshKeyPair {
  const dir = mkdtempSync(join(tmpdir(), "sshkey-"));
  try {
    const file = join(dir, "key");
    const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
    return { privateKey: readFileSync(file, "utf8"), publicKey: readFileSync(`${file}.pub`, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SshServer extends AsyncDisposable {
  host: string;
  port: number;
  /** Pid of the listening sshd; per-connection sshd processes are its children. */
  pid: number;
  /** Root's client key, authorized on this server. */
  rootKey: SshKeyPair;
  /** Kills every per-connection sshd (drops all client connections), keeping the listener. */
  dropConnections(): void;
  output(): string;
  stop(): Promise<void>;
}

export interface StartSshdOptions {
  port?: number;
  /** Reuse a client key (e.g. across a restarted server). */
  rootKey?: SshKeyPair;
  /**
   * Serve sessions that see this `/etc/machine-id` (a private mount namespace), so the agent
   * treats the loopback server as another machine rather than as itself.
   */
  machineId?: string;
  readyTimeoutMs?: number;
  /** The loopback address to listen on; 127.0.0.1 by default. */
  listenAddress?: string;
}

export async function startSshd({ port, rootKey = generateKeyPair("root"), readyTimeoutMs = 10_000, machineId, listenAddress = "127.0.0.1" }: StartSshdOptions = {}): Promise<SshServer> {
  if (sshdSkipReason !== undefined) throw new Error(sshdSkipReason);
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), "sshd-test-"));
  const hostKey = join(dir, "ssh_host_ed25519_key");
  const keygen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  if (keygen.status !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr}`);
  writeFileSync(join(dir, "authorized_keys"), rootKey.publicKey, { mode: 0o600 });
  const servePort = port ?? (await freeTcpPort());
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `ListenAddress ${listenAddress}`,
      `Port ${servePort}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PasswordAuthentication yes",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "PermitRootLogin yes",
      "StrictModes no",
      "UseDNS no",
      "MaxStartups 100",
      "MaxSessions 100",
      "",
    ].join("\n"),
  );
  let command = [sshdPath, "-D", "-e", "-f", config];
  if (machineId !== undefined) {
    const idFile = join(dir, "machine-id");
    writeFileSync(idFile, `${machineId}\n`);
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind ${idFile} /etc/machine-id && exec "$@"`, "sh", ...command];
  }
  const daemon = spawnDaemon(command, dir);
  const { proc, stop } = daemon;
  const dropConnections = () => {
    for (const child of childPids(proc.pid)) {
      try {
        process.kill(child, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  const until = Date.now() + readyTimeoutMs;
  while (!(await accepts(servePort, listenAddress))) {
    if (proc.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`sshd did not start on port ${servePort}: ${daemon.stderr()}`);
    }
    await Bun.sleep(20);
  }
  return {
    host: listenAddress,
    port: servePort,
    pid: proc.pid,
    rootKey,
    dropConnections,
    output: daemon.stderr,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export interface ThrowawayUser extends Disposable {
  username: string;
  password: string;
}

/** What a throwaway user may do with sudo: nothing, anything with its password, or anything without one. */
export type SudoRights = "none" | "password" | "nopasswd";

/** Creates a local user with a random password (and sudo rights), or explains why it cannot. */
export function createThrowawayUser({ sudo = "none" }: { sudo?: SudoRights } = {}): ThrowawayUser | { skipReason: string } {
  if (process.getuid?.() !== 0) return { skipReason: "skipped: creating a user needs root" };
  if (sudo !== "none" && !existsSync("/usr/bin/sudo")) return { skipReason: "skipped: sudo is absent (apt-get install sudo)" };
  const username = `ca${Math.random().toString(36).slice(2, 10)}`;
  const password = `pw-${crypto.randomUUID()}`;
  const add = spawnSync("useradd", ["-M", "-s", "/bin/sh", username], { encoding: "utf8" });
  if (add.error || add.status !== 0) return { skipReason: `skipped: useradd failed (${add.error?.message ?? add.stderr.trim()})` };
  const chpasswd = spawnSync("chpasswd", [], { input: `${username}:${password}\n`, encoding: "utf8" });
  if (chpasswd.status !== 0) {
    spawnSync("userdel", [username]);
    return { skipReason: `skipped: chpasswd failed (${chpasswd.stderr.trim()})` };
  }
  const sudoers = `/etc/sudoers.d/${username}`;
  if (sudo !== "none") {
    mkdirSync("/etc/sudoers.d", { recursive: true });
    writeFileSync(sudoers, `${username} ALL=(ALL) ${sudo === "nopasswd" ? "NOPASSWD: " : ""}ALL\n`, { mode: 0o440 });
  }
  return {
    username,
    password,
    [Symbol.dispose]: () => {
      rmSync(sudoers, { force: true });
      spawnSync("userdel", [username]);
    },
  };
}

/** Pids whose parent is `parent`, read from /proc (no procps needed). */
function childPids(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? "", 10);
      if (ppid === parent) children.push(Number.parseInt(entry, 10));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** Pids of live processes on this machine whose command line contains `marker`. */
export function pidsWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const state = readFileSync(`/proc/${entry}/stat`, "utf8");
      const zombie = state.slice(state.lastIndexOf(")") + 2).startsWith("Z");
      if (!zombie && cmdline.includes(marker)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Whether something accepts TCP connections on `host:port`. */
export function accepts(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

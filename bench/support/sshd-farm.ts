/**
 * Many SSH targets on one machine for the SSH benchmarks: OpenSSH servers (`/usr/sbin/sshd -D`)
 * on loopback, each listening on up to 16 addresses of 127.0.0.0/8 (Linux routes all of it to
 * `lo`) on a port of its own, so every target is a distinct (address, port) pair. The login is a
 * throwaway user with `/bin/sh` as its shell and an ed25519 key, never root: root's shell start-up
 * files on a development machine can add tens of milliseconds to every command, which would
 * measure the machine, not the agent. The user gets passwordless sudo, as a non-root scan account
 * on a real target has. The servers, the user and its sudoers file are undone when the farm stops
 * and, failing that, by the benchmark's clean-up (also on Ctrl-C).
 * @module
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { accepts, freeTcpPort } from "../../tests/helpers/sshd.ts";
import { tempDir, track, undoLater } from "./cleanup.ts";
import { processTree, treeCpuMs, treeMemory } from "./proc.ts";

const SSHD = "/usr/sbin/sshd";
const SUDO = "/usr/bin/sudo";

/** OpenSSH's limit on listening sockets per server (`MAX_LISTEN_SOCKS`). */
const ADDRESSES_PER_SERVER = 16;

/** Targets cycle through 127.0.0.1 … 127.0.0.50. */
const LOOPBACK_ADDRESSES = 50;

/** Why the SSH benchmarks cannot run here, or undefined when they can. */
export function sshdFarmSkipReason(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is absent (apt-get install openssh-server)`;
  if (process.getuid?.() !== 0) return "starting sshd and creating a throwaway user need root";
  for (const tool of ["ssh-keygen", "useradd", "userdel"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is absent`;
  }
  return undefined;
}

/** One SSH target: an address and port that a server listens on. */
export interface SshTarget {
  host: string;
  port: number;
}

export interface SshdFarm {
  /** The throwaway login, valid on every target. */
  username: string;
  /** Its unencrypted OpenSSH ed25519 private key. */
  privateKey: string;
  /** The user may run anything with `sudo -n` (false when sudo is not installed). */
  sudo: boolean;
  targets: SshTarget[];
  /** The listening sshd processes; each connection's sshd processes are their children. */
  pids: number[];
  /** CPU time (ms) used so far by the servers and everything they started (sessions, shells, sudo, probes). */
  cpuMs(): number;
  /** Resident memory of the servers and everything they started now. */
  memory(): { processes: number; rss: number; pss: number };
  /** Ends every session and server, deletes the user and its sudoers file, removes the temp dir. */
  stop(): Promise<void>;
}

export interface SshdFarmOptions {
  /** How many distinct targets. */
  targets: number;
  readyTimeoutMs?: number;
}

/** Generates an unencrypted ed25519 key pair at `file` and `file.pub`. */
function keygen(file: string, comment: string): void {
  const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`Cannot generate a key with ssh-keygen: ${r.stderr.trim()}`);
}

/** Creates the throwaway user (shell /bin/sh, home `home`, key login only) and its sudo rights. */
function createUser(home: string): { username: string; sudo: boolean; remove: Disposable } {
  const username = `cabench${Math.random().toString(36).slice(2, 8)}`;
  // Password "*": no password login, but not locked ("!"), which sshd without PAM would refuse.
  const add = spawnSync("useradd", ["-M", "-d", home, "-s", "/bin/sh", "-p", "*", username], { encoding: "utf8" });
  if (add.error || add.status !== 0) throw new Error(`Cannot create user "${username}": ${add.error?.message ?? add.stderr.trim()}`);
  const sudoers = `/etc/sudoers.d/${username}`;
  const remove = undoLater(() => {
    rmSync(sudoers, { force: true });
    // -f: sessions that are still closing must not keep the user alive.
    spawnSync("userdel", ["-f", username], { stdio: "ignore" });
  });
  const sudo = existsSync(SUDO);
  if (sudo) {
    mkdirSync("/etc/sudoers.d", { recursive: true });
    writeFileSync(sudoers, `${username} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
  }
  return { username, sudo, remove };
}

/** One sshd listening on `addresses` at `port`, started and answering on every address. */
interface Server {
  proc: Subprocess<"ignore", "ignore", "pipe">;
  port: number;
  addresses: string[];
}

async function startServer(
  dir: string,
  index: number,
  addresses: string[],
  { username, readyTimeoutMs, usedPorts }: { username: string; readyTimeoutMs: number; usedPorts: Set<number> },
): Promise<Server> {
  let lastError = "";
  // A port found free on 127.0.0.1 can be taken on another address, or by someone else meanwhile.
  for (let attempt = 0; attempt < 3; attempt++) {
    let port = await freeTcpPort();
    while (usedPorts.has(port)) port = await freeTcpPort();
    const config = join(dir, `sshd_config.${index}`);
    writeFileSync(
      config,
      [
        ...addresses.map((a) => `ListenAddress ${a}:${port}`),
        `HostKey ${join(dir, "ssh_host_ed25519_key")}`,
        `PidFile ${join(dir, `sshd.${index}.pid`)}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        `AllowUsers ${username}`,
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "PermitRootLogin no",
        "StrictModes no",
        "UseDNS no",
        "PrintMotd no",
        "X11Forwarding no",
        // Many connections start at once; sessions beyond the scan's own are the killer channel.
        "MaxStartups 1000",
        "MaxSessions 100",
        "LogLevel ERROR",
        "",
      ].join("\n"),
    );
    const proc = track(Bun.spawn([SSHD, "-D", "-e", "-f", config], { stdin: "ignore", stdout: "ignore", stderr: "pipe" }));
    let stderr = "";
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stderr) stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-4000);
    })();
    const until = performance.now() + readyTimeoutMs;
    for (;;) {
      const ready = await Promise.all(addresses.map((a) => accepts(port, a)));
      // sshd keeps going when only some of its addresses could be bound: that is a failure here.
      if (/Bind to port/.test(stderr)) break;
      if (ready.every(Boolean)) {
        usedPorts.add(port);
        return { proc, port, addresses };
      }
      if (proc.exitCode !== null || performance.now() > until) break;
      await Bun.sleep(20);
    }
    proc.kill("SIGKILL");
    await proc.exited;
    lastError = stderr.trim() || `it did not answer on every address within ${readyTimeoutMs} ms`;
  }
  throw new Error(`Cannot start sshd #${index}: ${lastError}`);
}

/**
 * Starts enough servers for `targets` distinct targets and the user that logs in to them.
 * @throws {Error} when a server, the user or a key cannot be made (everything made so far is undone).
 */
export async function startSshdFarm({ targets: count, readyTimeoutMs = 10_000 }: SshdFarmOptions): Promise<SshdFarm> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`Cannot start an sshd farm of ${count} targets`);
  const skip = sshdFarmSkipReason();
  if (skip) throw new Error(`Cannot start sshd: ${skip}`);
  const dir = tempDir("sshd");
  // sshd reads AuthorizedKeysFile as the user: the dir must be searchable and the file readable.
  chmodSync(dir.path, 0o755);
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
  keygen(join(dir.path, "ssh_host_ed25519_key"), "bench-host");
  const clientKey = join(dir.path, "client_ed25519");
  keygen(clientKey, "bench-client");
  writeFileSync(join(dir.path, "authorized_keys"), readFileSync(`${clientKey}.pub`), { mode: 0o644 });
  const privateKey = readFileSync(clientKey, "utf8");
  const user = createUser(dir.path);

  const servers: Server[] = [];
  const stopServers = async () => {
    const all = servers.splice(0);
    const pids = all.map((s) => s.proc.pid);
    // Sessions first: they are children of the listeners and would otherwise outlive them.
    for (const pid of processTree(pids)) {
      if (pids.includes(pid)) continue;
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    for (const { proc } of all) proc.kill("SIGTERM");
    const killer = setTimeout(() => all.forEach((s) => s.proc.kill("SIGKILL")), 3000);
    await Promise.all(all.map((s) => s.proc.exited));
    clearTimeout(killer);
  };
  const undo = async () => {
    await stopServers();
    user.remove[Symbol.dispose]();
    dir[Symbol.dispose]();
  };

  try {
    const groups: string[][] = [];
    for (let k = 0; k < count; k++) {
      const address = `127.0.0.${1 + (k % LOOPBACK_ADDRESSES)}`;
      if (k % ADDRESSES_PER_SERVER === 0) groups.push([]);
      groups.at(-1)!.push(address);
    }
    // One after another: each takes a few ms, and no two can then pick the same port.
    const usedPorts = new Set<number>();
    for (const [i, addresses] of groups.entries()) {
      servers.push(await startServer(dir.path, i, addresses, { username: user.username, readyTimeoutMs, usedPorts }));
    }
  } catch (error) {
    await undo();
    throw error;
  }
  const pids = servers.map((s) => s.proc.pid);
  return {
    username: user.username,
    privateKey,
    sudo: user.sudo,
    targets: servers.flatMap((s) => s.addresses.map((host) => ({ host, port: s.port }))),
    pids,
    cpuMs: () => treeCpuMs(pids),
    memory: () => treeMemory(pids),
    stop: undo,
  };
}

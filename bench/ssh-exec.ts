/**
 * SSH through the agent's own executor (`createSshExecutor`, ssh2) against a real OpenSSH server
 * on loopback, logged in as a throwaway user whose shell is `/bin/sh`: the time a fresh
 * connection takes to run its first command (TCP connect, key exchange, host-key pinning,
 * public-key auth, exec of `true`), and the round trip of `true` (and of `sudo -n true`, which
 * every non-root scan adds) on a connection kept open. Beside each, the CPU time it costs this
 * process (the agent's side) and the sshd process tree (the target's side), which share the
 * machine's cores here but not on a site.
 *
 *   bun bench/ssh-exec.ts [--quick]
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createMemoryHostKeyStore, createSshExecutor, type HostKeyStore } from "../src/transport/ssh/index.ts";
import { TransportError, type Executor } from "../src/transport/index.ts";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir } from "./support/cleanup.ts";
import { describeSamples, median, percentile, type Figure } from "./support/figures.ts";
import { selfCpuMs } from "./support/proc.ts";
import { sshdFarmSkipReason, startSshdFarm, type SshdFarm, type SshTarget } from "./support/sshd-farm.ts";

const RUN = { deadlineMs: 10_000 };

/**
 * Runs whose command finished but whose exit status the executor missed, so it reported a lost
 * connection: they still count as round trips, and how many there were is a figure of its own.
 */
let exitStatusMissed = 0;

/** Runs `script`, which must exit 0; a missed exit status is counted, not thrown. */
async function runChecked(executor: Executor, script: string): Promise<void> {
  let r: Awaited<ReturnType<Executor["run"]>>;
  try {
    r = await executor.run(script, RUN);
  } catch (error) {
    if (error instanceof TransportError && error.kind === "closed" && /during a run/.test(error.message)) {
      exitStatusMissed++;
      return;
    }
    throw error;
  }
  if (r.exitCode !== 0) throw new Error(`"${script}" exited ${r.exitCode} over SSH: ${r.stderr.trim()}`);
}

/** Runs `op` `n` times one after another; its wall times (ms) and the CPU (ms) it cost each side in all. */
async function timed(n: number, farm: SshdFarm, op: () => Promise<void>): Promise<{ wall: number[]; agentCpu: number; sshdCpu: number; missed: number }> {
  const wall: number[] = [];
  const missed0 = exitStatusMissed;
  const agent0 = selfCpuMs();
  const sshd0 = farm.cpuMs();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op();
    wall.push(performance.now() - t0);
  }
  const agentCpu = selfCpuMs() - agent0;
  // Closed sessions finish on the server a moment after the client is done with them.
  await Bun.sleep(300);
  return { wall, agentCpu, sshdCpu: farm.cpuMs() - sshd0, missed: exitStatusMissed - missed0 };
}

/** A fresh connection's first run: connect, key exchange, pin the host key, authenticate, exec. */
async function setUpOnce(farm: SshdFarm, target: SshTarget, knownHosts: HostKeyStore): Promise<void> {
  const executor = createSshExecutor({ host: target.host, port: target.port, username: farm.username, privateKey: farm.privateKey, knownHosts });
  try {
    await runChecked(executor, "true");
  } finally {
    await executor.close();
  }
}

/** What ssh2 and this sshd agree on (key exchange, host key, cipher, MAC), from one plain ssh2 connection. */
async function negotiated(farm: SshdFarm, target: SshTarget): Promise<string> {
  const { Client } = await import("ssh2");
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.on("handshake", (n) => {
      // An AEAD cipher (AES-GCM, chacha20-poly1305) needs no separate MAC; ssh2 then reports "".
      const mac = (n.cs.mac as string) === "" ? "" : `, MAC ${n.cs.mac}`;
      resolve(`kex ${n.kex}, host key ${n.serverHostKey}, cipher ${n.cs.cipher}${mac}`);
      client.end();
    });
    client.on("error", reject);
    client.connect({ host: target.host, port: target.port, username: farm.username, privateKey: farm.privateKey });
  });
}

/** Whether ssh2's native cipher binding (chacha20-poly1305, faster AES-GCM) loaded; ssh2 falls back to `node:crypto` without it. */
function ssh2NativeCrypto(): boolean {
  const crypto = require("ssh2/lib/protocol/crypto.js") as { bindingAvailable?: boolean };
  return crypto.bindingAvailable === true;
}

/**
 * The same set-up with the OpenSSH client, for scale: spawn + connect + auth + `true` + exit,
 * with the key exchange and cipher ssh2 negotiated (OpenSSH 9's own default, the post-quantum
 * sntrup761x25519, costs both sides far more).
 */
async function opensshClient(farm: SshdFarm, target: SshTarget, n: number): Promise<number[] | undefined> {
  if (!Bun.which("ssh")) return undefined;
  using dir = tempDir("ssh-client");
  const key = join(dir.path, "key");
  writeFileSync(key, farm.privateKey, { mode: 0o600 });
  const argv = [
    "ssh", "-F", "/dev/null", "-i", key, "-p", String(target.port),
    "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
    "-o", "KexAlgorithms=curve25519-sha256,curve25519-sha256@libssh.org", "-o", "Ciphers=aes128-gcm@openssh.com",
    `${farm.username}@${target.host}`, "true",
  ];
  const wall: number[] = [];
  for (let i = 0; i < n + 2; i++) {
    const t0 = performance.now();
    const proc = Bun.spawnSync(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    if (proc.exitCode !== 0) throw new Error(`ssh exited ${proc.exitCode}: ${proc.stderr.toString().trim()}`);
    if (i >= 2) wall.push(performance.now() - t0);
  }
  return wall;
}

/** Measures connection set-up and exec round trips; `quick` takes fewer samples. */
export async function measureSshExec({ quick }: BenchOptions): Promise<Figure[]> {
  const skip = sshdFarmSkipReason();
  if (skip) {
    return [
      { figure: "SSH connection set-up (connect + auth + first exec)", value: null, unit: "ms", note: `skipped: ${skip}` },
      { figure: "exec round trip of `true`, reused connection", value: null, unit: "ms", note: `skipped: ${skip}` },
    ];
  }
  const setUps = quick ? 20 : 50;
  const execs = quick ? 200 : 500;
  const sudoExecs = quick ? 50 : 100;
  const farm = await startSshdFarm({ targets: 1 });
  try {
    const target = farm.targets[0]!;
    const knownHosts = createMemoryHostKeyStore();
    console.log(`sshd on ${target.host}:${target.port}, login "${farm.username}" (shell /bin/sh, ed25519 key)`);
    const algorithms = await negotiated(farm, target);
    const nativeCrypto = ssh2NativeCrypto();
    console.log(`negotiated: ${algorithms}; ssh2 native crypto binding ${nativeCrypto ? "loaded" : "not loaded (node:crypto fallback)"}`);

    console.log(`connection set-up: 5 warm-up, then ${setUps} fresh connections, one after another…`);
    for (let i = 0; i < 5; i++) await setUpOnce(farm, target, knownHosts);
    const setUp = await timed(setUps, farm, () => setUpOnce(farm, target, knownHosts));
    console.log(`  set-up + first exec  ${describeSamples(setUp.wall, 1)} ms`);

    const executor = createSshExecutor({ host: target.host, port: target.port, username: farm.username, privateKey: farm.privateKey, knownHosts });
    let exec: Awaited<ReturnType<typeof timed>>;
    let sudo: Awaited<ReturnType<typeof timed>> | undefined;
    try {
      console.log(`exec round trip: 50 warm-up, then ${execs} runs of "true" on one connection…`);
      for (let i = 0; i < 50; i++) await runChecked(executor, "true");
      exec = await timed(execs, farm, () => runChecked(executor, "true"));
      console.log(`  true                 ${describeSamples(exec.wall, 2)} ms`);
      if (farm.sudo) {
        for (let i = 0; i < 10; i++) await runChecked(executor, "sudo -n true");
        sudo = await timed(sudoExecs, farm, () => runChecked(executor, "sudo -n true"));
        console.log(`  sudo -n true         ${describeSamples(sudo.wall, 2)} ms`);
      }
    } finally {
      await executor.close();
    }

    const openssh = await opensshClient(farm, target, quick ? 10 : 20);
    if (openssh) console.log(`OpenSSH client (spawn + set-up + true)  ${describeSamples(openssh, 1)} ms`);

    const perOp = (cpu: number, n: number) => cpu / n;
    return [
      {
        figure: "SSH connection set-up (connect + auth + first exec), median",
        value: median(setUp.wall),
        unit: "ms",
        note: `n=${setUps}, ed25519 key, loopback; ${algorithms}`,
      },
      { figure: "SSH connection set-up, p90", value: percentile(setUp.wall, 90), unit: "ms" },
      {
        figure: "  agent CPU per set-up",
        value: perOp(setUp.agentCpu, setUps),
        unit: "ms",
        note: `this process, all threads; ssh2 native crypto ${nativeCrypto ? "loaded" : "not loadable under Bun"}`,
      },
      { figure: "  sshd CPU per set-up", value: perOp(setUp.sshdCpu, setUps), unit: "ms", note: "server side: sshd processes + the shell" },
      openssh
        ? {
            figure: "  OpenSSH client, same set-up, median",
            value: median(openssh),
            unit: "ms",
            note: `n=${openssh.length}, for scale: spawn + set-up + exec + exit; curve25519, aes128-gcm`,
          }
        : { figure: "  OpenSSH client, same set-up, median", value: null, unit: "ms", note: "ssh not installed" },
      { figure: "exec round trip of `true`, reused connection, median", value: median(exec.wall), unit: "ms", note: `n=${execs}` },
      { figure: "exec round trip of `true`, p90", value: percentile(exec.wall, 90), unit: "ms" },
      { figure: "  agent CPU per exec", value: perOp(exec.agentCpu, execs), unit: "ms" },
      { figure: "  sshd CPU per exec", value: perOp(exec.sshdCpu, execs), unit: "ms", note: "sshd session + sh -c + true" },
      sudo
        ? {
            figure: "exec round trip of `sudo -n true`, median",
            value: median(sudo.wall),
            unit: "ms",
            note: `n=${sudoExecs}; what sudo adds to every non-root scan`,
          }
        : { figure: "exec round trip of `sudo -n true`, median", value: null, unit: "ms", note: "sudo not installed" },
      ...(sudo
        ? [{ figure: "  sshd CPU per sudo exec", value: perOp(sudo.sshdCpu, sudoExecs), unit: "ms", note: "sudo, its pty (Debian: use_pty) + true" }]
        : []),
      {
        figure: "runs reported as a lost connection",
        value: setUp.missed + exec.missed + (sudo?.missed ?? 0),
        unit: "runs",
        note: `of ${setUps + execs + (sudo ? sudoExecs : 0)} measured: the command ran, but its exit status arrived before the executor listened`,
      },
    ];
  } finally {
    await farm.stop();
  }
}

if (import.meta.main) await benchMain("SSH exec", measureSshExec);

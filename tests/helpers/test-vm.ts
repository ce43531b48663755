/**
 * A real Debian 12 machine for tests: systemd, sshd, nftables, auditd, cron, chrony and sudo,
 * booted under QEMU (software emulation, `-accel tcg -cpu max`) from an image that
 * `tests/vm/build-image.sh` builds once into a cache outside the repository. Every VM boots from
 * fresh copy-on-write overlays, so a test may break it freely (stop auditd, flush the firewall,
 * fill /srv/data) and the next VM starts pristine. SSH reaches it on a forwarded loopback port.
 *
 * @example
 * ```ts
 * test.skipIf(testVmSkipReason !== undefined)(`…${suffix}`, async () => {
 *   await using vm = await startTestVm();
 *   await vm.run("nft flush ruleset");
 * }, 600_000);
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnDaemon, type Daemon } from "./daemon.ts";
import type { SshKeyPair } from "./sshd.ts";

export const qemuPath = "/usr/bin/qemu-system-x86_64";
const qemuImgPath = "/usr/bin/qemu-img";
const buildScript = join(import.meta.dir, "..", "vm", "build-image.sh");

/** Where built images live: one folder per version of the build recipe. */
export const testVmCacheRoot = process.env.COMPLIANCE_AGENT_TEST_VM_CACHE || "/var/cache/compliance-agent-test-vm";

/** The image for this checkout's recipe: named by the same short sha256 build-image.sh uses. */
export const testVmImageDir = join(
  testVmCacheRoot,
  new Bun.CryptoHasher("sha256").update(readFileSync(buildScript)).digest("hex").slice(0, 12),
);

/** The unprivileged user in the image; it is in group sudo and sudo asks for this password. */
const ops = { username: "ops", password: "ops-test-password" } as const;

/**
 * Why VM tests are skipped, for their titles; `undefined` when they run. Reading it builds the
 * image first when it is missing and the tools are there (a few minutes, once).
 */
export const testVmSkipReason: string | undefined = prepareImage();

function prepareImage(): string | undefined {
  if (process.env.COMPLIANCE_AGENT_TEST_VM === "0") return "skipped: COMPLIANCE_AGENT_TEST_VM=0";
  if (process.getuid?.() !== 0) return "skipped: the test VM image is built and used as root";
  for (const tool of [qemuPath, qemuImgPath]) {
    if (!existsSync(tool)) return `skipped: ${tool} is absent (apt-get install qemu-system-x86 qemu-utils)`;
  }
  if (!Bun.which("ssh")) return "skipped: the ssh client is absent (apt-get install openssh-client)";
  if (existsSync(join(testVmImageDir, "READY"))) return undefined;
  const sbin = { PATH: `${process.env.PATH ?? ""}:/usr/local/sbin:/usr/sbin:/sbin` };
  if (!Bun.which("debootstrap", sbin) || !Bun.which("mkfs.ext4", sbin)) {
    return `skipped: no test VM image in ${testVmImageDir} and no debootstrap to build it (apt-get install debootstrap e2fsprogs)`;
  }
  console.error(`Building the test VM image in ${testVmImageDir} (once; a few minutes)`);
  const build = spawnSync("bash", [buildScript], { stdio: ["ignore", "inherit", "inherit"] });
  if (build.status === 0 && existsSync(join(testVmImageDir, "READY"))) return undefined;
  return `skipped: building the test VM image failed (exit ${build.status ?? build.signal}); run "bash tests/vm/build-image.sh" to see why`;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Who logs in: "root" (the default) or "ops"; both accept the test key. */
  user?: string;
  /** Written to the command's stdin, e.g. a password for `sudo -S`. */
  stdin?: string;
  /** The ssh client is killed after this long and `run` throws. */
  timeoutMs?: number;
}

export interface TestVm extends AsyncDisposable {
  host: "127.0.0.1";
  /** The loopback port QEMU forwards to the guest's port 22. */
  port: number;
  /** Authorised for root (and for ops). */
  rootKey: SshKeyPair;
  opsUser: { username: string; password: string; privateKey: string };
  /** Milliseconds from starting QEMU to the first successful root login. */
  bootMs: number;
  /** Runs a shell command on the guest over the system ssh client, as root unless told. */
  run(command: string, options?: RunOptions): Promise<CommandResult>;
  /** Everything the guest has written to its serial console (kernel, systemd, getty). */
  serialLog(): string;
  /** Asks the guest to power off, kills QEMU after a short grace, removes the overlays. */
  stop(): Promise<void>;
}

export interface StartTestVmOptions {
  /** How long to wait for a root login; emulated boots on a busy machine are slow. */
  bootTimeoutMs?: number;
  memoryMiB?: number;
  /** How long `stop()` waits for a guest `poweroff` before killing QEMU. */
  poweroffGraceMs?: number;
}

/** Boots a pristine copy of the test image and waits until root can log in over SSH. */
export async function startTestVm({
  bootTimeoutMs = 240_000,
  memoryMiB = 1024,
  poweroffGraceMs = 10_000,
}: StartTestVmOptions = {}): Promise<TestVm> {
  if (testVmSkipReason !== undefined) throw new Error(testVmSkipReason);
  const image = (name: string) => join(testVmImageDir, name);
  const rootKey = { privateKey: readFileSync(image("id_ed25519"), "utf8"), publicKey: readFileSync(image("id_ed25519.pub"), "utf8") };
  // A port picked now may be taken before QEMU binds it; QEMU then exits at once and we retry.
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "ca-test-vm-"));
    const keyFile = join(dir, "id_ed25519");
    writeFileSync(keyFile, rootKey.privateKey, { mode: 0o600 });
    for (const disk of ["root", "data"]) {
      const overlay = spawnSync(
        qemuImgPath,
        ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image(`${disk}.qcow2`), join(dir, `${disk}.qcow2`)],
        { encoding: "utf8" },
      );
      if (overlay.status !== 0) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`qemu-img create failed for the ${disk} overlay: ${overlay.stderr.trim()}`);
      }
    }
    const port = await freeTcpPort();
    const serialFile = join(dir, "serial.log");
    const started = performance.now();
    const qemu = spawnDaemon(qemuCommand({ dir, port, memoryMiB, serialFile }), dir);
    const serialLog = () => {
      try {
        return readFileSync(serialFile, "utf8");
      } catch {
        return "";
      }
    };
    const run = (command: string, options: RunOptions = {}) => sshRun({ port, keyFile, command, ...options });
    const stop = once(async () => {
      if (!qemu.exited()) {
        // The session usually dies with the guest; only the power-off matters.
        await run("systemctl poweroff", { timeoutMs: 5_000 }).catch(() => undefined);
        await Promise.race([qemu.proc.exited, Bun.sleep(poweroffGraceMs)]);
      }
      await qemu.stop();
    });

    const failure = await waitForLogin({ qemu, run, deadline: started + bootTimeoutMs });
    if (failure === undefined) {
      return {
        host: "127.0.0.1",
        port,
        rootKey,
        opsUser: { ...ops, privateKey: rootKey.privateKey },
        bootMs: Math.round(performance.now() - started),
        run,
        serialLog,
        stop,
        [Symbol.asyncDispose]: stop,
      };
    }
    const serialTail = tail(serialLog());
    await qemu.stop();
    const stderr = qemu.stderr().trim();
    if (failure === "exited" && /host forwarding|address already in use/i.test(stderr) && attempt < 3) continue;
    throw new Error(
      failure === "exited"
        ? `QEMU exited before the test VM answered on port ${port}: ${stderr}\n--- serial console (tail) ---\n${serialTail}`
        : `The test VM did not accept an SSH login on port ${port} within ${bootTimeoutMs} ms${stderr ? ` (QEMU: ${stderr})` : ""}\n--- serial console (tail) ---\n${serialTail}`,
    );
  }
}

function qemuCommand({ dir, port, memoryMiB, serialFile }: { dir: string; port: number; memoryMiB: number; serialFile: string }): string[] {
  const image = (name: string) => join(testVmImageDir, name);
  // The design calls for software emulation; KVM is an opt-in shortcut for a developer's machine.
  const accel = process.env.COMPLIANCE_AGENT_TEST_VM_KVM === "1" && kvmUsable() ? "kvm" : "tcg";
  return [
    qemuPath,
    // Named so a leftover QEMU can be found by its command line (see pidsWithMarker in sshd.ts).
    "-name", `compliance-agent-test-vm,process=compliance-agent-test-vm`,
    "-accel", accel,
    // Bun needs more than the default qemu64 CPU model offers (it dies with SIGILL there).
    "-cpu", "max",
    "-m", String(memoryMiB),
    "-smp", "1",
    "-nographic",
    "-monitor", "none",
    "-kernel", image("vmlinuz"),
    "-initrd", image("initrd.img"),
    "-append", "root=/dev/vda rw console=ttyS0 quiet",
    "-drive", `file=${join(dir, "root.qcow2")},if=virtio`,
    "-drive", `file=${join(dir, "data.qcow2")},if=virtio`,
    "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`,
    "-device", "virtio-net-pci,netdev=n0",
    // Entropy for the guest's early boot (sshd, chrony) without waiting on emulated jitter.
    "-device", "virtio-rng-pci",
    "-serial", `file:${serialFile}`,
  ];
}

/**
 * Polls until root logs in. QEMU's user network accepts a forwarded connection even before the
 * guest listens, so only a real login proves sshd is up.
 */
async function waitForLogin({
  qemu,
  run,
  deadline,
}: {
  qemu: Daemon;
  run: (command: string, options?: RunOptions) => Promise<CommandResult>;
  deadline: number;
}): Promise<undefined | "exited" | "timeout"> {
  while (!qemu.exited() && performance.now() < deadline) {
    const attemptMs = Math.max(1_000, Math.min(30_000, deadline - performance.now()));
    const login = await run("true", { timeoutMs: attemptMs }).catch(() => undefined);
    if (login?.exitCode === 0) return undefined;
    await Promise.race([qemu.proc.exited, Bun.sleep(2_000)]);
  }
  return qemu.exited() ? "exited" : "timeout";
}

async function sshRun({
  port,
  keyFile,
  command,
  user = "root",
  stdin,
  timeoutMs = 120_000,
}: RunOptions & { port: number; keyFile: string; command: string }): Promise<CommandResult> {
  const proc = Bun.spawn(
    [
      "ssh",
      "-i", keyFile,
      "-p", String(port),
      "-o", "BatchMode=yes",
      "-o", "IdentitiesOnly=yes",
      "-o", "StrictHostKeyChecking=no",
      "-o", "UserKnownHostsFile=/dev/null",
      "-o", "LogLevel=ERROR",
      "-o", "ConnectTimeout=20",
      `${user}@127.0.0.1`,
      "--",
      command,
    ],
    { stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" },
  );
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(killer);
  if (timedOut) throw new Error(`ssh ${user}@127.0.0.1:${port} "${command}" did not finish within ${timeoutMs} ms`);
  return { exitCode, stdout, stderr };
}

function kvmUsable(): boolean {
  try {
    closeSync(openSync("/dev/kvm", "r+"));
    return true;
  } catch {
    return false;
  }
}

/** The last lines of a serial log without terminal escape sequences. */
function tail(log: string, lines = 40): string {
  const plain = log.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc|\r/g, "");
  return plain.split("\n").slice(-lines).join("\n");
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

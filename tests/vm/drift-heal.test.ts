/**
 * The catalog against a real Debian host: each scenario breaks the VM the way drift happens in
 * a practice (root login allowed, auditd stopped, firewall flushed, a SUID binary planted,
 * automatic updates' timer stopped, a disk filled), then the scanner must see it and the check's
 * runbook must heal it through the one heal path, proved by the verify phase passing again.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { embeddedCatalog } from "../../src/catalog/index.ts";
import { parseMaintenanceWindow } from "../../src/config/maintenance-window.ts";
import { judgeGuardrails } from "../../src/heal/guardrails.ts";
import { runRunbook } from "../../src/heal/run-runbook.ts";
import { scanHost } from "../../src/scan/scan-host.ts";
import { systemClock } from "../../src/time/clock.ts";
import { systemRandom } from "../../src/time/random.ts";
import { createMemoryHostKeyStore, createSshExecutor, type Executor } from "../../src/transport/index.ts";
import { join } from "node:path";
import { writeAgentConfig } from "../helpers/agent-process.ts";
import { e2eFixture } from "../helpers/e2e-fixture.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { startTestVm, testVmSkipReason, type TestVm } from "../helpers/test-vm.ts";

const suffix = testVmSkipReason ? ` (${testVmSkipReason})` : "";
const catalog = embeddedCatalog();
const NONCE = () => crypto.randomUUID().replaceAll("-", "");
const t = e2eFixture();
const KEY = "vm-site-key-0123456789abcdefghijklmnop";

let vm: TestVm | undefined;
let root: Executor | undefined;
let ops: Executor | undefined;

beforeAll(async () => {
  if (testVmSkipReason) return;
  vm = await startTestVm();
  root = createSshExecutor({ host: vm.host, port: vm.port, username: "root", privateKey: vm.rootKey.privateKey, knownHosts: createMemoryHostKeyStore() });
  ops = createSshExecutor({ host: vm.host, port: vm.port, username: vm.opsUser.username, password: vm.opsUser.password, knownHosts: createMemoryHostKeyStore() });
}, 400_000);
afterAll(async () => {
  await root?.close();
  await ops?.close();
  await vm?.stop();
}, 60_000);

async function status(checkId: string): Promise<{ status: string; actual?: string; reason?: string }> {
  const check = catalog.check(checkId)!;
  const scan = await scanHost({ executor: root!, checks: [check], hostname: "ca-testhost", privilege: { kind: "root" }, nonce: NONCE(), nowMs: Date.now() });
  const r = scan.results[0]!;
  return { status: r.status, ...(r.actual ? { actual: r.actual } : {}), ...(r.reason ? { reason: r.reason } : {}) };
}

async function heal(checkId: string) {
  const check = catalog.check(checkId)!;
  const runbook = catalog.healerFor(checkId)!;
  return runRunbook({
    runbook,
    check,
    hostname: "ca-testhost",
    executor: root!,
    privilege: { kind: "root" },
    clock: systemClock,
    random: systemRandom,
    // Healing on, clock trusted, and inside the maintenance window, so disruptive runbooks run too.
    guard: (rb) =>
      judgeGuardrails({
        healingEnabled: true,
        dryRun: false,
        maintenanceWindow: parseMaintenanceWindow("00:00-23:59"),
        allowDisruptiveOutsideWindow: false,
        minutesOfDay: 12 * 60,
        nowMs: Date.now(),
        clockOffsetMs: 0,
        maxClockSkewMs: 5000,
        recentHeals: 0,
        maxHealsPerWindow: 3,
        runbook: rb,
      }),
  });
}

async function sh(command: string) {
  const r = await root!.run(command, { deadlineMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`"${command}" failed (${r.exitCode}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Drift to plant, the check that must see it, and whether its runbook can heal it. */
const SCENARIOS: { name: string; check: string; breakIt: string; heals: boolean; cleanup?: string }[] = [
  { name: "root login allowed", check: "linux.sshd.root-login-disabled", breakIt: "sed -i 's/^PermitRootLogin .*/PermitRootLogin yes/' /etc/ssh/sshd_config && grep -q '^PermitRootLogin yes' /etc/ssh/sshd_config && systemctl reload ssh", heals: true },
  { name: "auditd stopped", check: "linux.auditd.running", breakIt: "systemctl kill --signal=KILL auditd && sleep 1 && auditctl -e 0 >/dev/null; true", heals: true },
  { name: "firewall flushed", check: "linux.firewall.active", breakIt: "nft flush ruleset", heals: true },
  { name: "SUID binary planted in /tmp", check: "linux.suid.unexpected", breakIt: "cp /bin/true /tmp/helper && chmod 4755 /tmp/helper", heals: true },
  { name: "automatic updates' timer stopped", check: "linux.updates.automatic", breakIt: "systemctl disable --now apt-daily-upgrade.timer", heals: true },
  // A disk full of data the agent must not delete: detected, and honestly not healed.
  { name: "data disk filled", check: "linux.disk.space", breakIt: "fallocate -l 60M /srv/data/fill || dd if=/dev/zero of=/srv/data/fill bs=1M count=60 status=none; sync", heals: false, cleanup: "rm -f /srv/data/fill" },
];

describe.skipIf(testVmSkipReason !== undefined)(`drift on a real Debian host is detected, healed and verified${suffix}`, () => {
  test("a pristine host passes every scenario's check", async () => {
    const seen = Object.fromEntries(await Promise.all(SCENARIOS.map(async (s) => [s.check, (await status(s.check)).status])));
    expect(seen).toEqual(Object.fromEntries(SCENARIOS.map((s) => [s.check, "pass"])));
  }, 300_000);

  for (const s of SCENARIOS) {
    test(`${s.name}: ${s.check} fails, then ${s.heals ? "its runbook heals it and verify passes" : "the heal reports failure, never success"}`, async () => {
      await sh(s.breakIt);
      const broken = await status(s.check);
      expect(broken.status).toBe("fail");
      const result = await heal(s.check);
      if (s.heals) {
        expect({ outcome: result.outcome, reason: result.reason, verify: result.post?.status }).toEqual({ outcome: "success", reason: undefined, verify: "pass" });
        expect(result.phases.map((p) => p.phase)).toEqual(["detect", "remediate", "verify"]);
        expect((await status(s.check)).status).toBe("pass");
      } else {
        expect(result.outcome).not.toBe("success");
        expect(result.post?.status ?? result.pre.status).toBe("fail");
        await sh(s.cleanup!);
        expect((await status(s.check)).status).toBe("pass");
      }
    }, 300_000);
  }

  test("a non-root login scans through sudo with its password, and the password appears nowhere", async () => {
    const checks = SCENARIOS.map((s) => catalog.check(s.check)!);
    const scan = await scanHost({ executor: ops!, checks, hostname: "ca-testhost", privilege: { kind: "sudo", password: vm!.opsUser.password }, nonce: NONCE(), nowMs: Date.now() });
    expect(Object.fromEntries(scan.results.map((r) => [r.check, r.status]))).toEqual(Object.fromEntries(SCENARIOS.map((s) => [s.check, "pass"])));
    expect(JSON.stringify(scan)).not.toContain(vm!.opsUser.password);
  }, 300_000);

  test("through the compiled agent: Central Command's target is scanned, a healing order fixes root login, the next scan passes", async () => {
    using dir = tempDir();
    // Undo the earlier scenario's heal (its drop-in) too, so this drift is real whatever ran before.
    await sh("rm -f /etc/ssh/sshd_config.d/00-compliance-agent.conf && sed -i 's/^PermitRootLogin .*/PermitRootLogin yes/' /etc/ssh/sshd_config && systemctl reload ssh");
    // sshd re-executes itself a moment after the reload: wait until it takes fresh logins again.
    await Bun.sleep(3_000);
    await vm!.run("true");
    const cc = await t.startCC({
      sites: { clinic: { apiKey: KEY, linuxTargets: [{ hostname: vm!.host, port: vm!.port, username: "root", private_key: vm!.rootKey.privateKey }] } },
    });
    const config = writeAgentConfig(join(dir.path, "config.yaml"), {
      site_id: "clinic",
      api_key: KEY,
      api_endpoint: cc.url,
      state_dir: join(dir.path, "state"),
      poll_interval: 10,
      healing_dry_run: false,
    });
    const agent = t.startAgent(config);
    type View = { host_id: string; scan?: { method: string; checks: { check: string; status: string }[] }; action?: { runbook_id?: string; outcome: string; phases: { phase: string; result?: string }[] } };
    const records = () => cc.state.deliveredRecords("clinic").map((r) => r.record as unknown as View);
    const rootLogin = (r: View) => r.scan?.checks.find((c) => c.check === "linux.sshd.root-login-disabled")?.status;
    const first = await cc.state.waitFor(() => records().find((r) => r.scan?.method === "ssh" && r.host_id === vm!.host), 180_000);
    expect(first.scan!.checks.find((c) => c.check === "linux.sshd.root-login-disabled")).toMatchObject({ status: "fail" });
    const scansBefore = records().filter((r) => r.scan?.method === "ssh").length;

    const order = cc.state.queueOrder({ order_type: "healing", parameters: { runbook_id: "linux.sshd.disable-root-login", hostname: vm!.host } });
    const done = await cc.state.waitFor((s) => s.completions.find((c) => c.order_id === order.order_id), 120_000);
    expect(done).toMatchObject({ success: true });
    const action = await cc.state.waitFor(() => records().find((r) => r.action?.runbook_id === "linux.sshd.disable-root-login"), 60_000);
    expect(action.action!.outcome).toBe("success");
    expect(action.action!.phases.map((p) => `${p.phase}:${p.result}`)).toEqual(["detect:fail", "remediate:ok", "verify:pass"]);

    // A scan after the heal (run_drift makes it due now) shows the check passing.
    cc.state.queueOrder({ order_type: "run_drift" });
    const after = await cc.state.waitFor(() => records().filter((r) => r.scan?.method === "ssh").slice(scansBefore).find((r) => rootLogin(r) === "pass"), 180_000);
    expect(after.host_id).toBe(vm!.host);
    expect(await agent.stop("SIGTERM")).toBe(0);
  }, 600_000);
});

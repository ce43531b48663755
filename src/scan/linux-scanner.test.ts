import { describe, expect, test } from "bun:test";
import { testCheck } from "../catalog/test-support.ts";
import { createCatalog, type Check } from "../catalog/index.ts";
import type { LinuxTarget } from "../inventory/targets.ts";
import { createLogger } from "../log/logger.ts";
import { seededRandom } from "../time/random.ts";
import { createLocalExecutor, TransportError, type Executor } from "../transport/index.ts";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { createLinuxScanner, privilegeFor, type SelfIdentity } from "./linux-scanner.ts";
import type { HostScan } from "./scan-host.ts";

const MIN = 60_000;

function check(id: string, shell: string, checkType = "demo"): Check {
  return testCheck(id, shell, {
    check_type: checkType,
    verdict: [{ if: { "==": [{ var: "out" }, "ok"] }, status: "pass" }, { status: "fail" }],
    expected: "ok",
    actual: "{{out}}",
  });
}

const target = (hostname: string, extra: Partial<LinuxTarget> = {}): LinuxTarget => ({ hostname, port: 22, username: "root", ...extra });

/** Runs the batch on this machine with `sh`, but reports a different machine id unless asked not to. */
function localAs(machineId: string | undefined): Executor {
  const local = createLocalExecutor();
  return {
    run: async (script, opts) => {
      const r = await local.run(script, opts);
      return machineId === undefined ? r : { ...r, stdout: r.stdout.replace(/CA_MACHINE_ID=\w*/, `CA_MACHINE_ID=${machineId}`) };
    },
    close: () => local.close(),
  };
}

function rig(opts: { targets: LinuxTarget[]; checks: Check[]; executorFor?: (t: LinuxTarget) => Executor; self?: SelfIdentity; disabled?: string[] }) {
  const clock = new FakeClock();
  const lines: string[] = [];
  const scans: { scan: HostScan; at: number }[] = [];
  const scanner = createLinuxScanner({
    catalog: createCatalog(opts.checks, []),
    targets: () => opts.targets,
    executorFor: opts.executorFor ?? ((t) => localAs(`id-of-${t.hostname}`)),
    clock,
    random: seededRandom(7),
    log: createLogger({ sink: (l) => lines.push(l), clock }),
    intervalMs: 15 * MIN,
    driftIntervalMs: 5 * MIN,
    concurrency: 4,
    self: opts.self ?? { hostname: "appliance", addresses: ["192.0.2.1"], machineId: "appliance-machine-id" },
    disabledChecks: () => opts.disabled ?? [],
    onScan: async (scan) => void scans.push({ scan, at: clock.now() }),
  });
  return { clock, lines, scans, scanner };
}

describe("createLinuxScanner", () => {
  test("scans each host; a clean host waits ~15 min, a drifted one ~5 min", async () => {
    const r = rig({
      targets: [target("clean"), target("drifted")],
      checks: [check("demo.state", "echo ok")],
      executorFor: (t) => {
        const local = localAs(`id-${t.hostname}`);
        return { run: (s, o) => local.run(s, t.hostname === "drifted" ? { ...o, stdin: o.stdin!.replace("echo ok", "echo bad") } : o), close: () => local.close() };
      },
    });
    expect(await r.scanner.runDue()).toEqual({ scanned: 2, drifted: 1, unreachable: 0, skippedSelf: 0 });
    expect(Object.fromEntries(r.scans.map(({ scan }) => [scan.hostname, scan.results[0]!.status]))).toEqual({ clean: "pass", drifted: "fail" });
    const next = r.scanner.nextDueInMs();
    expect(next).toBeGreaterThanOrEqual(0.95 * 5 * MIN);
    expect(next).toBeLessThanOrEqual(1.05 * 5 * MIN);
    r.clock.advance(next);
    expect((await r.scanner.runDue()).scanned).toBe(1); // only the drifted host is due again
    r.clock.advance(16 * MIN);
    expect((await r.scanner.runDue()).scanned).toBe(2);
  });

  test("never scans itself: by hostname, by address, or by machine id once connected", async () => {
    const r = rig({
      targets: [target("APPLIANCE"), target("192.0.2.1"), target("loopback-alias"), target("other")],
      checks: [check("demo.ok", "echo ok")],
      executorFor: (t) => localAs(t.hostname === "loopback-alias" ? "appliance-machine-id" : "someone-else"),
    });
    expect(await r.scanner.runDue()).toEqual({ scanned: 1, drifted: 0, unreachable: 0, skippedSelf: 3 });
    expect(r.scans.map((s) => s.scan.hostname)).toEqual(["other"]);
    r.clock.advance(60 * MIN);
    await r.scanner.runDue();
    expect(r.scans.map((s) => s.scan.hostname)).toEqual(["other", "other"]);
  });

  test("an unreachable host gives unreachable results and is tried again at the normal interval", async () => {
    const down: Executor = {
      run: async () => {
        throw new TransportError("connect", 'Cannot connect to "down:22": connect ECONNREFUSED');
      },
      close: async () => {},
    };
    const r = rig({ targets: [target("down")], checks: [check("demo.ok", "echo ok")], executorFor: () => down });
    expect(await r.scanner.runDue()).toEqual({ scanned: 1, drifted: 0, unreachable: 1, skippedSelf: 0 });
    expect(r.scans[0]!.scan.results.map((x) => x.status)).toEqual(["unreachable"]);
    expect(r.scanner.nextDueInMs()).toBeGreaterThan(14 * MIN);
  });

  test("a failed login is reported once per cycle with the reason, not retried at once", async () => {
    let attempts = 0;
    const refused: Executor = {
      run: async () => {
        attempts++;
        throw new TransportError("auth", 'Cannot log in to "nas:22" as "backup": authentication failed', { retryable: false });
      },
      close: async () => {},
    };
    const r = rig({ targets: [target("nas", { username: "backup", password: "pw" })], checks: [check("demo.ok", "echo ok")], executorFor: () => refused });
    await r.scanner.runDue();
    await r.scanner.runDue();
    expect(attempts).toBe(1);
    const warnings = r.lines.map((l) => JSON.parse(l)).filter((l) => l.msg.startsWith("cannot log in"));
    expect(warnings.map((w) => w.targets)).toEqual([['nas: Cannot log in to "nas:22" as "backup": authentication failed']]);
    expect(r.scans[0]!.scan.results.map((x) => `${x.status}: ${x.reason}`)).toEqual(['error: Cannot log in to "nas:22" as "backup": authentication failed']);
  });

  test("checks the site turned off, by id or check type, are not run", async () => {
    const r = rig({
      targets: [target("h")],
      checks: [check("demo.a", "echo ok", "type_a"), check("demo.b", "echo ok", "type_b"), check("demo.c", "echo ok", "type_c")],
      disabled: ["demo.a", "type_c"],
    });
    await r.scanner.runDue();
    expect(r.scans[0]!.scan.results.map((x) => x.check)).toEqual(["demo.b"]);
  });

  test("scanAllNow makes every host due again", async () => {
    const r = rig({ targets: [target("h")], checks: [check("demo.ok", "echo ok")] });
    await r.scanner.runDue();
    expect(r.scanner.nextDueInMs()).toBeGreaterThan(0);
    r.scanner.scanAllNow();
    expect(r.scanner.nextDueInMs()).toBe(0);
  });

  test("never more than `concurrency` hosts at once", async () => {
    let now = 0;
    let peak = 0;
    const slow: Executor = {
      run: async (script, opts) => {
        peak = Math.max(peak, ++now);
        await Bun.sleep(20);
        now--;
        return localAs("x").run(script, opts);
      },
      close: async () => {},
    };
    const r = rig({ targets: Array.from({ length: 12 }, (_, i) => target(`h${i}`)), checks: [check("demo.ok", "echo ok")], executorFor: () => slow });
    expect((await r.scanner.runDue()).scanned).toBe(12);
    expect(peak).toBe(4);
  });

  test("privilegeFor: root logs in as root; others use sudo with the sudo or login password", () => {
    expect(privilegeFor(target("a"))).toEqual({ kind: "root" });
    expect(privilegeFor(target("a", { username: "ops", password: "p" }))).toEqual({ kind: "sudo", password: "p" });
    expect(privilegeFor(target("a", { username: "ops", password: "p", sudoPassword: "s" }))).toEqual({ kind: "sudo", password: "s" });
    expect(privilegeFor(target("a", { username: "ops", privateKey: "k" }))).toEqual({ kind: "sudo" });
  });
});

describe("LinuxScanner.run", () => {
  test("a stop that arrives during a cycle ends the loop instead of waiting for the next one", async () => {
    const stop = new AbortController();
    const slow: Executor = {
      run: async (script, opts) => {
        stop.abort(); // the stop lands while a host is being scanned
        return localAs("x").run(script, opts);
      },
      close: async () => {},
    };
    const r = rig({ targets: [target("h")], checks: [check("demo.ok", "echo ok")], executorFor: () => slow });
    const loop = r.scanner.run(stop.signal);
    const finished = await Promise.race([loop.then(() => "stopped"), Bun.sleep(2_000).then(() => "still waiting")]);
    expect(finished).toBe("stopped");
  });
});

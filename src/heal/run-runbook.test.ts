import { describe, expect, test } from "bun:test";
import { testCheck } from "../catalog/test-support.ts";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Check, Runbook } from "../catalog/index.ts";
import { parseMaintenanceWindow } from "../config/maintenance-window.ts";
import { seededRandom } from "../time/random.ts";
import { createLocalExecutor } from "../transport/index.ts";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { judgeGuardrails, type GuardrailFacts } from "./guardrails.ts";
import { runRunbook, variantFor } from "./run-runbook.ts";

/** A check that passes when a file holds "on", and a runbook that writes it. */
function fixture(dir: string, remediate = `printf '%s' "$1" > ${dir}/state`, rollback?: string) {
  const check = testCheck("demo.state.on", `cat ${dir}/state 2>/dev/null || echo missing`, {
    title: "state is on",
    verdict: [{ if: { "==": [{ var: "out" }, "on"] }, status: "pass" }, { status: "fail" }],
    expected: "on",
    actual: "{{out}}",
  });

  const runbook: Runbook = {
    id: "demo.state.turn-on",
    title: "turn it on",
    version: 1,
    check: check.id,
    disruptive: false,
    requires_maintenance_window: false,
    privileged: false,
    timeout_seconds: 5,
    params: { value: { type: "string", pattern: "[a-z' ;$()]+", default: "on", description: "what to write" } },
    variants: [
      { platforms: ["nixos"], distros: [], escalate: "declare it in configuration.nix" },
      { platforms: ["linux"], distros: [], remediate, ...(rollback ? { rollback } : {}) },
    ],
  };
  return { check, runbook };
}

const OPEN: GuardrailFacts = {
  healingEnabled: true,
  dryRun: false,
  maintenanceWindow: parseMaintenanceWindow("02:00-04:00"),
  allowDisruptiveOutsideWindow: false,
  minutesOfDay: 12 * 60,
  nowMs: 0,
  clockOffsetMs: 10,
  maxClockSkewMs: 5000,
  recentHeals: 0,
  maxHealsPerWindow: 3,
  runbook: { disruptive: false, requires_maintenance_window: false },
};

async function heal(dir: string, parts: ReturnType<typeof fixture>, opts: { params?: Record<string, unknown>; facts?: Partial<GuardrailFacts> } = {}) {
  const executor = createLocalExecutor();
  try {
    return await runRunbook({
      ...parts,
      hostname: "local",
      executor,
      privilege: { kind: "none" },
      ...(opts.params ? { params: opts.params } : {}),
      guard: (rb) => judgeGuardrails({ ...OPEN, ...opts.facts, runbook: rb }),
      clock: new FakeClock(),
      random: seededRandom(1),
    });
  } finally {
    await executor.close();
  }
}

const brief = (r: Awaited<ReturnType<typeof heal>>) => ({ outcome: r.outcome, reason: r.reason, phases: r.phases.map((p) => `${p.phase}:${p.result}`) });

describe("runRunbook", () => {
  test("detect fails, remediate, verify passes: success", async () => {
    using dir = tempDir();
    const r = await heal(dir.path, fixture(dir.path));
    expect(brief(r)).toEqual({ outcome: "success", reason: undefined, phases: ["detect:fail", "remediate:ok", "verify:pass"] });
    expect(r.pre.actual).toBe("missing");
    expect(r.post?.actual).toBe("on");
  });

  test("an already compliant host is left alone", async () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "state"), "on");
    const r = await heal(dir.path, fixture(dir.path, "echo must-not-run > /dev/null; exit 9"));
    expect(brief(r)).toEqual({ outcome: "success", reason: "already compliant: nothing was changed", phases: ["detect:pass"] });
  });

  test("a remediation that does not fix the check rolls back: reverted", async () => {
    using dir = tempDir();
    const parts = fixture(dir.path, `echo wrong > ${dir.path}/state`, `rm -f ${dir.path}/state`);
    const r = await heal(dir.path, parts);
    expect(brief(r)).toEqual({
      outcome: "reverted",
      reason: "the check still gives fail after the remediation (exit 0); rolled back",
      phases: ["detect:fail", "remediate:ok", "verify:fail", "rollback:ok"],
    });
    expect(existsSync(join(dir.path, "state"))).toBe(false);
  });

  test("parameters reach the script as quoted arguments, never as code", async () => {
    using dir = tempDir();
    const hostile = "x'; touch pwned; echo '$(id)";
    const r = await heal(dir.path, fixture(dir.path), { params: { value: hostile } });
    expect(r.outcome).toBe("failed"); // the file now holds the hostile text, which is not "on"
    expect(readFileSync(join(dir.path, "state"), "utf8")).toBe(hostile);
    expect(existsSync("pwned")).toBe(false);
  });

  test("a parameter outside its pattern is rejected before anything runs", async () => {
    using dir = tempDir();
    const r = await heal(dir.path, fixture(dir.path), { params: { value: "ON|rm -rf /" } });
    expect(brief(r)).toEqual({ outcome: "rejected", reason: 'parameter "value" of runbook "demo.state.turn-on" must match [a-z\' ;$()]+', phases: ["detect:fail"] });
  });

  test.each([
    [{ healingEnabled: false }, "rejected", "healing is switched off for this site"],
    [{ clockOffsetMs: undefined }, "deferred", "the clock has not been checked against a trusted source yet"],
    [{ clockOffsetMs: 90_000 }, "deferred", "the clock is off by 90000 ms (limit 5000 ms)"],
    [{ recentHeals: 3 }, "rejected", "flapping: healed 3 times in the flap window; escalate instead of healing again"],
    [{ dryRun: true }, "dry_run", "dry run: the remediation was not run"],
  ] as [Partial<GuardrailFacts>, string, string][])("guardrails %j: %s, nothing changes", async (facts, outcome, reason) => {
    using dir = tempDir();
    const r = await heal(dir.path, fixture(dir.path), { facts });
    expect(brief(r)).toEqual({ outcome, reason, phases: ["detect:fail"] } as never);
    expect(existsSync(join(dir.path, "state"))).toBe(false);
  });

  test("a disruptive runbook waits for the maintenance window", async () => {
    using dir = tempDir();
    const parts = fixture(dir.path);
    parts.runbook.disruptive = true;
    const outside = await heal(dir.path, parts);
    expect(brief(outside)).toEqual({ outcome: "deferred", reason: "the runbook is disruptive and it is outside 02:00-04:00", phases: ["detect:fail"] });
    const inside = await heal(dir.path, parts, { facts: { minutesOfDay: 3 * 60 } });
    expect(inside.outcome).toBe("success");
  });

  test("variantFor picks by platform, then distro or ID_LIKE", () => {
    const { runbook } = fixture("/x");
    runbook.variants = [
      { platforms: ["linux"], distros: ["rhel"], remediate: "dnf" },
      { platforms: ["linux"], distros: ["debian"], remediate: "apt" },
      { platforms: ["nixos"], distros: [], escalate: "nix" },
    ];
    expect(variantFor(runbook, { platform: "linux", distro: "ubuntu", distroLike: ["debian"] })?.remediate).toBe("apt");
    expect(variantFor(runbook, { platform: "linux", distro: "rocky", distroLike: ["rhel", "centos", "fedora"] })?.remediate).toBe("dnf");
    expect(variantFor(runbook, { platform: "nixos", distro: "nixos" })?.escalate).toBe("nix");
    expect(variantFor(runbook, { platform: "linux", distro: "arch" })).toBeUndefined();
  });
});

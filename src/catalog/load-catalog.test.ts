import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { CatalogError, loadCatalogFiles } from "./load-catalog.ts";

const ROOT = join(import.meta.dir, "../..");

const CHECK = `id: linux.demo.thing
check_type: linux_demo
title: Demo
platforms: [linux]
severity: low
rationale: r
remediation: m
compliance: { hipaa: ["164.312(b)"] }
probe:
  shell: |
    section state
    echo on
  parse:
    state: { kind: text }
verdict:
  - if: { "==": [{ var: state }, "on"] }
    status: pass
  - status: fail
expected: on
actual: "{{state}}"
`;

function problems(files: Record<string, string>): string[] {
  using dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir.path, "runbooks", name, ".."), { recursive: true });
    writeFileSync(join(dir.path, "runbooks", name), text);
  }
  try {
    loadCatalogFiles(join(dir.path, "runbooks"));
    return [];
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    return error.problems;
  }
}

describe("loadCatalogFiles", () => {
  test("loads the repository's catalog", () => {
    const { checks, runbooks } = loadCatalogFiles(join(ROOT, "runbooks"));
    expect(checks.length).toBeGreaterThan(0);
    expect(runbooks.length).toBeGreaterThan(0);
  });

  test("accepts a well-formed check", () => {
    expect(problems({ "linux/checks/linux.demo.thing.yaml": CHECK })).toEqual([]);
  });

  test.each([
    ["a missing key", CHECK.replace("severity: low\n", ""), "runbooks/linux/checks/linux.demo.thing.yaml: severity: Invalid option: expected one of \"low\"|\"medium\"|\"high\"|\"critical\""],
    ["an unknown key", `${CHECK}colour: red\n`, 'runbooks/linux/checks/linux.demo.thing.yaml: (document): Unrecognized key: "colour"'],
    ["an unknown operator", CHECK.replace('"==": [', '"equals": ['), 'runbooks/linux/checks/linux.demo.thing.yaml: verdict[0].if: unknown operator "equals"'],
    ["a template reading nothing known", CHECK.replace('actual: "{{state}}"', 'actual: "{{stat}}"'), 'runbooks/linux/checks/linux.demo.thing.yaml: actual: template reads "{{stat}}", but "stat" is not a section, fact or context value'],
    ["a parser for a section never printed", CHECK.replace("    state: { kind: text }", "    state: { kind: text }\n    other: { kind: lines }"), 'runbooks/linux/checks/linux.demo.thing.yaml: probe.parse.other: the probe never starts section "other"'],
    ["a last rule with a condition", CHECK.replace("  - status: fail\n", "  - if: true\n    status: fail\n"), 'runbooks/linux/checks/linux.demo.thing.yaml: verdict: the last rule must have no "if", so every output gets a verdict'],
    ["a healer that does not exist", `${CHECK}healer: linux.demo.fix\n`, 'runbooks/linux/checks/linux.demo.thing.yaml: healer: no runbook "linux.demo.fix"'],
  ])("names the file and key for %s", (_, text, problem) => {
    expect(problems({ "linux/checks/linux.demo.thing.yaml": text })).toContain(problem);
  });

  test("a file name must match its id", () => {
    expect(problems({ "linux/checks/linux.demo.other.yaml": CHECK })).toEqual([
      'runbooks/linux/checks/linux.demo.other.yaml: id: "linux.demo.thing" must match the file name',
    ]);
  });

  test("a runbook variant gives a script or an escalation, not both", () => {
    const runbook = `id: linux.demo.fix
title: Fix
version: 1
check: linux.demo.thing
disruptive: false
requires_maintenance_window: false
variants:
  - platforms: [linux]
    remediate: echo fix
    escalate: no
`;
    expect(problems({ "linux/checks/linux.demo.thing.yaml": CHECK, "linux/heal/linux.demo.fix.yaml": runbook })).toEqual([
      "runbooks/linux/heal/linux.demo.fix.yaml: variants[0]: give exactly one of remediate or escalate",
    ]);
  });
});

describe("scripts/build-catalog.ts", () => {
  test("the embedded catalog is what the build generates from runbooks/", () => {
    const r = Bun.spawnSync([process.execPath, "run", "scripts/build-catalog.ts", "--check"], { cwd: ROOT });
    expect({ exitCode: r.exitCode, stderr: r.stderr.toString() }).toEqual({ exitCode: 0, stderr: "" });
  });
});

import { describe, expect, test } from "bun:test";
import { summarize, type ActionRecord, type CheckResult, type CheckStatus, type ScanRecord } from "../record.ts";
import { buildReportModel, clip, MAX_TEXT, naturalCompare, type ReportContext } from "./report-model.ts";

const CONTEXT: ReportContext = {
  period: { from: "2026-11-01", to: "2026-11-30", start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" },
  generatedAt: "2026-12-01T08:00:00.000Z",
  chain: { ok: true, text: "every signature and link verified from genesis to head; positions 1–9" },
  keyFingerprint: "0123456789abcdef",
  pruned: 0,
  outsidePeriod: 0,
  unreadable: 0,
};

const HIPAA_LOG = { hipaa: ["164.312(b)"], cis: ["8.2.1"] };

function result(check: string, hostname: string, status: CheckStatus, extra: Partial<CheckResult> = {}): CheckResult {
  return { check, hostname, status, controls: HIPAA_LOG, ...extra };
}

function scan(seq: number, checks: CheckResult[], { agent = "0.1.0", site = "clinic-42" } = {}): ScanRecord {
  const at = new Date(Date.UTC(2026, 10, seq, 10)).toISOString();
  return {
    schema: "compliance-agent/evidence/v1",
    kind: "scan",
    bundle_id: `b-${seq}`,
    seq,
    prev_hash: "0".repeat(64),
    created_at: at,
    site_id: site,
    host_id: "appliance",
    agent_version: agent,
    policy_version: "2026.11",
    ruleset_hash: "a".repeat(64),
    deployment_mode: "direct",
    clock: {},
    scan: { started_at: at, finished_at: at, method: "ssh", checks, summary: summarize(checks) },
  };
}

function action(seq: number, a: Partial<ActionRecord["action"]> = {}): ActionRecord {
  return {
    schema: "compliance-agent/evidence/v1",
    kind: "action",
    bundle_id: `b-${seq}`,
    seq,
    prev_hash: "0".repeat(64),
    created_at: new Date(Date.UTC(2026, 10, seq, 11)).toISOString(),
    site_id: "clinic-42",
    host_id: "nas-01",
    agent_version: "0.1.0",
    policy_version: "2026.11",
    ruleset_hash: "a".repeat(64),
    deployment_mode: "direct",
    clock: {},
    action: {
      tier: "L1",
      runbook_id: "linux.auditd.enable",
      runbook_version: "2",
      hostname: "nas-01",
      check: "linux.auditd.running",
      phases: [],
      outcome: "success",
      rollback_available: true,
      controls: { hipaa: ["164.312(b)"] },
      ...a,
    },
  };
}

function control(model: ReturnType<typeof buildReportModel>, framework: string, id: string) {
  return model.frameworks.find((f) => f.framework === framework)!.controls.find((c) => c.control === id)!;
}

describe("buildReportModel", () => {
  test("aggregates check results per framework control: results, distinct checks, hosts and statuses", () => {
    const model = buildReportModel(
      [
        scan(1, [
          result("linux.auditd.running", "nas-01", "pass"),
          result("linux.auditd.running", "ws-02", "fail", { actual: "inactive" }),
          result("linux.ntp.synced", "nas-01", "pass", { controls: { hipaa: ["164.312(b)"], nist_csf: ["PR.PT-1"] } }),
        ]),
        scan(2, [result("linux.auditd.running", "ws-03", "unreachable", { reason: "ssh timeout" })]),
      ],
      CONTEXT,
    );
    expect(control(model, "hipaa", "164.312(b)").checksRun).toEqual({
      results: 4,
      checks: 2,
      hosts: 3,
      byStatus: { pass: 2, fail: 1, error: 0, not_applicable: 0, unreachable: 1 },
    });
    expect(control(model, "cis", "8.2.1").checksRun).toEqual({
      results: 3,
      checks: 1,
      hosts: 3,
      byStatus: { pass: 1, fail: 1, error: 0, not_applicable: 0, unreachable: 1 },
    });
    expect(control(model, "nist_csf", "PR.PT-1").checksRun.results).toBe(1);
    expect(model.frameworks.map((f) => [f.framework, f.label, f.controls.map((c) => c.control)])).toEqual([
      ["hipaa", "HIPAA", ["164.312(b)"]],
      ["soc2", "SOC 2", []],
      ["pci_dss", "PCI DSS", []],
      ["nist_csf", "NIST CSF", ["PR.PT-1"]],
      ["cis", "CIS", ["8.2.1"]],
    ]);
  });

  test("a control id listed twice for one result counts the result once", () => {
    const model = buildReportModel([scan(1, [result("c", "h", "pass", { controls: { soc2: ["CC7.2", "CC7.2"] } })])], CONTEXT);
    expect(control(model, "soc2", "CC7.2").checksRun.results).toBe(1);
  });

  test("failures: one row per unbroken run of the same actual value on one host", () => {
    const model = buildReportModel(
      [
        scan(1, [result("linux.auditd.running", "nas-01", "fail", { actual: "inactive" })]),
        scan(2, [result("linux.auditd.running", "nas-01", "fail", { actual: "inactive" })]),
        scan(3, [result("linux.auditd.running", "nas-01", "fail", { actual: "masked" })]),
        scan(4, [result("linux.auditd.running", "nas-01", "pass")]),
        scan(5, [result("linux.auditd.running", "nas-01", "fail", { actual: "masked" }), result("linux.auditd.running", "ws-02", "error", { reason: "exit 127" })]),
      ],
      CONTEXT,
    );
    expect(control(model, "hipaa", "164.312(b)").failures).toEqual([
      { check: "linux.auditd.running", host: "nas-01", firstAt: "2026-11-01T10:00:00.000Z", lastAt: "2026-11-02T10:00:00.000Z", times: 2, actual: "inactive", firstSeq: 1, lastSeq: 2 },
      { check: "linux.auditd.running", host: "nas-01", firstAt: "2026-11-03T10:00:00.000Z", lastAt: "2026-11-03T10:00:00.000Z", times: 1, actual: "masked", firstSeq: 3, lastSeq: 3 },
      { check: "linux.auditd.running", host: "nas-01", firstAt: "2026-11-05T10:00:00.000Z", lastAt: "2026-11-05T10:00:00.000Z", times: 1, actual: "masked", firstSeq: 5, lastSeq: 5 },
    ]);
  });

  test("open items are the check@host pairs whose latest result (by seq) is fail, error or unreachable", () => {
    const model = buildReportModel(
      // Given out of order on purpose: chain order, not array order, decides what is latest.
      [
        scan(4, [
          result("c.fixed", "h1", "pass"),
          result("c.broke", "h1", "fail", { actual: "off" }),
          result("c.gone", "h1", "unreachable", { reason: "no route to host" }),
          result("c.err", "h1", "error", { reason: "exit 2", actual: "partial" }),
          result("c.na", "h1", "not_applicable"),
        ]),
        scan(3, [result("c.fixed", "h1", "fail", { actual: "off" }), result("c.broke", "h1", "pass"), result("c.na", "h1", "fail")]),
      ],
      CONTEXT,
    );
    expect(control(model, "hipaa", "164.312(b)").openItems).toEqual([
      { check: "c.broke", host: "h1", status: "fail", at: "2026-11-04T10:00:00.000Z", seq: 4, detail: "off" },
      { check: "c.err", host: "h1", status: "error", at: "2026-11-04T10:00:00.000Z", seq: 4, detail: "exit 2" },
      { check: "c.gone", host: "h1", status: "unreachable", at: "2026-11-04T10:00:00.000Z", seq: 4, detail: "no route to host" },
    ]);
  });

  test("remediations: action records naming the control, listed with runbook, host, outcome and time", () => {
    const unversioned = action(3, { outcome: "success" });
    delete unversioned.action.runbook_version;
    const order = action(4, { controls: { pci_dss: ["10.2.1"] }, tier: "order" });
    delete order.action.runbook_id;
    delete order.action.check;
    const model = buildReportModel([scan(1, [result("linux.auditd.running", "nas-01", "fail", { actual: "inactive" })]), action(2, { outcome: "failed" }), unversioned, order], CONTEXT);
    const hipaa = control(model, "hipaa", "164.312(b)");
    expect(hipaa.remediations).toEqual([
      { seq: 2, at: "2026-11-02T11:00:00.000Z", tier: "L1", runbook: "linux.auditd.enable 2", host: "nas-01", check: "linux.auditd.running", outcome: "failed" },
      { seq: 3, at: "2026-11-03T11:00:00.000Z", tier: "L1", runbook: "linux.auditd.enable", host: "nas-01", check: "linux.auditd.running", outcome: "success" },
    ]);
    expect(control(model, "pci_dss", "10.2.1")).toEqual({
      control: "10.2.1",
      checksRun: { results: 0, checks: 0, hosts: 0, byStatus: { pass: 0, fail: 0, error: 0, not_applicable: 0, unreachable: 0 } },
      failures: [],
      remediations: [{ seq: 4, at: "2026-11-04T11:00:00.000Z", tier: "order", host: "nas-01", outcome: "success" }],
      openItems: [],
    });
    // The fail at seq 1 is still the latest result; the later remediation is noted, not counted as a pass.
    expect(hipaa.openItems).toEqual([
      {
        check: "linux.auditd.running",
        host: "nas-01",
        status: "fail",
        at: "2026-11-01T10:00:00.000Z",
        seq: 1,
        detail: "inactive",
        remediatedAfter: { seq: 3, at: "2026-11-03T11:00:00.000Z", outcome: "success" },
      },
    ]);
  });

  test("summary: sites, counts, first and last seq, agent versions in order of appearance, context facts", () => {
    const model = buildReportModel([scan(7, [], { agent: "0.1.0" }), action(8), scan(9, [], { agent: "0.2.0" }), scan(10, [], { agent: "0.1.0" })], {
      ...CONTEXT,
      pruned: 2,
      unreadable: 1,
    });
    expect(model.summary).toEqual({
      siteIds: ["clinic-42"],
      period: CONTEXT.period,
      records: 4,
      scans: 3,
      actions: 1,
      firstSeq: 7,
      lastSeq: 10,
      pruned: 2,
      outsidePeriod: 0,
      unreadable: 1,
      chain: CONTEXT.chain,
      keyFingerprint: "0123456789abcdef",
      generatedAt: "2026-12-01T08:00:00.000Z",
      agentVersions: ["0.1.0", "0.2.0"],
    });
  });

  test("no records: an empty summary and every framework without controls", () => {
    const model = buildReportModel([], CONTEXT);
    expect(model.summary).toMatchObject({ records: 0, firstSeq: null, lastSeq: null, siteIds: [], agentVersions: [] });
    expect(model.frameworks.every((f) => f.controls.length === 0)).toBe(true);
  });

  test("control ids are ordered as numbered, not as text", () => {
    const ids = ["164.308(a)(10)", "164.308(a)(1)", "164.312(b)", "164.308(a)(5)"];
    const model = buildReportModel([scan(1, ids.map((id) => result("c", "h", "pass", { controls: { hipaa: [id] } })))], CONTEXT);
    expect(model.frameworks[0]!.controls.map((c) => c.control)).toEqual(["164.308(a)(1)", "164.308(a)(5)", "164.308(a)(10)", "164.312(b)"]);
  });

  test("long actual values are shortened for the report", () => {
    const long = "x".repeat(MAX_TEXT + 50);
    const model = buildReportModel([scan(1, [result("c", "h", "fail", { actual: long })])], CONTEXT);
    expect(control(model, "hipaa", "164.312(b)").failures[0]!.actual).toBe("x".repeat(MAX_TEXT) + "…");
  });
});

describe("naturalCompare", () => {
  test.each([
    ["5.2", "5.10", -1],
    ["5.10", "5.2", 1],
    ["CC6.1", "CC6.1", 0],
    ["CC6.9", "CC7.1", -1],
    ["1", "01", -1],
    ["PR.AC-4", "PR.AC-10", -1],
    ["a", "a.1", -1],
    ["99999999999999999999", "100000000000000000000", -1],
  ])("%s vs %s", (a, b, sign) => {
    expect(Math.sign(naturalCompare(a, b))).toBe(sign);
  });
});

describe("clip", () => {
  test("never cuts a surrogate pair in half", () => {
    const text = "a".repeat(MAX_TEXT - 1) + "😀" + "tail";
    expect(clip(text)).toBe("a".repeat(MAX_TEXT - 1) + "…");
    expect(clip("short")).toBe("short");
    expect(clip(undefined)).toBeUndefined();
  });
});

import { describe, expect, test } from "bun:test";
import type { ScanDraft } from "../evidence/record.ts";
import { selfCheckClockFacts } from "./clock-facts.ts";
import { runSelfChecks } from "./run.ts";
import { selfCheckScanDraft, type SelfCheckScanCommon } from "./scan-draft.ts";
import { healthyFactsForTest, ntpSurveyForTest } from "./test-support.ts";

const facts = { ...healthyFactsForTest(), lastCheckinAtMs: undefined, agentVersion: "1.5.0-dev.1" };
const common: SelfCheckScanCommon = {
  site_id: "clinic-42",
  host_id: "msp-appliance-01",
  agent_version: "1.5.0-dev.1",
  policy_version: "2026.11.1",
  ruleset_hash: "ab".repeat(32),
  deployment_mode: "reseller",
  reseller_id: "partner-7",
  clock: selfCheckClockFacts(facts),
  started_at: "2026-11-23T10:00:00.120Z",
  finished_at: "2026-11-23T10:00:02.480Z",
};

describe("selfCheckScanDraft", () => {
  test("builds a scan draft of method self with the common fields, the results and their summary", () => {
    const results = runSelfChecks(facts);
    const draft = selfCheckScanDraft(results, common);
    expect(draft).toEqual({
      kind: "scan",
      site_id: "clinic-42",
      host_id: "msp-appliance-01",
      agent_version: "1.5.0-dev.1",
      policy_version: "2026.11.1",
      ruleset_hash: "ab".repeat(32),
      deployment_mode: "reseller",
      reseller_id: "partner-7",
      clock: { offset_ms: 15, source: "ntp:ntp1.example.net:123,ntp2.example.net:123,ntp3.example.net:123", synchronized: true },
      scan: {
        started_at: "2026-11-23T10:00:00.120Z",
        finished_at: "2026-11-23T10:00:02.480Z",
        method: "self",
        checks: results,
        summary: { total: 6, pass: 4, fail: 2, error: 0, not_applicable: 0, unreachable: 0 },
      } satisfies ScanDraft["scan"],
    } satisfies ScanDraft);
  });

  test("leaves reseller_id out of a direct site's record, even when passed as undefined", () => {
    const draft = selfCheckScanDraft(runSelfChecks(facts), { ...common, deployment_mode: "direct", reseller_id: undefined });
    expect("reseller_id" in draft).toBe(false);
    expect(draft.deployment_mode).toBe("direct");
  });

  test("copies the results, so later edits cannot change what is signed", () => {
    const results = runSelfChecks(facts);
    const draft = selfCheckScanDraft(results, common);
    results[0]!.status = "pass";
    results[0]!.controls.hipaa!.push("x");
    expect(draft.scan.checks[0]!.controls.hipaa).toEqual(["164.312(b)"]);
    expect(draft.scan.checks).not.toBe(results);
  });

  test("refuses results about another host", () => {
    const results = runSelfChecks({ ...facts, hostname: "other-box" });
    expect(() => selfCheckScanDraft(results, common)).toThrow(
      new RangeError('Cannot build a self-check record for "msp-appliance-01": "appliance.disk-space" is about "other-box"'),
    );
  });

  test.each([
    ["2026-11-23T10:00:02Z", "2026-11-23T10:00:01Z"],
    ["yesterday", "2026-11-23T10:00:01Z"],
  ])("refuses a run from %p to %p", (started_at, finished_at) => {
    expect(() => selfCheckScanDraft([], { ...common, started_at, finished_at })).toThrow(
      new RangeError(`Cannot build a self-check record: it runs from "${started_at}" to "${finished_at}"`),
    );
  });

  test("accepts a run with no results", () => {
    expect(selfCheckScanDraft([], common).scan.summary).toEqual({ total: 0, pass: 0, fail: 0, error: 0, not_applicable: 0, unreachable: 0 });
  });
});

describe("selfCheckClockFacts", () => {
  const kernelClock = healthyFactsForTest().kernelClock;
  test.each([
    ["NTP answered", { ntp: ntpSurveyForTest([1.23456, "timeout"]), centralSkewMs: 40, kernelClock }, {
      offset_ms: 1.235, source: "ntp:ntp1.example.net:123", synchronized: true,
    }],
    ["NTP silent: Central Command", { ntp: ntpSurveyForTest(["timeout"]), centralSkewMs: -40 }, {
      offset_ms: -40, source: "central-command",
    }],
    ["no NTP configured: Central Command", { centralSkewMs: 3, kernelClock: { ...kernelClock!, synchronized: false } }, {
      offset_ms: 3, source: "central-command", synchronized: false,
    }],
    ["nothing known", {}, {}],
  ])("%s", (_, input, expected) => {
    expect(selfCheckClockFacts(input)).toEqual(expected);
  });
});

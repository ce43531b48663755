/**
 * Evidence drafts for tests and benchmarks: a scan attestation with `n` checks, shaped like
 * real ones (hostnames, expected/actual text, control ids).
 * @module
 */
import { summarize, type CheckResult, type ScanDraft } from "../../src/evidence/record.ts";

/** The fields every test draft shares: site, host, versions, clock. */
export function draftCommon(host: string) {
  return {
    site_id: "clinic-42",
    host_id: host,
    agent_version: "0.1.0",
    policy_version: "2026.11",
    ruleset_hash: "a".repeat(64),
    deployment_mode: "direct" as const,
    clock: { offset_ms: 3, synchronized: true, source: "central-command" },
  };
}

export function scanDraft({ checks = 20, host = "nas-01.clinic.local", actual = "PermitRootLogin no", i = 0 } = {}): ScanDraft {
  const results: CheckResult[] = Array.from({ length: checks }, (_, k) => ({
    check: `linux.check-${k}`,
    hostname: host,
    status: k % 7 === 3 ? "fail" : k % 11 === 5 ? "unreachable" : "pass",
    expected: "configured as the CIS benchmark recommends",
    actual: k === 0 ? actual : `value ${k} observed at iteration ${i}`,
    severity: "medium",
    controls: { hipaa: ["164.312(b)"], cis: [`5.${k}.1`], nist_csf: ["PR.AC-4"] },
  }));
  return {
    kind: "scan",
    ...draftCommon(host),
    scan: {
      started_at: "2026-11-23T10:00:00.000Z",
      finished_at: "2026-11-23T10:00:01.500Z",
      method: "ssh",
      checks: results,
      summary: summarize(results),
    },
  };
}

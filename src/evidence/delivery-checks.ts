/**
 * The `checks[]` and `summary` of a Central Command v1 evidence submission: the flat pass/fail
 * view CC's dashboard reads, derived from the scan records a delivery carries. The signed
 * records (in `signed_data`) stay the evidence; this view only has to never flatter it.
 * @module
 */
import type { CheckResult, EvidenceRecord } from "./record.ts";

/** One check as CC v1 reads it: it knows only `pass` and `fail`. */
export interface CCCheck {
  check: string;
  hostname: string;
  status: "pass" | "fail";
  expected?: string;
  actual?: string;
  /** The first HIPAA control the check maps to. */
  hipaa_control?: string;
}

/** CC v1's summary of a submission's checks. */
export interface CCSummary {
  total_checks: number;
  compliant: number;
  non_compliant: number;
  scanned_hosts: number;
  scan_method: "deterministic";
  confidence: number;
}

/**
 * CC's view of one check result, or `undefined` when CC should not see it (`not_applicable`).
 * `error` and `unreachable` become `fail` with the cause in `actual`: a check that did not run
 * is never shown as passing (field lesson 25).
 *
 * @example
 * ccCheck({ check: "c", hostname: "h", status: "unreachable", reason: "connection refused", controls: {} })
 * // { check: "c", hostname: "h", status: "fail", actual: "unreachable: connection refused" }
 */
export function ccCheck(c: CheckResult): CCCheck | undefined {
  const base = { check: c.check, hostname: c.hostname };
  const expected = c.expected !== undefined ? { expected: c.expected } : {};
  const hipaa = c.controls?.hipaa?.[0];
  const control = hipaa !== undefined ? { hipaa_control: hipaa } : {};
  switch (c.status) {
    // What was seen is the evidence for either verdict.
    case "pass":
    case "fail":
      return { ...base, status: c.status, ...expected, ...(c.actual !== undefined ? { actual: c.actual } : {}), ...control };
    // The check did not produce a verdict: CC v1 has no word for that, so it is a failure whose
    // `actual` says why (the reason first; what was seen when there is no reason).
    case "error":
    case "unreachable": {
      const why = c.reason ?? c.actual;
      return { ...base, status: "fail", ...expected, actual: why ? `${c.status}: ${why}` : c.status, ...control };
    }
    // Nothing to comply with on this host: not a pass, not a fail.
    case "not_applicable":
      return undefined;
  }
}

/** The flattened checks of every scan record, in record order, and their summary. */
export function ccChecks(records: Iterable<EvidenceRecord>): { checks: CCCheck[]; summary: CCSummary } {
  const checks: CCCheck[] = [];
  for (const r of records) {
    if (r.kind !== "scan") continue; // action records are carried in signed_data only
    for (const c of r.scan.checks) {
      const cc = ccCheck(c);
      if (cc) checks.push(cc);
    }
  }
  let compliant = 0;
  const hosts = new Set<string>();
  for (const c of checks) {
    if (c.status === "pass") compliant++;
    hosts.add(c.hostname);
  }
  return {
    checks,
    summary: {
      total_checks: checks.length,
      compliant,
      non_compliant: checks.length - compliant,
      scanned_hosts: hosts.size,
      scan_method: "deterministic",
      confidence: 1.0,
    },
  };
}

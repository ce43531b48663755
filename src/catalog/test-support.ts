/**
 * Test-only: a small valid check to build on, so tests state only what they are about.
 * Never imported by shipped code.
 * @module
 */
import type { Check } from "./schema.ts";

/** A check whose probe is `shell`; defaults are a plain, unprivileged, always-passing check. */
export function testCheck(id: string, shell: string, overrides: Partial<Check> = {}): Check {
  return {
    id,
    check_type: "demo",
    title: id,
    status: "stable",
    platforms: ["linux", "nixos"],
    severity: "high",
    rationale: "r",
    remediation: "m",
    compliance: { hipaa: ["164.312(b)"] },
    privileged: false,
    timeout_seconds: 5,
    params: {},
    probe: { shell, parse: {} },
    facts: {},
    verdict: [{ status: "pass" }],
    expected: "e",
    actual: "a",
    ...overrides,
  };
}

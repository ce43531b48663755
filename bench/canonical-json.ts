/**
 * Canonicalizations per second (RFC 8785, `src/evidence/canonical-json.ts`) of a typical scan
 * record: nested common fields and 20 checks with short strings, 2,393 bytes canonical. Every
 * evidence record passes through `canonicalize` once when written and once when verified.
 *
 *   bun bench/canonical-json.ts
 *
 * Prints the figure only: the median of five one-second rounds, after a warm-up round.
 * @module
 */
import { canonicalize } from "../src/evidence/canonical-json.ts";

const STATUSES = ["pass", "fail", "pass", "not_applicable", "pass"] as const;

function typicalRecord(): unknown {
  const checks = Array.from({ length: 20 }, (_, i) => {
    const status = STATUSES[i % STATUSES.length];
    return {
      check: `linux.sshd.c${String(i).padStart(2, "0")}`,
      status,
      ...(status === "fail" ? { actual: "PermitRootLogin yes", expected: "no" } : {}),
      controls: { cis: [`5.1.${i}`] },
    };
  });
  return {
    schema: "compliance-agent/evidence/v1",
    kind: "scan",
    bundle_id: "0192f3a4-7b1c-7d2e-9f00-1a2b3c4d5e6f",
    seq: 4182,
    prev_hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    created_at: "2025-11-23T05:13:07.412Z",
    site_id: "site-0042",
    host_id: "ws-01",
    agent_version: "0.1.0",
    policy_version: "2025.11.1",
    ruleset_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    deployment_mode: "direct",
    clock: { offset_ms: -3.5, synchronized: true, source: "central-command" },
    scan: {
      started_at: "2025-11-23T05:13:05.001Z",
      finished_at: "2025-11-23T05:13:07.398Z",
      method: "ssh",
      checks,
      summary: { pass: 12, fail: 4, error: 0, not_applicable: 4, unreachable: 0, total: 20 },
    },
  };
}

function round(record: unknown, ms: number): number {
  let count = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 1000; i++) sink += canonicalize(record).length;
    count += 1000;
    elapsed = performance.now() - start;
  }
  if (sink === 0) throw new Error("unreachable: keeps the result alive");
  return (count / elapsed) * 1000;
}

const record = typicalRecord();
round(record, 1000);
const rates = Array.from({ length: 5 }, () => round(record, 1000)).sort((a, b) => a - b);
console.log(Math.round(rates[2]!));

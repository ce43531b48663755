/**
 * Benchmark of `scrubEvidence`, which runs on every evidence draft before it is signed: records
 * scrubbed per second for a typical small scan draft (20 checks with hostnames, expected/actual
 * strings and numbers; about 3.4 KB of JSON, as 20 checks with their member names do not fit in
 * 2 KB), PHI on, with 10 registered secrets. Beside it: the same with PHI off, a richer draft
 * (about 6.6 KB), a draft that does hold a secret (the per-string path) and one full of PHI.
 *
 *   bun src/evidence/scrub.bench.ts [--quick]
 *
 * Written for `bench/` (the only change there would be the import paths).
 * @module
 */
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import type { Figure } from "./support/figures.ts";
import { SecretRegistry } from "../src/log/secrets.ts";
import type { CheckResult, ScanDraft } from "../src/evidence/record.ts";
import { scrubEvidence } from "../src/evidence/scrub.ts";

/** "Tens of thousands of records per second": on a development box, before the appliance's 1.5–2.5×. */
const TARGET = 20_000;

/** What checks see, with the digits real output has: counts, decimals, versions, addresses, times. */
const OBSERVED: [expected: string, actual: string][] = [
  ["no", "PermitRootLogin no"],
  [">= 12", "MinimumPasswordLength 12"],
  ["3 of 3", "enabled on 3 of 3 profiles"],
  ["< 500 ms", "offset 0.000123 s, stratum 2"],
  ["encrypted", "C: FullyEncrypted 100%"],
  ["< 7 days", "signatures 1.421.1234.0"],
  ["22,443", "listening 22,80,443 on 192.168.1.10"],
  ["supported", "build 10.0.19045.3803"],
  ["loaded", "14 rules, lost 0"],
  ["< 90%", "/var 41% (8123456 KiB)"],
];

/**
 * A scan draft of 20 checks. `rich` adds what a fuller record carries (control ids, a reason,
 * longer output): about 3.4 KB of JSON without it, 6.6 KB with it.
 */
function scanDraft(rich: boolean): ScanDraft {
  const checks: CheckResult[] = Array.from({ length: 20 }, (_, i) => {
    const [expected, actual] = OBSERVED[i % OBSERVED.length]!;
    return {
      check: `linux.check-${i}`,
      hostname: "ws-03.clinic.local",
      status: i % 5 === 0 ? "fail" : "pass",
      expected,
      actual: rich ? `${actual}; sampled 2026-11-23T10:00:0${i % 10}Z after 1732356000.123` : actual,
      ...(rich ? { reason: "read from the running configuration", severity: "medium" as const } : {}),
      controls: rich ? { hipaa: ["164.312(a)(1)"], cis: [`5.${i}.1`] } : {},
    };
  });
  return {
    kind: "scan",
    site_id: "site-7f3a2c",
    host_id: "ws-03.clinic.local",
    agent_version: "0.1.0",
    policy_version: "2026.11.1",
    ruleset_hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    deployment_mode: "direct",
    clock: { offset_ms: 0.42, synchronized: true, source: "central-command" },
    scan: {
      started_at: "2026-11-23T10:00:00.000Z",
      finished_at: "2026-11-23T10:00:04.512Z",
      method: "ssh",
      checks,
      summary: { total: 20, pass: 16, fail: 4, error: 0, not_applicable: 0, unreachable: 0 },
    },
  };
}

/** Ten secrets as the agent holds them: API key, passwords (two with a quote or backslash), a key. */
function registry(): SecretRegistry {
  const secrets = new SecretRegistry();
  secrets.add("ca_live_4f9a2b7c1d8e3f6a5b0c9d2e7f1a4b8c");
  for (let i = 0; i < 7; i++) secrets.add(`Wint3r!${i}Clinic#2026`);
  secrets.add('pa"ss-w0rd-8');
  secrets.add("C:\\svc\\backup-9");
  return secrets;
}

/** Calls per second of `fn` over `ms` milliseconds, after a warm-up of a quarter of that. */
function rate(fn: () => unknown, ms: number): number {
  const run = (budget: number) => {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < budget) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
      elapsed = performance.now() - start;
    }
    return (n / elapsed) * 1000;
  };
  run(ms / 4);
  return run(ms);
}

export async function measureScrub({ quick }: BenchOptions): Promise<Figure[]> {
  const secrets = registry();
  const draft = scanDraft(false);
  const rich = scanDraft(true);
  const leaky = scanDraft(false);
  leaky.scan.checks[7]!.actual = "login failed for admin with Wint3r!3Clinic#2026";
  const phiHeavy = scanDraft(false);
  phiHeavy.scan.checks.forEach((c, i) => {
    c.actual = `jane${i}@example.org (555) 123-45${String(i).padStart(2, "0")} MRN: 8812${i}`;
  });
  const bytes = (d: ScanDraft) => JSON.stringify(d).length;
  const ms = quick ? 1000 : 3000;
  console.log(`drafts of ${bytes(draft)} and ${bytes(rich)} bytes of JSON, ${secrets.size} secrets registered; ${ms / 1000} s per figure…`);

  const figures: Figure[] = [
    {
      figure: "20-check draft, PHI on",
      value: rate(() => scrubEvidence(draft, { secrets }), ms),
      unit: "records/s",
      target: { op: ">=", value: TARGET },
      note: `${bytes(draft)} B, 20 checks, ${secrets.size} secrets registered, none present`,
    },
    { figure: "20-check draft, PHI off", value: rate(() => scrubEvidence(draft, { secrets, phi: false }), ms), unit: "records/s" },
    {
      figure: "rich 20-check draft, PHI on",
      value: rate(() => scrubEvidence(rich, { secrets }), ms),
      unit: "records/s",
      note: `${bytes(rich)} B: control ids, reasons, longer output`,
    },
    {
      figure: "20-check draft holding a secret",
      value: rate(() => scrubEvidence(leaky, { secrets }), ms),
      unit: "records/s",
      note: "every string searched for every secret",
    },
    {
      figure: "20-check draft, PHI in every check",
      value: rate(() => scrubEvidence(phiHeavy, { secrets }), ms),
      unit: "records/s",
      note: "60 replacements, each a sha256",
    },
  ];
  return figures;
}

if (import.meta.main) await benchMain("evidence scrub", measureScrub);

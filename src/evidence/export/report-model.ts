/**
 * The auditor's summary of an export as plain data: per framework and control id, the checks
 * run, the failures seen, the remediations tried and the items still open at the end of the
 * period. `renderReport` turns it into HTML; keeping the two apart lets each be tested alone.
 * @module
 */
import { FRAMEWORKS, type CheckResult, type CheckStatus, type EvidenceRecord, type Framework, type FrameworkControls } from "../record.ts";

export const FRAMEWORK_LABELS: Readonly<Record<Framework, string>> = {
  hipaa: "HIPAA",
  soc2: "SOC 2",
  pci_dss: "PCI DSS",
  nist_csf: "NIST CSF",
  cis: "CIS",
};

/** Text longer than this is shortened in the report; records.jsonl keeps it whole. */
export const MAX_TEXT = 300;

/** Facts about the export that do not come from the records themselves. */
export interface ReportContext {
  /** As typed, and as the interval selected: `start` included, `end` the first instant after. */
  period: { from: string; to: string; start: string; end: string };
  generatedAt: string;
  /** The result of verifying the whole chain on the appliance, in words. */
  chain: { ok: boolean; text: string };
  keyFingerprint: string;
  /** Pruned positions inside the exported range, listed by hash only. */
  pruned: number;
  /** Records inside the exported range but dated outside the period, listed by hash only. */
  outsidePeriod: number;
  /** Records of the period that could not be read; they are exported as stored. */
  unreadable: number;
}

export interface ReportSummary {
  siteIds: string[];
  period: ReportContext["period"];
  records: number;
  scans: number;
  actions: number;
  firstSeq: number | null;
  lastSeq: number | null;
  pruned: number;
  outsidePeriod: number;
  unreadable: number;
  chain: ReportContext["chain"];
  keyFingerprint: string;
  generatedAt: string;
  agentVersions: string[];
}

/** How many results a control's checks produced, of how many checks, on how many hosts. */
export interface ChecksRun {
  results: number;
  checks: number;
  hosts: number;
  byStatus: Record<CheckStatus, number>;
}

/** A run of identical failures of one check on one host, with no other result in between. */
export interface FailureRow {
  check: string;
  host: string;
  firstAt: string;
  lastAt: string;
  times: number;
  actual?: string;
  firstSeq: number;
  lastSeq: number;
}

export interface RemediationRow {
  seq: number;
  at: string;
  tier: string;
  runbook?: string;
  host: string;
  check?: string;
  outcome: string;
}

/** A check on a host whose latest result in the period is fail, error or unreachable. */
export interface OpenItem {
  check: string;
  host: string;
  status: "fail" | "error" | "unreachable";
  at: string;
  seq: number;
  /** What was seen (fail) or why there is no verdict (error, unreachable). */
  detail?: string;
  /** The latest remediation of this check on this host recorded after that result. */
  remediatedAfter?: { seq: number; at: string; outcome: string };
}

export interface ControlReport {
  control: string;
  checksRun: ChecksRun;
  failures: FailureRow[];
  remediations: RemediationRow[];
  openItems: OpenItem[];
}

export interface FrameworkReport {
  framework: Framework;
  label: string;
  controls: ControlReport[];
}

export interface ReportModel {
  summary: ReportSummary;
  frameworks: FrameworkReport[];
}

interface Result {
  seq: number;
  at: string;
  check: CheckResult;
}

interface Gathered {
  results: Result[];
  actions: Extract<EvidenceRecord, { kind: "action" }>[];
}

const OPEN: ReadonlySet<string> = new Set<CheckStatus>(["fail", "error", "unreachable"]);

/**
 * Summarises `records` (in any order; chain order is restored by seq) per framework control.
 * "Latest" means latest in chain order, which does not depend on the appliance's clock.
 */
export function buildReportModel(records: readonly EvidenceRecord[], context: ReportContext): ReportModel {
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  const byControl = new Map<Framework, Map<string, Gathered>>(FRAMEWORKS.map((f) => [f, new Map()]));
  const gathered = (framework: Framework, control: string): Gathered => {
    const controls = byControl.get(framework)!;
    let g = controls.get(control);
    if (!g) controls.set(control, (g = { results: [], actions: [] }));
    return g;
  };
  for (const r of sorted) {
    if (r.kind === "scan") {
      // created_at, the time that selects the period, so every time shown lies inside it.
      const at = r.created_at;
      for (const check of r.scan?.checks ?? []) {
        for (const [framework, control] of controlsOf(check.controls)) gathered(framework, control).results.push({ seq: r.seq, at, check });
      }
    } else if (r.kind === "action") {
      for (const [framework, control] of controlsOf(r.action?.controls)) gathered(framework, control).actions.push(r);
    }
  }
  return {
    summary: {
      siteIds: distinct(sorted.map((r) => r.site_id)),
      period: context.period,
      records: sorted.length,
      scans: sorted.filter((r) => r.kind === "scan").length,
      actions: sorted.filter((r) => r.kind === "action").length,
      firstSeq: sorted[0]?.seq ?? null,
      lastSeq: sorted[sorted.length - 1]?.seq ?? null,
      pruned: context.pruned,
      outsidePeriod: context.outsidePeriod,
      unreadable: context.unreadable,
      chain: context.chain,
      keyFingerprint: context.keyFingerprint,
      generatedAt: context.generatedAt,
      agentVersions: distinct(sorted.map((r) => r.agent_version)),
    },
    frameworks: FRAMEWORKS.map((framework) => ({
      framework,
      label: FRAMEWORK_LABELS[framework],
      controls: [...byControl.get(framework)!]
        .sort(([a], [b]) => naturalCompare(a, b))
        .map(([control, g]) => controlReport(control, g)),
    })),
  };
}

function controlReport(control: string, { results, actions }: Gathered): ControlReport {
  const byStatus: Record<CheckStatus, number> = { pass: 0, fail: 0, error: 0, not_applicable: 0, unreachable: 0 };
  const failures: FailureRow[] = [];
  const runs = new Map<string, FailureRow>(); // check@host → its failure run, while unbroken
  const latest = new Map<string, Result>();
  for (const res of results) {
    const { check, hostname: host, status } = res.check;
    if (status in byStatus) byStatus[status]++;
    const key = `${check}\u0000${host}`;
    latest.set(key, res);
    if (status !== "fail") {
      runs.delete(key);
      continue;
    }
    const actual = clip(res.check.actual);
    const run = runs.get(key);
    if (run && run.actual === actual) {
      run.times++;
      run.lastAt = res.at;
      run.lastSeq = res.seq;
    } else {
      const row: FailureRow = { check, host, firstAt: res.at, lastAt: res.at, times: 1, ...(actual !== undefined ? { actual } : {}), firstSeq: res.seq, lastSeq: res.seq };
      failures.push(row);
      runs.set(key, row);
    }
  }
  const remediations = actions.map(
    (r): RemediationRow => ({
      seq: r.seq,
      at: r.created_at,
      tier: r.action.tier,
      ...(r.action.runbook_id ? { runbook: r.action.runbook_version ? `${r.action.runbook_id} ${r.action.runbook_version}` : r.action.runbook_id } : {}),
      host: r.action.hostname,
      ...(r.action.check ? { check: r.action.check } : {}),
      outcome: r.action.outcome,
    }),
  );
  const openItems: OpenItem[] = [];
  for (const res of latest.values()) {
    const { check, hostname: host, status } = res.check;
    if (!OPEN.has(status)) continue;
    const detail = clip(status === "fail" ? (res.check.actual ?? res.check.reason) : (res.check.reason ?? res.check.actual));
    const after = remediations.findLast((a) => a.seq > res.seq && a.check === check && a.host === host);
    openItems.push({
      check,
      host,
      status: status as OpenItem["status"],
      at: res.at,
      seq: res.seq,
      ...(detail !== undefined ? { detail } : {}),
      ...(after ? { remediatedAfter: { seq: after.seq, at: after.at, outcome: after.outcome } } : {}),
    });
  }
  openItems.sort((a, b) => naturalCompare(a.check, b.check) || naturalCompare(a.host, b.host));
  return {
    control,
    checksRun: {
      results: results.length,
      checks: new Set(results.map((r) => r.check.check)).size,
      hosts: new Set(results.map((r) => r.check.hostname)).size,
      byStatus,
    },
    failures,
    remediations,
    openItems,
  };
}

/** Each (framework, control id) pair named in `controls`, once. Unknown frameworks are skipped. */
function controlsOf(controls: FrameworkControls | undefined): [Framework, string][] {
  const out: [Framework, string][] = [];
  for (const framework of FRAMEWORKS) {
    const ids = controls?.[framework];
    if (!Array.isArray(ids)) continue;
    for (const id of new Set(ids)) if (typeof id === "string" && id) out.push([framework, id]);
  }
  return out;
}

function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === "string" && v !== ""))];
}

/** `text` cut to MAX_TEXT characters (never inside a surrogate pair), with an ellipsis when cut. */
export function clip(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= MAX_TEXT) return text;
  const cut = /[\uD800-\uDBFF]/.test(text[MAX_TEXT - 1]!) ? MAX_TEXT - 1 : MAX_TEXT;
  return text.slice(0, cut) + "…";
}

/**
 * Orders control ids as people number them: digit runs by value, so "164.308(a)(1)" comes
 * before "164.308(a)(10)" and "5.2" before "5.10". Independent of locale.
 */
export function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const diff = Number(BigInt(x) - BigInt(y));
      if (diff !== 0) return diff < 0 ? -1 : 1;
      return x.length - y.length; // "01" after "1"
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

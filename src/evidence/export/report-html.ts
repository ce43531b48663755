/**
 * Renders the report model as one self-contained, printable HTML file: inline CSS, no script,
 * no external resource (a Content-Security-Policy says so to the browser too). Every string
 * from the records goes through the escaping `html` tag.
 * @module
 */
import { html, type SafeHtml } from "./html.ts";
import { MAX_TEXT, type ControlReport, type FrameworkReport, type ReportModel, type ReportSummary } from "./report-model.ts";

// Built by `html` with nothing interpolated: all of it is trusted literal text, inserted unescaped
// (character references are not decoded inside <style>).
const STYLE = html`<style>
:root { color-scheme: light; }
body { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 2em auto; max-width: 72em; padding: 0 1.5em; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #333; padding-bottom: .15em; margin-top: 2em; }
h3 { font-size: 1.1em; margin: 1.6em 0 .3em; }
h4 { font-size: .95em; margin: .9em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 .8em; }
th, td { border: 1px solid #bbb; padding: .2em .45em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; }
td.n, th.n { text-align: right; white-space: nowrap; }
table.summary th { width: 14em; }
code, .mono { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: .92em; }
.ok { color: #0a5d1a; font-weight: 600; }
.bad { color: #a40000; font-weight: 600; }
.muted { color: #555; }
p.note { color: #444; font-size: .92em; }
section.control { break-inside: avoid-page; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  h2.fw { break-before: page; }
  h2, h3, h4 { break-after: avoid; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
</style>`;

/** The whole report document. */
export function renderReport(model: ReportModel): string {
  const s = model.summary;
  const site = s.siteIds.length ? s.siteIds.join(", ") : "(no records)";
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Compliance evidence: ${site}, ${s.period.from} to ${s.period.to}</title>
${STYLE}
</head>
<body>
<h1>Compliance evidence report</h1>
<p class="muted">Site ${site} · ${s.period.from} to ${s.period.to}</p>
${summaryTable(s)}
${contents(model.frameworks)}
${model.frameworks.map(frameworkSection)}
<p class="note">Generated from the signed records in records.jsonl; this report itself is not signed.
Verify the records with verify.mjs (see README.txt) and check any figure here against them.
Text longer than ${MAX_TEXT} characters is shortened here and kept whole in records.jsonl.</p>
</body>
</html>
`.toString();
}

function summaryTable(s: ReportSummary): SafeHtml {
  const hashOnly = [
    s.pruned ? `${s.pruned} pruned by retention` : "",
    s.outsidePeriod ? `${s.outsidePeriod} dated outside the period` : "",
  ].filter(Boolean);
  return html`<table class="summary">
<tr><th>Site</th><td>${s.siteIds.length ? s.siteIds.join(", ") : "-"}</td></tr>
<tr><th>Period</th><td>${s.period.from} to ${s.period.to} <span class="muted">(records created from <span class="mono">${s.period.start}</span> up to, not including, <span class="mono">${s.period.end}</span>)</span></td></tr>
<tr><th>Records</th><td>${s.records} (${plural(s.scans, "scan attestation")}, ${plural(s.actions, "action record")})${
    s.unreadable ? html` <span class="bad">${s.unreadable} could not be read</span>` : ""
  }</td></tr>
<tr><th>Sequence</th><td>${s.firstSeq === null ? "-" : html`first seq ${s.firstSeq}, last seq ${s.lastSeq}`}${
    hashOnly.length ? html` <span class="muted">(positions listed by hash only: ${hashOnly.join(", ")})</span>` : ""
  }</td></tr>
<tr><th>Chain verification</th><td><span class="${s.chain.ok ? "ok" : "bad"}">${s.chain.ok ? "INTACT" : "BROKEN"}</span>: ${s.chain.text}</td></tr>
<tr><th>Public key fingerprint</th><td><span class="mono">${s.keyFingerprint}</span> <span class="muted">(first 16 hex of sha256 of the raw Ed25519 key; compare with Central Command's)</span></td></tr>
<tr><th>Agent version(s)</th><td>${s.agentVersions.length ? s.agentVersions.join(", ") : "-"}</td></tr>
<tr><th>Generated at</th><td class="mono">${s.generatedAt}</td></tr>
</table>`;
}

function contents(frameworks: readonly FrameworkReport[]): SafeHtml {
  return html`<h2 id="overview">Overview</h2>
<table>
<tr><th>Framework</th><th class="n">Controls</th><th class="n">Check results</th><th class="n">Failed results</th><th class="n">Remediations</th><th class="n">Open items</th></tr>
${frameworks.map((f) => {
  const sum = (pick: (c: ControlReport) => number) => f.controls.reduce((n, c) => n + pick(c), 0);
  return html`<tr><td><a href="#${f.framework}">${f.label}</a></td><td class="n">${f.controls.length}</td><td class="n">${sum((c) => c.checksRun.results)}</td><td class="n">${sum((c) => c.checksRun.byStatus.fail)}</td><td class="n">${sum((c) => c.remediations.length)}</td><td class="n">${sum((c) => c.openItems.length)}</td></tr>
`;
})}</table>`;
}

function frameworkSection(f: FrameworkReport): SafeHtml {
  if (f.controls.length === 0) {
    return html`<h2 id="${f.framework}">${f.label}</h2>
<p class="muted">No record in this period names a ${f.label} control.</p>
`;
  }
  return html`<h2 class="fw" id="${f.framework}">${f.label}</h2>
<table>
<tr><th>Control</th><th class="n">Results</th><th class="n">Hosts</th><th class="n">Failed results</th><th class="n">Remediations</th><th class="n">Open items</th></tr>
${f.controls.map(
  (c, i) =>
    html`<tr><td><a href="#${anchor(f, i)}">${c.control}</a></td><td class="n">${c.checksRun.results}</td><td class="n">${c.checksRun.hosts}</td><td class="n">${c.checksRun.byStatus.fail}</td><td class="n">${c.remediations.length}</td><td class="n">${
      c.openItems.length ? html`<span class="bad">${c.openItems.length}</span>` : 0
    }</td></tr>
`,
)}</table>
${f.controls.map((c, i) => controlSection(f, c, anchor(f, i)))}`;
}

function controlSection(f: FrameworkReport, c: ControlReport, id: string): SafeHtml {
  const r = c.checksRun;
  return html`<section class="control" id="${id}">
<h3>${f.label} ${c.control}</h3>
<h4>Checks run</h4>
<p>${plural(r.results, "result")} of ${plural(r.checks, "check")} on ${plural(r.hosts, "host")}: pass ${r.byStatus.pass}, fail ${r.byStatus.fail}, error ${r.byStatus.error}, unreachable ${r.byStatus.unreachable}, not applicable ${r.byStatus.not_applicable}.</p>
<h4>Failures (${failureCount(c)})</h4>
${
  c.failures.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table>
<tr><th>Check</th><th>Host</th><th>Time</th><th class="n">Times</th><th>Actual</th><th class="n">Seq</th></tr>
${c.failures.map(
  (x) =>
    html`<tr><td class="mono">${x.check}</td><td>${x.host}</td><td class="mono">${x.firstAt === x.lastAt ? x.firstAt : html`${x.firstAt} –<br>${x.lastAt}`}</td><td class="n">${x.times}</td><td>${x.actual ?? "-"}</td><td class="n">${x.firstSeq === x.lastSeq ? x.firstSeq : `${x.firstSeq}–${x.lastSeq}`}</td></tr>
`,
)}</table>`
}
<h4>Remediations (${c.remediations.length})</h4>
${
  c.remediations.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table>
<tr><th>Time</th><th>Runbook</th><th>Host</th><th>Check</th><th>Tier</th><th>Outcome</th><th class="n">Seq</th></tr>
${c.remediations.map(
  (x) =>
    html`<tr><td class="mono">${x.at}</td><td class="mono">${x.runbook ?? "-"}</td><td>${x.host}</td><td class="mono">${x.check ?? "-"}</td><td>${x.tier}</td><td>${x.outcome}</td><td class="n">${x.seq}</td></tr>
`,
)}</table>`
}
<h4>Open items at the end of the period (${c.openItems.length})</h4>
${
  c.openItems.length === 0
    ? html`<p class="muted">None: every check's latest result here is pass or not applicable.</p>`
    : html`<table>
<tr><th>Check</th><th>Host</th><th>Latest result</th><th>Time</th><th>Actual or reason</th><th class="n">Seq</th></tr>
${c.openItems.map(
  (x) =>
    html`<tr><td class="mono">${x.check}</td><td>${x.host}</td><td class="bad">${x.status}</td><td class="mono">${x.at}</td><td>${x.detail ?? "-"}${
      x.remediatedAfter ? html`<br><span class="muted">later remediation (seq ${x.remediatedAfter.seq}, ${x.remediatedAfter.at}): ${x.remediatedAfter.outcome}; no scan since</span>` : ""
    }</td><td class="n">${x.seq}</td></tr>
`,
)}</table>`
}
</section>
`;
}

/** An element id for a framework's i-th control: by position, since control ids may hold any character. */
function anchor(f: FrameworkReport, i: number): string {
  return `${f.framework}-${i + 1}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** "3", or "3 results in 2 runs" when repeated failures were merged into runs. */
function failureCount(c: ControlReport): string {
  const n = c.checksRun.byStatus.fail;
  return n === c.failures.length ? String(n) : `${plural(n, "result")} in ${plural(c.failures.length, "run")}`;
}

import { describe, expect, test } from "bun:test";
import { escapeHtml, html } from "./html.ts";
import type { ReportModel } from "./report-model.ts";
import { renderReport } from "./report-html.ts";

const EMPTY_STATUS = { pass: 0, fail: 0, error: 0, not_applicable: 0, unreachable: 0 };

/** A small report: one HIPAA control with a failure, a remediation and an open item; SOC 2 empty. */
function smallModel(overrides: { host?: string; actual?: string; site?: string; control?: string } = {}): ReportModel {
  const host = overrides.host ?? "nas-01.clinic.local";
  const actual = overrides.actual ?? "PermitRootLogin yes";
  return {
    summary: {
      siteIds: [overrides.site ?? "clinic-42"],
      period: { from: "2026-11-01", to: "2026-11-30", start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" },
      records: 3,
      scans: 2,
      actions: 1,
      firstSeq: 41,
      lastSeq: 44,
      pruned: 1,
      outsidePeriod: 0,
      unreadable: 0,
      chain: { ok: true, text: "every signature and link verified from genesis to head; positions 1–50: 49 records checked, 1 pruned position checked by hash" },
      keyFingerprint: "dbc298251c51321b",
      generatedAt: "2026-12-01T08:00:00.000Z",
      agentVersions: ["0.1.0"],
    },
    frameworks: [
      {
        framework: "hipaa",
        label: "HIPAA",
        controls: [
          {
            control: overrides.control ?? "164.312(a)(1)",
            checksRun: { results: 4, checks: 2, hosts: 2, byStatus: { ...EMPTY_STATUS, pass: 2, fail: 2 } },
            failures: [
              { check: "linux.sshd.root-login-disabled", host, firstAt: "2026-11-02T10:00:00.000Z", lastAt: "2026-11-03T10:00:00.000Z", times: 2, actual, firstSeq: 41, lastSeq: 43 },
            ],
            remediations: [
              { seq: 44, at: "2026-11-03T10:05:00.000Z", tier: "L1", runbook: "linux.sshd.disable-root-login 3", host, check: "linux.sshd.root-login-disabled", outcome: "success" },
            ],
            openItems: [
              {
                check: "linux.sshd.root-login-disabled",
                host,
                status: "fail",
                at: "2026-11-03T10:00:00.000Z",
                seq: 43,
                detail: actual,
                remediatedAfter: { seq: 44, at: "2026-11-03T10:05:00.000Z", outcome: "success" },
              },
            ],
          },
        ],
      },
      { framework: "soc2", label: "SOC 2", controls: [] },
    ],
  };
}

describe("renderReport", () => {
  test("a small report (snapshot, reviewed)", () => {
    expect(renderReport(smallModel())).toMatchSnapshot();
  });

  test("text from the records cannot inject markup: a hostname or actual value with <script> prints as text", () => {
    const evil = {
      host: `<script>alert("host")</script>`,
      actual: `"><img src=x onerror=alert(1)><script>alert('actual')</script>`,
      site: `</title><script>alert(3)</script>`,
      control: `164.312<b onmouseover=alert(4)>`,
    };
    const out = renderReport(smallModel(evil));
    expect(out).not.toContain("<script");
    expect(out).not.toContain("<img");
    expect(out).not.toContain("<b ");
    expect(out).not.toContain("</title><");
    expect(out).toContain("&lt;script&gt;alert(&quot;host&quot;)&lt;/script&gt;");
    expect(out).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(&#39;actual&#39;)&lt;/script&gt;");
    expect(out).toContain("<title>Compliance evidence: &lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;, 2026-11-01 to 2026-11-30</title>");
    expect(out).toContain("164.312&lt;b onmouseover=alert(4)&gt;");
  });

  test("is one self-contained file: inline style only, no script, no external resource, a CSP that allows neither", () => {
    const out = renderReport(smallModel());
    expect(out.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(out).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
    for (const banned of ["<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "http://", "https://"]) expect(out).not.toContain(banned);
    expect(out.match(/href="([^"]*)"/g)?.every((h) => h.startsWith('href="#'))).toBe(true);
    // <style> is raw text: a character reference there would not be decoded, so none may appear.
    expect(out.match(/<style>([^<]*)<\/style>/)?.[1]).not.toContain("&");
  });

  test("a broken chain is stated, not hidden", () => {
    const model = smallModel();
    model.summary.chain = { ok: false, text: "first break at record 12 (bundle_id b-12): content does not match its hash" };
    expect(renderReport(model)).toContain(
      `<tr><th>Chain verification</th><td><span class="bad">BROKEN</span>: first break at record 12 (bundle_id b-12): content does not match its hash</td></tr>`,
    );
  });
});

describe("html", () => {
  test("escapes interpolated text and numbers, keeps nested fragments, drops empty values", () => {
    const items = ["<a>", "b&c"];
    const out = html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>${undefined}${null}${false}${0}`;
    expect(out.toString()).toBe("<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul>0");
  });

  test("escapeHtml covers element content and both attribute quotes", () => {
    expect(escapeHtml(`<&>"'`)).toBe("&lt;&amp;&gt;&quot;&#39;");
  });
});

/**
 * A check's verdict from its probe's output: parse each section, derive the facts, and take the
 * first verdict rule that holds. Output that cannot be parsed gives `error`, with the raw output
 * kept so the evidence shows what was seen.
 * @module
 */
import type { CheckResult } from "../evidence/record.ts";
import { evaluate, renderTemplate, truthy } from "./logic.ts";
import { parseOutput } from "./parse-output.ts";
import type { Check, Platform } from "./schema.ts";

/** What a probe printed, split into its named sections (see `scan/batch-script.ts`). */
export interface ProbeOutput {
  sections: Record<string, string>;
  exitCode: number | null;
}

/** Facts about the host and the scan that every verdict may read. */
export interface CheckContext {
  hostname: string;
  platform: Platform;
  /** os-release `ID`, e.g. `debian`, `rhel`, `nixos`. */
  distro: string;
  /** os-release `ID_LIKE` words, e.g. `["rhel", "fedora"]`. */
  distroLike?: readonly string[];
  /** The scan's time, epoch milliseconds. */
  nowMs: number;
  /** Site overrides of the check's parameters. */
  params?: Record<string, unknown>;
}

/** Raw output kept on an `error` verdict: enough to see what went wrong, not a whole file system. */
export const MAX_KEPT_OUTPUT = 4096;

function rawOutput(output: ProbeOutput): string {
  const text = Object.entries(output.sections)
    .map(([name, body]) => (name === "out" ? body : `[${name}]\n${body}`))
    .join("\n");
  return text.length > MAX_KEPT_OUTPUT ? `${text.slice(0, MAX_KEPT_OUTPUT)}… (${text.length - MAX_KEPT_OUTPUT} more characters)` : text;
}

/** The names a check's expressions and templates may read besides its sections and facts. */
export const CONTEXT_NAMES = ["params", "exit_code", "now", "platform", "distro", "distro_like", "hostname"] as const;

/**
 * Judges one check on one host from its probe's output.
 *
 * @example
 * judgeCheck(check, { sections: { sshd: "permitrootlogin yes\n" }, exitCode: 0 }, ctx).status // "fail"
 */
export function judgeCheck(check: Check, output: ProbeOutput, ctx: CheckContext): CheckResult {
  const base: CheckResult = {
    check: check.id,
    check_type: check.check_type,
    hostname: ctx.hostname,
    status: "error",
    expected: check.expected,
    severity: check.severity,
    controls: check.compliance,
  };
  const data: Record<string, unknown> = {
    params: { ...check.params, ...ctx.params },
    exit_code: output.exitCode,
    now: Math.floor(ctx.nowMs / 1000),
    platform: ctx.platform,
    distro: ctx.distro,
    distro_like: [...(ctx.distroLike ?? [])],
    hostname: ctx.hostname,
  };
  try {
    for (const [name, text] of Object.entries(output.sections)) {
      const parser = check.probe.parse[name];
      data[name] = parser ? parseOutput(text, parser) : text;
    }
    for (const [name, parser] of Object.entries(check.probe.parse)) {
      if (!(name in output.sections)) data[name] = parser.kind === "lines" || parser.kind === "table" ? [] : null;
    }
    for (const [name, expr] of Object.entries(check.facts)) data[name] = evaluate(expr, data);
  } catch (error) {
    const why = error instanceof SyntaxError ? `cannot parse the output: ${error.message}` : `cannot evaluate: ${(error as Error).message}`;
    return { ...base, reason: why, output: rawOutput(output) };
  }
  for (const rule of check.verdict) {
    let holds: boolean;
    try {
      holds = rule.if === undefined || truthy(evaluate(rule.if, data));
    } catch (error) {
      return { ...base, reason: `cannot evaluate a verdict rule: ${(error as Error).message}`, output: rawOutput(output) };
    }
    if (!holds) continue;
    const actual = renderTemplate(rule.actual ?? check.actual, data);
    const result: CheckResult = { ...base, status: rule.status, actual, severity: rule.severity ?? check.severity };
    if (rule.reason !== undefined) result.reason = renderTemplate(rule.reason, data);
    if (rule.status === "error") result.output = rawOutput(output);
    return result;
  }
  return { ...base, reason: "no verdict rule matched the output", output: rawOutput(output) };
}

/**
 * Reads the catalog's YAML documents (`runbooks/<platform>/checks/*.yaml` and
 * `runbooks/<platform>/heal/*.yaml`), checks each against the schema and all of them against
 * each other, and reports every problem with its file. Used at build time; the binary embeds
 * the result.
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { CONTEXT_NAMES } from "./evaluate-check.ts";
import { templatePaths, unknownOperators } from "./logic.ts";
import { checkSchema, runbookSchema, type Check, type Runbook } from "./schema.ts";

/** Every problem found in the catalog, one line each (`file: key: message`). */
export class CatalogError extends Error {
  override name = "CatalogError";
  constructor(readonly problems: string[]) {
    super(`The catalog has ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  }
}

function yamlFiles(dir: string): string[] {
  try {
    if (!statSync(dir).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => join(dir, f));
}

/** `verdict[2].status`, the way a person finds the key in the file. */
function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("") || "(document)";
}

function issues(file: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `${file}: ${keyPath(i.path)}: ${i.message}`);
}

/** Cross-document rules the schema alone cannot state. */
function checkConsistency(check: Check, file: string): string[] {
  const problems: string[] = [];
  const sections = new Set(Object.keys(check.probe.parse));
  const probeSections = [...check.probe.shell.matchAll(/^\s*section\s+([a-z][a-z0-9_]*)\s*$/gm)].map((m) => m[1]!);
  for (const s of probeSections) sections.add(s);
  if (probeSections.length === 0) sections.add("out");
  for (const name of Object.keys(check.probe.parse)) {
    if (probeSections.length > 0 && !probeSections.includes(name)) problems.push(`${file}: probe.parse.${name}: the probe never starts section "${name}"`);
    if (probeSections.length === 0 && name !== "out") problems.push(`${file}: probe.parse.${name}: a probe without sections prints one section named "out"`);
  }
  const known = new Set<string>([...sections, ...CONTEXT_NAMES]);
  for (const name of Object.keys(check.facts)) {
    if (known.has(name)) problems.push(`${file}: facts.${name}: the name is already a section or context value`);
    for (const op of unknownOperators(check.facts[name])) problems.push(`${file}: facts.${name}: unknown operator "${op}"`);
    known.add(name);
  }
  const templates: [string, string][] = [
    ["actual", check.actual],
    ["expected", check.expected],
  ];
  check.verdict.forEach((rule, i) => {
    for (const op of unknownOperators(rule.if)) problems.push(`${file}: verdict[${i}].if: unknown operator "${op}"`);
    if (rule.actual) templates.push([`verdict[${i}].actual`, rule.actual]);
    if (rule.reason) templates.push([`verdict[${i}].reason`, rule.reason]);
  });
  const last = check.verdict.at(-1)!;
  if (last.if !== undefined) problems.push(`${file}: verdict: the last rule must have no "if", so every output gets a verdict`);
  for (const [where, template] of templates) {
    for (const path of templatePaths(template)) {
      const root = path.split(".")[0]!;
      if (!known.has(root)) problems.push(`${file}: ${where}: template reads "{{${path}}}", but "${root}" is not a section, fact or context value`);
    }
  }
  if (check.status === "retired" && !check.replaced_by) problems.push(`${file}: replaced_by: a retired check names its replacement`);
  return problems;
}

export interface LoadedCatalog {
  checks: Check[];
  runbooks: Runbook[];
}

/** Loads and validates every document under `root` (the repository's `runbooks/`). */
export function loadCatalogFiles(root: string): LoadedCatalog {
  const problems: string[] = [];
  const checks: Check[] = [];
  const runbooks: Runbook[] = [];
  const seen = new Map<string, string>();
  const platforms = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();
  for (const platform of platforms) {
    for (const [kind, files] of [
      ["check", yamlFiles(join(root, platform, "checks"))],
      ["runbook", yamlFiles(join(root, platform, "heal"))],
    ] as const) {
      for (const path of files) {
        const file = relative(join(root, ".."), path);
        let doc: unknown;
        try {
          doc = parseYaml(readFileSync(path, "utf8"), { uniqueKeys: true, merge: false });
        } catch (error) {
          problems.push(`${file}: cannot parse YAML: ${(error as Error).message.split("\n")[0]}`);
          continue;
        }
        const parsed = (kind === "check" ? checkSchema : runbookSchema).safeParse(doc);
        if (!parsed.success) {
          problems.push(...issues(file, parsed.error));
          continue;
        }
        const item = parsed.data as Check | Runbook;
        if (basename(path, ".yaml") !== item.id) problems.push(`${file}: id: "${item.id}" must match the file name`);
        const other = seen.get(item.id);
        if (other) problems.push(`${file}: id: "${item.id}" is also used by ${other}`);
        seen.set(item.id, file);
        if (kind === "check") {
          const check = item as Check;
          if (!check.platforms.includes(platform as never)) problems.push(`${file}: platforms: a check under runbooks/${platform}/ must list "${platform}"`);
          problems.push(...checkConsistency(check, file));
          checks.push(check);
        } else {
          runbooks.push(item as Runbook);
        }
      }
    }
  }
  const checkIds = new Set(checks.map((c) => c.id));
  const runbookIds = new Set(runbooks.map((r) => r.id));
  for (const c of checks) {
    if (c.healer && !runbookIds.has(c.healer)) problems.push(`${seen.get(c.id)}: healer: no runbook "${c.healer}"`);
  }
  for (const r of runbooks) {
    if (!checkIds.has(r.check)) problems.push(`${seen.get(r.id)}: check: no check "${r.check}"`);
  }
  if (problems.length > 0) throw new CatalogError(problems);
  return { checks, runbooks };
}

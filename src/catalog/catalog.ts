/**
 * The catalog in force: checks and runbooks by id, their lookups, and the hash that every
 * evidence record cites as `ruleset_hash`.
 * @module
 */
import { createHash } from "node:crypto";
import { canonicalize } from "../evidence/canonical-json.ts";
import type { Check, Platform, Runbook } from "./schema.ts";

export interface Catalog {
  readonly checks: readonly Check[];
  readonly runbooks: readonly Runbook[];
  /** sha256 hex of the canonical JSON of every check and runbook. */
  readonly hash: string;
  check(id: string): Check | undefined;
  runbook(id: string): Runbook | undefined;
  /** Checks that apply to a platform, retired ones left out. */
  checksFor(platform: Platform): Check[];
  /** The runbook that heals a check, or undefined when the check has none. */
  healerFor(checkId: string): Runbook | undefined;
}

/** Builds lookups over already validated documents. */
export function createCatalog(checks: readonly Check[], runbooks: readonly Runbook[]): Catalog {
  const checkById = new Map(checks.map((c) => [c.id, c]));
  const runbookById = new Map<string, Runbook>();
  for (const r of runbooks) {
    runbookById.set(r.id, r);
    if (r.legacy_id) runbookById.set(r.legacy_id, r);
  }
  const hash = createHash("sha256").update(canonicalize({ checks, runbooks })).digest("hex");
  return {
    checks,
    runbooks,
    hash,
    check: (id) => checkById.get(id),
    runbook: (id) => runbookById.get(id),
    checksFor: (platform) => checks.filter((c) => c.status !== "retired" && c.platforms.includes(platform)),
    healerFor: (checkId) => {
      const healer = checkById.get(checkId)?.healer;
      return healer === undefined ? undefined : runbookById.get(healer);
    },
  };
}

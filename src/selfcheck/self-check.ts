/**
 * The shape of one self-check: an id, what it protects, and a pure function from facts to a
 * verdict. `run.ts` turns verdicts into evidence results.
 * @module
 */
import type { CheckResult, FrameworkControls } from "../evidence/record.ts";
import type { SelfCheckId } from "./controls.ts";
import type { SelfCheckFacts } from "./facts.ts";

/** Options for the self-checks. */
export interface SelfCheckOptions {
  /** Largest clock offset, and largest disagreement between NTP servers, allowed (config `ntp_max_skew_ms`). */
  maxSkewMs?: number;
}

/** The default of `ntp_max_skew_ms`. */
export const DEFAULT_MAX_SKEW_MS = 5000;

/** What one check concludes. `reason` is required unless the check passed. */
export type SelfCheckVerdict = Pick<CheckResult, "status" | "expected" | "actual" | "reason">;

/** One self-check. */
export interface SelfCheck {
  id: SelfCheckId;
  title: string;
  /** Why compliance cares. */
  rationale: string;
  severity: NonNullable<CheckResult["severity"]>;
  controls: Readonly<FrameworkControls>;
  evaluate(facts: SelfCheckFacts, options: Required<SelfCheckOptions>): SelfCheckVerdict;
}

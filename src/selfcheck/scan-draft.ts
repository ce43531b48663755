/**
 * The scan attestation of one self-check run: the results plus the fields every record
 * carries, ready for the outbox to chain and sign.
 * @module
 */
import type { CheckResult, ScanDraft } from "../evidence/record.ts";
import { scanDraft, type ScanDraftCommon } from "../evidence/scan-draft.ts";

/** What the caller supplies besides the results: the common record fields and the run's times. */
export type SelfCheckScanCommon = ScanDraftCommon;

/**
 * A `scan` draft with `method: "self"`. Throws `RangeError` when a result is about another host
 * than `host_id` or the run finished before it started: either would make the record lie.
 *
 * @example
 * const draft = selfCheckScanDraft(results, { ...common, clock: selfCheckClockFacts(facts), started_at, finished_at });
 */
export function selfCheckScanDraft(results: readonly CheckResult[], common: SelfCheckScanCommon): ScanDraft {
  return scanDraft("self", results, common, "self-check");
}

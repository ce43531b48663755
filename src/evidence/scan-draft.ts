/**
 * A scan attestation draft: one host's check results plus the fields every record carries,
 * ready for the outbox to chain and sign.
 * @module
 */
import { summarize, type CheckResult, type ScanDraft } from "./record.ts";

/** What the caller supplies besides the results: the common record fields and the run's times. */
export type ScanDraftCommon = Omit<ScanDraft, "kind" | "scan"> & {
  /** RFC 3339 UTC, e.g. `2026-11-23T10:00:00.120Z`. */
  started_at: string;
  finished_at: string;
};

/**
 * A `scan` draft for `method` (`self`, `ssh`, …). Throws `RangeError` when a result is about
 * another host than `host_id` or the run finished before it started: either would make the
 * record lie. `label` names the record in those messages.
 */
export function scanDraft(method: string, results: readonly CheckResult[], common: ScanDraftCommon, label = `${method} scan`): ScanDraft {
  const { started_at, finished_at, reseller_id, ...rest } = common;
  const started = Date.parse(started_at);
  const finished = Date.parse(finished_at);
  if (Number.isNaN(started) || Number.isNaN(finished) || finished < started) {
    throw new RangeError(`Cannot build a ${label} record: it runs from "${started_at}" to "${finished_at}"`);
  }
  const stranger = results.find((r) => r.hostname !== common.host_id);
  if (stranger !== undefined) {
    throw new RangeError(`Cannot build a ${label} record for "${common.host_id}": "${stranger.check}" is about "${stranger.hostname}"`);
  }
  return {
    ...rest,
    ...(reseller_id !== undefined && { reseller_id }),
    kind: "scan",
    scan: { started_at, finished_at, method, checks: structuredClone([...results]), summary: summarize(results) },
  };
}

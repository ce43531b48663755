/**
 * Dead-lettered evidence goes back to Central Command only when a person asks
 * (`compliance-agent evidence retry-dead`): the uploader never retries a refused record on its
 * own, because CC gave a reason and sending the same bytes again gets the same answer.
 * @module
 */
import type { EvidenceStore } from "../store/evidence-store.ts";

/**
 * Makes dead-lettered records pending again — the ones in `seqs`, or all of them — and returns
 * how many moved; records that are not dead-lettered are left alone. A running uploader picks
 * them up at its next look (at most its idle interval later, or at once after `wake()`), in seq
 * order with whatever else is pending.
 *
 * @example
 * const moved = redeliver(store, [4182]); // 1
 */
export function redeliver(store: EvidenceStore, seqs?: readonly number[]): number {
  if (seqs !== undefined) {
    for (const seq of seqs) {
      if (!Number.isInteger(seq) || seq < 1) throw new RangeError(`Not a record position: ${seq}`);
    }
  }
  return store.redeliverDead(seqs);
}

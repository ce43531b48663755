/**
 * What Central Command's answer to a delivery means: accepted, refused because of what is in
 * it (split the batch or dead-letter the record), refused because of the send time (build a
 * fresh delivery), or no verdict at all (send the same bytes again after a backoff).
 * @module
 */
import { CentralError } from "../central/errors.ts";

/** The outcome of one attempt. */
export type DeliveryAnswer =
  | { kind: "accepted"; receipt: unknown }
  // CC read the delivery and said no because of what is in it: split it or dead-letter it.
  | { kind: "refused"; reason: string }
  // CC refused the send time, not the records: build a fresh delivery later.
  | { kind: "restamp"; reason: string }
  // No verdict on the records: send the same bytes again later.
  | { kind: "retry"; reason: string; retryAfterMs?: number };

/**
 * What a failed submission means for the delivery; `sentAt` is its `checked_at`. One switch
 * over CentralError's kinds: only a refusal about the content may split a batch and dead-letter
 * a record; anything that says nothing about the records keeps them pending.
 *
 * @example
 * judgeFailure(new CentralError("http", "POST /x answered 503: down", 503), sentAt) // { kind: "retry", reason: "HTTP 503: down" }
 */
export function judgeFailure(err: unknown, sentAt: number): DeliveryAnswer {
  if (!(err instanceof CentralError)) return { kind: "retry", reason: (err as Error)?.message ?? String(err) };
  const reason = err.status !== undefined ? `HTTP ${err.status}: ${detailOf(err)}` : err.message;
  const retryAfterMs = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : undefined;
  switch (err.kind) {
    // No answer, or one we cannot read (a 2xx with a broken body may well have been taken).
    case "network":
    case "bad_response":
    case "tls_pin":
      return { kind: "retry", reason };
    // The key or signature: a problem of the appliance, not of these records.
    case "auth":
      return { kind: "retry", reason, ...(retryAfterMs ? { retryAfterMs } : {}) };
    case "http": {
      const status = err.status ?? 0;
      // 408, 429, 5xx.
      if (err.retryable) return { kind: "retry", reason, ...(retryAfterMs ? { retryAfterMs } : {}) };
      // Wrong site or route: every delivery would be refused alike; splitting would dead-letter all.
      if (status === 403 || status === 404) return { kind: "retry", reason };
      if (status === 400 && refusesSendTime(err, sentAt)) return { kind: "restamp", reason };
      if (status >= 400 && status < 500) return { kind: "refused", reason };
      return { kind: "retry", reason };
    }
  }
}

/**
 * True when a 400 is about `checked_at` (more than 2 min ahead of CC or more than 1 h behind):
 * a clock problem on one side, which splitting the batch would turn into dead letters.
 */
function refusesSendTime(err: CentralError, sentAt: number): boolean {
  if (/checked_at/i.test(detailOf(err))) return true;
  if (err.serverDateMs === undefined) return false;
  // The Date header has second precision: allow a little beyond CC's window.
  return sentAt - err.serverDateMs > 2 * 60 * 1000 - 2000 || err.serverDateMs - sentAt > 60 * 60 * 1000 - 2000;
}

/** CC's reason from a CentralError message (`POST /x answered 400: <detail>`). */
function detailOf(err: CentralError): string {
  const m = /answered \d+: ([\s\S]*)$/.exec(err.message);
  return m ? m[1]! : err.message;
}

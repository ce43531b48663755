/**
 * Failures talking to Central Command, classified once so callers decide on retry and rekey
 * without parsing messages.
 * @module
 */

export type CentralErrorKind =
  | "network" // no answer: DNS, refused, reset, timeout
  | "tls_pin" // the server's key does not match the configured pin
  | "auth" // 401: key or signature refused
  | "http" // any other non-2xx status
  | "bad_response"; // 2xx but not the JSON we expect

/** A failed call to Central Command. */
export class CentralError extends Error {
  override name = "CentralError";
  constructor(
    readonly kind: CentralErrorKind,
    message: string,
    readonly status?: number,
    options?: ErrorOptions & { retryAfterSeconds?: number; serverDateMs?: number },
  ) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.serverDateMs = options?.serverDateMs;
  }
  readonly retryAfterSeconds?: number;
  /** The server's clock from the HTTP `Date` header (second precision), when it sent one. */
  readonly serverDateMs?: number;

  /** Worth retrying later without changing anything (5xx, 429, 408, network). */
  get retryable(): boolean {
    if (this.kind === "network") return true;
    if (this.kind !== "http" || this.status === undefined) return false;
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

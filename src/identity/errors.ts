/**
 * Failures of this folder that cross layers. Messages quote the path or field at fault and never
 * carry key material or decrypted text.
 * @module
 */

/** What was being done to a key file when it failed. */
export type KeyFileAction = "load" | "create";

/**
 * A key file that cannot be used as it is. Loading never repairs or replaces a key file: a silently
 * regenerated key made CC refuse everything in the field, so a damaged file stops start-up instead.
 *
 * @example
 * // Cannot load key "/var/lib/agent/keys/evidence.key": expected 64 hex characters and a newline, found 31 bytes
 */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
  /** The key file at fault. */
  readonly path: string;
  /** What is wrong with it, e.g. `mode 0644 lets group or others access it; it must be 0600`. */
  readonly reason: string;
  /** Whether an existing file failed to load or a new one failed to be written. */
  readonly action: KeyFileAction;

  constructor(path: string, reason: string, options: { action?: KeyFileAction; cause?: unknown } = {}) {
    const action = options.action ?? "load";
    super(`Cannot ${action} key "${path}": ${reason}`, { cause: options.cause });
    this.path = path;
    this.reason = reason;
    this.action = action;
  }
}

/** What was being done to a credential envelope when it failed. */
export type EnvelopeAction = "open" | "seal";

/**
 * A credential envelope that cannot be opened (bad hex, wrong lengths, failed authentication) or
 * sealed. The reason names the field, never its decrypted content.
 */
export class EnvelopeError extends Error {
  override readonly name = "EnvelopeError";
  /** What is wrong, e.g. `"nonce" must be 24 bytes, found 12`. */
  readonly reason: string;
  readonly action: EnvelopeAction;

  constructor(reason: string, options: { action?: EnvelopeAction; cause?: unknown } = {}) {
    const action = options.action ?? "open";
    super(`Cannot ${action} credential envelope: ${reason}`, { cause: options.cause });
    this.reason = reason;
    this.action = action;
  }
}

/**
 * The one failure the host-facts reader raises: a fact the check-in cannot do without is
 * missing or unreadable.
 * @module
 */

/**
 * A required host fact could not be read. `path` is the file or directory that was looked at.
 *
 * Not retryable in the short term: the machine itself is missing something (a network
 * interface, `/proc`), so the caller reports it rather than looping on it.
 */
export class HostFactsError extends Error {
  override readonly name = "HostFactsError";
  readonly path: string;

  constructor(message: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

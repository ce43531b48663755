/**
 * The one contract every transport implements: run a shell script on a machine, with a deadline
 * and bounded output. A non-zero exit is data; failures that cross layers are `TransportError`.
 * @module
 */

/** What one `run` produced. A non-zero `exitCode` is an outcome, not an error. */
export interface ExecResult {
  /** The exit status, or `null` when the process ended by a signal or was killed on deadline. */
  exitCode: number | null;
  /** The signal that ended the process, e.g. `"SIGKILL"`, when known. */
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Some output was dropped because a stream passed `maxOutputBytes`. */
  truncated: boolean;
  /** The deadline passed and the process (group) was killed. */
  timedOut: boolean;
}

export interface RunOptions {
  /** Milliseconds after which the process group is killed and `timedOut` reported. */
  deadlineMs: number;
  /** Bytes kept per stream; 1 MiB by default. */
  maxOutputBytes?: number;
  /** Written to the script's standard input, which is then closed. */
  stdin?: string;
  /** Aborting kills the process like a passed deadline. */
  signal?: AbortSignal;
}

export interface Executor {
  /** Runs `script` with `sh -c` (no login shell). */
  run(script: string, opts: RunOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export type TransportErrorKind = "connect" | "auth" | "host-key-changed" | "closed";

/** A transport could not run a command at all. Messages quote values and never hold secrets. */
export class TransportError extends Error {
  override name = "TransportError";
  readonly kind: TransportErrorKind;
  /** Trying again later may succeed (a refused connection), unlike a changed host key. */
  readonly retryable: boolean;

  constructor(kind: TransportErrorKind, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryable = options.retryable ?? (kind === "connect" || kind === "closed");
  }
}

/** Checks run options once, where they enter. */
export function checkRunOptions(opts: RunOptions): number {
  if (!Number.isFinite(opts.deadlineMs) || opts.deadlineMs <= 0) {
    throw new RangeError(`Cannot run: deadlineMs must be a positive number, got ${String(opts.deadlineMs)}`);
  }
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (!Number.isInteger(max) || max < 0) {
    throw new RangeError(`Cannot run: maxOutputBytes must be a non-negative integer, got ${String(max)}`);
  }
  return max;
}

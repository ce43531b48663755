/**
 * Translates failures into what a person at the console sees and the exit status, once, at the
 * edge. Messages never carry secrets (the errors are built that way; the logger redacts too).
 * @module
 */
// Leaf modules only: `version` and `--help` must not pay for loading the whole agent.
import { ConfigError } from "../config/errors.ts";
import { EnvelopeError, KeyFileError } from "../identity/errors.ts";
import type { Logger } from "../log/logger.ts";
import { StoreError } from "../store/open.ts";
import { StateDirError } from "../store/state-dir.ts";
import { UsageError } from "./args.ts";
import { EXIT } from "./exit-codes.ts";

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ConfigError) return EXIT.config;
  if (err instanceof StateDirError) return EXIT.cantCreate;
  if (err instanceof KeyFileError || err instanceof StoreError || err instanceof EnvelopeError) return EXIT.dataError;
  return EXIT.failure;
}

/** One plain line on stderr for people, one JSON line for the journal. */
export function printError(err: unknown, log?: Logger): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`compliance-agent: ${message}\n`);
  log?.error("cannot start", { error: err });
}

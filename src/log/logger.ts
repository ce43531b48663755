/**
 * Structured logging: one JSON object per line on stdout, which journald stores as-is.
 * Secret-looking fields and known secret values are redacted before a line is written.
 * @module
 */
import type { Clock } from "../time/clock.ts";
import { systemClock } from "../time/clock.ts";
import { SECRET_FIELD, SecretRegistry } from "./secrets.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export type LogFields = Record<string, unknown>;

/** A logger bound to some context fields. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Receives each finished line without its newline. */
  sink?: (line: string) => void;
  secrets?: SecretRegistry;
  clock?: Clock;
  fields?: LogFields;
}

const stdoutSink = (line: string) => {
  process.stdout.write(line + "\n");
};

/** Creates a JSON-lines logger. */
export function createLogger({
  level = "info",
  sink = stdoutSink,
  secrets = new SecretRegistry(),
  clock = systemClock,
  fields = {},
}: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write = (lvl: LogLevel, msg: string, extra: LogFields | undefined, ctx: LogFields) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    // The line's own ts, level and msg come first and are never overwritten by fields.
    const { ts: _t, level: _l, msg: _m, ...fields } = { ...ctx, ...extra };
    const record = { ts: new Date(clock.now()).toISOString(), level: lvl, msg, ...fields };
    let line: string;
    try {
      line = JSON.stringify(record, redactingReplacer);
    } catch {
      line = JSON.stringify({ ts: record.ts, level: lvl, msg, note: "fields not serialisable" });
    }
    sink(secrets.redact(line));
  };
  const make = (ctx: LogFields): Logger => ({
    debug: (m, f) => write("debug", m, f, ctx),
    info: (m, f) => write("info", m, f, ctx),
    warn: (m, f) => write("warn", m, f, ctx),
    error: (m, f) => write("error", m, f, ctx),
    child: (f) => make({ ...ctx, ...f }),
  });
  return make(fields);
}

/** A logger that drops everything: for tests and library defaults. */
export const silentLogger: Logger = createLogger({ sink: () => {} });

function redactingReplacer(this: unknown, key: string, value: unknown): unknown {
  if (key && SECRET_FIELD.test(key) && value !== undefined && value !== null && value !== "") {
    return "[redacted]";
  }
  if (value instanceof Error) return describeError(value);
  if (typeof value === "bigint") return value.toString();
  // JSON.stringify has already replaced a Buffer by its toJSON() `{type, data}`: look at the original.
  const original = key === "" ? value : (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) return `<${original.length} bytes>`;
  return value;
}

/** An error as plain data: name, message and the chain of causes. */
export function describeError(err: unknown, depth = 0): Record<string, unknown> | string {
  if (!(err instanceof Error)) return String(err);
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  if ("code" in err && err.code !== undefined) out.code = err.code;
  // Causes can form a cycle; five levels say enough.
  if (err.cause !== undefined) out.cause = depth < 5 ? describeError(err.cause, depth + 1) : "(further causes omitted)";
  if (err instanceof AggregateError) out.errors = err.errors.slice(0, 5).map((e) => describeError(e, depth + 1));
  return out;
}

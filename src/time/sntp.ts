/**
 * An SNTP client (RFC 4330; client mode of RFC 5905) over UDP: asks NTP servers for the time and
 * measures how far this machine's wall clock is from theirs. One query is one request and at
 * most one accepted reply; no filtering or clock discipline, which is the kernel's and the time
 * daemon's job.
 * @module
 */
import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { systemRandom, type Random } from "./random.ts";
import { buildNtpRequest, ntpFromUnixMs, offsetAndDelay, parseNtpReply, type NtpTimestamp } from "./sntp-packet.ts";

/** An NTP server to ask. `host` is a name or an IP address (IPv6 without brackets). */
export interface NtpServer {
  host: string;
  port: number;
}

/** One accepted answer. */
export interface NtpSample {
  server: NtpServer;
  /** θ: the server's clock minus ours, in milliseconds (positive: this clock is behind). */
  offsetMs: number;
  /** δ: the round-trip time minus the server's processing time, in milliseconds. */
  delayMs: number;
  stratum: number;
  leap: 0 | 1 | 2;
  /** The server's reference: e.g. "GPS" at stratum 1, the upstream's address above. */
  refId: string;
}

/** How a query failed. */
export type NtpFailureKind = "timeout" | "unreachable" | "kiss-o-death" | "unsynchronized" | "invalid";

/** Options for {@link queryNtp} and {@link queryNtpMany}. */
export interface NtpQueryOptions {
  /** How long to wait for a valid answer, name resolution included. */
  timeoutMs?: number;
  /** Wall-clock milliseconds since the Unix epoch, with sub-millisecond resolution. */
  now?: () => number;
  /** Fills the low bits of the transmit timestamp, so a blind spoofer cannot guess it. */
  random?: Random;
}

/**
 * A query that produced no usable answer. `reason` says why without the server's name;
 * `kissCode` is the server's kiss-o'-death code (e.g. "RATE") when it sent one.
 */
export class NtpQueryError extends Error {
  override readonly name = "NtpQueryError";
  readonly server: NtpServer;
  readonly kind: NtpFailureKind;
  readonly reason: string;
  readonly kissCode?: string;

  constructor(server: NtpServer, kind: NtpFailureKind, reason: string, options: { kissCode?: string; cause?: unknown } = {}) {
    super(`Cannot query NTP server "${formatNtpServer(server)}": ${reason}`, { cause: options.cause });
    this.server = server;
    this.kind = kind;
    this.reason = reason;
    if (options.kissCode !== undefined) this.kissCode = options.kissCode;
  }
}

/** A failed query as a value, in {@link queryNtpMany}'s results. */
export interface NtpFailure {
  ok: false;
  server: NtpServer;
  kind: NtpFailureKind;
  reason: string;
  kissCode?: string;
}

export type NtpAnswer = ({ ok: true } & NtpSample) | NtpFailure;

/** What a set of answers agrees on. */
export interface NtpSummary {
  queried: number;
  answered: number;
  /** Median offset of the answers (the mean of the middle two for an even count); absent when none answered. */
  medianOffsetMs?: number;
  /** Largest offset minus smallest; 0 for one answer, absent when none answered. */
  spreadMs?: number;
}

/** Every server's answer, in the order asked, and their summary. */
export interface NtpSurvey {
  results: NtpAnswer[];
  summary: NtpSummary;
}

const DEFAULT_PORT = 123;
/** Low bits of the transmit fraction replaced by random ones: 2⁻¹⁶ s ≈ 15 µs, below what we measure. */
const RANDOM_FRACTION_MASK = 0xffff;

/**
 * Asks one server for the time. Throws {@link NtpQueryError} when no valid answer arrives in
 * time, when the server sends kiss-o'-death or says it is unsynchronised, or when it cannot be
 * reached. Replies that do not answer our request (wrong mode or version, an originate timestamp
 * that is not ours, too short) are dropped and the wait goes on; the timeout's reason names them.
 *
 * @example
 * const { offsetMs } = await queryNtp({ host: "ntp.example.net" }, { timeoutMs: 1000 });
 */
export async function queryNtp(
  server: { host: string; port?: number },
  { timeoutMs = 2000, now = subMillisecondWallClock(), random = systemRandom }: NtpQueryOptions = {},
): Promise<NtpSample> {
  const target = normalize(server);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);

  return new Promise<NtpSample>((resolve, reject) => {
    let socket: dgram.Socket | undefined;
    let request: Uint8Array | undefined;
    let t1: NtpTimestamp | undefined;
    const dropped: string[] = [];
    let settled = false;

    const finish = (result: NtpSample | NtpQueryError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket?.close();
      } catch {
        // already closed by an error
      }
      if (result instanceof NtpQueryError) reject(result);
      else resolve(result);
    };

    const timer = setTimeout(() => {
      const last = dropped.at(-1);
      const reason =
        last === undefined
          ? `no answer within ${timeoutMs} ms`
          : `no valid answer within ${timeoutMs} ms: dropped ${dropped.length} ${dropped.length === 1 ? "reply" : "replies"}, the last because ${last}`;
      finish(new NtpQueryError(target, "timeout", reason));
    }, timeoutMs);

    resolveAddress(target.host).then(
      ({ address, family }) => {
        if (settled) return;
        const s = dgram.createSocket(family === 6 ? "udp6" : "udp4");
        socket = s;
        s.on("error", (err: NodeJS.ErrnoException) => {
          const reason = err.code === "ECONNREFUSED" ? "nothing listens on the port (ECONNREFUSED)" : `network error (${err.code ?? err.message})`;
          finish(new NtpQueryError(target, "unreachable", reason, { cause: err }));
        });
        s.on("message", (reply: Uint8Array) => {
          if (request === undefined || t1 === undefined) return; // not sent yet: cannot be ours
          const t4 = ntpFromUnixMs(now());
          const parsed = parseNtpReply(reply, request);
          if (parsed.ok) {
            const { leap, stratum, refId, receive, transmit } = parsed.header;
            finish({ server: target, ...offsetAndDelay(t1, receive, transmit, t4), stratum, leap, refId });
          } else if (!parsed.final) {
            dropped.push(parsed.reason);
          } else {
            const kissCode = parsed.kind === "kiss-o-death" ? parsed.kissCode : undefined;
            finish(new NtpQueryError(target, parsed.kind, parsed.reason, kissCode === undefined ? {} : { kissCode }));
          }
        });
        // A connected socket only receives datagrams from the server's address and port.
        s.connect(target.port, address, () => {
          if (settled) return;
          const stamp = ntpFromUnixMs(now());
          const noise = random.bytes(2);
          t1 = { seconds: stamp.seconds, fraction: ((stamp.fraction & ~RANDOM_FRACTION_MASK) | (noise[0]! << 8) | noise[1]!) >>> 0 };
          request = buildNtpRequest(t1);
          s.send(request, (err) => {
            if (err) finish(new NtpQueryError(target, "unreachable", `cannot send (${(err as NodeJS.ErrnoException).code ?? err.message})`, { cause: err }));
          });
        });
      },
      (err: NodeJS.ErrnoException) => {
        finish(new NtpQueryError(target, "unreachable", `cannot resolve "${target.host}" (${err.code ?? err.message})`, { cause: err }));
      },
    );
  });
}

/**
 * Asks every server at once; failures are values. The summary covers the servers that answered.
 *
 * @example
 * const { summary } = await queryNtpMany([{ host: "0.pool.ntp.org" }, { host: "1.pool.ntp.org" }]);
 * if (summary.answered > 0) console.log(summary.medianOffsetMs);
 */
export async function queryNtpMany(
  servers: readonly { host: string; port?: number }[],
  options: NtpQueryOptions = {},
): Promise<NtpSurvey> {
  // One clock for every query, so that their offsets are comparable.
  const shared = { ...options, now: options.now ?? subMillisecondWallClock() };
  const results = await Promise.all(
    servers.map(async (server): Promise<NtpAnswer> => {
      try {
        return { ok: true, ...(await queryNtp(server, shared)) };
      } catch (err) {
        if (!(err instanceof NtpQueryError)) throw err;
        return {
          ok: false,
          server: err.server,
          kind: err.kind,
          reason: err.reason,
          ...(err.kissCode !== undefined && { kissCode: err.kissCode }),
        };
      }
    }),
  );
  return { results, summary: summarizeNtpAnswers(results) };
}

/** The summary of a set of answers: how many answered, their median offset and spread. */
export function summarizeNtpAnswers(results: readonly NtpAnswer[]): NtpSummary {
  const offsets = results.flatMap((r) => (r.ok ? [r.offsetMs] : [])).sort((a, b) => a - b);
  const summary: NtpSummary = { queried: results.length, answered: offsets.length };
  if (offsets.length === 0) return summary;
  const mid = offsets.length >> 1;
  summary.medianOffsetMs = offsets.length % 2 === 1 ? offsets[mid]! : (offsets[mid - 1]! + offsets[mid]!) / 2;
  summary.spreadMs = offsets.at(-1)! - offsets[0]!;
  return summary;
}

/** `host:port`, with an IPv6 address in brackets: `[2001:db8::1]:123`. */
export function formatNtpServer({ host, port }: NtpServer): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function normalize({ host, port = DEFAULT_PORT }: { host: string; port?: number }): NtpServer {
  if (typeof host !== "string" || host === "") throw new TypeError("An NTP server needs a host");
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`NTP port must be from 1 to 65535, got ${port}`);
  return { host, port };
}

async function resolveAddress(host: string): Promise<{ address: string; family: number }> {
  const family = isIP(host);
  return family !== 0 ? { address: host, family } : lookup(host);
}

/**
 * Wall-clock time with sub-millisecond resolution. `Date.now()` counts whole milliseconds, so
 * this waits (at most 1 ms) for it to tick and anchors the monotonic clock at that edge; the
 * result follows the wall clock as it was then, which is what one query needs.
 */
function subMillisecondWallClock(): () => number {
  const start = Date.now();
  let wall = start;
  let mono = 0;
  while (wall === start) {
    mono = performance.now();
    wall = Date.now();
  }
  const anchor = wall - mono;
  return () => anchor + performance.now();
}

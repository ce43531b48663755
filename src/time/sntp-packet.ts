/**
 * The NTP packet as an SNTP client sees it (RFC 5905 §7.3, RFC 4330): the 48-byte request, the
 * checks a reply must pass, and the on-wire offset and delay arithmetic (RFC 5905 §8) on 64-bit
 * NTP timestamps. Pure: the socket lives in `sntp.ts`.
 * @module
 */

/** An NTP timestamp: seconds since 1900-01-01 (modulo 2³², so era 1 starts in 2036) and a 32-bit fraction. */
export interface NtpTimestamp {
  seconds: number;
  fraction: number;
}

/** What a valid server reply says, before the offset is computed. */
export interface NtpReplyHeader {
  /** Leap indicator: 0 none, 1 last minute has 61 s, 2 last minute has 59 s (3 is refused). */
  leap: 0 | 1 | 2;
  /** 1 (primary reference) to 15. */
  stratum: number;
  /** The reference: four ASCII characters at stratum 1, an IPv4 address (or an IPv6 hash) above. */
  refId: string;
  /** T2: when the server received the request. */
  receive: NtpTimestamp;
  /** T3: when the server sent the reply. */
  transmit: NtpTimestamp;
}

/**
 * Why a reply is not used. `final` is true when the reply really answers our request (its
 * originate timestamp matches) and so ends the query; a reply that is not an answer to our
 * request is discarded and the client keeps waiting (RFC 5905 §8: a bogus packet is dropped).
 */
export type NtpReplyRefusal =
  | { ok: false; final: false; reason: string }
  | { ok: false; final: true; kind: "kiss-o-death"; kissCode: string; reason: string }
  | { ok: false; final: true; kind: "unsynchronized" | "invalid"; reason: string };

/** Seconds from 1900-01-01 (the NTP prime epoch) to 1970-01-01 (RFC 5905 Figure 4). */
const NTP_UNIX_EPOCH_DELTA = 2_208_988_800;
const TWO_32 = 2 ** 32;
const HEADER_BYTES = 48;
const VERSION = 4;
const MODE_CLIENT = 3;
const MODE_SERVER = 4;
/** Leap indicator 3: the server's clock is not synchronised (RFC 5905 Figure 9). */
const LEAP_ALARM = 3;
const MAX_STRATUM = 15;

/** The NTP timestamp of `ms` milliseconds since the Unix epoch. */
export function ntpFromUnixMs(ms: number): NtpTimestamp {
  const wholeSeconds = Math.floor(ms / 1000);
  const fractionMs = ms - wholeSeconds * 1000;
  return {
    // Modulo 2³²: after 2036-02-07 the seconds wrap into era 1, as on the wire.
    seconds: (((wholeSeconds + NTP_UNIX_EPOCH_DELTA) % TWO_32) + TWO_32) % TWO_32,
    fraction: Math.min(TWO_32 - 1, Math.floor((fractionMs / 1000) * TWO_32)),
  };
}

/**
 * `a − b` in milliseconds. The seconds are subtracted as a signed 32-bit value, so the
 * difference is right across the 2036 era boundary as long as the two times lie within 68
 * years of each other (RFC 5905 §6).
 */
export function ntpDiffMs(a: NtpTimestamp, b: NtpTimestamp): number {
  return ((a.seconds - b.seconds) | 0) * 1000 + ((a.fraction - b.fraction) * 1000) / TWO_32;
}

/**
 * Clock offset θ and round-trip delay δ from the four timestamps (RFC 5905 §8):
 * θ = ((T2 − T1) + (T3 − T4)) / 2 and δ = (T4 − T1) − (T3 − T2). A positive offset means the
 * server's clock is ahead of ours.
 */
export function offsetAndDelay(
  t1: NtpTimestamp,
  t2: NtpTimestamp,
  t3: NtpTimestamp,
  t4: NtpTimestamp,
): { offsetMs: number; delayMs: number } {
  return {
    offsetMs: (ntpDiffMs(t2, t1) + ntpDiffMs(t3, t4)) / 2,
    delayMs: ntpDiffMs(t4, t1) - ntpDiffMs(t3, t2),
  };
}

/** The 48-byte client request (LI 0, version 4, mode 3) carrying `transmit` as its transmit timestamp. */
export function buildNtpRequest(transmit: NtpTimestamp): Uint8Array {
  const packet = new Uint8Array(HEADER_BYTES);
  packet[0] = (0 << 6) | (VERSION << 3) | MODE_CLIENT;
  writeTimestamp(new DataView(packet.buffer), 40, transmit);
  return packet;
}

/**
 * Checks a reply against the request it should answer (RFC 4330 §5, RFC 5905 §7.3–§8):
 * mode 4, version 3 or 4, originate timestamp equal to the request's transmit timestamp,
 * no kiss-o'-death (stratum 0), synchronised (leap indicator not 3, stratum 1–15) and non-zero
 * receive and transmit timestamps.
 */
export function parseNtpReply(reply: Uint8Array, request: Uint8Array): { ok: true; header: NtpReplyHeader } | NtpReplyRefusal {
  if (reply.length < HEADER_BYTES) {
    return { ok: false, final: false, reason: `the reply is ${reply.length} bytes, shorter than an NTP header (48)` };
  }
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  const first = reply[0]!;
  const leap = first >> 6;
  const version = (first >> 3) & 0b111;
  const mode = first & 0b111;
  if (mode !== MODE_SERVER) return { ok: false, final: false, reason: `the reply has mode ${mode}, not 4 (server)` };
  // A server copies the request's version (RFC 4330 §5); some NTPv3 servers answer 3.
  if (version !== VERSION && version !== 3) {
    return { ok: false, final: false, reason: `the reply has version ${version}, not 3 or 4` };
  }
  // The origin check is what ties a reply to our request and defeats blind spoofing (RFC 5905 §8).
  if (!sameBytes(reply.subarray(24, 32), request.subarray(40, 48))) {
    return { ok: false, final: false, reason: "the reply's originate timestamp does not match our request" };
  }

  const stratum = reply[1]!;
  const refBytes = reply.subarray(12, 16);
  if (stratum === 0) {
    // Kiss-o'-death: the reference id holds a four-letter code such as RATE or DENY (RFC 5905 §7.4).
    const kissCode = asciiCode(refBytes);
    return { ok: false, final: true, kind: "kiss-o-death", kissCode, reason: `the server sent kiss-o'-death "${kissCode}"` };
  }
  if (leap === LEAP_ALARM) {
    return { ok: false, final: true, kind: "unsynchronized", reason: "the server reports its clock unsynchronised (leap indicator 3)" };
  }
  if (stratum > MAX_STRATUM) {
    return { ok: false, final: true, kind: "unsynchronized", reason: `the server reports stratum ${stratum}, not 1 to 15 (unsynchronised)` };
  }
  const receive = readTimestamp(view, 32);
  const transmit = readTimestamp(view, 40);
  if (isZero(receive) || isZero(transmit)) {
    return { ok: false, final: true, kind: "invalid", reason: "the reply has a zero receive or transmit timestamp" };
  }
  return {
    ok: true,
    header: {
      leap: leap as 0 | 1 | 2,
      stratum,
      refId: stratum === 1 ? asciiCode(refBytes) : refBytes.join("."),
      receive,
      transmit,
    },
  };
}

/** Reads the 64-bit timestamp at `offset` (big-endian, RFC 5905 Figure 3). */
export function readTimestamp(view: DataView, offset: number): NtpTimestamp {
  return { seconds: view.getUint32(offset), fraction: view.getUint32(offset + 4) };
}

/** Writes `t` at `offset` (big-endian). */
export function writeTimestamp(view: DataView, offset: number, t: NtpTimestamp): void {
  view.setUint32(offset, t.seconds);
  view.setUint32(offset + 4, t.fraction);
}

function isZero(t: NtpTimestamp): boolean {
  return t.seconds === 0 && t.fraction === 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** A reference id or kiss code as text: printable ASCII kept, NUL padding dropped, anything else as "?". */
function asciiCode(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b === 0 ? "" : "?")).join("");
}

/**
 * The kernel's clock-discipline state, read with adjtimex(2) through libc and `bun:ffi`: whether
 * a time daemon keeps this clock synchronised, and the kernel's own error bounds. Read only:
 * `modes` is 0, so nothing is changed.
 * @module
 */
import { dlopen, FFIType } from "bun:ffi";

/** What adjtimex(2) reports about the system clock. */
export interface KernelClockStatus {
  /** True unless the call returned TIME_ERROR or the STA_UNSYNC status flag is set. */
  synchronized: boolean;
  /** The clock state adjtimex returned: 0 TIME_OK … 5 TIME_ERROR (see {@link ADJTIMEX_STATES}). */
  state: number;
  /** The kernel's maximum error bound, microseconds (grows while no daemon updates it; capped at 16 s). */
  maxErrorUs: number;
  /** The estimated error set by the time daemon, microseconds. */
  estErrorUs: number;
  /**
   * The offset the kernel PLL/FLL is still correcting, microseconds; only while synchronised,
   * because without a daemon the field is a leftover, not a measurement.
   */
  offsetUs?: number;
  /** The `status` word: STA_PLL 0x0001, STA_UNSYNC 0x0040, STA_NANO 0x2000, … */
  statusFlags: number;
}

/** Options for {@link readAdjtimex}; the defaults are this process and libc. */
export interface ReadAdjtimexOptions {
  platform?: string;
  arch?: string;
  /** Calls adjtimex(2) on a zeroed 208-byte `struct timex` and returns its return value. */
  adjtimex?: (timex: Uint8Array) => number;
}

/** Names of adjtimex's return values (<sys/timex.h>). */
export const ADJTIMEX_STATES = ["TIME_OK", "TIME_INS", "TIME_DEL", "TIME_OOP", "TIME_WAIT", "TIME_ERROR"] as const;

const TIME_ERROR = 5;
const STA_UNSYNC = 0x0040;
/** Offsets (and `time.tv_usec`) are in nanoseconds rather than microseconds. */
const STA_NANO = 0x2000;

/**
 * glibc's `struct timex` on 64-bit Linux (LP64: every field but `modes`, `status`, `shift` and
 * `tai` is a `long`), checked with offsetof() against glibc 2.36's <sys/timex.h> on x86_64:
 * modes 0 (unsigned int), offset 8, freq 16, maxerror 24, esterror 32, status 40 (int),
 * constant 48, precision 56, tolerance 64, time 72 (struct timeval, 16 bytes), tick 88,
 * ppsfreq 96, jitter 104, shift 112 (int), stabil 120, jitcnt 128, calcnt 136, errcnt 144,
 * stbcnt 152, tai 160 (int), then 44 bytes of padding: 208 in all. aarch64 uses the same
 * generic layout; 32-bit ABIs differ and are not supported.
 */
const TIMEX_BYTES = 208;
const OFFSET_AT = 8;
const MAXERROR_AT = 24;
const ESTERROR_AT = 32;
const STATUS_AT = 40;
const LP64_LITTLE_ENDIAN = new Set(["x64", "arm64"]);

/**
 * The kernel clock's state, or `undefined` on other systems or when the call fails.
 *
 * @example
 * const clock = readAdjtimex();
 * if (clock && !clock.synchronized) log.warn("no time daemon keeps the clock synchronised");
 */
export function readAdjtimex({
  platform = process.platform,
  arch = process.arch,
  adjtimex = libcAdjtimex,
}: ReadAdjtimexOptions = {}): KernelClockStatus | undefined {
  if (platform !== "linux" || !LP64_LITTLE_ENDIAN.has(arch)) return undefined;
  const timex = new Uint8Array(TIMEX_BYTES); // modes = 0: read, never adjust
  let state: number;
  try {
    state = adjtimex(timex);
  } catch {
    return undefined; // no libc.so.6 (musl) or no FFI
  }
  if (state < 0) return undefined;

  const view = new DataView(timex.buffer);
  const long = (at: number) => Number(view.getBigInt64(at, true));
  const statusFlags = view.getInt32(STATUS_AT, true);
  const synchronized = state !== TIME_ERROR && (statusFlags & STA_UNSYNC) === 0;
  const offset = long(OFFSET_AT);
  return {
    synchronized,
    state,
    maxErrorUs: long(MAXERROR_AT),
    estErrorUs: long(ESTERROR_AT),
    ...(synchronized && { offsetUs: statusFlags & STA_NANO ? offset / 1000 : offset }),
    statusFlags,
  };
}

let libc: ((timex: Uint8Array) => number) | undefined;

/** adjtimex from libc, opened on first use so that start-up does not pay for it. */
function libcAdjtimex(timex: Uint8Array): number {
  libc ??= (() => {
    const { symbols } = dlopen("libc.so.6", { adjtimex: { args: [FFIType.ptr], returns: FFIType.i32 } });
    return (buf: Uint8Array) => symbols.adjtimex(buf);
  })();
  return libc(timex);
}

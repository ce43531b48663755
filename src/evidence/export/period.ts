/**
 * The period of an export, from the command line: `YYYY-MM-DD` (a UTC day) or an RFC 3339
 * instant for each end, `--to` inclusive. Becomes the half-open interval [startMs, endMs) the
 * evidence store selects records by.
 * @module
 */

/** An export period as typed and as the interval of creation times it selects. */
export interface Period {
  from: string;
  to: string;
  /** First millisecond included. */
  startMs: number;
  /** First millisecond after the period. */
  endMs: number;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 §5.6 date-time; the T and Z may be lower case (§5.6 note), fractions any length.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
const DAY_MS = 86_400_000;

/**
 * Reads `--from` and `--to`. A day means the whole UTC day, so `--to 2026-11-30` includes all of
 * the 30th; an instant `--to` includes that millisecond. Throws `RangeError` naming the option
 * for text that is neither form, for a date that does not exist, and for a period that ends
 * before it starts.
 *
 * @example
 * parsePeriod("2026-11-01", "2026-11-30"); // { startMs: Date.UTC(2026, 10, 1), endMs: Date.UTC(2026, 11, 1), … }
 */
export function parsePeriod(from: string, to: string): Period {
  const startMs = readBound("--from", from, "start");
  const endMs = readBound("--to", to, "end");
  if (endMs <= startMs) throw new RangeError(`The period ends before it starts: --from "${from}" is after --to "${to}"`);
  return { from, to, startMs, endMs };
}

function readBound(option: string, text: string, end: "start" | "end"): number {
  const day = DAY.exec(text);
  if (day) {
    const ms = utcDay(option, text, Number(day[1]), Number(day[2]), Number(day[3]));
    return end === "start" ? ms : ms + DAY_MS;
  }
  const m = INSTANT.exec(text);
  if (!m) throw new RangeError(`Cannot read ${option} "${text}": expected a date (YYYY-MM-DD) or an RFC 3339 instant (2026-11-01T08:00:00Z)`);
  utcDay(option, text, Number(m[1]), Number(m[2]), Number(m[3]));
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  // 23:59:60 is a valid RFC 3339 leap second, but ECMAScript time has none to point at.
  if (hour > 23 || minute > 59 || second > 59 || (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59))) {
    throw new RangeError(`Cannot read ${option} "${text}": no such time`);
  }
  const ms = Date.parse(text.toUpperCase());
  if (Number.isNaN(ms)) throw new RangeError(`Cannot read ${option} "${text}": no such time`);
  // Fractions beyond milliseconds are cut; an inclusive end keeps its whole millisecond.
  return end === "start" ? ms : ms + 1;
}

function utcDay(option: string, text: string, year: number, month: number, day: number): number {
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const ms = new Date(0).setUTCFullYear(year, month - 1, day);
  const d = new Date(ms);
  if (month < 1 || month > 12 || d.getUTCDate() !== day || d.getUTCMonth() !== month - 1) {
    throw new RangeError(`Cannot read ${option} "${text}": no such date`);
  }
  return ms;
}

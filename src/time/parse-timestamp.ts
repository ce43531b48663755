/**
 * Parses the timestamps Central Command sends: RFC 3339 with `Z`, and Python `isoformat()`
 * strings with microseconds and `+00:00` (`2026-11-23T10:00:00.123456+00:00`), which
 * `Date.parse` does not read reliably everywhere.
 * @module
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Milliseconds since the epoch, or `undefined` when `text` is not such a timestamp.
 * A timestamp without a zone is read as UTC, as CC's naive timestamps are.
 */
export function parseTimestamp(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone = "Z"] = m;
  const ms = Number((frac + "000").slice(0, 3));
  let t = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, ms);
  const check = new Date(t);
  if (check.getUTCDate() !== +d! || check.getUTCMonth() !== +mo! - 1) return undefined; // 2026-02-31
  if (zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

/**
 * Parsing `/proc/uptime`: seconds since boot, then idle seconds summed over CPUs.
 * @module
 */

/**
 * Whole seconds since boot from `/proc/uptime` text (the first field, rounded down).
 * Throws `SyntaxError` when the first field is not a non-negative number.
 *
 * @example
 * parseProcUptime("12345.67 54321.00\n") // 12345
 */
export function parseProcUptime(text: string): number {
  const first = text.trim().split(/\s+/)[0] ?? "";
  const seconds = /^\d+(\.\d+)?$/.test(first) ? Number(first) : NaN;
  if (!Number.isFinite(seconds)) {
    throw new SyntaxError(`Cannot parse uptime "${text.trim()}": expected seconds since boot`);
  }
  return Math.floor(seconds);
}

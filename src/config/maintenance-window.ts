/**
 * The daily maintenance window in which disruptive heals may run, written `HH:MM-HH:MM`.
 * @module
 */

/** A daily window in local time; `endMinutes < startMinutes` means it wraps past midnight. */
export interface MaintenanceWindow {
  /** `HH:MM`, as written. */
  start: string;
  end: string;
  /** Minutes after midnight, 0–1439. */
  startMinutes: number;
  endMinutes: number;
}

// Two digits each, so "2:00" or "02:0" is refused instead of guessed at.
const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Parses a 24-hour window such as `"02:00-04:00"` or `"22:00-02:00"` (wraps past midnight).
 * Throws `SyntaxError` when the text is not `HH:MM-HH:MM` or start equals end, since an empty
 * window and an all-day window would both be plausible readings.
 *
 * @example
 * parseMaintenanceWindow("22:00-02:00");
 * // { start: "22:00", end: "02:00", startMinutes: 1320, endMinutes: 120 }
 */
export function parseMaintenanceWindow(text: string): MaintenanceWindow {
  const m = WINDOW.exec(text.trim());
  if (!m) throw new SyntaxError(`Cannot parse maintenance window "${text}": expected HH:MM-HH:MM in 24-hour time`);
  const [, sh, sm, eh, em] = m.map(Number) as [number, number, number, number, number];
  const startMinutes = sh * 60 + sm;
  const endMinutes = eh * 60 + em;
  if (startMinutes === endMinutes) {
    throw new SyntaxError(`Cannot parse maintenance window "${text}": start and end are the same time`);
  }
  return { start: text.trim().slice(0, 5), end: text.trim().slice(6), startMinutes, endMinutes };
}

/**
 * Whether a moment falls inside the window, in local time given as minutes after midnight
 * (the start minute is inside, the end minute is not).
 *
 * @example
 * inMaintenanceWindow(parseMaintenanceWindow("22:00-02:00"), 23 * 60) // true
 */
export function inMaintenanceWindow(window: MaintenanceWindow, minutesOfDay: number): boolean {
  const { startMinutes: s, endMinutes: e } = window;
  return s < e ? minutesOfDay >= s && minutesOfDay < e : minutesOfDay >= s || minutesOfDay < e;
}

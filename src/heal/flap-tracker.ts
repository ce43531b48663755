/**
 * Counts remediation attempts per host and check over a sliding window, so a setting that
 * something keeps reverting (a GPO, a config manager) is escalated instead of fought hourly.
 * @module
 */

export interface FlapTracker {
  /** Attempts for this host and check within the window ending now. */
  count(host: string, check: string, nowMs: number): number;
  record(host: string, check: string, nowMs: number): void;
}

export function createFlapTracker({ windowMs = 24 * 3600_000 }: { windowMs?: number } = {}): FlapTracker {
  const attempts = new Map<string, number[]>();
  const recent = (key: string, nowMs: number) => (attempts.get(key) ?? []).filter((t) => nowMs - t < windowMs && t <= nowMs);
  return {
    count: (host, check, nowMs) => recent(`${host}\0${check}`, nowMs).length,
    record(host, check, nowMs) {
      const key = `${host}\0${check}`;
      attempts.set(key, [...recent(key, nowMs), nowMs]);
    },
  };
}

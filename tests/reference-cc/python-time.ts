/**
 * Timestamps in the two forms CC emits and expects: Python `datetime.isoformat()` for
 * server_time and order times, and `YYYY-MM-DDTHH:MM:SSZ` for sigauth.
 * @module
 */

/**
 * `datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat()`, e.g.
 * `2026-11-23T10:00:00.123000+00:00`. Like Python, the fraction is omitted when it is zero
 * (`2026-11-23T10:00:00+00:00`), so clients must parse both forms.
 */
export function pythonIsoformat(ms: number): string {
  const whole = Math.floor(ms / 1000) * 1000;
  const micros = Math.round((ms - whole) * 1000);
  const base = new Date(whole).toISOString().slice(0, 19);
  return micros === 0 ? `${base}+00:00` : `${base}.${String(micros).padStart(6, "0")}+00:00`;
}

/** Sigauth timestamp: RFC 3339 UTC at second precision, `2026-11-23T10:00:00Z`. */
export function sigauthTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

const SIGAUTH_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Parses a sigauth timestamp to epoch ms; undefined unless it is exactly that form. */
export function parseSigauthTimestamp(s: string): number | undefined {
  const m = SIGAUTH_TIMESTAMP.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) || sigauthTimestamp(ms) !== s ? undefined : ms;
}

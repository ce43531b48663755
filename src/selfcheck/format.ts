/**
 * How the self-checks write amounts in `actual` and `reason`: rounded down, so a value shown
 * never seems to meet a threshold it missed.
 * @module
 */

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** `3.2 GiB`, or `512 MiB` below one GiB. */
export function formatBytes(bytes: number): string {
  return bytes >= GIB ? `${floorTo(bytes / GIB, 1)} GiB` : `${Math.floor(bytes / MIB)} MiB`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `1 d`, `2 d 4 h`: the two largest units, rounded down. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return h % 24 === 0 ? `${Math.floor(h / 24)} d` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Milliseconds without sign: to a tenth below 10 ms (`0.4 ms`, `8 ms`), whole above (`5234 ms`). */
export function formatMs(ms: number): string {
  const abs = Math.abs(ms);
  return abs < 10 ? `${Number(floorTo(abs, 1))} ms` : `${Math.floor(abs)} ms`;
}

/** `11.9 %` of `fraction` (0–1). */
export function formatPercent(fraction: number): string {
  return `${floorTo(fraction * 100, 1)} %`;
}

function floorTo(value: number, decimals: number): string {
  const f = 10 ** decimals;
  return (Math.floor(value * f + 1e-9) / f).toFixed(decimals);
}

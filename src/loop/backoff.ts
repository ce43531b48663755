/**
 * Exponential backoff with full jitter: after the n-th consecutive failure wait a uniform
 * random time in [floor, min(cap, base·2ⁿ)]. Jitter keeps a fleet that lost Central Command at
 * once from returning in step; the floor keeps a tight failure from becoming a busy loop.
 * @module
 */
import type { Random } from "../time/random.ts";

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  floorMs?: number;
  random: Random;
}

export class Backoff {
  #failures = 0;
  readonly baseMs: number;
  readonly capMs: number;
  readonly floorMs: number;
  readonly #random: Random;

  constructor({ baseMs = 2_000, capMs = 300_000, floorMs = 1_000, random }: BackoffOptions) {
    if (!(floorMs > 0 && floorMs <= baseMs && baseMs <= capMs)) throw new RangeError("Backoff needs 0 < floor ≤ base ≤ cap");
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.floorMs = floorMs;
    this.#random = random;
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  fail(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.#failures, 30));
    this.#failures++;
    return Math.max(this.floorMs, Math.floor(this.#random.float() * ceiling));
  }

  reset(): void {
    this.#failures = 0;
  }
}

/** The normal poll delay: `intervalMs` ± `spread` (10 %) so appliances do not call in step. */
export function jitteredInterval(intervalMs: number, random: Random, spread = 0.1): number {
  return Math.round(intervalMs * (1 - spread + 2 * spread * random.float()));
}

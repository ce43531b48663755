/**
 * A clock whose time moves only when told to: for tests of backoff, TTLs and windows.
 * @module
 */
import type { Clock } from "../../src/time/clock.ts";

interface Sleeper {
  due: number;
  resolve: () => void;
}

/** A manually advanced clock; `sleep` resolves when `advance` passes its deadline. */
export class FakeClock implements Clock {
  #now: number;
  #mono = 0;
  #sleepers: Sleeper[] = [];

  constructor(startMs = Date.UTC(2026, 10, 23, 10, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#mono;
  }

  /** How many sleeps are waiting: lets a test wait until the code under test is idle. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = { due: this.#mono + Math.max(0, ms), resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves both clocks forward and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    this.#now += ms;
    this.#mono += ms;
    const due = this.#sleepers.filter((s) => s.due <= this.#mono);
    this.#sleepers = this.#sleepers.filter((s) => s.due > this.#mono);
    for (const s of due) s.resolve();
  }

  /** Sets the wall clock only, as an NTP step or a bad RTC would. */
  setWall(ms: number): void {
    this.#now = ms;
  }
}

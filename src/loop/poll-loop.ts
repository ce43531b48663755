/**
 * The agent's heartbeat: run a cycle, then wait the poll interval (± jitter) after success or a
 * backoff after failure, until stopped. The wait can be cut short (`wake`) for an immediate
 * check-in. The loop reports its own progress (`onProgress`) from inside its control flow, so a
 * loop stuck in an await stops reporting — the watchdog must see that, not a timer's ping.
 * @module
 */
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { Backoff, jitteredInterval } from "./backoff.ts";

export interface CycleResult {
  ok: boolean;
  /** Ask for the next cycle right away (e.g. after a rekey). */
  again?: boolean;
  /** Wait at least this long before the next attempt (CC's Retry-After). */
  minDelayMs?: number;
}

export interface PollLoopOptions {
  cycle: (signal: AbortSignal) => Promise<CycleResult>;
  intervalMs: number;
  clock: Clock;
  random: Random;
  signal: AbortSignal;
  backoff?: Backoff;
  /** Called whenever the loop has made progress (cycle finished, a slice of waiting passed). */
  onProgress?: () => void;
  /** Longest single sleep; progress is reported between slices. */
  sliceMs?: number;
  /** Called with the chosen delay before each wait (logging, tests). */
  onWait?: (delayMs: number, result: CycleResult) => void;
}

export interface PollLoop {
  /** Resolves when the loop has stopped (after `signal` aborts). */
  done: Promise<void>;
  /** Ends the current wait early and runs the next cycle now. */
  wake(): void;
}

export function startPollLoop(o: PollLoopOptions): PollLoop {
  const backoff = o.backoff ?? new Backoff({ random: o.random });
  const sliceMs = o.sliceMs ?? 10_000;
  let wakeCtl = new AbortController();
  let wakeRequested = false;

  async function wait(ms: number): Promise<void> {
    const until = o.clock.monotonic() + ms;
    while (!o.signal.aborted && !wakeRequested) {
      const left = until - o.clock.monotonic();
      if (left <= 0) return;
      try {
        await o.clock.sleep(Math.min(left, sliceMs), AbortSignal.any([o.signal, wakeCtl.signal]));
      } catch {
        return; // stopped or woken
      }
      o.onProgress?.();
    }
  }

  async function run(): Promise<void> {
    while (!o.signal.aborted) {
      wakeRequested = false;
      wakeCtl = new AbortController();
      let result: CycleResult;
      try {
        result = await o.cycle(o.signal);
      } catch {
        result = { ok: false }; // a cycle must not kill the loop; it logs its own errors
      }
      o.onProgress?.();
      if (o.signal.aborted) break;
      let delay = result.ok ? (backoff.reset(), jitteredInterval(o.intervalMs, o.random)) : backoff.fail();
      if (result.again) delay = 0;
      if (result.minDelayMs !== undefined) delay = Math.max(delay, result.minDelayMs);
      o.onWait?.(delay, result);
      if (delay > 0) await wait(delay);
    }
  }

  return {
    done: run(),
    wake() {
      wakeRequested = true;
      wakeCtl.abort();
    },
  };
}

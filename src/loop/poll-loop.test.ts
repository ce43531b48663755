import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { seededRandom } from "../time/random.ts";
import { startPollLoop, type CycleResult, type PollLoopOptions } from "./poll-loop.ts";

const HOUR = 3_600_000;

/** A fake clock that also remembers when the latest sleep is due, so a test can jump straight to it. */
class SteppingClock extends FakeClock {
  lastDue = 0;
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.lastDue = this.monotonic() + ms;
    return super.sleep(ms, signal);
  }
}

/** Yields to the event loop until `condition` holds; fails loudly if it never does. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** Lets every pending promise chain run (for asserting that something did NOT happen). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

interface Harness {
  clock: SteppingClock;
  stop: AbortController;
  cycles: number[];
  waits: { delay: number; result: CycleResult }[];
  progress: number[];
  loop: ReturnType<typeof startPollLoop>;
}

/** Starts a loop whose cycles answer `results(i)`, recording the monotonic time of each cycle. */
function start(results: (i: number) => CycleResult | Promise<CycleResult>, options: Partial<PollLoopOptions> = {}): Harness {
  const clock = new SteppingClock();
  const stop = new AbortController();
  const cycles: number[] = [];
  const waits: { delay: number; result: CycleResult }[] = [];
  const progress: number[] = [];
  const loop = startPollLoop({
    cycle: async () => {
      cycles.push(clock.monotonic());
      return results(cycles.length - 1);
    },
    intervalMs: 60_000,
    clock,
    random: seededRandom(1),
    signal: stop.signal,
    onWait: (delay, result) => waits.push({ delay, result }),
    onProgress: () => progress.push(clock.monotonic()),
    ...options,
  });
  return { clock, stop, cycles, waits, progress, loop };
}

/** Jumps the clock from sleep to sleep until `ms` of fake time have passed. */
async function runFor(h: Harness, ms: number): Promise<void> {
  const end = h.clock.monotonic() + ms;
  while (h.clock.monotonic() < end) {
    await until(() => h.clock.pendingSleeps > 0, "the loop to sleep");
    h.clock.advance(Math.max(0, Math.min(h.clock.lastDue, end) - h.clock.monotonic()));
  }
}

async function stopLoop(h: Harness): Promise<void> {
  h.stop.abort();
  await h.loop.done;
}

describe("startPollLoop", () => {
  test("runs the first cycle at once, then waits the jittered interval after success", async () => {
    const h = start(() => ({ ok: true }));
    await until(() => h.cycles.length === 1, "first cycle");
    await until(() => h.waits.length === 1, "first wait");
    const delay = h.waits[0]!.delay;
    expect(delay >= 54_000 && delay <= 66_000).toBe(true);

    await runFor(h, delay - 1);
    await settle();
    expect(h.cycles).toEqual([0]);
    await runFor(h, 1);
    await until(() => h.cycles.length === 2, "second cycle");
    expect(h.cycles).toEqual([0, delay]);
    await stopLoop(h);
  });

  test("backs off over an hour of failures: retries forever, never busy, never faster than the floor", async () => {
    const h = start(() => ({ ok: false }));
    await runFor(h, HOUR);
    await stopLoop(h);
    const gaps = h.cycles.slice(1).map((t, i) => t - h.cycles[i]!);
    expect({
      attemptsBelow100: h.cycles.length < 100,
      stillTrying: h.cycles.length >= 10 && h.cycles.at(-1)! > HOUR - 300_000,
      minGapAtLeastFloor: Math.min(...gaps) >= 1_000,
      maxGapAtMostCap: Math.max(...gaps) <= 300_000,
      gapsMatchChosenDelays: gaps.every((g, i) => g === h.waits[i]!.delay),
    }).toEqual({
      attemptsBelow100: true,
      stillTrying: true,
      minGapAtLeastFloor: true,
      maxGapAtMostCap: true,
      gapsMatchChosenDelays: true,
    });
  });

  test("a success after failures returns to the normal interval", async () => {
    const h = start((i) => ({ ok: i >= 8 }));
    await runFor(h, 20 * 60_000);
    await stopLoop(h);
    const afterSuccess = h.waits.filter((w) => w.result.ok).map((w) => w.delay);
    expect(afterSuccess.length > 0 && afterSuccess.every((d) => d >= 54_000 && d <= 66_000)).toBe(true);
  });

  test("a cycle that throws counts as a failure and the loop goes on", async () => {
    const h = start((i) => {
      if (i < 2) throw new Error("boom");
      return { ok: true };
    });
    await runFor(h, 10 * 60_000);
    await stopLoop(h);
    expect(h.waits.slice(0, 3).map((w) => w.result)).toEqual([{ ok: false }, { ok: false }, { ok: true }]);
  });

  test("wake() ends the wait and runs a cycle now", async () => {
    const h = start(() => ({ ok: true }));
    await until(() => h.clock.pendingSleeps > 0, "waiting after the first cycle");
    h.clock.advance(5_000);
    await until(() => h.clock.pendingSleeps > 0, "still waiting");
    h.loop.wake();
    await until(() => h.cycles.length === 2, "the woken cycle");
    expect(h.cycles).toEqual([0, 5_000]);
    await stopLoop(h);
  });

  test("wake() during a cycle runs the next cycle right after it", async () => {
    let release!: (r: CycleResult) => void;
    const h = start((i) => (i === 0 ? new Promise<CycleResult>((r) => (release = r)) : { ok: true }));
    await until(() => h.cycles.length === 1, "first cycle started");
    h.loop.wake();
    release({ ok: true });
    await until(() => h.cycles.length === 2, "second cycle");
    expect(h.cycles).toEqual([0, 0]);
    await stopLoop(h);
  });

  test("again: true runs the next cycle without waiting", async () => {
    const h = start((i) => (i === 0 ? { ok: true, again: true } : { ok: true }));
    await until(() => h.cycles.length === 2, "second cycle");
    expect({ cycles: h.cycles, firstDelay: h.waits[0]!.delay }).toEqual({ cycles: [0, 0], firstDelay: 0 });
    await stopLoop(h);
  });

  test("minDelayMs (Retry-After) is honoured even when the backoff or again would be shorter", async () => {
    const h = start((i) => (i === 0 ? { ok: false, minDelayMs: 120_000 } : i === 1 ? { ok: true, again: true, minDelayMs: 30_000 } : { ok: true }));
    await runFor(h, 119_999);
    await settle();
    expect(h.cycles).toEqual([0]);
    await runFor(h, 1);
    await until(() => h.cycles.length === 2, "second cycle");
    await runFor(h, 30_000);
    await until(() => h.cycles.length === 3, "third cycle");
    expect({ cycles: h.cycles, delays: h.waits.slice(0, 2).map((w) => w.delay) }).toEqual({
      cycles: [0, 120_000, 150_000],
      delays: [120_000, 30_000],
    });
    await stopLoop(h);
  });

  test("aborting the signal during a wait stops the loop promptly", async () => {
    const h = start(() => ({ ok: true }));
    await until(() => h.clock.pendingSleeps > 0, "waiting");
    h.stop.abort();
    await h.loop.done;
    await settle();
    expect({ cycles: h.cycles.length, pendingSleeps: h.clock.pendingSleeps }).toEqual({ cycles: 1, pendingSleeps: 0 });
  });

  test("aborting the signal during a cycle starts no further cycle", async () => {
    let release!: (r: CycleResult) => void;
    const h = start(() => new Promise<CycleResult>((r) => (release = r)));
    await until(() => h.cycles.length === 1, "cycle started");
    h.stop.abort();
    release({ ok: true });
    await h.loop.done;
    expect({ cycles: h.cycles.length, waits: h.waits.length }).toEqual({ cycles: 1, waits: 0 });
  });

  test("does not start at all with an aborted signal", async () => {
    const stop = new AbortController();
    stop.abort();
    let cycles = 0;
    await startPollLoop({
      cycle: async () => {
        cycles++;
        return { ok: true };
      },
      intervalMs: 60_000,
      clock: new FakeClock(),
      random: seededRandom(1),
      signal: stop.signal,
    }).done;
    expect(cycles).toBe(0);
  });

  test("reports progress after each cycle and after each slice of waiting", async () => {
    const h = start(() => ({ ok: true }), { sliceMs: 10_000 });
    await until(() => h.waits.length === 1, "first wait chosen");
    const delay = h.waits[0]!.delay;
    await runFor(h, delay);
    await until(() => h.cycles.length === 2, "second cycle");
    await until(() => h.progress.length >= 2 + Math.ceil(delay / 10_000), "progress after the second cycle");
    const slices = Array.from({ length: Math.ceil(delay / 10_000) }, (_, i) => Math.min((i + 1) * 10_000, delay));
    expect(h.progress.slice(0, 2 + slices.length)).toEqual([0, ...slices, delay]);
    await stopLoop(h);
  });

  test("reports no progress while a cycle is stuck, however much time passes (the watchdog's signal)", async () => {
    const h = start((i) => (i === 0 ? { ok: true } : new Promise<CycleResult>(() => {})));
    await until(() => h.waits.length === 1, "first wait chosen");
    await runFor(h, h.waits[0]!.delay);
    await until(() => h.cycles.length === 2, "the stuck cycle to start");
    const before = [...h.progress];
    for (let i = 0; i < 360; i++) {
      h.clock.advance(10_000);
      await new Promise((r) => setImmediate(r));
    }
    await settle();
    expect({ progress: h.progress, pendingSleeps: h.clock.pendingSleeps, cycles: h.cycles.length }).toEqual({
      progress: before,
      pendingSleeps: 0,
      cycles: 2,
    });
    expect(before.at(-1)).toBe(h.cycles[1]!); // the last sign of life came before the stuck cycle began
    h.stop.abort();
  });
});

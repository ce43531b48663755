import { describe, expect, test } from "bun:test";
import { seededRandom, type Random } from "../time/random.ts";
import { Backoff, jitteredInterval } from "./backoff.ts";

/** A source whose float is always `r`. */
const fixed = (r: number): Random => ({ float: () => r, bytes: (n) => new Uint8Array(n) });

describe("Backoff", () => {
  test("doubles the ceiling per failure up to the cap (largest draw)", () => {
    const b = new Backoff({ random: fixed(0.999_999_9) });
    const delays = Array.from({ length: 11 }, () => b.fail());
    expect(delays).toEqual([1_999, 3_999, 7_999, 15_999, 31_999, 63_999, 127_999, 255_999, 299_999, 299_999, 299_999]);
    expect(b.failures).toBe(11);
  });

  test("never waits less than the floor (smallest draw)", () => {
    const b = new Backoff({ random: fixed(0), floorMs: 1_500, baseMs: 2_000, capMs: 60_000 });
    expect(Array.from({ length: 5 }, () => b.fail())).toEqual([1_500, 1_500, 1_500, 1_500, 1_500]);
  });

  test("draws every delay uniformly within [floor, min(cap, base·2ⁿ)]", () => {
    const b = new Backoff({ random: seededRandom(42), baseMs: 1_000, capMs: 50_000, floorMs: 250 });
    const outside: string[] = [];
    for (let n = 0; n < 2_000; n++) {
      const ceiling = Math.min(50_000, 1_000 * 2 ** n);
      const d = b.fail();
      if (d < 250 || d > ceiling) outside.push(`failure ${n}: ${d} outside [250, ${ceiling}]`);
    }
    expect(outside).toEqual([]);
  });

  test("jitters: a fleet failing in step does not retry in step", () => {
    const delays = Array.from({ length: 50 }, (_, i) => {
      const b = new Backoff({ random: seededRandom(i) });
      for (let k = 0; k < 5; k++) b.fail();
      return b.fail();
    });
    expect(new Set(delays).size).toBeGreaterThan(45);
  });

  test("reset starts again from the base", () => {
    const b = new Backoff({ random: fixed(0.999_999_9) });
    for (let k = 0; k < 6; k++) b.fail();
    b.reset();
    expect({ failures: b.failures, next: b.fail() }).toEqual({ failures: 0, next: 1_999 });
  });

  test("keeps huge failure counts finite", () => {
    const b = new Backoff({ random: fixed(0.5) });
    for (let k = 0; k < 5_000; k++) b.fail();
    expect(b.fail()).toBe(150_000);
  });

  test.each([
    ["floor above base", { floorMs: 3_000, baseMs: 2_000 }],
    ["base above cap", { baseMs: 10_000, capMs: 5_000 }],
    ["a NaN base", { baseMs: Number.NaN }],
    ["a zero floor (a busy loop)", { floorMs: 0 }],
  ])("throws RangeError for %s", (_label, options) => {
    expect(() => new Backoff({ random: fixed(0), ...options })).toThrow(new RangeError("Backoff needs 0 < floor ≤ base ≤ cap"));
  });
});

describe("jitteredInterval", () => {
  test("stays within ±10 % of the interval", () => {
    const r = seededRandom(7);
    const draws = Array.from({ length: 5_000 }, () => jitteredInterval(60_000, r));
    expect({ min: Math.min(...draws) >= 54_000, max: Math.max(...draws) <= 66_000, spread: new Set(draws).size > 1_000 }).toEqual({
      min: true,
      max: true,
      spread: true,
    });
  });

  test.each([
    [0, 54_000],
    [0.5, 60_000],
    [0.999_999, 66_000],
  ])("draw %p gives %p ms", (r, expected) => {
    expect(jitteredInterval(60_000, fixed(r))).toBe(expected);
  });

  test("honours a custom spread", () => {
    expect([jitteredInterval(1_000, fixed(0), 0.5), jitteredInterval(1_000, fixed(0.999_999), 0.5)]).toEqual([500, 1_500]);
  });
});

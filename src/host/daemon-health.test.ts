import { describe, expect, test } from "bun:test";
import { daemonHealth, measureDaemonHealth } from "./daemon-health.ts";

const facts = {
  procUptimeRaw: "351234.56 1398765.43",
  clocksource: "kvm-clock",
  bootSource: "installed_disk",
} as const;

describe("daemonHealth", () => {
  test("builds the check-in object from plain values", () => {
    const queueDepths = { outbox: 3, orders: 0 };
    const health = daemonHealth({
      startedAtMs: 1_000_000,
      nowMs: 1_000_000 + 90_999,
      queueDepths,
      facts,
      memory: { rss: 83_886_080 + 52_429, heapUsed: 12_345_678 },
      numCpu: 4,
    });
    expect(health).toEqual({
      rss_mb: 80.1,
      heap_used_mb: 11.8,
      uptime_seconds_daemon: 90,
      num_cpu: 4,
      proc_uptime_raw: "351234.56 1398765.43",
      clocksource: "kvm-clock",
      boot_source: "installed_disk",
      queue_depths: { outbox: 3, orders: 0 },
    });
    expect(health.queue_depths).not.toBe(queueDepths);
  });

  test("never reports negative daemon uptime when the wall clock steps back", () => {
    const health = daemonHealth({
      startedAtMs: 5_000,
      nowMs: 1_000,
      queueDepths: {},
      facts,
      memory: { rss: 0, heapUsed: 0 },
      numCpu: 1,
    });
    expect(health.uptime_seconds_daemon).toBe(0);
  });
});

describe("measureDaemonHealth", () => {
  test("fills memory and CPU count from this process", () => {
    const input = { startedAtMs: 0, nowMs: 2_500, queueDepths: { outbox: 1 }, facts };
    const health = measureDaemonHealth(input);
    expect(health).toEqual({
      rss_mb: expect.any(Number),
      heap_used_mb: expect.any(Number),
      uptime_seconds_daemon: 2,
      num_cpu: expect.any(Number),
      proc_uptime_raw: facts.procUptimeRaw,
      clocksource: "kvm-clock",
      boot_source: "installed_disk",
      queue_depths: { outbox: 1 },
    });
    expect(health.rss_mb).toBeGreaterThan(0);
    expect(health.num_cpu).toBeGreaterThanOrEqual(1);
  });
});

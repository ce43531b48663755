import { describe, expect, test } from "bun:test";
import { chronySkipReason, startChronyServer } from "../../tests/helpers/chrony.ts";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { CHECK_STATUSES } from "../evidence/record.ts";
import type { NtpServer } from "../time/sntp.ts";
import { gatherSelfCheckFacts } from "./gather.ts";
import { runSelfChecks } from "./run.ts";
import { healthyFactsForTest, NOW, ntpSurveyForTest } from "./test-support.ts";

describe("gatherSelfCheckFacts", () => {
  const kernelClock = healthyFactsForTest().kernelClock!;
  const survey = ntpSurveyForTest([12, 15]);

  test("reads the disk, kernel clock and NTP servers through its deps and passes the agent's values through", async () => {
    const asked: { servers: readonly NtpServer[]; timeoutMs?: number }[] = [];
    const statted: string[] = [];
    const servers = [{ host: "ntp1.example.net", port: 123 }, { host: "ntp2.example.net", port: 123 }];
    const facts = await gatherSelfCheckFacts({
      stateDir: "/var/lib/msp",
      agentVersion: "1.4.2",
      ntpServers: servers,
      ntpTimeoutMs: 800,
      lastCheckinAtMs: NOW - 60_000,
      centralSkewMs: 40,
      evidenceQueue: { depth: 3, oldestPendingAgeMs: 90_000 },
      clock: { now: () => NOW },
      hostname: () => "msp-appliance-01\n",
      statfs: (path) => {
        statted.push(path);
        return { bsize: 4096, blocks: 1_000_000, bavail: 250_000 };
      },
      readKernelClock: () => kernelClock,
      queryNtpMany: async (s, options) => {
        asked.push({ servers: s, ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }) });
        return survey;
      },
    });
    expect(facts).toEqual({
      nowMs: NOW,
      hostname: "msp-appliance-01",
      agentVersion: "1.4.2",
      disk: { path: "/var/lib/msp", totalBytes: 4_096_000_000, freeBytes: 1_024_000_000 },
      kernelClock,
      ntp: survey,
      centralSkewMs: 40,
      lastCheckinAtMs: NOW - 60_000,
      evidenceQueue: { depth: 3, oldestPendingAgeMs: 90_000 },
    });
    expect(statted).toEqual(["/var/lib/msp"]);
    expect(asked).toEqual([{ servers, timeoutMs: 800 }]);
  });

  test("asks no NTP server when none is configured, and leaves unknowns out", async () => {
    let asked = false;
    const facts = await gatherSelfCheckFacts({
      stateDir: "/var/lib/msp",
      agentVersion: "1.4.2",
      clock: { now: () => NOW },
      hostname: () => "msp-appliance-01",
      statfs: () => ({ bsize: 4096, blocks: 10, bavail: 1 }),
      readKernelClock: () => undefined,
      queryNtpMany: async () => {
        asked = true;
        return survey;
      },
    });
    expect(asked).toBe(false);
    expect(facts).toEqual({
      nowMs: NOW,
      hostname: "msp-appliance-01",
      agentVersion: "1.4.2",
      disk: { path: "/var/lib/msp", totalBytes: 40_960, freeBytes: 4_096 },
    });
  });

  test("records a statfs failure as the disk's error, for the check to report", async () => {
    using dir = tempDir();
    const missing = `${dir.path}/no-such-dir`;
    const facts = await gatherSelfCheckFacts({ stateDir: missing, agentVersion: "1.4.2", readKernelClock: () => undefined });
    expect(facts.disk).toEqual({ path: missing, error: "ENOENT" });
    expect(runSelfChecks(facts)[0]).toMatchObject({ status: "error", reason: `cannot read the free space of "${missing}": ENOENT` });
  });
});

describe(`gatherSelfCheckFacts on this machine${chronySkipReason ? ` (NTP part ${chronySkipReason})` : ", with chronyd as the NTP server"}`, () => {
  test("reads real facts of the right shape, and every self-check judges them", async () => {
    using dir = tempDir();
    await using chrony = chronySkipReason === undefined ? await startChronyServer() : undefined;
    const ntpServers = chrony ? [{ host: chrony.host, port: chrony.port }] : [];
    const facts = await gatherSelfCheckFacts({
      stateDir: dir.path,
      agentVersion: "1.4.2",
      ntpServers,
      lastCheckinAtMs: Date.now() - 1_000,
      evidenceQueue: { depth: 0 },
    });

    expect(facts.nowMs).toBeWithin(Date.now() - 10_000, Date.now() + 1);
    expect(facts.hostname.length).toBeGreaterThan(0);
    expect(facts.disk).toEqual({ path: dir.path, totalBytes: expect.any(Number), freeBytes: expect.any(Number) });
    if (!("error" in facts.disk)) expect(facts.disk.totalBytes).toBeGreaterThan(facts.disk.freeBytes);
    if (process.platform === "linux" && process.arch === "x64") {
      expect(facts.kernelClock).toMatchObject({ synchronized: expect.any(Boolean), state: expect.any(Number), statusFlags: expect.any(Number) });
    }

    const results = runSelfChecks(facts);
    expect(results.map((r) => r.hostname)).toEqual(Array(6).fill(facts.hostname));
    for (const r of results) expect(CHECK_STATUSES).toContain(r.status);
    const byId = Object.fromEntries(results.map((r) => [r.check, r]));
    expect(byId["appliance.agent-version"]!.status).toBe("pass");
    expect(byId["appliance.evidence-queue"]!.status).toBe("pass");
    expect(byId["appliance.last-checkin"]!.status).toBe("pass");

    if (chrony) {
      // chronyd serves this machine's own clock, so the offset is close to zero.
      expect(facts.ntp!.summary).toEqual({ queried: 1, answered: 1, medianOffsetMs: expect.any(Number), spreadMs: 0 });
      expect(Math.abs(facts.ntp!.summary.medianOffsetMs!)).toBeLessThan(50);
      expect(facts.ntp!.results[0]).toMatchObject({ ok: true, stratum: 8, refId: "127.127.1.1" });
      expect(byId["appliance.clock-offset"]).toMatchObject({ status: "pass", actual: expect.stringContaining("the median of 1 of 1 NTP servers") });
    } else {
      expect(facts.ntp).toBeUndefined();
      expect(byId["appliance.clock-offset"]!.status).toBe("error");
    }
  });
});

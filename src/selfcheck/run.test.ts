import { describe, expect, test } from "bun:test";
import { CHECK_STATUSES, FRAMEWORKS, type CheckResult } from "../evidence/record.ts";
import type { SelfCheckId } from "./controls.ts";
import type { SelfCheckFacts } from "./facts.ts";
import { runSelfChecks, SELF_CHECKS } from "./run.ts";
import type { SelfCheckOptions } from "./self-check.ts";
import { GIB, healthyFactsForTest, NOW, ntpSurveyForTest } from "./test-support.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The healthy facts with `change` applied; a key set to undefined is removed. */
function factsWith(change: Partial<SelfCheckFacts>): SelfCheckFacts {
  const facts: Record<string, unknown> = { ...healthyFactsForTest(), ...change };
  for (const [k, v] of Object.entries(facts)) if (v === undefined) delete facts[k];
  return facts as unknown as SelfCheckFacts;
}

/** The verdict of check `id` over `facts`: status, actual and reason, absent fields left out. */
function verdict(id: SelfCheckId, facts: SelfCheckFacts, options?: SelfCheckOptions) {
  const result = runSelfChecks(facts, options).find((r) => r.check === id)!;
  const { status, actual, reason } = result;
  return { status, ...(actual !== undefined && { actual }), ...(reason !== undefined && { reason }) };
}

type Row = [what: string, change: Partial<SelfCheckFacts>, expected: ReturnType<typeof verdict>];

describe("appliance.disk-space", () => {
  test.each<Row>([
    ["40 of 100 GiB free", {}, { status: "pass", actual: "40.0 GiB free of 100.0 GiB (40.0 %)" }],
    ["exactly 10 % and 1 GiB free", { disk: { path: "/var/lib/msp", totalBytes: 10 * GIB, freeBytes: GIB } }, {
      status: "pass", actual: "1.0 GiB free of 10.0 GiB (10.0 %)",
    }],
    ["9.99 % free on a large disk", { disk: { path: "/var/lib/msp", totalBytes: 500 * GIB, freeBytes: 49.95 * GIB } }, {
      status: "fail", actual: "49.9 GiB free of 500.0 GiB (9.9 %)", reason: "less than 10 % free",
    }],
    ["900 MiB free on a small eMMC", { disk: { path: "/var/lib/msp", totalBytes: 7 * GIB, freeBytes: 900 * 1024 ** 2 } }, {
      status: "fail", actual: "900 MiB free of 7.0 GiB (12.5 %)", reason: "less than 1 GiB free",
    }],
    ["a full disk", { disk: { path: "/var/lib/msp", totalBytes: 8 * GIB, freeBytes: 0 } }, {
      status: "fail", actual: "0 MiB free of 8.0 GiB (0.0 %)", reason: "less than 10 % free and less than 1 GiB free",
    }],
    ["statfs failed", { disk: { path: "/var/lib/msp", error: "ENOENT" } }, {
      status: "error", reason: 'cannot read the free space of "/var/lib/msp": ENOENT',
    }],
    ["a filesystem of size 0", { disk: { path: "/var/lib/msp", totalBytes: 0, freeBytes: 0 } }, {
      status: "error", reason: 'the filesystem of "/var/lib/msp" reports 0 bytes free of 0',
    }],
  ])("%s", (_, change, expected) => {
    expect(verdict("appliance.disk-space", factsWith(change))).toEqual(expected);
  });
});

describe("appliance.clock-offset", () => {
  const byNtp = "the median of 3 of 3 NTP servers";
  const byCc = "Central Command's server_time at the last check-in";
  test.each<Row>([
    ["NTP median 15 ms ahead of us", {}, { status: "pass", actual: `this clock is 15 ms behind ${byNtp}` }],
    ["NTP median exactly at the limit", { ntp: ntpSurveyForTest([-5000, -5000, -4000]) }, {
      status: "pass", actual: `this clock is 5000 ms ahead of ${byNtp}`,
    }],
    ["NTP median agrees", { ntp: ntpSurveyForTest([0.01]) }, { status: "pass", actual: "this clock agrees with the median of 1 of 1 NTP servers" }],
    ["no NTP servers: Central Command's skew", { ntp: undefined }, { status: "pass", actual: `this clock is 40 ms behind ${byCc}` }],
    ["no NTP server answered: Central Command's skew", { ntp: ntpSurveyForTest(["no answer within 2000 ms"]), centralSkewMs: -2.5 }, {
      status: "pass", actual: `this clock is 2.5 ms ahead of ${byCc}, as no NTP server answered`,
    }],
    ["NTP median 6 s behind us, though Central Command agrees", { ntp: ntpSurveyForTest([-6000, -6100, -5900]), centralSkewMs: 0 }, {
      status: "fail", actual: `this clock is 6000 ms ahead of ${byNtp}`, reason: "the offset is more than the 5000 ms allowed (ntp_max_skew_ms)",
    }],
    ["Central Command 2 h ahead", { ntp: undefined, centralSkewMs: 2 * HOUR }, {
      status: "fail", actual: `this clock is 7200000 ms behind ${byCc}`, reason: "the offset is more than the 5000 ms allowed (ntp_max_skew_ms)",
    }],
    ["nothing measured, no NTP configured", { ntp: undefined, centralSkewMs: undefined }, {
      status: "error", reason: "no clock offset is known: no NTP server is configured and no check-in has measured Central Command's clock",
    }],
    ["nothing measured, NTP silent", { ntp: ntpSurveyForTest(["a", "b"]), centralSkewMs: undefined }, {
      status: "error", reason: "no clock offset is known: none of the 2 NTP servers answered and no check-in has measured Central Command's clock",
    }],
  ])("%s", (_, change, expected) => {
    expect(verdict("appliance.clock-offset", factsWith(change))).toEqual(expected);
  });

  test("holds the offset to maxSkewMs (config ntp_max_skew_ms)", () => {
    expect(verdict("appliance.clock-offset", factsWith({}), { maxSkewMs: 10 })).toEqual({
      status: "fail",
      actual: "this clock is 15 ms behind the median of 3 of 3 NTP servers",
      reason: "the offset is more than the 10 ms allowed (ntp_max_skew_ms)",
    });
  });
});

describe("appliance.time-sync", () => {
  const synced = "kernel synchronised (TIME_OK, status 0x2001, maximum error 12 ms, estimated error 0.3 ms)";
  const unsynced = { synchronized: false, state: 5, maxErrorUs: 16_000_000, estErrorUs: 16_000_000, statusFlags: 0x0040 };
  test.each<Row>([
    ["kernel synchronised, 3 of 3 NTP servers close", {}, { status: "pass", actual: `${synced}; 3 of 3 NTP servers answered, 8 ms apart` }],
    ["kernel synchronised, no NTP configured", { ntp: undefined }, { status: "pass", actual: synced }],
    ["exactly half of the NTP servers answered", { ntp: ntpSurveyForTest([3, "no answer within 2000 ms"]) }, {
      status: "pass", actual: `${synced}; 1 of 2 NTP servers answered`,
    }],
    ["kernel unsynchronised", { kernelClock: unsynced, ntp: undefined }, {
      status: "fail", actual: "kernel unsynchronised (TIME_ERROR, status 0x0040)", reason: "the kernel reports the clock unsynchronised",
    }],
    ["fewer than half of the NTP servers answered", { ntp: ntpSurveyForTest([3, "timeout", "kiss-o'-death"]) }, {
      status: "fail", actual: `${synced}; 1 of 3 NTP servers answered`, reason: "only 1 of 3 NTP servers answered",
    }],
    ["the NTP servers disagree", { ntp: ntpSurveyForTest([0, 10, 6000]) }, {
      status: "fail", actual: `${synced}; 3 of 3 NTP servers answered, 6000 ms apart`, reason: "the NTP servers disagree by 6000 ms, more than 5000 ms",
    }],
    ["everything wrong at once", { kernelClock: unsynced, ntp: ntpSurveyForTest([0, 9000, "x", "y", "z"]) }, {
      status: "fail",
      actual: "kernel unsynchronised (TIME_ERROR, status 0x0040); 2 of 5 NTP servers answered, 9000 ms apart",
      reason: "the kernel reports the clock unsynchronised; only 2 of 5 NTP servers answered; the NTP servers disagree by 9000 ms, more than 5000 ms",
    }],
    ["kernel state unknown", { kernelClock: undefined, ntp: undefined }, {
      status: "error", actual: "kernel clock state unknown", reason: "cannot read the kernel clock state (adjtimex is unavailable or failed)",
    }],
    ["kernel state unknown, NTP known bad", { kernelClock: undefined, ntp: ntpSurveyForTest(["x"]) }, {
      status: "fail", actual: "kernel clock state unknown; 0 of 1 NTP servers answered", reason: "only 0 of 1 NTP servers answered",
    }],
  ])("%s", (_, change, expected) => {
    expect(verdict("appliance.time-sync", factsWith(change))).toEqual(expected);
  });
});

describe("appliance.agent-version", () => {
  test.each<Row>([
    ["a release", {}, { status: "pass", actual: "1.4.2" }],
    ["a release candidate", { agentVersion: "2.0.0-rc.1" }, { status: "pass", actual: "2.0.0-rc.1" }],
    ["a -dev build", { agentVersion: "1.5.0-dev.3+g1a2b3c" }, {
      status: "fail", actual: "1.5.0-dev.3+g1a2b3c", reason: '"1.5.0-dev.3+g1a2b3c" is a development build, not a release',
    }],
    ["the 0.0.0 placeholder", { agentVersion: "0.0.0" }, { status: "fail", actual: "0.0.0", reason: '"0.0.0" is a development build, not a release' }],
    ["a local 0.0.0 build", { agentVersion: "0.0.0-local" }, {
      status: "fail", actual: "0.0.0-local", reason: '"0.0.0-local" is a development build, not a release',
    }],
    ["no version", { agentVersion: " " }, { status: "error", reason: "the agent's version is unknown" }],
  ])("%s", (_, change, expected) => {
    expect(verdict("appliance.agent-version", factsWith(change))).toEqual(expected);
  });
});

describe("appliance.evidence-queue", () => {
  test.each<Row>([
    ["3 records, the oldest 90 s", {}, { status: "pass", actual: "3 records waiting, the oldest for 1 min" }],
    ["nothing waiting", { evidenceQueue: { depth: 0 } }, { status: "pass", actual: "no records waiting" }],
    ["exactly at both limits", { evidenceQueue: { depth: 10_000, oldestPendingAgeMs: 24 * HOUR } }, {
      status: "pass", actual: "10000 records waiting, the oldest for 1 d",
    }],
    ["too many records", { evidenceQueue: { depth: 10_001, oldestPendingAgeMs: HOUR } }, {
      status: "fail", actual: "10001 records waiting, the oldest for 1 h", reason: "more than 10000 records wait",
    }],
    ["a record older than a day", { evidenceQueue: { depth: 1, oldestPendingAgeMs: 26 * HOUR + 5 * MIN } }, {
      status: "fail", actual: "1 record waiting, the oldest for 1 d 2 h", reason: "a record has waited longer than 1 d",
    }],
    ["too many, too old, age unknown", { evidenceQueue: { depth: 20_000 } }, {
      status: "fail", actual: "20000 records waiting", reason: "more than 10000 records wait",
    }],
    ["not reported", { evidenceQueue: undefined }, { status: "error", reason: "the agent did not report its evidence queue" }],
    ["a negative depth", { evidenceQueue: { depth: -1 } }, {
      status: "error", reason: "the evidence queue report is not usable: depth -1, oldest age undefined ms",
    }],
    ["records waiting for an unknown time", { evidenceQueue: { depth: 5 } }, {
      status: "error", actual: "5 records waiting", reason: "the age of the oldest waiting record is unknown",
    }],
  ])("%s", (_, change, expected) => {
    expect(verdict("appliance.evidence-queue", factsWith(change))).toEqual(expected);
  });
});

describe("appliance.last-checkin", () => {
  test.each<Row>([
    ["a minute ago", {}, { status: "pass", actual: "last successful check-in 1 min ago, at 2026-11-23T09:59:00Z" }],
    ["exactly 15 minutes ago", { lastCheckinAtMs: NOW - 15 * MIN }, {
      status: "pass", actual: "last successful check-in 15 min ago, at 2026-11-23T09:45:00Z",
    }],
    ["2 h 5 min ago", { lastCheckinAtMs: NOW - 2 * HOUR - 5 * MIN }, {
      status: "fail", actual: "last successful check-in 2 h 5 min ago, at 2026-11-23T07:55:00Z", reason: "no successful check-in for more than 15 min",
    }],
    ["never", { lastCheckinAtMs: undefined }, { status: "fail", actual: "never", reason: "no successful check-in is recorded" }],
    ["in the future", { lastCheckinAtMs: NOW + 3 * MIN }, {
      status: "error", actual: "last successful check-in at 2026-11-23T10:03:00Z", reason: "the last check-in is 3 min in the future: the clock was set back",
    }],
  ])("%s", (_, change, expected) => {
    expect(verdict("appliance.last-checkin", factsWith(change))).toEqual(expected);
  });
});

describe("runSelfChecks", () => {
  test("returns every check once, in table order, about the appliance, with severity and controls", () => {
    const results = runSelfChecks(healthyFactsForTest());
    expect(results.map((r) => r.check)).toEqual([
      "appliance.disk-space",
      "appliance.clock-offset",
      "appliance.time-sync",
      "appliance.agent-version",
      "appliance.evidence-queue",
      "appliance.last-checkin",
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(6).fill("pass"));
    expect(results[0]).toEqual({
      check: "appliance.disk-space",
      hostname: "msp-appliance-01",
      status: "pass",
      expected: "at least 10 % and at least 1 GiB free on the filesystem of /var/lib/msp",
      actual: "40.0 GiB free of 100.0 GiB (40.0 %)",
      severity: "high",
      controls: {
        hipaa: ["164.312(b)"],
        soc2: ["A1.1"],
        pci_dss: ["10.5.1", "10.7.2"],
        nist_csf: ["PR.DS-4", "PR.PT-1"],
        cis: ["8.3"],
      },
    });
  });

  const broken = factsWith({
    disk: { path: "/var/lib/msp", error: "EACCES" },
    kernelClock: undefined,
    ntp: undefined,
    centralSkewMs: undefined,
    agentVersion: "",
    evidenceQueue: undefined,
    lastCheckinAtMs: undefined,
  });

  test.each([
    ["healthy", healthyFactsForTest()],
    ["broken", broken],
  ])("every %s result carries a valid status, an expectation, a reason unless it passed, and controls", (_, facts) => {
    for (const r of runSelfChecks(facts)) {
      expect(CHECK_STATUSES).toContain(r.status);
      expect(r.expected).toBeString();
      if (r.status !== "pass") expect(r.reason).toBeString();
      expect(r.controls.hipaa!.length).toBeGreaterThan(0);
      expect(Object.keys(r.controls).length).toBeGreaterThanOrEqual(3);
    }
  });

  test("never passes on unknown facts", () => {
    expect(runSelfChecks(broken).map((r) => [r.check, r.status])).toEqual([
      ["appliance.disk-space", "error"],
      ["appliance.clock-offset", "error"],
      ["appliance.time-sync", "error"],
      ["appliance.agent-version", "error"],
      ["appliance.evidence-queue", "error"],
      ["appliance.last-checkin", "fail"],
    ]);
  });

  test("turns a check that throws into an error result and runs the others", () => {
    const facts = healthyFactsForTest();
    Object.defineProperty(facts, "disk", {
      get() {
        throw new Error("statfs result vanished");
      },
    });
    const results = runSelfChecks(facts);
    expect(results[0]).toMatchObject({
      check: "appliance.disk-space",
      status: "error",
      reason: "the check failed to run: statfs result vanished",
    });
    expect(results.slice(1).map((r) => r.status)).toEqual(Array(5).fill("pass"));
  });

  test("gives every result its own control arrays", () => {
    const [first] = runSelfChecks(healthyFactsForTest()) as [CheckResult];
    first.controls.hipaa!.push("tampered");
    expect(runSelfChecks(healthyFactsForTest())[0]!.controls.hipaa).toEqual(["164.312(b)"]);
  });

  test("rejects a maxSkewMs that is not positive", () => {
    expect(() => runSelfChecks(healthyFactsForTest(), { maxSkewMs: 0 })).toThrow(new RangeError("maxSkewMs must be positive, got 0"));
  });
});

describe("SELF_CHECKS", () => {
  // Shapes of the ids each framework uses, to catch a typo in the control map.
  const ID_SHAPES: Record<(typeof FRAMEWORKS)[number], RegExp> = {
    hipaa: /^164\.3(08|10|12|14|16)\([a-z]\)(\(\d+\))?(\([ivx]+\))?(\([A-Z]\))?$/,
    soc2: /^(CC\d\.\d|A1\.\d|PI1\.\d|C1\.\d|P\d\.\d)$/,
    pci_dss: /^(1[0-2]|[1-9])(\.\d+){1,3}$/,
    nist_csf: /^(ID|PR|DE|RS|RC)\.[A-Z]{2}-\d+$/,
    cis: /^\d{1,2}\.\d{1,2}$/,
  };

  test("ids are stable, kebab-case, prefixed appliance., and unique", () => {
    const ids = SELF_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^appliance\.[a-z]+(-[a-z]+)*$/);
  });

  test.each(SELF_CHECKS.map((c) => [c.id, c] as const))("%s maps to well-formed control ids", (_, check) => {
    for (const [framework, ids] of Object.entries(check.controls) as [keyof typeof ID_SHAPES, string[]][]) {
      expect(FRAMEWORKS).toContain(framework);
      for (const id of ids) expect(id).toMatch(ID_SHAPES[framework]);
    }
  });
});

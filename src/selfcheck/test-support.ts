/**
 * Test-only facts for the self-check tests: a healthy appliance to vary one fact at a time, and
 * NTP surveys written as a list of offsets.
 * @module
 */
import { summarizeNtpAnswers, type NtpAnswer, type NtpSurvey } from "../time/sntp.ts";
import type { SelfCheckFacts } from "./facts.ts";

export const GIB = 1024 ** 3;
export const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);

/**
 * A survey of `ntpN.example.net:123`: a number is that server's offset (ms), a string is the
 * reason it did not answer.
 */
export function ntpSurveyForTest(answers: readonly (number | string)[]): NtpSurvey {
  const results = answers.map((a, i): NtpAnswer => {
    const server = { host: `ntp${i + 1}.example.net`, port: 123 };
    return typeof a === "number"
      ? { ok: true, server, offsetMs: a, delayMs: 4, stratum: 2, leap: 0, refId: "192.0.2.1" }
      : { ok: false, server, kind: "timeout", reason: a };
  });
  return { results, summary: summarizeNtpAnswers(results) };
}

/** An appliance on which every self-check passes. */
export function healthyFactsForTest(): SelfCheckFacts {
  return {
    nowMs: NOW,
    hostname: "msp-appliance-01",
    agentVersion: "1.4.2",
    disk: { path: "/var/lib/msp", totalBytes: 100 * GIB, freeBytes: 40 * GIB },
    kernelClock: { synchronized: true, state: 0, maxErrorUs: 12_000, estErrorUs: 300, offsetUs: -25, statusFlags: 0x2001 },
    ntp: ntpSurveyForTest([12, 15, 20]),
    centralSkewMs: 40,
    lastCheckinAtMs: NOW - 60_000,
    evidenceQueue: { depth: 3, oldestPendingAgeMs: 90_000 },
  };
}

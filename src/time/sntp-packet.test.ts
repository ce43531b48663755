import { describe, expect, test } from "bun:test";
import { buildNtpRequest, ntpDiffMs, ntpFromUnixMs, offsetAndDelay, parseNtpReply } from "./sntp-packet.ts";
import { ntpReplyForTest } from "./sntp-test-support.ts";

/** 2036-02-07T06:28:16Z: NTP seconds reach 2³² and era 1 begins. */
const ERA_1_UNIX_MS = (2 ** 32 - 2_208_988_800) * 1000;

describe("ntpFromUnixMs", () => {
  test.each([
    [0, { seconds: 2_208_988_800, fraction: 0 }],
    [1_500, { seconds: 2_208_988_801, fraction: 2 ** 31 }],
    [Date.UTC(2026, 10, 23, 10, 0, 0, 250), { seconds: 2_208_988_800 + Date.UTC(2026, 10, 23, 10) / 1000, fraction: 2 ** 30 }],
    [ERA_1_UNIX_MS, { seconds: 0, fraction: 0 }],
    [ERA_1_UNIX_MS - 500, { seconds: 2 ** 32 - 1, fraction: 2 ** 31 }],
  ])("%p ms is %p", (ms, expected) => {
    expect(ntpFromUnixMs(ms)).toEqual(expected);
  });
});

describe("ntpDiffMs", () => {
  test("subtracts with sub-millisecond precision", () => {
    expect(ntpDiffMs(ntpFromUnixMs(10_000.25), ntpFromUnixMs(9_000))).toBeCloseTo(1_000.25, 5);
  });

  test("is right across the 2036 era boundary, both ways", () => {
    const before = ntpFromUnixMs(ERA_1_UNIX_MS - 1_000);
    const after = ntpFromUnixMs(ERA_1_UNIX_MS + 1_000);
    expect(after.seconds).toBeLessThan(before.seconds);
    expect(ntpDiffMs(after, before)).toBe(2_000);
    expect(ntpDiffMs(before, after)).toBe(-2_000);
  });
});

describe("offsetAndDelay", () => {
  test("computes θ and δ as RFC 5905 §8 defines them", () => {
    // The server is 1000 ms ahead, each way takes 50 ms, it holds the request 10 ms.
    const t = (ms: number) => ntpFromUnixMs(1_800_000_000_000 + ms);
    // To the microsecond: 32-bit fractions of a second do not hold 50 ms exactly.
    const micros = ({ offsetMs, delayMs }: { offsetMs: number; delayMs: number }) => ({
      offsetMs: Math.round(offsetMs * 1000) / 1000,
      delayMs: Math.round(delayMs * 1000) / 1000,
    });
    expect(micros(offsetAndDelay(t(0), t(1_050), t(1_060), t(110)))).toEqual({ offsetMs: 1_000, delayMs: 100 });
    // Asymmetric paths show up as half the asymmetry in the offset: 80 ms out, 20 ms back.
    expect(micros(offsetAndDelay(t(0), t(1_080), t(1_090), t(110)))).toEqual({ offsetMs: 1_030, delayMs: 100 });
    // A clock behind the server by 2 s, measured across the 2036 era boundary.
    const e = (ms: number) => ntpFromUnixMs(ERA_1_UNIX_MS + ms);
    expect(micros(offsetAndDelay(e(-2_030), e(20), e(21), e(-2_009)))).toEqual({ offsetMs: 2_040, delayMs: 20 });
  });
});

describe("buildNtpRequest", () => {
  test("is 48 bytes, LI 0, version 4, mode 3, with the transmit timestamp at byte 40", () => {
    const request = buildNtpRequest({ seconds: 0x01020304, fraction: 0xa0b0c0d0 });
    expect(request.length).toBe(48);
    expect(request[0]).toBe(0x23);
    expect([...request.subarray(40)]).toEqual([1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0]);
    expect(request.subarray(0, 40).some((b, i) => i > 0 && b !== 0)).toBe(false);
  });
});

describe("parseNtpReply", () => {
  const request = buildNtpRequest(ntpFromUnixMs(1_800_000_000_000));
  const stamp = ntpFromUnixMs(1_800_000_000_005);

  test("accepts a stratum 2 answer and shows its reference as an address", () => {
    const reply = ntpReplyForTest(request, { receive: stamp, transmit: stamp, refId: [192, 0, 2, 7] });
    expect(parseNtpReply(reply, request)).toEqual({
      ok: true,
      header: { leap: 0, stratum: 2, refId: "192.0.2.7", receive: stamp, transmit: stamp },
    });
  });

  test("accepts a stratum 1 answer with a leap second pending and shows its reference as text", () => {
    const reply = ntpReplyForTest(request, { stratum: 1, leap: 1, refId: "GPS", receive: stamp, transmit: stamp });
    expect(parseNtpReply(reply, request)).toEqual({
      ok: true,
      header: { leap: 1, stratum: 1, refId: "GPS", receive: stamp, transmit: stamp },
    });
  });

  test("accepts an NTPv3 answer and a reply with extension bytes after the header", () => {
    expect(parseNtpReply(ntpReplyForTest(request, { version: 3 }), request).ok).toBe(true);
    expect(parseNtpReply(ntpReplyForTest(request, { length: 68 }), request).ok).toBe(true);
  });

  // Not answers to our request: dropped, and the client keeps waiting.
  test.each([
    ["too short", { length: 47 }, "the reply is 47 bytes, shorter than an NTP header (48)"],
    ["a client request", { mode: 3 }, "the reply has mode 3, not 4 (server)"],
    ["a broadcast", { mode: 5 }, "the reply has mode 5, not 4 (server)"],
    ["version 2", { version: 2 }, "the reply has version 2, not 3 or 4"],
    ["another request's originate", { originate: { seconds: 1, fraction: 2 } }, "the reply's originate timestamp does not match our request"],
  ])("drops %s", (_, fields, reason) => {
    expect(parseNtpReply(ntpReplyForTest(request, fields), request)).toEqual({ ok: false, final: false, reason });
  });

  test("drops a reply whose kiss-o'-death does not answer our request", () => {
    const reply = ntpReplyForTest(request, { stratum: 0, refId: "DENY", originate: { seconds: 9, fraction: 9 } });
    expect(parseNtpReply(reply, request)).toMatchObject({ ok: false, final: false });
  });

  // Answers to our request that say no: they end the query.
  test.each([
    ["kiss-o'-death RATE", { stratum: 0, leap: 3, refId: "RATE" }, { kind: "kiss-o-death", kissCode: "RATE", reason: `the server sent kiss-o'-death "RATE"` }],
    ["kiss-o'-death with unprintable bytes", { stratum: 0, refId: [0x44, 0x01, 0x4e, 0] }, { kind: "kiss-o-death", kissCode: "D?N", reason: `the server sent kiss-o'-death "D?N"` }],
    ["leap indicator 3", { leap: 3, stratum: 2 }, { kind: "unsynchronized", reason: "the server reports its clock unsynchronised (leap indicator 3)" }],
    ["stratum 16", { stratum: 16 }, { kind: "unsynchronized", reason: "the server reports stratum 16, not 1 to 15 (unsynchronised)" }],
    ["a zero transmit timestamp", { transmit: { seconds: 0, fraction: 0 } }, { kind: "invalid", reason: "the reply has a zero receive or transmit timestamp" }],
    ["a zero receive timestamp", { receive: { seconds: 0, fraction: 0 } }, { kind: "invalid", reason: "the reply has a zero receive or transmit timestamp" }],
  ] as const)("refuses %s", (_, fields, refusal) => {
    expect(parseNtpReply(ntpReplyForTest(request, fields), request)).toEqual({ ok: false, final: true, ...refusal });
  });
});

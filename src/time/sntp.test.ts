import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chronySkipReason, startChronyServer, type ChronyServer } from "../../tests/helpers/chrony.ts";
import { formatNtpServer, NtpQueryError, queryNtp, queryNtpMany, summarizeNtpAnswers, type NtpAnswer } from "./sntp.ts";
import { ntpDiffMs, ntpFromUnixMs, type NtpTimestamp } from "./sntp-packet.ts";
import { ntpReplyForTest, requestTransmit, startFakeNtpServer } from "./sntp-test-support.ts";

const LOCAL = "127.0.0.1";

/** Runs `query` and returns the NtpQueryError it must reject with. */
async function failure(query: Promise<unknown>): Promise<NtpQueryError> {
  try {
    await query;
  } catch (err) {
    if (err instanceof NtpQueryError) return err;
    throw err;
  }
  throw new Error("expected the query to fail");
}

/** `t` plus `ms` (positive) milliseconds. */
function plus(t: NtpTimestamp, ms: number): NtpTimestamp {
  const fraction = t.fraction + Math.round((ms / 1000) * 2 ** 32);
  return { seconds: (t.seconds + Math.floor(fraction / 2 ** 32)) % 2 ** 32, fraction: fraction % 2 ** 32 };
}

describe.skipIf(chronySkipReason !== undefined)(`queryNtp against a real chronyd${chronySkipReason ? ` (${chronySkipReason})` : ""}`, () => {
  let chrony: ChronyServer;
  beforeAll(async () => {
    chrony = await startChronyServer({ localStratum: 8 });
  });
  afterAll(() => chrony?.stop());

  test("measures a small offset and the stratum chrony reports for `local stratum 8`", async () => {
    const sample = await queryNtp({ host: chrony.host, port: chrony.port });
    expect(Math.abs(sample.offsetMs)).toBeLessThan(50);
    expect(sample.delayMs).toBeGreaterThanOrEqual(0);
    expect(sample.delayMs).toBeLessThan(50);
    // chronyd serves a local reference at exactly the configured stratum (not one below it),
    // with 127.127.1.1 as its reference id.
    expect(sample).toEqual({
      server: { host: LOCAL, port: chrony.port },
      offsetMs: expect.any(Number),
      delayMs: expect.any(Number),
      stratum: 8,
      leap: 0,
      refId: "127.127.1.1",
    });
  });

  test("queryNtpMany summarises chronyd and a port where nothing listens", async () => {
    const closed = await startFakeNtpServer(() => []);
    const closedPort = closed.port;
    closed[Symbol.dispose]();
    const { results, summary } = await queryNtpMany(
      [{ host: chrony.host, port: chrony.port }, { host: LOCAL, port: closedPort }],
      { timeoutMs: 1_000 },
    );
    expect(results[1]).toEqual({
      ok: false,
      server: { host: LOCAL, port: closedPort },
      kind: "unreachable",
      reason: "nothing listens on the port (ECONNREFUSED)",
    });
    expect(results[0]).toMatchObject({ ok: true, stratum: 8 });
    expect(summary).toEqual({
      queried: 2,
      answered: 1,
      medianOffsetMs: (results[0] as NtpAnswer & { ok: true }).offsetMs,
      spreadMs: 0,
    });
  });
});

describe("queryNtp against a scripted server", () => {
  test("computes offset and delay from the reply's timestamps and ours", async () => {
    // The server claims to be 1000 ms ahead and to hold the request 1 ms; our clock says the
    // reply arrived 10 ms after we sent: θ = (1000 + (1001 − 10)) / 2, δ = 10 − 1.
    using server = await startFakeNtpServer((request) => {
      const t1 = requestTransmit(request);
      return [ntpReplyForTest(request, { receive: plus(t1, 1_000), transmit: plus(t1, 1_001) })];
    });
    const readings = [1_800_000_000_000, 1_800_000_000_010];
    const sample = await queryNtp({ host: LOCAL, port: server.port }, { now: () => readings.shift()! });
    expect(sample.offsetMs).toBeCloseTo(995.5, 1);
    expect(sample.delayMs).toBeCloseTo(9, 1);
    expect(sample).toMatchObject({ stratum: 2, leap: 0, refId: "192.0.2.1" });
  });

  test("sends a version 4 client request whose transmit timestamp is our clock to within 2⁻¹⁶ s", async () => {
    using server = await startFakeNtpServer((request) => [ntpReplyForTest(request)]);
    const at = 1_800_000_000_123.456;
    await queryNtp({ host: LOCAL, port: server.port }, { now: () => at });
    const [request] = server.requests;
    expect(request!.length).toBe(48);
    expect(request![0]).toBe(0x23);
    const sent = requestTransmit(request!);
    expect(Math.abs(ntpDiffMs(sent, ntpFromUnixMs(at)))).toBeLessThan(2 ** -16 * 1000);
  });

  test("fails at once when nothing listens on the port", async () => {
    const closed = await startFakeNtpServer(() => []);
    const port = closed.port;
    closed[Symbol.dispose]();
    const err = await failure(queryNtp({ host: LOCAL, port }, { timeoutMs: 5_000 }));
    expect([err.kind, err.message]).toEqual([
      "unreachable",
      `Cannot query NTP server "127.0.0.1:${port}": nothing listens on the port (ECONNREFUSED)`,
    ]);
  });

  test("times out with a clear reason when the server does not answer", async () => {
    using server = await startFakeNtpServer(() => []);
    const err = await failure(queryNtp({ host: LOCAL, port: server.port }, { timeoutMs: 150 }));
    expect(err.kind).toBe("timeout");
    expect(err.message).toBe(`Cannot query NTP server "127.0.0.1:${server.port}": no answer within 150 ms`);
    expect(server.requests.length).toBe(1);
  });

  test("refuses a garbage reply and says so when the wait ends", async () => {
    using server = await startFakeNtpServer(() => [new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n")]);
    const err = await failure(queryNtp({ host: LOCAL, port: server.port }, { timeoutMs: 150 }));
    expect([err.kind, err.reason]).toEqual([
      "timeout",
      "no valid answer within 150 ms: dropped 1 reply, the last because the reply is 26 bytes, shorter than an NTP header (48)",
    ]);
  });

  test("refuses a reply whose originate timestamp is not our transmit timestamp", async () => {
    using server = await startFakeNtpServer((request) => {
      const t1 = requestTransmit(request);
      return [ntpReplyForTest(request, { originate: { seconds: t1.seconds, fraction: (t1.fraction ^ 1) >>> 0 } })];
    });
    const err = await failure(queryNtp({ host: LOCAL, port: server.port }, { timeoutMs: 150 }));
    expect([err.kind, err.reason]).toEqual([
      "timeout",
      "no valid answer within 150 ms: dropped 1 reply, the last because the reply's originate timestamp does not match our request",
    ]);
  });

  test("keeps waiting past a spoofed reply and takes the real one that follows", async () => {
    using server = await startFakeNtpServer((request) => [
      ntpReplyForTest(request, { originate: { seconds: 1, fraction: 1 }, stratum: 0, refId: "DENY" }),
      ntpReplyForTest(request, { stratum: 3 }),
    ]);
    const sample = await queryNtp({ host: LOCAL, port: server.port }, { timeoutMs: 1_000 });
    expect(sample.stratum).toBe(3);
  });

  test("refuses kiss-o'-death at once and keeps its code", async () => {
    using server = await startFakeNtpServer((request) => [ntpReplyForTest(request, { leap: 3, stratum: 0, refId: "RATE" })]);
    const started = performance.now();
    const err = await failure(queryNtp({ host: LOCAL, port: server.port }, { timeoutMs: 5_000 }));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect([err.kind, err.kissCode, err.message]).toEqual([
      "kiss-o-death",
      "RATE",
      `Cannot query NTP server "127.0.0.1:${server.port}": the server sent kiss-o'-death "RATE"`,
    ]);
  });

  test("refuses a server that says its clock is unsynchronised", async () => {
    using server = await startFakeNtpServer((request) => [ntpReplyForTest(request, { leap: 3, stratum: 2 })]);
    const err = await failure(queryNtp({ host: LOCAL, port: server.port }, { timeoutMs: 1_000 }));
    expect([err.kind, err.reason]).toEqual(["unsynchronized", "the server reports its clock unsynchronised (leap indicator 3)"]);
  });

  test("names a host that does not resolve", async () => {
    const err = await failure(queryNtp({ host: "ntp.invalid" }, { timeoutMs: 5_000 }));
    expect(err.kind).toBe("unreachable");
    expect(err.reason).toStartWith('cannot resolve "ntp.invalid" (');
  });

  test.each([
    [{ host: "" }, new TypeError("An NTP server needs a host")],
    [{ host: LOCAL, port: 0 }, new RangeError("NTP port must be from 1 to 65535, got 0")],
    [{ host: LOCAL, port: 70_000 }, new RangeError("NTP port must be from 1 to 65535, got 70000")],
  ])("rejects the server %p", async (server, error) => {
    await expect(queryNtp(server)).rejects.toThrow(error);
  });
});

describe("queryNtpMany", () => {
  test("asks every server at once and returns failures as values, in the order asked", async () => {
    using ahead = await startFakeNtpServer((request) => {
      const t1 = requestTransmit(request);
      return [ntpReplyForTest(request, { receive: plus(t1, 200), transmit: plus(t1, 200) })];
    });
    using kiss = await startFakeNtpServer((request) => [ntpReplyForTest(request, { stratum: 0, refId: "DENY" })]);
    using silent = await startFakeNtpServer(() => []);
    const started = performance.now();
    const { results, summary } = await queryNtpMany(
      [{ host: LOCAL, port: ahead.port }, { host: LOCAL, port: kiss.port }, { host: LOCAL, port: silent.port }],
      { timeoutMs: 300 },
    );
    expect(performance.now() - started).toBeLessThan(900); // in parallel, not one after another
    expect(results.slice(1)).toEqual([
      { ok: false, server: { host: LOCAL, port: kiss.port }, kind: "kiss-o-death", kissCode: "DENY", reason: `the server sent kiss-o'-death "DENY"` },
      { ok: false, server: { host: LOCAL, port: silent.port }, kind: "timeout", reason: "no answer within 300 ms" },
    ]);
    expect(results[0]).toMatchObject({ ok: true, server: { host: LOCAL, port: ahead.port } });
    expect(summary.answered).toBe(1);
    expect(summary.queried).toBe(3);
    expect(summary.medianOffsetMs!).toBeGreaterThan(150);
  });

  test("with no servers, asks nothing", async () => {
    expect(await queryNtpMany([])).toEqual({ results: [], summary: { queried: 0, answered: 0 } });
  });
});

describe("summarizeNtpAnswers", () => {
  const answer = (offsetMs: number): NtpAnswer => ({
    ok: true, server: { host: "a", port: 123 }, offsetMs, delayMs: 1, stratum: 2, leap: 0, refId: "x",
  });
  const failed: NtpAnswer = { ok: false, server: { host: "b", port: 123 }, kind: "timeout", reason: "no answer within 1 ms" };

  test.each([
    [[answer(5), answer(-3), answer(40)], { queried: 3, answered: 3, medianOffsetMs: 5, spreadMs: 43 }],
    [[answer(5), answer(-3), failed, answer(40), answer(7)], { queried: 5, answered: 4, medianOffsetMs: 6, spreadMs: 43 }],
    [[answer(12)], { queried: 1, answered: 1, medianOffsetMs: 12, spreadMs: 0 }],
    [[failed, failed], { queried: 2, answered: 0 }],
  ])("%#: median and spread of the answers only", (results, expected) => {
    expect(summarizeNtpAnswers(results)).toEqual(expected);
  });
});

describe("formatNtpServer", () => {
  test.each([
    [{ host: "ntp.example.net", port: 123 }, "ntp.example.net:123"],
    [{ host: "192.0.2.1", port: 11123 }, "192.0.2.1:11123"],
    [{ host: "2001:db8::1", port: 123 }, "[2001:db8::1]:123"],
  ])("%p is %p", (server, text) => {
    expect(formatNtpServer(server)).toBe(text);
  });
});

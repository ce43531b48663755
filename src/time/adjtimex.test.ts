import { describe, expect, test } from "bun:test";
import { readAdjtimex, type KernelClockStatus } from "./adjtimex.ts";

const onLinux64 = process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64");

/** A fake adjtimex that fills the fields the reader decodes, little-endian, and returns `state`. */
function fakeAdjtimex(fields: { state: number; status: number; offset?: number; maxerror?: number; esterror?: number }) {
  const seen: Uint8Array[] = [];
  const call = (timex: Uint8Array) => {
    seen.push(timex.slice());
    const view = new DataView(timex.buffer);
    view.setBigInt64(8, BigInt(fields.offset ?? 0), true);
    view.setBigInt64(24, BigInt(fields.maxerror ?? 0), true);
    view.setBigInt64(32, BigInt(fields.esterror ?? 0), true);
    view.setInt32(40, fields.status, true);
    return fields.state;
  };
  return { call, seen };
}

describe("readAdjtimex", () => {
  test("passes a zeroed 208-byte struct timex, so modes is 0 and nothing is adjusted", () => {
    const fake = fakeAdjtimex({ state: 0, status: 0x0001 });
    readAdjtimex({ platform: "linux", arch: "x64", adjtimex: fake.call });
    expect(fake.seen.map((b) => [b.length, b.every((x) => x === 0)])).toEqual([[208, true]]);
  });

  test.each<[string, Parameters<typeof fakeAdjtimex>[0], KernelClockStatus]>([
    [
      "synchronised, microsecond offsets",
      { state: 0, status: 0x0001, offset: -250, maxerror: 12_000, esterror: 300 },
      { synchronized: true, state: 0, maxErrorUs: 12_000, estErrorUs: 300, offsetUs: -250, statusFlags: 0x0001 },
    ],
    [
      "synchronised, nanosecond offsets (STA_NANO)",
      { state: 0, status: 0x2001, offset: 1_500, maxerror: 9_000, esterror: 20 },
      { synchronized: true, state: 0, maxErrorUs: 9_000, estErrorUs: 20, offsetUs: 1.5, statusFlags: 0x2001 },
    ],
    [
      "synchronised with a leap second to insert",
      { state: 1, status: 0x0011, maxerror: 1_000 },
      { synchronized: true, state: 1, maxErrorUs: 1_000, estErrorUs: 0, offsetUs: 0, statusFlags: 0x0011 },
    ],
    [
      "no daemon: TIME_ERROR and STA_UNSYNC",
      { state: 5, status: 0x0040, offset: 77, maxerror: 16_000_000, esterror: 16_000_000 },
      { synchronized: false, state: 5, maxErrorUs: 16_000_000, estErrorUs: 16_000_000, statusFlags: 0x0040 },
    ],
    [
      "STA_UNSYNC without TIME_ERROR",
      { state: 0, status: 0x0041 },
      { synchronized: false, state: 0, maxErrorUs: 0, estErrorUs: 0, statusFlags: 0x0041 },
    ],
    [
      "TIME_ERROR without STA_UNSYNC (a PPS fault)",
      { state: 5, status: 0x0101 },
      { synchronized: false, state: 5, maxErrorUs: 0, estErrorUs: 0, statusFlags: 0x0101 },
    ],
  ])("decodes %s", (_, fields, expected) => {
    expect(readAdjtimex({ platform: "linux", arch: "x64", adjtimex: fakeAdjtimex(fields).call })).toEqual(expected);
  });

  test.each([
    ["macOS", { platform: "darwin", arch: "arm64" }],
    ["Windows", { platform: "win32", arch: "x64" }],
    ["32-bit Linux, whose struct timex differs", { platform: "linux", arch: "ia32" }],
  ])("is undefined on %s, without calling anything", (_, where) => {
    const fake = fakeAdjtimex({ state: 0, status: 0 });
    expect(readAdjtimex({ ...where, adjtimex: fake.call })).toBeUndefined();
    expect(fake.seen).toEqual([]);
  });

  test("is undefined when the call fails or cannot be made", () => {
    expect(readAdjtimex({ platform: "linux", arch: "x64", adjtimex: () => -1 })).toBeUndefined();
    const noLibc = () => {
      throw new Error("Failed to open library");
    };
    expect(readAdjtimex({ platform: "linux", arch: "x64", adjtimex: noLibc })).toBeUndefined();
  });
});

// The layout check: read the real kernel state here and with two independent tools, which must
// agree on the fields whose offsets we hard-code.
describe.skipIf(!onLinux64)("readAdjtimex on this machine", () => {
  test("reads the kernel clock", () => {
    const clock = readAdjtimex();
    expect(clock).toEqual({
      synchronized: expect.any(Boolean),
      state: expect.any(Number),
      maxErrorUs: expect.any(Number),
      estErrorUs: expect.any(Number),
      ...(clock?.synchronized && { offsetUs: expect.any(Number) }),
      statusFlags: expect.any(Number),
    });
    expect(clock!.state).toBeWithin(0, 6);
    // The kernel caps maxerror at NTP_PHASE_LIMIT (16 s).
    expect(clock!.maxErrorUs).toBeWithin(0, 16_000_001);
  });

  // python3's ctypes lays the struct out by the C ABI itself, from field types alone.
  const CTYPES = `
import ctypes, ctypes.util, json
L, I = ctypes.c_long, ctypes.c_int
class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("offset", L), ("freq", L), ("maxerror", L), ("esterror", L),
        ("status", I), ("constant", L), ("precision", L), ("tolerance", L), ("tv_sec", L), ("tv_usec", L),
        ("tick", L), ("ppsfreq", L), ("jitter", L), ("shift", I), ("stabil", L), ("jitcnt", L),
        ("calcnt", L), ("errcnt", L), ("stbcnt", L), ("tai", I), ("pad", I * 11)]
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
t = Timex()
rc = libc.adjtimex(ctypes.byref(t))
print(json.dumps({"size": ctypes.sizeof(Timex), "rc": rc, "maxerror": t.maxerror, "esterror": t.esterror, "status": t.status,
    "offsets": {n: getattr(Timex, n).offset for n in ("offset", "maxerror", "esterror", "status", "tick")}}))
`;
  test.skipIf(!Bun.which("python3"))("agrees with python3 ctypes calling adjtimex on a struct it lays out itself", () => {
    const run = Bun.spawnSync(["python3", "-c", CTYPES], { stdout: "pipe", stderr: "pipe" });
    expect(run.stderr.toString()).toBe("");
    const py = JSON.parse(run.stdout.toString());
    const ours = readAdjtimex()!;
    expect(py.size).toBe(208);
    expect(py.offsets).toEqual({ offset: 8, maxerror: 24, esterror: 32, status: 40, tick: 88 });
    expect([ours.state, ours.statusFlags]).toEqual([py.rc, py.status]);
    // maxerror grows by up to 500 µs each second the daemon does not reset it.
    expect(Math.abs(ours.maxErrorUs - py.maxerror)).toBeLessThanOrEqual(5_000);
    expect(Math.abs(ours.estErrorUs - py.esterror)).toBeLessThanOrEqual(5_000);
  });

  const adjtimexTool = Bun.which("adjtimex") ?? Bun.which("adjtimex", { PATH: "/usr/local/sbin:/usr/sbin:/sbin" });
  test.skipIf(!adjtimexTool)("agrees with `adjtimex --print` (Debian's adjtimex package)", () => {
    const run = Bun.spawnSync([adjtimexTool!, "--print"], { stdout: "pipe", stderr: "pipe" });
    const printed = Object.fromEntries(
      [...run.stdout.toString().matchAll(/^\s*([a-z _]+?)\s*[:=]\s*(-?\d+)/gm)].map((m) => [m[1]!, Number(m[2])]),
    );
    const ours = readAdjtimex()!;
    expect({ state: ours.state, status: ours.statusFlags }).toEqual({ state: printed["return value"]!, status: printed.status! });
    expect(Math.abs(ours.maxErrorUs - printed.maxerror!)).toBeLessThanOrEqual(5_000);
    expect(Math.abs(ours.estErrorUs - printed.esterror!)).toBeLessThanOrEqual(5_000);
  });
});

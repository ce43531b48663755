import { describe, expect, test } from "bun:test";
import { startNotifySocket } from "../../tests/helpers/notify-socket.ts";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { waitFor } from "../../tests/reference-cc/wait-for.ts";
import { createWatchdog } from "./watchdog.ts";

const SOCKET = "/run/systemd/notify";

/** A watchdog on a hand-moved clock whose pings are counted. */
function setup(env: Record<string, string | undefined>) {
  let t = 0;
  const pings: number[] = [];
  const wd = createWatchdog({
    env,
    now: () => t,
    notify: (msg) => {
      pings.push(t);
      expect(msg).toBe("WATCHDOG=1");
      return true;
    },
  });
  return { wd, pings, at: (ms: number) => (t = ms) };
}

describe("createWatchdog", () => {
  test.each([
    ["nothing set", false, 0, {}],
    ["WATCHDOG_USEC and NOTIFY_SOCKET", true, 20_000, { WATCHDOG_USEC: "20000000", NOTIFY_SOCKET: SOCKET }],
    ["WATCHDOG_USEC without NOTIFY_SOCKET", false, 0, { WATCHDOG_USEC: "20000000" }],
    ["NOTIFY_SOCKET without WATCHDOG_USEC", false, 0, { NOTIFY_SOCKET: SOCKET }],
    ["WATCHDOG_PID of this process", true, 8_000, { WATCHDOG_USEC: "8000000", NOTIFY_SOCKET: SOCKET, WATCHDOG_PID: String(process.pid) }],
    ["WATCHDOG_PID of another process", false, 0, { WATCHDOG_USEC: "8000000", NOTIFY_SOCKET: SOCKET, WATCHDOG_PID: String(process.pid + 1) }],
    ["WATCHDOG_USEC=0", false, 0, { WATCHDOG_USEC: "0", NOTIFY_SOCKET: SOCKET }],
    ["WATCHDOG_USEC not a number", false, 0, { WATCHDOG_USEC: "soon", NOTIFY_SOCKET: SOCKET }],
    ["an empty NOTIFY_SOCKET", false, 0, { WATCHDOG_USEC: "20000000", NOTIFY_SOCKET: "" }],
  ] as [string, boolean, number, Record<string, string>][])("with %s: enabled %p, interval %p ms", (_label, enabled, intervalMs, env) => {
    const { wd } = setup(env);
    expect({ enabled: wd.enabled, intervalMs: wd.intervalMs }).toEqual({ enabled, intervalMs });
  });

  test("pings on progress at most once per quarter interval", () => {
    const { wd, pings, at } = setup({ WATCHDOG_USEC: "20000000", NOTIFY_SOCKET: SOCKET });
    for (const t of [0, 1_000, 4_999, 5_000, 5_001, 9_999, 10_000, 30_000, 30_001]) {
      at(t);
      wd.progress();
      wd.progress();
    }
    expect(pings).toEqual([0, 5_000, 10_000, 30_000]);
  });

  test("never pings without a progress() call, however much time passes", async () => {
    const { pings, at } = setup({ WATCHDOG_USEC: "1000", NOTIFY_SOCKET: SOCKET });
    at(10 * 60_000);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(pings).toEqual([]);
  });

  test("never pings when disabled", () => {
    const { wd, pings, at } = setup({ NOTIFY_SOCKET: SOCKET });
    for (let t = 0; t < 100_000; t += 10_000) {
      at(t);
      wd.progress();
    }
    expect(pings).toEqual([]);
  });

  test("by default sends WATCHDOG=1 to the NOTIFY_SOCKET of its env", async () => {
    using tmp = tempDir("watchdog-");
    using sock = await startNotifySocket(tmp.path);
    const wd = createWatchdog({ env: { WATCHDOG_USEC: "20000000", NOTIFY_SOCKET: sock.path } });
    wd.progress();
    await waitFor(() => sock.having("WATCHDOG=1").length === 1, 2_000, "WATCHDOG=1");
    expect(sock.messages.map((m) => m.msg)).toEqual(["WATCHDOG=1"]);
  });
});

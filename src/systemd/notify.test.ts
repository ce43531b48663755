import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { waitFor } from "../../tests/reference-cc/wait-for.ts";
import { sdNotify, sockaddrUn } from "./notify.ts";

// Bun cannot bind a Unix datagram socket: python3 does, and prints each datagram as a JSON line.
const RECEIVER = `
import json, socket, sys
addr = sys.argv[1]
if addr.startswith("@"):
    addr = "\\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(addr)
print(json.dumps({"ready": True}), flush=True)
while True:
    print(json.dumps({"msg": s.recv(65536).decode()}), flush=True)
`;

/** A datagram receiver at `address` (a path, or `@name` for an abstract socket). */
async function receiver(address: string) {
  const proc = Bun.spawn(["python3", "-u", "-c", RECEIVER, address], { stdout: "pipe", stderr: "inherit" });
  const messages: string[] = [];
  let ready = false;
  void (async () => {
    let partial = "";
    for await (const chunk of proc.stdout) {
      partial += new TextDecoder().decode(chunk);
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        const j = JSON.parse(line) as { ready?: boolean; msg?: string };
        if (j.ready) ready = true;
        else messages.push(j.msg!);
      }
    }
  })();
  await waitFor(() => ready, 2_000, "the python receiver to bind");
  return { messages, [Symbol.dispose]: () => proc.kill() };
}

/** Runs `fn` with NOTIFY_SOCKET removed from the environment. */
function withoutNotifySocket<T>(fn: () => T): T {
  const saved = process.env.NOTIFY_SOCKET;
  delete process.env.NOTIFY_SOCKET;
  try {
    return fn();
  } finally {
    if (saved !== undefined) process.env.NOTIFY_SOCKET = saved;
  }
}

describe("sockaddrUn", () => {
  test("is AF_UNIX (little-endian), the path and a terminating NUL", () => {
    expect([...sockaddrUn("/run/systemd/notify")]).toEqual([1, 0, ...Buffer.from("/run/systemd/notify"), 0]);
  });

  test("turns @name into an abstract address: a leading NUL and no terminator", () => {
    expect([...sockaddrUn("@sd-notify-1")]).toEqual([1, 0, 0, ...Buffer.from("sd-notify-1")]);
  });

  test("accepts a path of 107 bytes and refuses one of 108", () => {
    const ok = "/" + "a".repeat(106);
    const tooLong = "/" + "a".repeat(107);
    expect(sockaddrUn(ok).length).toBe(2 + 107 + 1);
    expect(() => sockaddrUn(tooLong)).toThrow(new RangeError(`NOTIFY_SOCKET path too long: ${tooLong}`));
  });
});

describe("sdNotify", () => {
  test("sends READY=1 to a Unix datagram socket at a path", async () => {
    using tmp = tempDir("sd-notify-");
    const path = join(tmp.path, "notify.sock");
    using rx = await receiver(path);
    expect(sdNotify("READY=1", path)).toBe(true);
    await waitFor(() => rx.messages.length === 1, 2_000, "READY=1");
    expect(rx.messages).toEqual(["READY=1"]);
  });

  test("sends several lines in one datagram, intact", async () => {
    using tmp = tempDir("sd-notify-");
    const path = join(tmp.path, "notify.sock");
    using rx = await receiver(path);
    expect(sdNotify("STATUS=checking in — ünïcode\nWATCHDOG=1", path)).toBe(true);
    await waitFor(() => rx.messages.length === 1, 2_000, "the datagram");
    expect(rx.messages).toEqual(["STATUS=checking in — ünïcode\nWATCHDOG=1"]);
  });

  test("sends to an abstract socket named @name", async () => {
    const name = `@compliance-agent-test-${process.pid}-${Date.now()}`;
    using rx = await receiver(name);
    expect(sdNotify("READY=1", name)).toBe(true);
    await waitFor(() => rx.messages.length === 1, 2_000, "READY=1");
    expect(rx.messages).toEqual(["READY=1"]);
  });

  test("reads $NOTIFY_SOCKET when no socket is given", async () => {
    using tmp = tempDir("sd-notify-");
    const path = join(tmp.path, "notify.sock");
    using rx = await receiver(path);
    const saved = process.env.NOTIFY_SOCKET;
    process.env.NOTIFY_SOCKET = path;
    try {
      expect(sdNotify("STOPPING=1")).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.NOTIFY_SOCKET;
      else process.env.NOTIFY_SOCKET = saved;
    }
    await waitFor(() => rx.messages.length === 1, 2_000, "STOPPING=1");
    expect(rx.messages).toEqual(["STOPPING=1"]);
  });

  test("is a no-op returning false without NOTIFY_SOCKET", () => {
    expect(withoutNotifySocket(() => [sdNotify("READY=1"), sdNotify("READY=1", "")])).toEqual([false, false]);
  });

  test("returns false when nobody listens at the path, and false for an over-long path", () => {
    using tmp = tempDir("sd-notify-");
    expect([sdNotify("READY=1", join(tmp.path, "absent.sock")), sdNotify("READY=1", "/" + "a".repeat(200))]).toEqual([false, false]);
  });
});

import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { createLogger, describeError, type LoggerOptions } from "./logger.ts";
import { SecretRegistry } from "./secrets.ts";

/** A logger writing into an array, on a clock at 2026-11-23T10:00:00Z. */
function capture(options: Omit<LoggerOptions, "sink" | "clock"> = {}) {
  const lines: string[] = [];
  const log = createLogger({ ...options, clock: new FakeClock(), sink: (l) => lines.push(l) });
  return { log, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const TS = "2026-11-23T10:00:00.000Z";

describe("createLogger", () => {
  test("writes one JSON object per line with ts, level, msg and the fields", () => {
    const { log, lines } = capture();
    log.info("check-in done", { status: 200, orders: ["o-1"] });
    expect(lines).toEqual([`{"ts":"${TS}","level":"info","msg":"check-in done","status":200,"orders":["o-1"]}`]);
  });

  test.each([
    ["debug", ["debug", "info", "warn", "error"]],
    ["info", ["info", "warn", "error"]],
    ["warn", ["warn", "error"]],
    ["error", ["error"]],
  ] as const)("at level %s writes %j", (level, written) => {
    const { log, records } = capture({ level });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(records().map((r) => r.level)).toEqual([...written]);
  });

  test("child adds its fields to every line, and a grandchild adds more", () => {
    const { log, records } = capture({ fields: { component: "agent" } });
    const orders = log.child({ component: "orders", site_id: "s1" });
    orders.child({ order_id: "o-1" }).warn("rejected", { reason: "expired" });
    log.info("plain");
    expect(records()).toEqual([
      { ts: TS, level: "warn", msg: "rejected", component: "orders", site_id: "s1", order_id: "o-1", reason: "expired" },
      { ts: TS, level: "info", msg: "plain", component: "agent" },
    ]);
  });

  test.each(["password", "api_key", "apiKey", "private_key", "token", "secret", "authorization", "Authorization", "sudo_password", "client_secret"])(
    "redacts the value of a field named %s, also when nested",
    (name) => {
      const { log, lines, records } = capture();
      log.info("m", { [name]: "s3cr3t-value", nested: { deeper: [{ [name]: "s3cr3t-value" }] } });
      expect(records()).toEqual([
        { ts: TS, level: "info", msg: "m", [name]: "[redacted]", nested: { deeper: [{ [name]: "[redacted]" }] } },
      ]);
      expect(lines.join("\n")).not.toContain("s3cr3t-value");
    },
  );

  test("leaves an empty or absent secret-named field visible as what it is", () => {
    const { log, records } = capture();
    log.info("m", { password: "", token: null });
    expect(records()).toEqual([{ ts: TS, level: "info", msg: "m", password: "", token: null }]);
  });

  test("renders errors with their causes, bigints as text and bytes as a length", () => {
    const { log, records } = capture();
    const err = Object.assign(new Error("fetch failed", { cause: new Error("ECONNREFUSED 127.0.0.1:443") }), { code: "E_NET" });
    log.error("call failed", { error: err, big: 2n ** 70n, key: new Uint8Array(32), buf: Buffer.from("private bytes") });
    expect(records()).toEqual([
      {
        ts: TS,
        level: "error",
        msg: "call failed",
        error: { name: "Error", message: "fetch failed", code: "E_NET", cause: { name: "Error", message: "ECONNREFUSED 127.0.0.1:443" } },
        big: "1180591620717411303424",
        key: "<32 bytes>",
        buf: "<13 bytes>",
      },
    ]);
  });

  test("still writes a line when the fields cannot be serialised", () => {
    const { log, records } = capture();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    log.warn("odd", { loop });
    expect(records()).toEqual([{ ts: TS, level: "warn", msg: "odd", note: "fields not serialisable" }]);
  });
});

describe("createLogger with registered secrets", () => {
  // A quote, a backslash, a non-ASCII letter and a newline: each is written differently once escaped.
  const SECRET = 'Pa"ss\\wörd\n42';
  const escapedOnce = JSON.stringify(SECRET).slice(1, -1);
  const escapedTwice = JSON.stringify(escapedOnce).slice(1, -1);

  function planted() {
    const secrets = new SecretRegistry();
    secrets.add(SECRET);
    return capture({ secrets, level: "debug" });
  }

  function assertAbsent(lines: string[]) {
    const out = lines.join("\n");
    expect({ raw: out.includes(SECRET), once: out.includes(escapedOnce), twice: out.includes(escapedTwice), redacted: out.includes("[redacted]") }).toEqual({
      raw: false,
      once: false,
      twice: false,
      redacted: true,
    });
  }

  test("never writes it inside a message", () => {
    const { log, lines } = planted();
    log.info(`logging in with ${SECRET} now`);
    assertAbsent(lines);
  });

  test("never writes it inside a nested field of an innocent name", () => {
    const { log, lines } = planted();
    log.debug("target", { target: { host: "srv1", notes: [`uses ${SECRET}`] } });
    assertAbsent(lines);
  });

  test("never writes it from an Error's message or its cause", () => {
    const { log, lines } = planted();
    log.error("heal failed", { error: new Error(`ssh said ${SECRET}`, { cause: new Error(`sudo: ${SECRET}: bad`) }) });
    log.error("heal failed", { error: new Error("outer", { cause: `string cause ${SECRET}` }) });
    assertAbsent(lines);
    expect(lines).toHaveLength(2);
  });

  test("never writes it from a child logger's context", () => {
    const { log, lines } = planted();
    log.child({ ctx: `ctx ${SECRET}` }).warn("x");
    assertAbsent(lines);
  });

  test("never writes it from a JSON text logged as a field (a raw HTTP body)", () => {
    const { log, lines } = planted();
    log.warn("CC answered 422", { body: JSON.stringify({ linux_targets: [{ hostname: "srv1", pw: SECRET }] }) });
    log.warn("nested body", { body: JSON.stringify({ raw: JSON.stringify({ pw: SECRET }) }) });
    assertAbsent(lines);
  });

  test("never writes it from the fallback line of unserialisable fields", () => {
    const { log, lines } = planted();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    log.warn(`odd ${SECRET}`, { loop });
    assertAbsent(lines);
  });
});

describe("describeError", () => {
  test("gives name, message, code and the chain of causes", () => {
    class CentralishError extends Error {
      override name = "CentralishError";
    }
    const err = new CentralishError("check-in failed", {
      cause: Object.assign(new TypeError("fetch failed", { cause: "socket hang up" }), { code: "ECONNRESET" }),
    });
    expect(describeError(err)).toEqual({
      name: "CentralishError",
      message: "check-in failed",
      cause: { name: "TypeError", message: "fetch failed", code: "ECONNRESET", cause: "socket hang up" },
    });
  });

  test.each([
    ["a string", "plain", "plain"],
    ["a number", 42, "42"],
    ["undefined", undefined, "undefined"],
  ])("turns %s into text", (_label, value, expected) => {
    expect(describeError(value)).toBe(expected);
  });
});

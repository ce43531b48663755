import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import type { OrderEnvelope, OrderTamper } from "../../tests/reference-cc/index.ts";
import { CCState } from "../../tests/reference-cc/state.ts";
import { waitFor } from "../../tests/reference-cc/wait-for.ts";
import { silentLogger } from "../log/logger.ts";
import { migrate, openDatabase } from "../store/open.ts";
import { createOrderStore, type OrderStore } from "../store/order-store.ts";
import { createOrderRunner, type OrderHandler, type OrderOutcome } from "./runner.ts";
import type { VerifiedOrder } from "./verify.ts";

const APPLIANCE = "site-a-52:54:00:12:34:56";
const VERSION = "9.9.9";

type Completion = { success: boolean; result?: unknown; error_message?: string };

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A handler that records each order it runs. */
function recordingHandler(run: (order: VerifiedOrder, signal: AbortSignal) => Promise<OrderOutcome>, timeoutMs = 5_000) {
  const calls: VerifiedOrder[] = [];
  const h: OrderHandler & { calls: VerifiedOrder[] } = {
    calls,
    timeoutMs,
    run(order, signal) {
      calls.push(order);
      return run(order, signal);
    },
  };
  return h;
}

function memoryDb(): Database {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  return db;
}

interface SetupOptions {
  handlers?: Record<string, OrderHandler>;
  store?: OrderStore;
  clock?: FakeClock;
  cc?: CCState;
  keys?: () => string[];
}

/** A runner over a real order store, fed by a reference CC's signed orders, reporting into an array. */
function setup({ handlers = {}, store = createOrderStore(memoryDb()), clock = new FakeClock(), cc, keys }: SetupOptions = {}) {
  const central = cc ?? new CCState({ now: () => clock.now() });
  const reports: [string, Completion][] = [];
  const outcomes: unknown[] = [];
  let failReports = false;
  const runner = createOrderRunner({
    store,
    handlers,
    clock,
    log: silentLogger,
    agentVersion: VERSION,
    async report(orderId, completion) {
      if (failReports) throw new Error("connection refused");
      reports.push([orderId, completion]);
    },
    context: () => ({ serverKeys: keys ? keys() : central.serverPublicKeys, applianceId: APPLIANCE, defaultTtlSeconds: 900 }),
    onOutcome: (o) => outcomes.push(o),
  });
  const order = (order_type: string, extra: { parameters?: Record<string, unknown>; tamper?: OrderTamper } = {}) =>
    ({ ...central.queueOrder({ order_type, ...extra }) }) as OrderEnvelope & Record<string, unknown>;
  return {
    runner,
    store,
    clock,
    cc: central,
    reports,
    outcomes,
    order,
    setReportFailing: (v: boolean) => {
      failReports = v;
    },
  };
}

describe("createOrderRunner: accepted orders", () => {
  test("runs the handler once with the verified order and reports its result", async () => {
    const h = recordingHandler(async () => ({ success: true, result: { status: "checkin_requested" } }));
    const { runner, store, clock, reports, outcomes, order } = setup({ handlers: { force_checkin: h } });
    const env = order("force_checkin", { parameters: { why: "test" } });

    runner.receive([env]);
    await runner.idle();
    await waitFor(() => reports.length === 1);

    expect(h.calls).toEqual([
      {
        orderId: env.order_id,
        orderType: "force_checkin",
        parameters: { why: "test" },
        nonce: env.nonce,
        createdAtMs: clock.now(),
        expiresAtMs: clock.now() + 900_000,
        keyIndex: 0,
      },
    ]);
    expect(reports).toEqual([[env.order_id, { success: true, result: { status: "checkin_requested" } }]]);
    expect(outcomes).toEqual([{ orderId: env.order_id, orderType: "force_checkin", state: "succeeded" }]);
    expect(store.get(env.order_id)).toEqual({
      orderId: env.order_id,
      orderType: "force_checkin",
      receivedAt: clock.now(),
      state: "succeeded",
      success: true,
      result: { status: "checkin_requested" },
      completedAt: clock.now(),
      reportedAt: clock.now(),
      reportAttempts: 1,
    });
    expect(store.nonceSeen(env.nonce)).toBe(true);
  });

  test("does not run an envelope delivered again, nor re-send an acknowledged completion", async () => {
    const h = recordingHandler(async () => ({ success: true }));
    const { runner, reports, order } = setup({ handlers: { force_checkin: h } });
    const env = order("force_checkin");

    runner.receive([env, env]); // twice in one answer
    await runner.idle();
    await waitFor(() => reports.length === 1);
    runner.receive([env]); // and again at the next check-in
    await runner.idle();
    await runner.reportPending();

    expect({ runs: h.calls.length, reports }).toEqual({ runs: 1, reports: [[env.order_id, { success: true }]] });
  });

  test("re-sends the completion of a redelivered order that CC has not acknowledged, without running it again", async () => {
    const h = recordingHandler(async () => ({ success: true, result: { n: 1 } }));
    const { runner, store, reports, order, setReportFailing } = setup({ handlers: { force_checkin: h } });
    const env = order("force_checkin");
    setReportFailing(true);
    runner.receive([env]);
    await runner.idle();
    await waitFor(() => store.get(env.order_id)?.reportAttempts === 1);
    expect(store.get(env.order_id)?.reportedAt).toBeUndefined();

    setReportFailing(false);
    runner.receive([env]);
    await waitFor(() => reports.length === 1);

    expect({ runs: h.calls.length, reports, attempts: store.get(env.order_id)?.reportAttempts }).toEqual({
      runs: 1,
      reports: [[env.order_id, { success: true, result: { n: 1 } }]],
      attempts: 2,
    });
  });

  test("a redelivered order that is still running is neither run again nor reported early", async () => {
    const gate = deferred<OrderOutcome>();
    const h = recordingHandler(() => gate.promise);
    const { runner, reports, order } = setup({ handlers: { force_checkin: h } });
    const env = order("force_checkin");
    runner.receive([env]);
    await waitFor(() => h.calls.length === 1);
    runner.receive([env]);
    await runner.reportPending();
    expect(reports).toEqual([]);

    gate.resolve({ success: true });
    await runner.idle();
    await waitFor(() => reports.length === 1);
    expect(h.calls.length).toBe(1);
  });

  test("orders wait, stored nowhere, until the first server key arrives; then they run", async () => {
    const h = recordingHandler(async () => ({ success: true }));
    let keys: string[] = [];
    const { runner, store, reports, cc, order } = setup({ handlers: { force_checkin: h }, keys: () => keys });
    const env = order("force_checkin");

    runner.receive([env]);
    await runner.idle();
    expect({ runs: h.calls.length, stored: store.get(env.order_id), reports }).toEqual({ runs: 0, stored: undefined, reports: [] });

    keys = cc.serverPublicKeys;
    runner.receive([env]);
    await runner.idle();
    await waitFor(() => reports.length === 1);
    expect(reports).toEqual([[env.order_id, { success: true }]]);
  });
});

describe("createOrderRunner: orders that do not succeed", () => {
  test("stores a rejected order as rejected and reports the reason with success false", async () => {
    const h = recordingHandler(async () => ({ success: true }));
    const { runner, store, clock, reports, outcomes, order } = setup({ handlers: { force_checkin: h } });
    const env = order("force_checkin", { tamper: "bad-signature" });

    runner.receive([env]);
    await waitFor(() => reports.length === 1);

    const [, completion] = reports[0]!;
    expect(completion.success).toBe(false);
    expect(completion.error_message?.startsWith("signature verification failed: no known server key (")).toBe(true);
    expect(h.calls).toEqual([]);
    expect(outcomes).toEqual([
      { orderId: env.order_id, orderType: "force_checkin", state: "rejected", errorMessage: completion.error_message },
    ]);
    expect(store.get(env.order_id)).toEqual({
      orderId: env.order_id,
      orderType: "force_checkin",
      receivedAt: clock.now(),
      state: "rejected",
      success: false,
      errorMessage: completion.error_message,
      completedAt: clock.now(),
      reportedAt: clock.now(),
      reportAttempts: 1,
    });
  });

  test("does not remember the nonce of a rejected order", async () => {
    const { runner, store, reports, order } = setup();
    const env = order("force_checkin", { tamper: "bad-signature" });
    runner.receive([env]);
    await waitFor(() => reports.length === 1);
    expect(store.nonceSeen(env.nonce)).toBe(false);
  });

  test("drops a rejected envelope without an order id: there is nothing to report against", async () => {
    const { runner, store, reports, order } = setup();
    const { order_id: _, ...env } = order("force_checkin", { tamper: "unsigned" });
    runner.receive([env]);
    await runner.idle();
    await runner.reportPending();
    expect({ reports, counts: store.countByState() }).toEqual({
      reports: [],
      counts: { running: 0, succeeded: 0, failed: 0, rejected: 0 },
    });
  });

  test.each([
    ["make_coffee", "unknown order type: make_coffee"],
    ["nixos_rebuild", `order type "nixos_rebuild" is not supported by compliance-agent ${VERSION}`],
    ["isolate_host", `order type "isolate_host" is not supported by compliance-agent ${VERSION}`],
  ])("reports order type %s as a failure: %s", async (type, message) => {
    const { runner, store, reports, order } = setup({ handlers: {} });
    const env = order(type);
    runner.receive([env]);
    await runner.idle();
    await waitFor(() => reports.length === 1);
    expect(reports).toEqual([[env.order_id, { success: false, error_message: message }]]);
    expect(store.get(env.order_id)?.state).toBe("failed");
  });

  test.each<[string, () => Promise<OrderOutcome>, string]>([
    [
      "throws",
      async () => {
        throw new Error("winrm: access denied");
      },
      "winrm: access denied",
    ],
    ["returns {} (no success flag: fail closed)", async () => ({}) as OrderOutcome, "handler reported no success"],
    ["returns undefined", async () => undefined as unknown as OrderOutcome, "handler reported no success"],
    ["returns a truthy non-boolean success", async () => ({ success: "yes" }) as unknown as OrderOutcome, "handler reported no success"],
    ["returns success false with a reason", async () => ({ success: false, errorMessage: "disk full" }), "disk full"],
  ])("a handler that %s is a failure", async (_label, run, message) => {
    const { runner, store, reports, order } = setup({ handlers: { run_drift: recordingHandler(run) } });
    const env = order("run_drift");
    runner.receive([env]);
    await runner.idle();
    await waitFor(() => reports.length === 1);
    expect(reports).toEqual([[env.order_id, { success: false, error_message: message }]]);
    expect(store.get(env.order_id)?.state).toBe("failed");
  });

  test("a handler that passes its deadline fails, and its signal is aborted", async () => {
    let sawAbort = false;
    const h = recordingHandler(
      (_order, signal) =>
        new Promise<OrderOutcome>(() => {
          signal.addEventListener("abort", () => {
            sawAbort = true;
          });
        }),
      20,
    );
    const { runner, reports, order } = setup({ handlers: { run_drift: h } });
    const env = order("run_drift");
    runner.receive([env]);
    await waitFor(() => reports.length === 1);
    expect({ reports, sawAbort }).toEqual({
      reports: [[env.order_id, { success: false, error_message: "timed out after 20 ms" }]],
      sawAbort: true,
    });
  });
});

describe("createOrderRunner: reporting", () => {
  test("a failed report leaves the order unreported; reportPending delivers it later", async () => {
    const { runner, store, reports, order, setReportFailing } = setup({
      handlers: { force_checkin: recordingHandler(async () => ({ success: true })) },
    });
    const env = order("force_checkin");
    setReportFailing(true);
    runner.receive([env]);
    await runner.idle();
    await waitFor(() => store.get(env.order_id)?.reportAttempts === 1);
    expect(store.unreported(10).map((r) => r.orderId)).toEqual([env.order_id]);

    await runner.reportPending();
    expect(store.get(env.order_id)?.reportAttempts).toBe(2);
    expect(store.unreported(10).map((r) => r.orderId)).toEqual([env.order_id]);

    setReportFailing(false);
    await runner.reportPending();
    expect({ reports, unreported: store.unreported(10) }).toEqual({
      reports: [[env.order_id, { success: true }]],
      unreported: [],
    });
  });

  test("reportPending stops at the first failure instead of hammering CC", async () => {
    const { runner, store, order, setReportFailing } = setup({ handlers: {} });
    setReportFailing(true);
    const envs = [order("make_coffee"), order("make_tea"), order("make_toast")];
    runner.receive(envs);
    await runner.idle();
    await waitFor(() => envs.every((e) => store.get(e.order_id)?.reportAttempts === 1));

    await runner.reportPending();
    expect(envs.map((e) => store.get(e.order_id)?.reportAttempts)).toEqual([2, 1, 1]);
  });
});

describe("createOrderRunner: running beside the loop", () => {
  test("receive returns before a slow order finishes, and orders run one at a time in order", async () => {
    const gates = [deferred<OrderOutcome>(), deferred<OrderOutcome>()];
    let active = 0;
    let maxActive = 0;
    const started: string[] = [];
    const h = recordingHandler(async (o) => {
      const i = started.push(o.orderId) - 1;
      active++;
      maxActive = Math.max(maxActive, active);
      const outcome = await gates[i]!.promise;
      active--;
      return outcome;
    }, 30 * 60_000);
    const { runner, reports, order } = setup({ handlers: { nixos_rebuild: h } });
    const [a, b] = [order("nixos_rebuild"), order("nixos_rebuild")];

    runner.receive([a, b]); // returns at once although the first order takes "30 minutes"
    await waitFor(() => started.length === 1);
    expect({ started, queued: runner.queued(), reports }).toEqual({ started: [a.order_id], queued: 2, reports: [] });

    gates[0]!.resolve({ success: true });
    await waitFor(() => started.length === 2);
    gates[1]!.resolve({ success: false, errorMessage: "build failed" });
    await runner.idle();
    await waitFor(() => reports.length === 2);

    expect({ started, maxActive, reports, queued: runner.queued() }).toEqual({
      started: [a.order_id, b.order_id],
      maxActive: 1,
      reports: [
        [a.order_id, { success: true }],
        [b.order_id, { success: false, error_message: "build failed" }],
      ],
      queued: 0,
    });
  });

  test("stop() aborts the running order, reports it as interrupted, and starts no other", async () => {
    let aborted = false;
    const h = recordingHandler(
      (_o, signal) =>
        new Promise<OrderOutcome>(() => {
          signal.addEventListener("abort", () => {
            aborted = true;
          });
        }),
    );
    const { runner, store, reports, order } = setup({ handlers: { run_drift: h } });
    const [a, b] = [order("run_drift"), order("run_drift")];
    runner.receive([a, b]);
    await waitFor(() => h.calls.length === 1);

    await runner.stop();
    await waitFor(() => reports.length === 1);

    expect({ aborted, runs: h.calls.length, reports, second: store.get(b.order_id)?.state }).toEqual({
      aborted: true,
      runs: 1,
      reports: [[a.order_id, { success: false, error_message: "interrupted by agent shutdown" }]],
      second: "running", // left for recoverInterrupted at the next start
    });
  });

  test("recoverInterrupted reports orders a previous process left running as failed", async () => {
    const store = createOrderStore(memoryDb());
    const clock = new FakeClock();
    const cc = new CCState({ now: () => clock.now() });
    const first = setup({ store, clock, cc, handlers: { run_drift: recordingHandler(() => new Promise<OrderOutcome>(() => {})) } });
    const env = first.order("run_drift");
    first.runner.receive([env]); // never finishes: the "process" dies here

    const second = setup({ store, clock, cc, handlers: {} });
    second.runner.recoverInterrupted();
    await waitFor(() => second.reports.length === 1);

    expect(second.reports).toEqual([
      [env.order_id, { success: false, error_message: "interrupted: the agent stopped before the order finished" }],
    ]);
    expect(second.outcomes).toEqual([
      {
        orderId: env.order_id,
        orderType: "run_drift",
        state: "failed",
        errorMessage: "interrupted: the agent stopped before the order finished",
      },
    ]);
    expect(store.interrupted()).toEqual([]);
  });
});

describe("createOrderRunner: nonces", () => {
  test("a new runner over the same database file rejects a replayed nonce (restart does not reopen the window)", async () => {
    using tmp = tempDir("order-runner-");
    const dir = tmp.path;
    const clock = new FakeClock();
    const cc = new CCState({ now: () => clock.now() });
    const h = recordingHandler(async () => ({ success: true }));

    const db1 = openDatabase(join(dir, "state"));
    const before = setup({ store: createOrderStore(db1), clock, cc, handlers: { force_checkin: h } });
    const original = before.order("force_checkin");
    before.runner.receive([original]);
    await before.runner.idle();
    await waitFor(() => before.reports.length === 1);
    db1.close();

    clock.advance(5 * 60_000);
    const db2 = openDatabase(join(dir, "state"));
    const after = setup({ store: createOrderStore(db2), clock, cc, handlers: { force_checkin: h } });
    const replay = after.order("force_checkin", { tamper: "replayed-nonce" });
    expect(replay.nonce).toBe(original.nonce);
    after.runner.receive([replay, original]);
    await after.runner.idle();
    await waitFor(() => after.reports.length === 1);
    db2.close();

    expect({ runs: h.calls.length, reports: after.reports }).toEqual({
      runs: 1,
      reports: [
        [replay.order_id, { success: false, error_message: `nonce replay detected: nonce ${original.nonce} was already used` }],
      ],
    });
  });

  test("forgets nonces a day old, not sooner", async () => {
    const { runner, store, clock, order } = setup({ handlers: { force_checkin: recordingHandler(async () => ({ success: true })) } });
    const env = order("force_checkin");
    runner.receive([env]);
    await runner.idle();

    clock.advance(23 * 3600_000);
    runner.receive([]);
    expect(store.nonceSeen(env.nonce)).toBe(true);
    clock.advance(2 * 3600_000);
    runner.receive([]);
    expect(store.nonceSeen(env.nonce)).toBe(false);
  });

  test("keeps the nonce of a long-lived order until it has expired, however long that is", async () => {
    const { runner, store, clock, cc } = setup({ handlers: { force_checkin: recordingHandler(async () => ({ success: true })) } });
    const env = cc.queueOrder({ order_type: "force_checkin", ttlSeconds: 3 * 24 * 3600 }) as unknown as Record<string, unknown> & { nonce: string };
    runner.receive([env]);
    await runner.idle();

    clock.advance(2 * 24 * 3600_000);
    runner.receive([]);
    expect(store.nonceSeen(env.nonce)).toBe(true);
    clock.advance(2 * 24 * 3600_000 + 60_000);
    runner.receive([]);
    expect(store.nonceSeen(env.nonce)).toBe(false);
  });
});

describe("createOrderRunner: time spent waiting", () => {
  test("an order that expires while queued behind a long one does not start", async () => {
    const gate = deferred<OrderOutcome>();
    const h = recordingHandler(() => gate.promise, 30 * 60_000);
    const { runner, reports, clock, cc } = setup({ handlers: { nixos_rebuild: h } });
    const long = cc.queueOrder({ order_type: "nixos_rebuild" }) as unknown as Record<string, unknown>;
    const short = cc.queueOrder({ order_type: "nixos_rebuild", ttlSeconds: 60 }) as unknown as Record<string, unknown>;
    runner.receive([long, short]);
    await waitFor(() => h.calls.length === 1);
    clock.advance(5 * 60_000);
    gate.resolve({ success: true });
    await runner.idle();
    await waitFor(() => reports.length === 2);

    expect(h.calls.map((o) => o.orderId)).toEqual([long.order_id as string]);
    expect(reports[1]![0]).toBe(short.order_id as string);
    expect(reports[1]![1].success).toBe(false);
    expect(reports[1]![1].error_message).toMatch(/^order expired at .* while waiting for an earlier order$/);
  });

  test("a handler that fails keeps its result for Central Command", async () => {
    const h = recordingHandler(async () => ({ success: false, result: { exit_code: 3 }, errorMessage: "rebuild failed" }));
    const { runner, reports, order } = setup({ handlers: { nixos_rebuild: h } });
    runner.receive([order("nixos_rebuild")]);
    await runner.idle();
    await waitFor(() => reports.length === 1);
    expect(reports[0]![1]).toEqual({ success: false, result: { exit_code: 3 }, error_message: "rebuild failed" });
  });
});

import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { migrate } from "./open.ts";
import { createOrderStore } from "./order-store.ts";

function store() {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  return createOrderStore(db);
}

describe("createOrderStore", () => {
  test("insert records a new order once; the same id again is refused", () => {
    const s = store();
    const first = s.insert({ orderId: "o-1", orderType: "force_checkin", receivedAt: 10, state: "running" });
    const again = s.insert({ orderId: "o-1", orderType: "reboot", receivedAt: 20, state: "rejected" });
    expect({ first, again, record: s.get("o-1") }).toEqual({
      first: true,
      again: false,
      record: { orderId: "o-1", orderType: "force_checkin", receivedAt: 10, state: "running", reportAttempts: 0 },
    });
  });

  test("get answers undefined for an unknown id", () => {
    expect(store().get("nope")).toBeUndefined();
  });

  test.each([
    ["running", true, "succeeded"],
    ["running", false, "failed"],
    ["rejected", false, "rejected"],
  ] as const)("finish of a %s order with success %p leaves it %s", (initial, success, expected) => {
    const s = store();
    s.insert({ orderId: "o-1", orderType: "run_drift", receivedAt: 10, state: initial });
    s.finish("o-1", { success, result: { hosts: ["a", "b"], n: 2 }, errorMessage: success ? undefined : "why", at: 50 });
    expect(s.get("o-1")).toEqual({
      orderId: "o-1",
      orderType: "run_drift",
      receivedAt: 10,
      state: expected,
      success,
      result: { hosts: ["a", "b"], n: 2 },
      ...(success ? {} : { errorMessage: "why" }),
      completedAt: 50,
      reportAttempts: 0,
    });
  });

  test("unreported lists finished, unacknowledged orders oldest first, up to the limit", () => {
    const s = store();
    s.insert({ orderId: "late", orderType: "t", receivedAt: 30, state: "running" });
    s.insert({ orderId: "early", orderType: "t", receivedAt: 10, state: "running" });
    s.insert({ orderId: "middle", orderType: "t", receivedAt: 20, state: "rejected" });
    s.insert({ orderId: "still-running", orderType: "t", receivedAt: 5, state: "running" });
    s.insert({ orderId: "acked", orderType: "t", receivedAt: 1, state: "running" });
    for (const id of ["late", "early", "acked"]) s.finish(id, { success: true, at: 40 });
    s.finish("middle", { success: false, errorMessage: "bad signature", at: 40 });
    s.markReported("acked", 41);

    expect({
      all: s.unreported(10).map((r) => r.orderId),
      two: s.unreported(2).map((r) => r.orderId),
    }).toEqual({ all: ["early", "middle", "late"], two: ["early", "middle"] });
    expect(s.countUnreported()).toBe(3);
  });

  test("markReported and noteReportAttempt record delivery", () => {
    const s = store();
    s.insert({ orderId: "o-1", orderType: "t", receivedAt: 10, state: "running" });
    s.finish("o-1", { success: true, at: 20 });
    s.noteReportAttempt("o-1");
    s.noteReportAttempt("o-1");
    s.markReported("o-1", 30);
    expect(s.get("o-1")).toEqual({
      orderId: "o-1",
      orderType: "t",
      receivedAt: 10,
      state: "succeeded",
      success: true,
      completedAt: 20,
      reportedAt: 30,
      reportAttempts: 2,
    });
  });

  test("interrupted lists exactly the orders still running", () => {
    const s = store();
    s.insert({ orderId: "a", orderType: "t", receivedAt: 1, state: "running" });
    s.insert({ orderId: "b", orderType: "t", receivedAt: 2, state: "running" });
    s.insert({ orderId: "c", orderType: "t", receivedAt: 3, state: "rejected" });
    s.finish("b", { success: true, at: 4 });
    expect(s.interrupted().map((r) => r.orderId)).toEqual(["a"]);
  });

  test("remembers nonces and prunes only those kept until before now", () => {
    const s = store();
    s.rememberNonce("n-old", "o-1", 10, 100);
    s.rememberNonce("n-edge", "o-2", 20, 200);
    s.rememberNonce("n-new", "o-3", 30, 300);
    s.rememberNonce("n-old", "o-9", 40, 999); // a repeat keeps the first sighting
    const pruned = s.pruneNonces(200);
    expect({
      pruned,
      seen: ["n-old", "n-edge", "n-new", "n-never"].map((n) => s.nonceSeen(n)),
      prunedAgain: s.pruneNonces(200),
    }).toEqual({ pruned: 1, seen: [false, true, true, false], prunedAgain: 0 });
  });

  test("countByState counts every state, zero included", () => {
    const s = store();
    expect(s.countByState()).toEqual({ running: 0, succeeded: 0, failed: 0, rejected: 0 });
    s.insert({ orderId: "a", orderType: "t", receivedAt: 1, state: "running" });
    s.insert({ orderId: "b", orderType: "t", receivedAt: 2, state: "running" });
    s.insert({ orderId: "c", orderType: "t", receivedAt: 3, state: "running" });
    s.insert({ orderId: "d", orderType: "t", receivedAt: 4, state: "rejected" });
    s.finish("b", { success: true, at: 5 });
    s.finish("c", { success: false, at: 5 });
    s.finish("d", { success: false, at: 5 });
    expect(s.countByState()).toEqual({ running: 1, succeeded: 1, failed: 1, rejected: 1 });
  });
});

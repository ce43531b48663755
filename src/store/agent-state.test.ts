import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { createAgentState } from "./agent-state.ts";
import { migrate } from "./open.ts";

function setup() {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  let now = 1_000;
  const state = createAgentState(db, () => now);
  return { db, state, setNow: (ms: number) => (now = ms) };
}

describe("createAgentState", () => {
  test("answers undefined for a key never set", () => {
    expect(setup().state.get("applianceId")).toBeUndefined();
  });

  test("round-trips strings, numbers, arrays and nested objects", () => {
    const { state } = setup();
    state.set("applianceId", "site-a-52:54:00:12:34:56");
    state.set("lastCheckinOkAt", 1_795_428_000_000);
    state.set("serverPublicKeys", ["aa".repeat(32), "bb".repeat(32)]);
    state.set("lastCheckin", { at: 5, ok: false, httpStatus: 401, error: "Invalid or revoked API key" });
    state.set("healingOverride", { enabled: false, reason: "freeze", at: 7 });
    expect({
      applianceId: state.get("applianceId"),
      lastCheckinOkAt: state.get("lastCheckinOkAt"),
      serverPublicKeys: state.get("serverPublicKeys"),
      lastCheckin: state.get("lastCheckin"),
      healingOverride: state.get("healingOverride"),
    }).toEqual({
      applianceId: "site-a-52:54:00:12:34:56",
      lastCheckinOkAt: 1_795_428_000_000,
      serverPublicKeys: ["aa".repeat(32), "bb".repeat(32)],
      lastCheckin: { at: 5, ok: false, httpStatus: 401, error: "Invalid or revoked API key" },
      healingOverride: { enabled: false, reason: "freeze", at: 7 },
    });
  });

  test("overwrites a value and records when it changed", () => {
    const { db, state, setNow } = setup();
    state.set("agentVersion", "0.1.0");
    setNow(2_000);
    state.set("agentVersion", "0.2.0");
    expect({
      value: state.get("agentVersion"),
      rows: db.query("SELECT key, value, updated_at FROM kv").all(),
    }).toEqual({ value: "0.2.0", rows: [{ key: "agentVersion", value: '"0.2.0"', updated_at: 2_000 }] });
  });

  test("delete forgets a key and leaves the others", () => {
    const { state } = setup();
    state.set("applianceId", "a");
    state.set("agentVersion", "0.1.0");
    state.delete("applianceId");
    expect({ applianceId: state.get("applianceId"), agentVersion: state.get("agentVersion") }).toEqual({
      applianceId: undefined,
      agentVersion: "0.1.0",
    });
  });

  test("a second instance over the same database sees the values", () => {
    const { db, state } = setup();
    state.set("queueDepths", { orders: 2, evidence: 0 });
    expect(createAgentState(db).get("queueDepths")).toEqual({ orders: 2, evidence: 0 });
  });
});

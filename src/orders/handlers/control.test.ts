import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { createAgentState } from "../../store/agent-state.ts";
import { migrate } from "../../store/open.ts";
import type { VerifiedOrder } from "../verify.ts";
import { controlHandlers } from "./control.ts";

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);

function setup() {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  const state = createAgentState(db, () => NOW);
  const calls = { checkin: 0, restart: [] as string[] };
  const handlers = controlHandlers({
    state,
    now: () => NOW,
    requestCheckin: () => {
      calls.checkin++;
    },
    requestRestart: (reason) => {
      calls.restart.push(reason);
    },
  });
  return { state, calls, handlers };
}

function order(orderType: string, parameters: Record<string, unknown> = {}): VerifiedOrder {
  return { orderId: "o-1", orderType, parameters, nonce: "n".repeat(32), expiresAtMs: NOW + 900_000, keyIndex: 0 };
}

const signal = new AbortController().signal;

describe("controlHandlers", () => {
  test("handles exactly force_checkin, disable_healing, enable_healing and restart_agent", () => {
    expect(Object.keys(setup().handlers).sort()).toEqual(["disable_healing", "enable_healing", "force_checkin", "restart_agent"]);
  });

  test("force_checkin asks the loop for a check-in now", async () => {
    const { calls, handlers } = setup();
    const outcome = await handlers.force_checkin!.run(order("force_checkin"), signal);
    expect({ outcome, calls }).toEqual({
      outcome: { success: true, result: { status: "checkin_requested" } },
      calls: { checkin: 1, restart: [] },
    });
  });

  test.each([
    ["disable_healing", false],
    ["enable_healing", true],
  ])("%s persists the healing override with its reason", async (type, enabled) => {
    const { state, handlers } = setup();
    const outcome = await handlers[type]!.run(order(type, { reason: "practice asked for a freeze" }), signal);
    expect({ outcome, stored: state.get("healingOverride") }).toEqual({
      outcome: { success: true, result: { healing_enabled: enabled, reason: "practice asked for a freeze" } },
      stored: { enabled, reason: "practice asked for a freeze", at: NOW },
    });
  });

  test("disable_healing keeps at most 500 characters of the reason", async () => {
    const { state, handlers } = setup();
    await handlers.disable_healing!.run(order("disable_healing", { reason: "x".repeat(2_000) }), signal);
    expect(state.get("healingOverride")).toEqual({ enabled: false, reason: "x".repeat(500), at: NOW });
  });

  test("a reason that is not a string is stored as empty", async () => {
    const { state, handlers } = setup();
    await handlers.enable_healing!.run(order("enable_healing", { reason: { nested: true } }), signal);
    expect(state.get("healingOverride")).toEqual({ enabled: true, reason: "", at: NOW });
  });

  test("restart_agent asks for a restart naming the order", async () => {
    const { calls, handlers } = setup();
    const outcome = await handlers.restart_agent!.run(order("restart_agent"), signal);
    expect({ outcome, calls }).toEqual({
      outcome: { success: true, result: { status: "restart_scheduled" } },
      calls: { checkin: 0, restart: ["restart_agent order o-1"] },
    });
  });
});

/**
 * Handlers for orders that steer the agent itself: check in now, switch healing off or on,
 * restart.
 * @module
 */
import type { AgentState } from "../../store/agent-state.ts";
import type { OrderHandler } from "../runner.ts";

export interface ControlDeps {
  state: AgentState;
  now: () => number;
  /** Wakes the poll loop for an immediate check-in. */
  requestCheckin: () => void;
  /** Asks the process to exit after the completion is reported; the service manager restarts it. */
  requestRestart: (reason: string) => void;
}

export function controlHandlers(deps: ControlDeps): Record<string, OrderHandler> {
  const healing = (enabled: boolean): OrderHandler => ({
    timeoutMs: 5_000,
    async run(order) {
      const reason = typeof order.parameters.reason === "string" ? order.parameters.reason.slice(0, 500) : "";
      deps.state.set("healingOverride", { enabled, reason, at: deps.now() });
      return { success: true, result: { healing_enabled: enabled, reason } };
    },
  });
  return {
    force_checkin: {
      timeoutMs: 5_000,
      async run() {
        deps.requestCheckin();
        return { success: true, result: { status: "checkin_requested" } };
      },
    },
    disable_healing: healing(false),
    enable_healing: healing(true),
    restart_agent: {
      timeoutMs: 5_000,
      async run(order) {
        deps.requestRestart(`restart_agent order ${order.orderId}`);
        return { success: true, result: { status: "restart_scheduled" } };
      },
    },
  };
}

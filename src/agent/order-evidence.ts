/**
 * Every order outcome — success, failure, rejection, expiry — becomes a signed action record:
 * what Central Command asked of the appliance, and what the appliance did, is evidence too.
 * @module
 */
import type { Config } from "../config/schema.ts";
import type { ActionDraft, ActionOutcome } from "../evidence/record.ts";
import { POLICY_VERSION, rulesetHash } from "./policy.ts";

export interface OrderOutcomeFacts {
  orderId: string;
  orderType: string;
  state: "succeeded" | "failed" | "rejected";
  errorMessage?: string;
  decidedAtMs: number;
}

export function orderActionDraft(
  o: OrderOutcomeFacts,
  ctx: { config: Config; agentVersion: string; hostname: string; clockOffsetMs?: number },
): ActionDraft {
  const outcome: ActionOutcome =
    o.state === "succeeded" ? "success" : o.errorMessage?.startsWith("order expired at") ? "expired" : o.state === "rejected" ? "rejected" : "failed";
  return {
    kind: "action",
    site_id: ctx.config.siteId,
    host_id: ctx.hostname,
    agent_version: ctx.agentVersion,
    policy_version: POLICY_VERSION,
    ruleset_hash: rulesetHash(),
    deployment_mode: ctx.config.deploymentMode,
    ...(ctx.config.resellerId ? { reseller_id: ctx.config.resellerId } : {}),
    clock: { ...(ctx.clockOffsetMs !== undefined ? { offset_ms: ctx.clockOffsetMs, source: "central-command" } : {}) },
    action: {
      tier: "order",
      order_id: o.orderId,
      hostname: ctx.hostname,
      check: `order.${o.orderType}`,
      phases: [{ phase: "handle", started_at: new Date(o.decidedAtMs).toISOString(), duration_ms: 0, result: o.state }],
      outcome,
      ...(o.errorMessage ? { reason: o.errorMessage } : {}),
      rollback_available: false,
      // Administrative actions on the system that records audit evidence.
      controls: { hipaa: ["164.312(b)"], soc2: ["CC8.1"] },
    },
  };
}

/**
 * The action record of one heal: what was seen before, each phase as digests, what was seen
 * after, and the outcome, under the runbook's and the check's controls.
 * @module
 */
import type { Check, Runbook } from "../catalog/index.ts";
import type { ActionDraft, ActionRecord, ClockFacts } from "../evidence/record.ts";
import type { HealResult } from "./run-runbook.ts";

export interface HealRecordContext {
  siteId: string;
  agentVersion: string;
  policyVersion: string;
  rulesetHash: string;
  deploymentMode: "direct" | "reseller";
  resellerId?: string;
  clock: ClockFacts;
  tier: ActionRecord["action"]["tier"];
  orderId?: string;
  incidentId?: string;
}

export function healActionDraft(result: HealResult, runbook: Runbook, check: Check, hostname: string, ctx: HealRecordContext): ActionDraft {
  return {
    kind: "action",
    site_id: ctx.siteId,
    host_id: hostname,
    agent_version: ctx.agentVersion,
    policy_version: ctx.policyVersion,
    ruleset_hash: ctx.rulesetHash,
    deployment_mode: ctx.deploymentMode,
    ...(ctx.resellerId ? { reseller_id: ctx.resellerId } : {}),
    clock: ctx.clock,
    action: {
      tier: ctx.tier,
      ...(ctx.orderId ? { order_id: ctx.orderId } : {}),
      ...(ctx.incidentId ? { incident_id: ctx.incidentId } : {}),
      runbook_id: runbook.id,
      runbook_version: String(runbook.version),
      hostname,
      check: check.id,
      pre_state: {
        ...(result.pre.expected !== undefined ? { expected: result.pre.expected } : {}),
        ...(result.pre.actual !== undefined ? { actual: result.pre.actual } : {}),
      },
      phases: result.phases,
      ...(result.post ? { post_state: { status: result.post.status, ...(result.post.actual !== undefined ? { actual: result.post.actual } : {}) } } : {}),
      outcome: result.outcome,
      ...(result.reason ? { reason: result.reason } : {}),
      rollback_available: result.rollbackAvailable,
      controls: check.compliance,
    },
  };
}

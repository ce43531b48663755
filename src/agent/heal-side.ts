/**
 * Runs a catalog runbook on a Linux target for an order: the guardrails' facts as the agent
 * knows them now (config, CC's healing override and maintenance, the clock, flap counts),
 * the heal path, and the signed action record.
 * @module
 */
import { embeddedCatalog } from "../catalog/index.ts";
import type { Config } from "../config/schema.ts";
import type { EvidenceDraft } from "../evidence/record.ts";
import { healActionDraft } from "../heal/action-draft.ts";
import type { FlapTracker } from "../heal/flap-tracker.ts";
import { judgeGuardrails } from "../heal/guardrails.ts";
import { runRunbook, type HealResult } from "../heal/run-runbook.ts";
import type { LinuxTarget } from "../inventory/targets.ts";
import type { Logger } from "../log/logger.ts";
import type { VerifiedOrder } from "../orders/verify.ts";
import { privilegeFor } from "../scan/linux-scanner.ts";
import type { AgentState } from "../store/agent-state.ts";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import type { Executor } from "../transport/index.ts";
import { POLICY_VERSION, rulesetHash } from "./policy.ts";

export interface HealSideDeps {
  config: Config;
  agentVersion: string;
  state: AgentState;
  clock: Clock;
  random: Random;
  log: Logger;
  flaps: FlapTracker;
  maintenanceUntilMs: () => number | undefined;
  executorFor: (target: LinuxTarget) => Promise<Executor>;
  append: (draft: EvidenceDraft, what: string) => Promise<unknown>;
}

/** Heals one target with one runbook for an order; the action record is stored before it returns. */
export async function healForOrder(d: HealSideDeps, req: { runbookId: string; target: LinuxTarget; params: Record<string, unknown>; order: VerifiedOrder }): Promise<HealResult> {
  const catalog = embeddedCatalog();
  const runbook = catalog.runbook(req.runbookId)!;
  const check = catalog.check(runbook.check)!;
  const host = req.target.hostname;
  const offset = d.state.get("lastCheckin")?.skewMs;
  const result = await runRunbook({
    runbook,
    check,
    hostname: host,
    executor: await d.executorFor(req.target),
    privilege: privilegeFor(req.target),
    params: req.params,
    clock: d.clock,
    random: d.random,
    onAttempt: () => d.flaps.record(host, check.id, d.clock.now()),
    guard: (rb) => {
      const now = d.clock.now();
      const local = new Date(now);
      const until = d.maintenanceUntilMs();
      return judgeGuardrails({
        healingEnabled: d.state.get("healingOverride")?.enabled ?? d.config.healingEnabled,
        dryRun: d.config.healingDryRun,
        maintenanceWindow: d.config.maintenanceWindow,
        allowDisruptiveOutsideWindow: d.config.allowDisruptiveOutsideWindow,
        ...(until !== undefined ? { maintenanceUntilMs: until } : {}),
        minutesOfDay: local.getHours() * 60 + local.getMinutes(),
        nowMs: now,
        ...(offset !== undefined ? { clockOffsetMs: offset } : {}),
        maxClockSkewMs: d.config.ntpMaxSkewMs,
        recentHeals: d.flaps.count(host, check.id, now),
        maxHealsPerWindow: 3,
        runbook: rb,
      });
    },
  });
  const draft = healActionDraft(result, runbook, check, host, {
    siteId: d.config.siteId,
    agentVersion: d.agentVersion,
    policyVersion: POLICY_VERSION,
    rulesetHash: rulesetHash(),
    deploymentMode: d.config.deploymentMode,
    ...(d.config.resellerId ? { resellerId: d.config.resellerId } : {}),
    clock: offset !== undefined ? { offset_ms: offset, source: "central-command" } : {},
    tier: "order",
    orderId: req.order.orderId,
    ...(typeof req.order.parameters.incident_id === "string" ? { incidentId: req.order.parameters.incident_id } : {}),
  });
  await d.append(draft, `heal ${runbook.id} on ${host}`);
  d.log.info("heal finished", { runbook: runbook.id, target: host, outcome: result.outcome, reason: result.reason });
  return result;
}

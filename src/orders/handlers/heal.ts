/**
 * Orders that act on Linux targets: `healing` and `run_runbook` run a catalog runbook on a
 * target through the one heal path (guardrails, verify, evidence); `run_drift` scans every
 * target now. Only runbooks in the embedded catalog run, on targets from the latest check-in.
 * @module
 */
import type { Catalog } from "../../catalog/index.ts";
import type { HealResult } from "../../heal/run-runbook.ts";
import type { LinuxTarget } from "../../inventory/targets.ts";
import type { VerifiedOrder } from "../verify.ts";
import type { OrderHandler } from "../runner.ts";

export interface HealHandlerDeps {
  catalog: () => Promise<Catalog>;
  linuxTargets: () => readonly LinuxTarget[];
  /** Runs the runbook on the target through the guardrails, records the action, returns the result. */
  heal: (req: { runbookId: string; target: LinuxTarget; params: Record<string, unknown>; order: VerifiedOrder }) => Promise<HealResult>;
  /** Makes every Linux target due for a scan now; false when there is no scanner (no targets). */
  scanNow: () => Promise<boolean>;
}

const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

export function healHandlers(deps: HealHandlerDeps): Record<string, OrderHandler> {
  const heal: OrderHandler = {
    timeoutMs: 30 * 60_000,
    async run(order) {
      const p = order.parameters;
      const runbookId = order.runbookId ?? str(p.runbook_id);
      const hostname = str(p.hostname) ?? str(p.host_id) ?? str(p.target);
      if (!runbookId) return { success: false, errorMessage: "the order names no runbook_id" };
      if (!hostname) return { success: false, errorMessage: "the order's signed parameters name no hostname" };
      const runbook = (await deps.catalog()).runbook(runbookId);
      if (!runbook) return { success: false, errorMessage: `no runbook "${runbookId}" in this build's catalog` };
      const target = deps.linuxTargets().find((t) => t.hostname.toLowerCase() === hostname.toLowerCase());
      if (!target) return { success: false, errorMessage: `"${hostname}" is not a Linux target of this site` };
      const params = p.params && typeof p.params === "object" && !Array.isArray(p.params) ? (p.params as Record<string, unknown>) : {};
      const r = await deps.heal({ runbookId: runbook.id, target, params, order });
      const result = { runbook_id: runbook.id, hostname: target.hostname, outcome: r.outcome, phases: r.phases.map((x) => `${x.phase}:${x.result}`) };
      return r.outcome === "success" ? { success: true, result } : { success: false, result, errorMessage: `${r.outcome}: ${r.reason ?? "the check did not pass after the heal"}` };
    },
  };
  return {
    healing: heal,
    run_runbook: heal,
    run_drift: {
      timeoutMs: 5_000,
      async run() {
        return (await deps.scanNow())
          ? { success: true, result: { status: "scan_requested" } }
          : { success: false, errorMessage: "no Linux targets to scan" };
      },
    },
  };
}

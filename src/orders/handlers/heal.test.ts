import { describe, expect, test } from "bun:test";
import { createCatalog, type Check, type Runbook } from "../../catalog/index.ts";
import type { HealResult } from "../../heal/run-runbook.ts";
import type { VerifiedOrder } from "../verify.ts";
import { healHandlers } from "./heal.ts";

const check = { id: "demo.thing.ok", check_type: "demo", compliance: { hipaa: ["164.312(b)"] } } as unknown as Check;
const runbook = { id: "demo.thing.fix", legacy_id: "LIN-DEMO-001", check: check.id } as unknown as Runbook;
const catalog = createCatalog([check], [runbook]);

function setup(outcome: HealResult["outcome"] = "success") {
  const calls: unknown[] = [];
  const handlers = healHandlers({
    catalog: async () => catalog,
    linuxTargets: () => [{ hostname: "Srv1", port: 22, username: "root", password: "pw" }],
    heal: async (req) => {
      calls.push({ runbookId: req.runbookId, host: req.target.hostname, params: req.params });
      return { outcome, ...(outcome === "success" ? {} : { reason: "outside 02:00-04:00" }), phases: [{ phase: "detect", started_at: "", duration_ms: 0, result: "fail" }], pre: {} as never, rollbackAvailable: false };
    },
    scanNow: async () => true,
  });
  return { handlers, calls };
}

const order = (parameters: Record<string, unknown>, runbookId?: string): VerifiedOrder => ({
  orderId: "o-1",
  orderType: "healing",
  parameters,
  nonce: "n",
  expiresAtMs: 0,
  keyIndex: 0,
  ...(runbookId ? { runbookId } : {}),
});
const signal = new AbortController().signal;

describe("healHandlers", () => {
  test("runs the named runbook (by id or legacy id) on the named target", async () => {
    const { handlers, calls } = setup();
    const r = await handlers.healing!.run(order({ hostname: "srv1", params: { mode: "no" } }, "LIN-DEMO-001"), signal);
    expect(r).toEqual({ success: true, result: { runbook_id: "demo.thing.fix", hostname: "Srv1", outcome: "success", phases: ["detect:fail"] } });
    expect(calls).toEqual([{ runbookId: "demo.thing.fix", host: "Srv1", params: { mode: "no" } }]);
  });

  test("an outcome other than success is a failed order with the reason", async () => {
    const { handlers } = setup("deferred");
    const r = await handlers.run_runbook!.run(order({ runbook_id: "demo.thing.fix", hostname: "srv1" }), signal);
    expect(r).toMatchObject({ success: false, errorMessage: "deferred: outside 02:00-04:00" });
  });

  test.each([
    [{ hostname: "srv1" }, undefined, "the order names no runbook_id"],
    [{ runbook_id: "demo.thing.fix" }, undefined, "the order's signed parameters name no hostname"],
    [{ runbook_id: "rm-rf", hostname: "srv1" }, undefined, 'no runbook "rm-rf" in this build\'s catalog'],
    [{ runbook_id: "demo.thing.fix", hostname: "elsewhere" }, undefined, '"elsewhere" is not a Linux target of this site'],
  ])("refuses %j without running anything", async (parameters, runbookId, message) => {
    const { handlers, calls } = setup();
    expect(await handlers.healing!.run(order(parameters, runbookId), signal)).toEqual({ success: false, errorMessage: message });
    expect(calls).toEqual([]);
  });
});

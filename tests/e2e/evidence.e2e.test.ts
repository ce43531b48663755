/**
 * Evidence through the compiled agent, as a technician and an auditor meet it: the appliance
 * attests its own health every cycle, the records reach Central Command, a record CC refuses is
 * kept and shown by `status`, and `verify` passes on the untouched chain and names the first
 * record after tampering.
 */
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { runAgentCommand, writeAgentConfig } from "../helpers/agent-process.ts";
import { e2eFixture } from "../helpers/e2e-fixture.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const KEY = "evidence-key-0123456789abcdefghijklmno";
const t = e2eFixture();

test("self-check records reach CC, a refused one is shown by status, verify passes and then names a tampered record", async () => {
  using dir = tempDir();
  const cc = await t.startCC({ sites: { clinic: { apiKey: KEY } } });
  // CC will refuse the second record; force_checkin orders make cycles (and records) follow quickly.
  cc.state.refuseEvidenceRecord(2, "check id not in catalog");
  for (let i = 0; i < 3; i++) cc.state.queueOrder({ order_type: "force_checkin" });
  const stateDir = join(dir.path, "state");
  const config = writeAgentConfig(join(dir.path, "config.yaml"), {
    site_id: "clinic",
    api_key: KEY,
    api_endpoint: cc.url,
    state_dir: stateDir,
  });
  const agent = t.startAgent(config);
  await cc.state.waitFor((s) => s.deliveredRecords("clinic").length >= 4, 20_000);
  expect(await agent.stop("SIGTERM")).toBe(0);

  const delivered = cc.state.deliveredRecords("clinic");
  expect(delivered.map((r) => r.seq)).not.toContain(2);
  const kinds = new Set(delivered.map((r) => (r.record as { kind: string }).kind));
  expect(kinds).toEqual(new Set(["scan", "action"]));
  const selfScan = delivered.find((r) => (r.record as { scan?: { method: string } }).scan?.method === "self");
  expect(selfScan).toBeDefined();

  const status = runAgentCommand(["status", "--config", config]);
  expect(status.exitCode).toBe(0);
  expect(status.stdout).toMatch(/REFUSED seq 2 \(.+\): HTTP 400: check id not in catalog/);
  const statusJson = JSON.parse(runAgentCommand(["status", "--config", config, "--json"]).stdout);
  expect(statusJson.evidence).toMatchObject({ dead: 1, dead_letters: [{ seq: 2, reason: "HTTP 400: check id not in catalog" }] });

  // Once the cause is fixed, a person re-queues the refused record; nothing was deleted.
  const retry = runAgentCommand(["evidence", "retry-dead", "--state-dir", stateDir]);
  expect(retry.stdout.trim()).toBe("1 refused record queued for upload again");
  expect(JSON.parse(runAgentCommand(["status", "--state-dir", stateDir, "--json"]).stdout).evidence).toMatchObject({ dead: 0, dead_letters: [] });

  const ok = runAgentCommand(["verify", "--state-dir", stateDir]);
  expect(ok.exitCode).toBe(0);
  expect(ok.stdout).toContain("chain intact");

  const db = new Database(join(stateDir, "agent.db"));
  const row = db.query<{ canonical: string; bundle_id: string }, []>("SELECT canonical, bundle_id FROM evidence WHERE seq = 3").get()!;
  db.query("UPDATE evidence SET canonical = ? WHERE seq = 3").run(row.canonical.replace("compliance-agent/evidence/v1", "compliance-agent/evidence/v2"));
  db.close();
  const broken = runAgentCommand(["verify", "--state-dir", stateDir]);
  expect(broken.exitCode).toBe(1);
  expect(broken.stdout).toContain(`chain BROKEN at record 3 (${row.bundle_id}): content does not match its hash`);
  const brokenJson = JSON.parse(runAgentCommand(["verify", "--state-dir", stateDir, "--json"]).stdout);
  expect(brokenJson.firstBreak).toMatchObject({ seq: 3, bundleId: row.bundle_id });
}, 60_000);

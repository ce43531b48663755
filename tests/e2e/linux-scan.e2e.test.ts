/**
 * Linux targets through the compiled agent, as Central Command uses it: targets arrive in the
 * check-in, every check of the catalog runs against a real sshd in one round trip per host,
 * each host's results reach CC as a signed scan record, an unreachable host is never a pass,
 * the appliance does not scan itself, and orders (`run_drift`, `healing`) go through the one
 * heal path.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeAgentConfig } from "../helpers/agent-process.ts";
import { e2eFixture } from "../helpers/e2e-fixture.ts";
import { sshdSkipReason, startSshd, type SshServer } from "../helpers/sshd.ts";
import { tempDir } from "../helpers/temp-dir.ts";
import { embeddedCatalog } from "../../src/catalog/index.ts";

const KEY = "linux-scan-key-0123456789abcdefghijklm";
const t = e2eFixture();
const skip = sshdSkipReason !== undefined;
const suffix = skip ? ` (${sshdSkipReason})` : "";

interface ScanRecordView {
  kind: string;
  host_id: string;
  scan?: { method: string; checks: { check: string; status: string; reason?: string }[] };
  action?: { runbook_id?: string; outcome: string; reason?: string; phases: { phase: string; result?: string }[] };
}

let other: SshServer | undefined;
let self: SshServer | undefined;
beforeAll(async () => {
  if (skip) return;
  // A loopback sshd that looks like another machine, and one that is plainly this machine.
  other = await startSshd({ machineId: "0123456789abcdef0123456789abcdef" });
  self = await startSshd({ listenAddress: "127.0.0.2" });
});
afterAll(async () => {
  await other?.stop();
  await self?.stop();
});

describe.skipIf(skip)(`Linux scans through the compiled agent${suffix}`, () => {
  test("scans each target with the whole catalog, reports unreachable ones, never scans itself, and takes run_drift and healing orders", async () => {
    using dir = tempDir();
    const closed = await startSshd();
    await closed.stop();
    const cc = await t.startCC({
      sites: {
        clinic: {
          apiKey: KEY,
          linuxTargets: [
            { hostname: "127.0.0.1", port: other!.port, username: "root", private_key: other!.rootKey.privateKey },
            { hostname: "localhost", port: closed.port, username: "root", private_key: other!.rootKey.privateKey },
            { hostname: "127.0.0.2", port: self!.port, username: "root", private_key: self!.rootKey.privateKey },
          ],
        },
      },
    });
    const config = writeAgentConfig(join(dir.path, "config.yaml"), { site_id: "clinic", api_key: KEY, api_endpoint: cc.url, state_dir: join(dir.path, "state"), poll_interval: 10 });
    const agent = t.startAgent(config);
    const records = () => cc.state.deliveredRecords("clinic").map((r) => r.record as unknown as ScanRecordView);
    const sshScans = () => records().filter((r) => r.scan?.method === "ssh");
    await cc.state.waitFor(() => ["127.0.0.1", "localhost"].every((h) => sshScans().some((r) => r.host_id === h)), 60_000);

    const catalog = embeddedCatalog();
    const reached = sshScans().find((r) => r.host_id === "127.0.0.1")!;
    // Every check of the catalog has a verdict: none is missing, none is silently dropped.
    expect(reached.scan!.checks.map((c) => c.check).sort()).toEqual(catalog.checks.filter((c) => c.status !== "retired").map((c) => c.id).sort());
    expect(reached.scan!.checks.find((c) => c.check === "linux.sshd.root-login-disabled")!.status).toMatch(/^(pass|fail)$/);
    const down = sshScans().find((r) => r.host_id === "localhost")!;
    expect(new Set(down.scan!.checks.map((c) => c.status))).toEqual(new Set(["unreachable"]));
    // The third target is this very machine (same machine id): it yields no scan record at all.
    expect(sshScans().some((r) => r.host_id === "127.0.0.2")).toBe(false);

    // run_drift makes every target due now; a healing order runs through the heal path and is recorded.
    const before = sshScans().length;
    cc.state.queueOrder({ order_type: "run_drift" });
    const heal = cc.state.queueOrder({ order_type: "healing", parameters: { runbook_id: "linux.sshd.disable-root-login", hostname: "127.0.0.1", incident_id: "inc-1" } });
    const done = await cc.state.waitFor((s) => s.completions.find((c) => c.order_id === heal.order_id), 60_000);
    await cc.state.waitFor(() => sshScans().length > before, 60_000);
    const action = await cc.state.waitFor(() => records().find((r) => r.action?.runbook_id === "linux.sshd.disable-root-login"), 30_000);
    expect(action.host_id).toBe("127.0.0.1");
    expect(action.action!.phases[0]).toMatchObject({ phase: "detect" });
    if (reached.scan!.checks.find((c) => c.check === "linux.sshd.root-login-disabled")!.status === "pass") {
      // Nothing to heal on a compliant host: success, and no remediation ran.
      expect(done).toMatchObject({ success: true });
      expect(action.action).toMatchObject({ outcome: "success", reason: "already compliant: nothing was changed" });
    } else {
      // New sites start in dry run: the heal is planned, recorded, and not performed.
      expect(done).toMatchObject({ success: false });
      expect(action.action!.outcome).toBe("dry_run");
    }
    expect(await agent.stop("SIGTERM")).toBe(0);
  }, 150_000);
});

/**
 * The compiled agent under a service manager: SIGTERM in the middle of a check-in stops it
 * cleanly with its state intact; it tells systemd READY/STOPPING, and feeds the watchdog only
 * while its loop makes progress.
 */
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { runAgentCommand, writeAgentConfig } from "../helpers/agent-process.ts";
import { e2eFixture } from "../helpers/e2e-fixture.ts";
import { startNotifySocket } from "../helpers/notify-socket.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const KEY = "lifecycle-key-0123456789abcdefghijklmn";
const t = e2eFixture();

test("SIGTERM during a check-in exits 0 within seconds and leaves the state intact", async () => {
  using dir = tempDir();
  const cc = await t.startCC({ sites: { clinic: { apiKey: KEY } } });
  const stateDir = join(dir.path, "state");
  const config = writeAgentConfig(join(dir.path, "config.yaml"), {
    site_id: "clinic",
    api_key: KEY,
    api_endpoint: cc.url,
    state_dir: stateDir,
  });
  // First run: one good check-in, so there is state to keep.
  let agent = t.startAgent(config);
  await cc.state.waitFor((s) => s.acceptedCheckins[0], 15_000);
  await agent.waitForLog((l) => l.msg === "checked in");
  expect(await agent.stop("SIGTERM")).toBe(0);

  // Second run: CC answers slowly, and SIGTERM arrives while the check-in is in flight.
  cc.state.setLatency("checkin", 8_000);
  agent = t.startAgent(config);
  await agent.waitForLog((l) => l.msg === "agent started");
  await Bun.sleep(300);
  const t0 = performance.now();
  expect(await agent.stop("SIGTERM")).toBe(0);
  expect(performance.now() - t0).toBeLessThan(3_000);
  expect(agent.logs("agent stopped").length).toBe(1);

  const db = new Database(join(stateDir, "agent.db"), { readonly: true });
  expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  db.close();
  const status = JSON.parse(runAgentCommand(["status", "--config", config, "--json"]).stdout);
  expect(status.provisioned).toBe(true);
  expect(status.last_checkin.ok).toBe(true);
  expect(runAgentCommand(["selftest", "--config", config]).exitCode).toBe(0);
}, 30_000);

test("notifies systemd and pings the watchdog only while the loop makes progress", async () => {
  using dir = tempDir();
  using notify = await startNotifySocket(dir.path);
  const cc = await t.startCC({ sites: { clinic: { apiKey: KEY } } });
  const config = writeAgentConfig(join(dir.path, "config.yaml"), {
    site_id: "clinic",
    api_key: KEY,
    api_endpoint: cc.url,
    state_dir: join(dir.path, "state"),
  });
  // The first check-in hangs for 4 s: a loop stuck in an await must not ping.
  cc.state.setLatency("checkin", 4_000);
  const agent = t.startAgent(config, { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: "2000000" });
  await agent.waitForLog((l) => l.msg === "agent started");
  const started = Date.now();
  await agent.waitForLog((l) => l.msg === "checked in", 15_000);
  const answered = Date.now();
  cc.state.setLatency("checkin", 0);
  await Bun.sleep(2_500); // idle between check-ins: the loop's sleep slices are progress
  expect(await agent.stop("SIGTERM")).toBe(0);
  await Bun.sleep(200);

  expect(notify.having("READY=1").length).toBe(1);
  expect(notify.having("STOPPING=1").length).toBe(1);
  const pings = notify.having("WATCHDOG=1");
  const duringHang = pings.filter((p) => p.t > started + 200 && p.t < answered - 200);
  expect(duringHang).toEqual([]);
  const whileIdle = pings.filter((p) => p.t > answered);
  expect(whileIdle.length).toBeGreaterThanOrEqual(2);
}, 30_000);

import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../config/index.ts";
import { createLogger } from "../log/logger.ts";
import { SecretRegistry } from "../log/secrets.ts";
import { seededRandom } from "../time/random.ts";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { tempDir, type TempDir } from "../../tests/helpers/temp-dir.ts";
import { createReferenceCC, type ReferenceCC } from "../../tests/reference-cc/index.ts";
import { writeAgentConfig } from "../../tests/helpers/agent-process.ts";
import { startAgent, type RunningAgent } from "./agent.ts";
import type { MachineFacts } from "../central/checkin.ts";

const KEY = "agent-test-key-0123456789abcdefghijklmn";
const FACTS: MachineFacts = {
  hostname: "appliance-1",
  macAddress: "52:54:00:12:34:56",
  allMacAddresses: ["52:54:00:12:34:56"],
  ipAddresses: ["192.168.1.50"],
  uptimeSeconds: 1234,
  osVersion: "24.05",
  bootSource: "installed_disk",
};

interface Harness {
  agent: RunningAgent;
  cc: ReferenceCC;
  clock: FakeClock;
  logs: Record<string, unknown>[];
  dir: TempDir;
  /** Moves time on until `pred` holds, letting the agent's awaits run in between. */
  until<T>(pred: () => T, stepMs?: number, maxSteps?: number): Promise<T>;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.agent.stop();
  h?.dir[Symbol.dispose]();
  h = undefined;
});

async function harness({ ccClockOffsetMs = 0, configure }: { ccClockOffsetMs?: number; configure?: (cc: ReferenceCC) => void } = {}) {
  const dir = tempDir();
  const clock = new FakeClock();
  const cc = createReferenceCC({ sites: { clinic: { apiKey: KEY } }, now: () => clock.now() + ccClockOffsetMs });
  configure?.(cc);
  const file = writeAgentConfig(join(dir.path, "config.yaml"), {
    site_id: "clinic",
    api_key: KEY,
    api_endpoint: "http://cc.test",
    state_dir: join(dir.path, "state"),
  });
  const { config } = loadConfig(file);
  const logs: Record<string, unknown>[] = [];
  const secrets = new SecretRegistry();
  const agent = startAgent({
    config,
    secrets,
    log: createLogger({ level: "debug", secrets, sink: (l) => logs.push(JSON.parse(l)), clock }),
    clock,
    random: seededRandom(7),
    fetch: ((input: string | URL | Request, init?: RequestInit) => cc.app.request(new Request(input as string, init))) as typeof fetch,
    agentVersion: "0.0.0-test",
    machineFacts: () => FACTS,
    daemonHealth: (_f, q) => ({ queue_depths: q }),
    persistApiKey: () => {},
  });
  const until = async <T,>(pred: () => T, stepMs = 1_000, maxSteps = 2_000): Promise<T> => {
    for (let i = 0; i < maxSteps; i++) {
      const v = pred();
      if (v) return v;
      await Bun.sleep(1);
      clock.advance(stepMs);
    }
    throw new Error("condition not reached");
  };
  h = { agent, cc, clock, logs, dir, until };
  return h;
}

describe("agent with the reference Central Command", () => {
  test("holds credentials from the envelope in memory and drops them when CC sends none", async () => {
    const answers: Record<string, unknown>[] = [];
    const { agent, cc, until } = await harness({
      configure: (cc) => {
        cc.state.configureSite("clinic", {
          linuxTargets: [{ hostname: "10.0.0.5", port: 22, username: "admin", password: "PLANTED-pw-1" }],
          windowsTargets: [{ hostname: "10.0.0.9", username: "CLINIC\\a", password: "PLANTED-pw-2", use_ssl: true, role: "winrm" }],
        });
        cc.state.transformCheckinResponse = (r) => (answers.push(r), r);
      },
    });
    await until(() => agent.inventory.linux.length === 1);
    expect(agent.inventory.linux[0]).toEqual({ hostname: "10.0.0.5", port: 22, username: "admin", password: "PLANTED-pw-1", sudoPassword: "PLANTED-pw-1" });
    expect(agent.inventory.windows[0]!.password).toBe("PLANTED-pw-2");
    // The targets came inside the envelope, not in the clear.
    expect(answers[0]).toMatchObject({ linux_targets: [], windows_targets: [], encrypted_credentials: { nonce: expect.any(String) } });
    expect(JSON.stringify(answers[0])).not.toContain("PLANTED");

    cc.state.configureSite("clinic", { linuxTargets: [], windowsTargets: [] });
    agent.wake();
    await until(() => agent.inventory.linux.length === 0 && agent.inventory.windows.length === 0);
  });

  test("takes orders through the fleet fallback while check-in fails", async () => {
    const { cc, until, agent } = await harness();
    await until(() => cc.state.acceptedCheckins.length === 1);
    cc.state.failNext(1, 500, { route: "checkin" });
    const order = cc.state.queueOrder({ order_type: "disable_healing", parameters: { reason: "practice asked" } });
    agent.wake();
    const done = await until(() => cc.state.completions.find((c) => c.order_id === order.order_id));
    expect(done).toMatchObject({ success: true });
    expect(cc.state.requests.some((r) => r.route === "fleet-orders" && r.status === 200)).toBe(true);
    // It was taken from the fallback, not from a later check-in.
    const fallbackAt = cc.state.requests.find((r) => r.route === "fleet-orders")!.time;
    expect(cc.state.acceptedCheckins.filter((c) => c.time <= fallbackAt).length).toBe(1);
  });

  test("asks for a new key at most once an hour when CC refuses the rekey", async () => {
    const { cc, until, clock } = await harness();
    await until(() => cc.state.acceptedCheckins[0]?.rotatedApiKey);
    for (const k of cc.state.activeKeys("clinic")) cc.state.revokeKey(k);
    cc.state.failNext(1, 429, { route: "rekey" });
    await until(() => cc.state.requests.some((r) => r.route === "rekey"));
    const t0 = clock.now();
    // Half an hour of 401s: no second rekey.
    await until(() => clock.now() - t0 > 30 * 60_000, 10_000);
    expect(cc.state.requests.filter((r) => r.route === "rekey").length).toBe(1);
    // After the hour, the next rekey goes through and check-ins recover.
    await until(() => cc.state.rekeys.some((r) => r.status === 200), 10_000);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(60 * 60_000 - 10_000);
    const rekeyedAt = cc.state.rekeys.find((r) => r.status === 200)!.time;
    await until(() => cc.state.acceptedCheckins.some((c) => c.time >= rekeyedAt && c.status === 200));
  });

  test("reports a clock that differs from Central Command's", async () => {
    const { logs, until } = await harness({ ccClockOffsetMs: 30_000 });
    const warn = await until(() => logs.find((l) => l.msg === "clock differs from Central Command's"));
    expect(Math.abs((warn!.skew_ms as number) - 30_000)).toBeLessThan(1_000);
  });
});

describe("agent with a wrong clock", () => {
  test("a 401 caused by clock skew is reported as such and does not trigger a rekey", async () => {
    const { cc, logs, until, clock } = await harness({ ccClockOffsetMs: 5 * 60_000 });
    const err = await until(() => logs.find((l) => l.msg === "Central Command refused the check-in and this clock is off: fix time sync"));
    expect(Math.abs((err!.skew_ms as number) - 5 * 60_000)).toBeLessThan(2_000);
    const t0 = clock.now();
    await until(() => clock.now() - t0 > 10 * 60_000, 5_000);
    expect(cc.state.requests.filter((r) => r.route === "checkin").length).toBeGreaterThanOrEqual(3);
    expect(cc.state.requests.filter((r) => r.route === "rekey")).toEqual([]);
  });
});

describe("agent evidence", () => {
  test("every cycle attests the appliance's health, and the record reaches Central Command intact", async () => {
    const { cc, agent, until } = await harness();
    const delivered = await until(() => cc.state.deliveredRecords("clinic").find((r) => r.record.kind === "scan"));
    const record = delivered!.record as { scan: { method: string; checks: { check: string; status: string }[] }; host_id: string };
    expect(record.scan.method).toBe("self");
    expect(record.scan.checks.map((c) => c.check).sort()).toEqual([
      "appliance.agent-version",
      "appliance.clock-offset",
      "appliance.disk-space",
      "appliance.evidence-queue",
      "appliance.last-checkin",
      "appliance.time-sync",
    ]);
    // The dev build's version is a development version: the check says so rather than pass.
    expect(record.scan.checks.find((c) => c.check === "appliance.agent-version")!.status).toBe("fail");
    const stored = agent.evidence.get(delivered!.seq)!;
    expect(stored.hash).toBe(delivered!.hash);
    await until(() => agent.evidence.get(delivered!.seq)!.uploadState === "delivered");
  });

  test("an order's outcome is an action record, a rejection included", async () => {
    const { cc, agent, until } = await harness();
    await until(() => cc.state.acceptedCheckins.length === 1);
    const good = cc.state.queueOrder({ order_type: "force_checkin" });
    const forged = cc.state.queueOrder({ order_type: "reboot", tamper: "bad-signature" });
    agent.wake();
    const actions = () =>
      [...agent.evidence.chain()]
        .filter((e) => !e.pruned && e.row.kind === "action")
        .map((e) => (e.pruned ? undefined : JSON.parse(e.row.canonical).action));
    const found = await until(() => (actions().length >= 2 ? actions() : undefined));
    expect(found!.find((a) => a.order_id === good.order_id)).toMatchObject({ tier: "order", outcome: "success", check: "order.force_checkin" });
    expect(found!.find((a) => a.order_id === forged.order_id)).toMatchObject({
      outcome: "rejected",
      reason: expect.stringMatching(/^signature verification failed:/),
    });
  });
});

/**
 * Recovery without a person: a revoked key (three 401s → rekey → check-ins resume with the new
 * key, written to the config file), and Central Command down for a while (backoff, no busy
 * loop, then recovery).
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.ts";
import { writeAgentConfig } from "../helpers/agent-process.ts";
import { e2eFixture } from "../helpers/e2e-fixture.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const t = e2eFixture();

test("three 401s in a row lead to a rekey and check-ins resume with the new key", async () => {
  using dir = tempDir();
  const cc = await t.startCC({ sites: { clinic: { apiKey: "first-key-0123456789abcdefghijklmnop" } } });
  const configFile = writeAgentConfig(join(dir.path, "config.yaml"), {
    site_id: "clinic",
    api_key: "first-key-0123456789abcdefghijklmnop",
    api_endpoint: cc.url,
    state_dir: join(dir.path, "state"),
    poll_interval: 10,
  });
  const agent = t.startAgent(configFile);
  const rotated = (await cc.state.waitFor((s) => s.acceptedCheckins[0]?.rotatedApiKey, 15_000))!;
  // CC revokes the key (an operator's mistake, a database restore…).
  cc.state.revokeKey(rotated);
  const rekey = await cc.state.waitFor((s) => s.rekeys.find((r) => r.status === 200), 40_000);
  const after = await cc.state.waitFor((s) => s.acceptedCheckins.find((c) => c.time > rekey!.time && c.status === 200), 15_000);

  expect(after!.bearer).toBe(rekey!.api_key!);
  const refused = cc.state.requests.filter((r) => r.route === "checkin" && r.status === 401);
  expect(refused.length).toBe(3);
  expect(cc.state.rekeys.length).toBe(1);
  expect(rekey!.site_id).toBe("clinic");
  expect(rekey!.mac_address).toBe(cc.state.acceptedCheckins[0]!.body.mac_address);
  expect(loadConfig(configFile).config.apiKey).toBe(rekey!.api_key!);
}, 90_000);

test("Central Command down: the agent backs off without a busy loop and recovers", async () => {
  using dir = tempDir();
  const cc = await t.startCC({ sites: { clinic: { apiKey: "first-key-0123456789abcdefghijklmnop" } } });
  const url = cc.url;
  await cc.stop();
  const configFile = writeAgentConfig(join(dir.path, "config.yaml"), {
    site_id: "clinic",
    api_key: "first-key-0123456789abcdefghijklmnop",
    api_endpoint: url,
    state_dir: join(dir.path, "state"),
  });
  const agent = t.startAgent(configFile);
  await Bun.sleep(4000);
  const failures = agent.logs("check-in failed");
  expect(failures.length).toBeGreaterThanOrEqual(2);
  // Never two attempts less than the 1 s floor apart: no busy loop.
  expect(failures.length).toBeLessThanOrEqual(5);
  const times = failures.map((l) => Date.parse(l.ts as string));
  for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(950);

  await cc.restart();
  await cc.state.waitFor((s) => s.acceptedCheckins[0], 40_000);
  await agent.waitForLog((l) => l.msg === "checked in");
}, 90_000);

/**
 * The compiled agent checking in to the reference Central Command over a real socket: every
 * request field of the protocol with this machine's real values, valid signatures, and the
 * first-check-in key rotation written back to the config file.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../src/config/index.ts";
import { collectHostFacts } from "../../src/host/index.ts";
import { signingKeyFromSeed } from "../../src/identity/index.ts";
import { runAgentCommand, writeAgentConfig } from "../helpers/agent-process.ts";
import { e2eFixture } from "../helpers/e2e-fixture.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const SITE = "clinic-e2e";
const KEY = "initial-key-0123456789abcdefghijklmnopqrstuv";

const t = e2eFixture();

function keyFromFile(path: string) {
  const hex = readFileSync(path, "utf8").trim();
  return signingKeyFromSeed(Uint8Array.from(Buffer.from(hex, "hex")));
}

describe("compiled agent check-in", () => {
  test("sends every protocol field with this machine's values and valid signatures", async () => {
    using dir = tempDir();
    const cc = await t.startCC({ sites: { [SITE]: { apiKey: KEY } } });
    const stateDir = join(dir.path, "state");
    const config = writeAgentConfig(join(dir.path, "config.yaml"), {
      site_id: SITE,
      api_key: KEY,
      api_endpoint: cc.url,
      state_dir: stateDir,
    });
    const agent = t.startAgent(config);
    const first = await cc.state.waitFor((s) => s.acceptedCheckins[0], 15_000);
    const body = first.body as Record<string, unknown>;
    const facts = collectHostFacts();
    const identity = keyFromFile(join(stateDir, "keys/identity.key"));
    const evidence = keyFromFile(join(stateDir, "keys/evidence.key"));
    const version = runAgentCommand(["version"]).stdout.trim().split(" ")[1];

    expect(first.sigauthValid).toBe(true);
    expect(first.heartbeatValid).toBe(true);
    expect(first.bearer).toBe(KEY);
    const shown: Record<string, unknown> = {
      ...body,
      uptime_seconds: undefined,
      heartbeat_signature: undefined,
      heartbeat_timestamp: undefined,
      encryption_public_key: undefined,
      daemon_health: undefined,
    };
    expect(shown).toEqual({
      site_id: SITE,
      hostname: facts.hostname,
      mac_address: facts.macAddress,
      all_mac_addresses: facts.allMacAddresses,
      ip_addresses: facts.ipAddresses,
      uptime_seconds: undefined,
      agent_version: version,
      nixos_version: facts.osVersion,
      boot_source: facts.bootSource,
      agent_public_key: evidence.publicKeyHex,
      agent_identity_public_key: identity.publicKeyHex,
      heartbeat_signature: undefined,
      heartbeat_timestamp: undefined,
      encryption_public_key: undefined,
      daemon_health: undefined,
      has_local_credentials: false,
      deploy_results: [],
      connected_agents: [],
    });
    expect(body.mac_address).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/);
    expect(Math.abs((body.uptime_seconds as number) - facts.uptimeSeconds)).toBeLessThan(30);
    expect(Math.abs((body.heartbeat_timestamp as number) - Date.now() / 1000)).toBeLessThan(30);
    expect(body.encryption_public_key).toMatch(/^[0-9a-f]{64}$/);
    expect(body.encryption_public_key).not.toBe(evidence.publicKeyHex);
    expect(identity.publicKeyHex).not.toBe(evidence.publicKeyHex);
    expect(body.daemon_health).toMatchObject({
      rss_mb: expect.any(Number),
      uptime_seconds_daemon: expect.any(Number),
      num_cpu: expect.any(Number),
      boot_source: facts.bootSource,
      queue_depths: expect.any(Object),
    });
    // The identity fingerprint header is what CC looks the key up by.
    const req = cc.state.requests.find((r) => r.route === "checkin")!;
    expect(req.headers["x-appliance-pubkey-fingerprint"]).toBe(identity.fingerprint);
  }, 30_000);

  test("uses the rotated key for every later request and writes it to the config file", async () => {
    using dir = tempDir();
    const cc = await t.startCC({ sites: { [SITE]: { apiKey: KEY } } });
    // A force_checkin order makes the second check-in follow at once.
    cc.state.queueOrder({ order_type: "force_checkin" });
    const configFile = join(dir.path, "config.yaml");
    writeAgentConfig(
      configFile,
      { site_id: SITE, api_key: KEY, api_endpoint: cc.url, state_dir: join(dir.path, "state"), poll_interval: 30, log_level: "debug" },
      "# nested block some sites carry; must survive untouched\nconfig:\n  api_key: nested-old-value\n  site_id: nested\n",
    );
    const before = parseYaml(readFileSync(configFile, "utf8"));
    const agent = t.startAgent(configFile);
    const rotated = (await cc.state.waitFor((s) => s.acceptedCheckins[0]?.rotatedApiKey, 15_000))!;
    await cc.state.waitFor((s) => s.acceptedCheckins.length >= 2 && s.completions.length >= 1, 15_000);

    const later = cc.state.requests.filter((r) => r.time > cc.state.acceptedCheckins[0]!.time);
    expect(later.length).toBeGreaterThanOrEqual(2);
    for (const r of later) expect(r.headers.authorization).toBe(`Bearer ${rotated}`);
    expect(cc.state.acceptedCheckins[1]!.bearer).toBe(rotated);

    const text = readFileSync(configFile, "utf8");
    const after = parseYaml(text);
    expect(after).toEqual({ ...before, api_key: rotated });
    expect(text).toContain("# compliance-agent test configuration");
    expect(text).toContain("# nested block some sites carry");
    expect(loadConfig(configFile).config.apiKey).toBe(rotated);
    // Neither key is ever printed.
    expect(agent.stdout).not.toContain(rotated);
    expect(agent.stdout).not.toContain(KEY);
  }, 30_000);
});

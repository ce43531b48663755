/**
 * Credentials from Central Command live in memory only: after a full run, planted secrets are
 * nowhere under the state dir and nowhere in what the agent printed.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeAgentConfig } from "../helpers/agent-process.ts";
import { e2eFixture } from "../helpers/e2e-fixture.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const t = e2eFixture();

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile());
}

test("planted target credentials never reach the state dir or the logs", async () => {
  using dir = tempDir();
  const planted = {
    linuxPassword: "PLANTED-linux-pw-7f3a9c",
    sudoPassword: "PLANTED-sudo-pw-1b2c3d",
    privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nPLANTED-private-key-material-e5f6\n-----END OPENSSH PRIVATE KEY-----",
    windowsPassword: 'PLANTED-win-pw-"quoted"\\9',
  };
  const apiKey = "site-key-PLANTED-0123456789abcdefghijklmnop";
  const cc = await t.startCC({ sites: { clinic: { apiKey } } });
  cc.state.configureSite("clinic", {
    linuxTargets: [
      { hostname: "10.0.0.5", port: 22, username: "admin", password: planted.linuxPassword, sudo_password: planted.sudoPassword },
      { hostname: "10.0.0.6", port: 2222, username: "svc", private_key: planted.privateKey },
    ],
    windowsTargets: [{ hostname: "10.0.0.7", username: "CLINIC\\admin", password: planted.windowsPassword, use_ssl: true, role: "domain_admin" }],
  });
  // Two check-ins (force_checkin), and an order whose failure is logged.
  cc.state.queueOrder({ order_type: "force_checkin" });
  cc.state.queueOrder({ order_type: "validate_credential", parameters: { hostname: "10.0.0.7" } });
  const stateDir = join(dir.path, "state");
  const config = writeAgentConfig(join(dir.path, "config.yaml"), {
    site_id: "clinic",
    api_key: apiKey,
    api_endpoint: cc.url,
    state_dir: stateDir,
    log_level: "debug",
  });
  const agent = t.startAgent(config);
  await cc.state.waitFor((s) => s.acceptedCheckins.length >= 2 && s.completions.length >= 2, 15_000);
  const checkedIn = await agent.waitForLog((l) => l.msg === "checked in" && (l.targets as { linux: number }).linux === 2);
  expect(checkedIn.targets).toEqual({ windows: 1, linux: 2 });
  // The credentials travelled in the envelope, not in plaintext.
  const answers = cc.state.requests.filter((r) => r.route === "checkin");
  expect(answers.length).toBeGreaterThanOrEqual(2);
  expect(await agent.stop("SIGTERM")).toBe(0);

  const secrets = [...Object.values(planted), "PLANTED-private-key-material-e5f6", apiKey];
  const rotated = cc.state.acceptedCheckins[0]!.rotatedApiKey!;
  secrets.push(rotated);
  for (const file of filesUnder(stateDir)) {
    const bytes = readFileSync(file);
    for (const s of secrets) {
      expect({ file, found: bytes.includes(Buffer.from(s)) }).toEqual({ file, found: false });
    }
  }
  for (const s of secrets) {
    expect(agent.stdout.includes(s) || agent.stderr.includes(s)).toBe(false);
    expect(agent.stdout.includes(JSON.stringify(s).slice(1, -1))).toBe(false);
  }
  // The agent did log about targets, so the search above searched real output.
  expect(agent.stdout).toContain("checked in");
}, 30_000);

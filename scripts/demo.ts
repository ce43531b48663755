/**
 * `npm run demo`: the agent's main job on a single machine. Builds the executable, starts the
 * reference Central Command (tests/reference-cc) on loopback with two sample targets and a
 * queued order, and runs the compiled agent against it in dry-run until Ctrl-C.
 *
 * Options: --poll SECONDS (default: the agent's own default, 60), --keep (reuse .demo/state).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startReferenceCC } from "../tests/reference-cc/index.ts";

const { values } = parseArgs({ options: { poll: { type: "string" }, keep: { type: "boolean" } } });
const root = resolve(import.meta.dir, "..");
const demoDir = join(root, ".demo");
const say = (msg: string) => process.stderr.write(`\x1b[36m[demo]\x1b[0m ${msg}\n`);

const build = Bun.spawnSync([process.execPath, "run", "scripts/build.ts"], { cwd: root, stdout: "inherit", stderr: "inherit" });
if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);

const siteId = "demo-clinic";
const apiKey = randomBytes(32).toString("base64url");
const cc = await startReferenceCC({
  sites: { [siteId]: { apiKey } },
  onRequest: (r) => say(`central command ← ${r.method} ${r.path} → ${r.status}`),
});
cc.state.configureSite(siteId, {
  linuxTargets: [{ hostname: "192.0.2.10", port: 22, username: "compliance", password: "demo-only-password", distro: "debian" }],
  windowsTargets: [{ hostname: "192.0.2.20", username: "CLINIC\\svc-compliance", password: "demo-only-password-2", use_ssl: true, role: "domain_admin" }],
});
cc.state.queueOrder({ order_type: "force_checkin" });
cc.state.queueOrder({ order_type: "nixos_rebuild", parameters: { flake_ref: "github:example/appliance#disk" } });
say(`reference Central Command on ${cc.url} (site ${siteId}; 2 targets, 2 orders queued)`);

if (!values.keep) rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true, mode: 0o700 });
const configFile = join(demoDir, "config.yaml");
writeFileSync(
  configFile,
  [
    "# Written by npm run demo: the reference Central Command on loopback, dry-run.",
    `site_id: ${siteId}`,
    `api_key: ${apiKey}`,
    `api_endpoint: ${cc.url}`,
    `state_dir: ${join(demoDir, "state")}`,
    "healing_dry_run: true",
    ...(values.poll ? [`poll_interval: ${values.poll}`] : []),
    "",
  ].join("\n"),
  { mode: 0o600 },
);
say(`config ${configFile}; agent: dist/compliance-agent run --config ${configFile}`);
say("Ctrl-C stops both");

const agent = Bun.spawn([join(root, "dist/compliance-agent"), "run", "--config", configFile], {
  stdout: "inherit",
  stderr: "inherit",
});
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  agent.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
const code = await agent.exited;
await cc.stop();
say(`agent exited with ${code}; try: dist/compliance-agent status --config ${configFile}`);
process.exit(code);

/**
 * TLS pinning on every call to Central Command: with `tls_pin_hash` set, the compiled agent
 * checks in only to a server whose certificate carries the pinned key, and keeps refusing a
 * wrong one (the pin is never dropped after failures).
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startReferenceCC, type RunningReferenceCC } from "../reference-cc/index.ts";
import { startAgent, writeAgentConfig, type AgentProcess } from "../helpers/agent-process.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const KEY = "tls-key-0123456789abcdefghijklmnopqrs";
const certs = tempDir("ca-tls-");
afterAll(() => certs[Symbol.dispose]());
let spkiPin = "";

beforeAll(() => {
  const r = Bun.spawnSync(
    [
      "sh",
      "-c",
      `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost ` +
        `-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout key.pem -out cert.pem 2>/dev/null && ` +
        `openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`,
    ],
    { cwd: certs.path },
  );
  if (r.exitCode !== 0) throw new Error("openssl failed to make a test certificate");
  spkiPin = r.stdout.toString().split(" ")[0]!;
});

let cc: RunningReferenceCC | undefined;
let agent: AgentProcess | undefined;
afterEach(async () => {
  await agent?.stop("SIGKILL", 1000);
  await cc?.stop();
  agent = cc = undefined;
}, 30_000);

async function runWithPin(pin: string) {
  cc = await startReferenceCC({
    sites: { clinic: { apiKey: KEY } },
    tls: { cert: readFileSync(join(certs.path, "cert.pem"), "utf8"), key: readFileSync(join(certs.path, "key.pem"), "utf8") },
  });
  const dir = tempDir();
  const config = writeAgentConfig(join(dir.path, "config.yaml"), {
    site_id: "clinic",
    api_key: KEY,
    api_endpoint: cc.url.replace("127.0.0.1", "localhost"),
    state_dir: join(dir.path, "state"),
    tls_pin_hash: pin,
  });
  // The test CA is trusted like a site's own CA would be; the pin is checked on top.
  agent = startAgent(config, { NODE_EXTRA_CA_CERTS: join(certs.path, "cert.pem") });
  return { cc, agent, dir };
}

test("checks in over HTTPS when the server key matches the pin", async () => {
  const { cc, agent, dir } = await runWithPin(spkiPin);
  using _ = dir;
  await cc.state.waitFor((s) => s.acceptedCheckins[0], 15_000);
  await agent.waitForLog((l) => l.msg === "checked in");
}, 30_000);

test("refuses a server whose key does not match the pin, every time", async () => {
  const wrong = "0".repeat(64);
  const { cc, agent, dir } = await runWithPin(wrong);
  using _ = dir;
  await agent.waitForLog((l) => l.msg === "check-in failed" && JSON.stringify(l).includes("TLS pin mismatch"), 15_000);
  await Bun.sleep(3_000);
  const failures = agent.logs("check-in failed");
  expect(failures.length).toBeGreaterThanOrEqual(2);
  for (const f of failures) expect(JSON.stringify(f)).toContain("TLS pin mismatch");
  // Nothing reached CC's handlers: the connection was dropped before any request was sent.
  expect(cc.state.requests.length).toBe(0);
}, 30_000);

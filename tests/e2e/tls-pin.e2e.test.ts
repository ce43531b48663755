/**
 * TLS pinning on every call to Central Command: with `tls_pin_hash` set, the compiled agent
 * checks in only to a server whose certificate carries the pinned key, and keeps refusing a
 * wrong one (the pin is never dropped after failures).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { writeAgentConfig } from "../helpers/agent-process.ts";
import { e2eFixture } from "../helpers/e2e-fixture.ts";
import { makeTestCert, type TestCert } from "../helpers/test-cert.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const KEY = "tls-key-0123456789abcdefghijklmnopqrs";
const certs = tempDir("ca-tls-");
afterAll(() => certs[Symbol.dispose]());
let cert: TestCert;
beforeAll(() => {
  cert = makeTestCert(certs.path);
});

const t = e2eFixture();

async function runWithPin(pin: string) {
  const cc = await t.startCC({
    sites: { clinic: { apiKey: KEY } },
    tls: { cert: cert.cert, key: cert.key },
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
  const agent = t.startAgent(config, { NODE_EXTRA_CA_CERTS: cert.certPath });
  return { cc, agent, dir };
}

test("checks in over HTTPS when the server key matches the pin", async () => {
  const { cc, agent, dir } = await runWithPin(cert.spkiSha256);
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

/**
 * A technician's mistakes stop the compiled agent with a non-zero status and a message naming
 * the key and the file; damaged keys and a foreign state dir are refused loudly, untouched.
 */
import { describe, expect, test } from "bun:test";
import { chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runAgentCommand } from "../helpers/agent-process.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const VALID = 'site_id: clinic\napi_key: "key-0123456789abcdefghij"\napi_endpoint: http://127.0.0.1:9\n';

describe("compiled agent refuses a bad config", () => {
  test.each([
    ["an unknown key, with a suggestion", `${VALID}poll_intervall: 60\n`, ["poll_intervall", 'did you mean "poll_interval"']],
    ["a wrong type", `${VALID}poll_interval: sixty\n`, ["poll_interval", "integer"]],
    ["an out-of-range value", `${VALID}poll_interval: 5\n`, ["poll_interval", "10"]],
    ["a missing required key", 'api_key: "key-0123456789abcdefghij"\n', ["site_id"]],
    ["invalid YAML", `${VALID}healing_enabled: [unclosed\n`, ["line"]],
    ["not a mapping", "- just\n- a list\n", ["mapping"]],
    ["a bad maintenance window", `${VALID}maintenance_window: "25:00-02:00"\n`, ["maintenance_window"]],
    ["two listeners on one port", `${VALID}status_port: 8080\nsensor_port: 8080\n`, ["status_port", "sensor_port"]],
  ])("%s", (_name, text, needles) => {
    using dir = tempDir();
    const file = join(dir.path, "config.yaml");
    // A list stays a list: only a mapping gets a private state_dir appended.
    writeFileSync(file, text.startsWith("-") ? text : text + `state_dir: ${join(dir.path, "state")}\n`);
    for (const command of [["run", "--config", file], ["selftest", "--config", file]]) {
      const r = runAgentCommand(command);
      expect(r.exitCode).not.toBe(0);
      const said = r.stderr + r.stdout;
      expect(said).toContain(file);
      for (const n of needles) expect(said).toContain(n);
      expect(said).not.toContain("key-0123456789abcdefghij");
    }
    expect(runAgentCommand(["run", "--config", file]).exitCode).toBe(78);
  });

  test("a missing config file names the file", () => {
    const r = runAgentCommand(["run", "--config", "/nonexistent/config.yaml"]);
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain("/nonexistent/config.yaml");
  });

  test("a wrong environment override names the variable", () => {
    using dir = tempDir();
    const file = join(dir.path, "config.yaml");
    writeFileSync(file, VALID + `state_dir: ${join(dir.path, "state")}\n`);
    const r = runAgentCommand(["run", "--config", file], { POLL_INTERVAL: "often" });
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain("POLL_INTERVAL");
  });

  test("usage errors exit 2 and point at --help", () => {
    const r = runAgentCommand(["run", "--bogus"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--help");
  });
});

describe("compiled agent refuses damaged state", () => {
  test("a damaged key file stops the agent and is left as it was", () => {
    using dir = tempDir();
    const state = join(dir.path, "state");
    mkdirSync(join(state, "keys"), { recursive: true, mode: 0o700 });
    const keyFile = join(state, "keys/evidence.key");
    writeFileSync(keyFile, "0123abcd\n", { mode: 0o600 }); // 4 bytes of seed instead of 32
    const file = join(dir.path, "config.yaml");
    writeFileSync(file, VALID + `state_dir: ${state}\n`);
    const r = runAgentCommand(["run", "--config", file]);
    expect(r.exitCode).toBe(65);
    expect(r.stderr).toContain(keyFile);
    expect(readFileSync(keyFile, "utf8")).toBe("0123abcd\n");
    const st = runAgentCommand(["selftest", "--config", file]);
    expect(st.exitCode).toBe(1);
    expect(st.stdout).toContain("FAIL evidence key");
  });

  test.skipIf(process.getuid?.() !== 0)("a state dir owned by another user is refused with the reason", () => {
    using dir = tempDir();
    const state = join(dir.path, "state");
    mkdirSync(state, { mode: 0o700 });
    chownSync(state, 65534, 65534);
    const file = join(dir.path, "config.yaml");
    writeFileSync(file, VALID + `state_dir: ${state}\n`);
    const r = runAgentCommand(["run", "--config", file]);
    expect(r.exitCode).toBe(73);
    expect(r.stderr).toContain(state);
    expect(r.stderr).toContain("owned by uid 65534");
  });
});

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testCheck } from "../catalog/test-support.ts";
import type { Check } from "../catalog/index.ts";
import { createSshExecutor, createMemoryHostKeyStore, type Executor } from "../transport/index.ts";
import { createThrowawayUser, generateKeyPair, sshdSkipReason, startSshd, type SshServer, type SudoRights } from "../../tests/helpers/sshd.ts";
import { scanHost, type Privilege } from "./scan-host.ts";

const skip = sshdSkipReason !== undefined;
const suffix = skip ? ` (${sshdSkipReason})` : "";
const NONCE = "n0nce0123456789abcdef";

function check(id: string, shell: string, privileged: boolean): Check {
  return testCheck(id, shell, {
    privileged,
    probe: { shell, parse: { out: { kind: "integer" } } },
    verdict: [{ if: { "==": [{ var: "out" }, 0] }, status: "pass" }, { status: "fail" }],
    expected: "uid 0",
    actual: "uid {{out}}",
  });
}

const CHECKS = [check("demo.as-root", "id -u", true), check("demo.anyone", "echo 0", false)];

let server: SshServer | undefined;
beforeAll(async () => {
  if (!skip) server = await startSshd();
});
afterAll(async () => server?.stop());

function scan(executor: Executor, privilege: Privilege, deadlineMs = 20_000) {
  return scanHost({ executor, checks: CHECKS, hostname: "target-1", privilege, nonce: NONCE, nowMs: Date.now(), deadlineMs });
}

const summary = (results: { check: string; status: string; reason?: string }[]) =>
  Object.fromEntries(results.map((r) => [r.check, r.reason ? `${r.status}: ${r.reason}` : r.status]));

describe.skipIf(skip)(`scanHost over SSH${suffix}`, () => {
  test("as root: one round trip, a verdict per check, the host's identity", async () => {
    const executor = createSshExecutor({ host: server!.host, port: server!.port, username: "root", privateKey: server!.rootKey.privateKey, knownHosts: createMemoryHostKeyStore() });
    const result = await scan(executor, { kind: "root" });
    await executor.close();
    expect(summary(result.results)).toEqual({ "demo.as-root": "pass", "demo.anyone": "pass" });
    expect(result).toMatchObject({ hostname: "target-1", reached: true, platform: "linux" });
    expect(result.machineId).toMatch(/^[0-9a-f]{32}$/);
  });

  const users = Object.fromEntries(
    (["password", "nopasswd", "none"] as SudoRights[]).map((sudo) => [sudo, skip ? { skipReason: sshdSkipReason! } : createThrowawayUser({ sudo })]),
  );
  afterAll(() => {
    for (const u of Object.values(users)) if ("username" in u) u[Symbol.dispose]();
  });

  async function asUser(sudo: SudoRights, privilege: (password: string) => Privilege) {
    const user = users[sudo]!;
    if (!("username" in user)) throw new Error(user.skipReason);
    const executor = createSshExecutor({ host: server!.host, port: server!.port, username: user.username, password: user.password, knownHosts: createMemoryHostKeyStore() });
    const result = await scan(executor, privilege(user.password));
    await executor.close();
    // The sudo password is never executed, echoed or quoted, whatever sudo did with it.
    expect(JSON.stringify(result)).not.toContain(user.password);
    return result;
  }

  const userSkip = (sudo: SudoRights) => "skipReason" in users[sudo]! ? ` (${(users[sudo] as { skipReason: string }).skipReason})` : "";

  test.skipIf("skipReason" in users.password!)(`sudo with a password gives root to privileged probes${userSkip("password")}`, async () => {
    const result = await asUser("password", (password) => ({ kind: "sudo", password }));
    expect(summary(result.results)).toEqual({ "demo.as-root": "pass", "demo.anyone": "pass" });
  });

  test.skipIf("skipReason" in users.nopasswd!)(`a password given to a NOPASSWD sudo is dropped, not run${userSkip("nopasswd")}`, async () => {
    const result = await asUser("nopasswd", (password) => ({ kind: "sudo", password }));
    expect(summary(result.results)).toEqual({ "demo.as-root": "pass", "demo.anyone": "pass" });
  });

  test.skipIf("skipReason" in users.none!)(`sudo refused: privileged probes say why, the rest still run${userSkip("none")}`, async () => {
    const result = await asUser("none", (password) => ({ kind: "sudo", password }));
    expect(result.results.find((r) => r.check === "demo.anyone")!.status).toBe("pass");
    const privileged = result.results.find((r) => r.check === "demo.as-root")!;
    expect(privileged.status).toBe("error");
    expect(privileged.reason).toStartWith("the probe needs root, and sudo refused: ");
    expect(result.failure?.kind).toBe("sudo");
  });

  test.skipIf("skipReason" in users.none!)(`a non-root login without sudo: privileged probes are errors, never passes${userSkip("none")}`, async () => {
    const result = await asUser("none", () => ({ kind: "none" }));
    expect(summary(result.results)).toEqual({
      "demo.as-root": "error: the probe needs root: log in as root or give a sudo-capable account",
      "demo.anyone": "pass",
    });
  });

  test("an unreachable host gives unreachable for every check", async () => {
    const stopped = await startSshd();
    await stopped.stop();
    const executor = createSshExecutor({ host: stopped.host, port: stopped.port, username: "root", privateKey: stopped.rootKey.privateKey, knownHosts: createMemoryHostKeyStore() });
    const result = await scan(executor, { kind: "root" });
    await executor.close();
    expect(result.reached).toBe(false);
    expect(result.results.map((r) => r.status)).toEqual(["unreachable", "unreachable"]);
    expect(result.failure?.kind).toBe("unreachable");
  });

  test("a refused login gives error with the reason, not pass", async () => {
    const executor = createSshExecutor({ host: server!.host, port: server!.port, username: "root", privateKey: generateKeyPair().privateKey, knownHosts: createMemoryHostKeyStore() });
    const result = await scan(executor, { kind: "root" });
    await executor.close();
    expect(result.failure?.kind).toBe("auth");
    expect(result.results.map((r) => `${r.status}: ${r.reason}`)).toEqual([
      `error: Cannot log in to "127.0.0.1:${server!.port}" as "root": authentication failed`,
      `error: Cannot log in to "127.0.0.1:${server!.port}" as "root": authentication failed`,
    ]);
  });

  test("checks cut off by the scan's deadline are errors", async () => {
    const executor = createSshExecutor({ host: server!.host, port: server!.port, username: "root", privateKey: server!.rootKey.privateKey, knownHosts: createMemoryHostKeyStore() });
    const slow = [check("demo.quick", "echo 0", false), check("demo.slow", "sleep 10; echo 0", false)];
    const result = await scanHost({ executor, checks: slow, hostname: "t", privilege: { kind: "root" }, nonce: NONCE, nowMs: Date.now(), deadlineMs: 1_500 });
    await executor.close();
    expect(summary(result.results)).toEqual({ "demo.quick": "pass", "demo.slow": "error: the check did not finish before the scan's deadline" });
  });
});

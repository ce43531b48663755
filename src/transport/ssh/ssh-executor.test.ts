import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { createThrowawayUser, generateKeyPair, startSshd, sshdSkipReason, type SshServer } from "../../../tests/helpers/sshd.ts";
import { tempDir } from "../../../tests/helpers/temp-dir.ts";
import { TransportError } from "../executor.ts";
import { executorContract } from "../executor.contract.ts";
import { createFileHostKeyStore, createMemoryHostKeyStore } from "./host-key-store.ts";
import { createSshExecutor } from "./ssh-executor.ts";

const skip = sshdSkipReason !== undefined;
const suffix = skip ? ` (${sshdSkipReason})` : "";

let server: SshServer | undefined;
beforeAll(async () => {
  if (!skip) server = await startSshd();
});
afterAll(async () => {
  await server?.stop();
});

function rootExecutor(s: SshServer, extra: Partial<Parameters<typeof createSshExecutor>[0]> = {}) {
  return createSshExecutor({
    host: s.host,
    port: s.port,
    username: "root",
    privateKey: s.rootKey.privateKey,
    knownHosts: createMemoryHostKeyStore(),
    ...extra,
  });
}

executorContract(`ssh${suffix}`, async () => rootExecutor(server!), { skip });

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

describe.skipIf(skip)(`SSH executor${suffix}`, () => {
  test("pins the host key on first use and refuses a changed key", async () => {
    using dir = tempDir();
    const storePath = join(dir.path, "known-hosts.json");
    const knownHosts = createFileHostKeyStore(storePath);
    await using first = await startSshd();
    const a = rootExecutor(first, { knownHosts });
    expect((await a.run("echo hi", { deadlineMs: 5_000 })).stdout).toBe("hi\n");
    await a.close();
    const pinned = await knownHosts.get(`127.0.0.1:${first.port}`);
    expect(pinned).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(statSync(storePath).mode & 0o777).toBe(0o600);
    const port = first.port;
    const rootKey = first.rootKey;
    await first.stop();

    await using second = await startSshd({ port, rootKey });
    const b = rootExecutor(second, { knownHosts });
    const error = await failure(b.run("echo hi", { deadlineMs: 5_000 }));
    expect(error.kind).toBe("host-key-changed");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain(pinned!);
    expect(error.message).toMatch(/to "SHA256:/);
    expect(await knownHosts.get(`127.0.0.1:${port}`)).toBe(pinned); // never re-pinned
    await b.close();
  });

  test("an unknown key is an auth failure", async () => {
    const executor = rootExecutor(server!, { privateKey: generateKeyPair().privateKey });
    const error = await failure(executor.run("true", { deadlineMs: 5_000 }));
    expect(error.kind).toBe("auth");
    expect(error.retryable).toBe(false);
    await executor.close();
  });

  const user = skip ? { skipReason: sshdSkipReason! } : createThrowawayUser();
  afterAll(() => {
    if ("username" in user) user[Symbol.dispose]();
  });
  const userSkip = "skipReason" in user ? ` (${user.skipReason})` : "";

  test.skipIf("skipReason" in user)(`password auth works${userSkip}`, async () => {
    if (!("username" in user)) return;
    const executor = createSshExecutor({
      host: server!.host,
      port: server!.port,
      username: user.username,
      password: user.password,
      knownHosts: createMemoryHostKeyStore(),
    });
    const r = await executor.run("id -un", { deadlineMs: 5_000 });
    expect(r.stdout).toBe(`${user.username}\n`);
    await executor.close();
  });

  test.skipIf("skipReason" in user)(`a wrong password is an auth failure and is never quoted${userSkip}`, async () => {
    if (!("username" in user)) return;
    const wrong = `wrong-${crypto.randomUUID()}`;
    const executor = createSshExecutor({
      host: server!.host,
      port: server!.port,
      username: user.username,
      password: wrong,
      knownHosts: createMemoryHostKeyStore(),
    });
    const error = await failure(executor.run("true", { deadlineMs: 5_000 }));
    expect(error.kind).toBe("auth");
    expect(error.message).not.toContain(wrong);
    expect(String(error.cause)).not.toContain(wrong);
    await executor.close();
  });

  test("a stopped sshd is a retryable connect failure", async () => {
    const stopped = await startSshd();
    await stopped.stop();
    const executor = rootExecutor(stopped);
    const error = await failure(executor.run("true", { deadlineMs: 5_000 }));
    expect(error.kind).toBe("connect");
    expect(error.retryable).toBe(true);
    await executor.close();
  });

  test("reconnects once when the connection dropped between runs", async () => {
    const executor = rootExecutor(server!);
    const before = await executor.run("echo $PPID", { deadlineMs: 5_000 });
    server!.dropConnections();
    await Bun.sleep(200);
    const after = await executor.run("echo $PPID", { deadlineMs: 5_000 });
    expect(after.exitCode).toBe(0);
    expect(after.stdout).not.toBe(before.stdout);
    await executor.close();
  });

  test("a connection lost during a run is a retryable closed failure, and the next run reconnects", async () => {
    const executor = rootExecutor(server!);
    await executor.run("true", { deadlineMs: 5_000 });
    setTimeout(() => server!.dropConnections(), 300);
    const error = await failure(executor.run("sleep 3", { deadlineMs: 10_000 }));
    expect(error.kind).toBe("closed");
    expect(error.retryable).toBe(true);
    expect((await executor.run("echo back", { deadlineMs: 5_000 })).stdout).toBe("back\n");
    await executor.close();
  });

  test("a closed executor refuses to run", async () => {
    const executor = rootExecutor(server!);
    await executor.close();
    const error = await failure(executor.run("true", { deadlineMs: 5_000 }));
    expect(error.kind).toBe("closed");
  });
});

import { describe, expect, test } from "bun:test";
import type { ExecResult, Executor } from "../executor.ts";
import { createMemoryHostKeyStore } from "./host-key-store.ts";
import { createSshPool, loginKey } from "./ssh-pool.ts";

/** Executors that record what happened to them. */
function recorder() {
  const log: string[] = [];
  const create = (o: { host: string; port?: number }): Executor => {
    const name = `${o.host}:${o.port}`;
    log.push(`open ${name}`);
    return {
      run: async () => ({ exitCode: 0, stdout: name, stderr: "", durationMs: 0, truncated: false, timedOut: false }) as ExecResult,
      close: async () => void log.push(`close ${name}`),
    };
  };
  return { log, create };
}

const login = (host: string, password = "pw") => ({ host, port: 22, username: "u", password });
const run = (e: Executor) => e.run("true", { deadlineMs: 1000 });

describe("createSshPool", () => {
  test("reuses one executor per login", async () => {
    const { log, create } = recorder();
    const pool = createSshPool({ knownHosts: createMemoryHostKeyStore(), maxConnections: 4, create });
    await run(pool.executorFor(login("a")));
    await run(pool.executorFor(login("a")));
    expect(log).toEqual(["open a:22"]);
    expect(pool.size).toBe(1);
  });

  test("closes the least recently used idle connection past the limit", async () => {
    const { log, create } = recorder();
    const pool = createSshPool({ knownHosts: createMemoryHostKeyStore(), maxConnections: 2, create });
    await run(pool.executorFor(login("a")));
    await run(pool.executorFor(login("b")));
    await run(pool.executorFor(login("a"))); // a is now the most recent
    await run(pool.executorFor(login("c")));
    expect(log).toEqual(["open a:22", "open b:22", "open c:22", "close b:22"]);
    expect(pool.size).toBe(2);
  });

  test("never closes a connection while it runs: an idle one goes instead", async () => {
    const closed: string[] = [];
    let release!: () => void;
    const create = (o: { host: string }): Executor => ({
      run: () =>
        o.host === "busy"
          ? new Promise<ExecResult>((r) => (release = () => r({ exitCode: 0, stdout: "", stderr: "", durationMs: 0, truncated: false, timedOut: false })))
          : Promise.resolve({ exitCode: 0, stdout: "", stderr: "", durationMs: 0, truncated: false, timedOut: false }),
      close: async () => void closed.push(o.host),
    });
    const pool = createSshPool({ knownHosts: createMemoryHostKeyStore(), maxConnections: 1, create });
    const running = run(pool.executorFor(login("busy")));
    await run(pool.executorFor(login("other")));
    expect(closed).toEqual(["other"]);
    release();
    await running;
    expect(closed).toEqual(["other"]);
    expect(pool.size).toBe(1);
  });

  test("a changed password is a new login; retainOnly closes the rest", async () => {
    const { log, create } = recorder();
    const pool = createSshPool({ knownHosts: createMemoryHostKeyStore(), maxConnections: 10, create });
    await run(pool.executorFor(login("a", "old")));
    await run(pool.executorFor(login("a", "new")));
    await pool.retainOnly([login("a", "new")]);
    expect(log).toEqual(["open a:22", "open a:22", "close a:22"]);
    expect(pool.size).toBe(1);
  });

  test("the key of a login never holds its secret", () => {
    expect(loginKey(login("a", "hunter2-secret"))).not.toContain("hunter2");
  });
});

describe("createSshPool with real executors", () => {
  test("close ends a connection attempt in progress at once, and later runs refuse", async () => {
    const { createSshPool: pool } = await import("./ssh-pool.ts");
    // A server that accepts and then says nothing: the handshake would wait for its timeout.
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    const p = pool({ knownHosts: createMemoryHostKeyStore(), maxConnections: 4, connectTimeoutMs: 20_000 });
    const started = performance.now();
    const running = p.executorFor({ host: "127.0.0.1", port, username: "u", password: "pw" }).run("true", { deadlineMs: 30_000 });
    await Bun.sleep(50);
    await p.close();
    await expect(running).rejects.toMatchObject({ name: "TransportError", kind: "closed" });
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(p.executorFor({ host: "127.0.0.1", port, username: "u", password: "pw" }).run("true", { deadlineMs: 1_000 })).rejects.toMatchObject({ kind: "closed" });
    for (const s of sockets) s.destroy();
    silent.close();
  });
});

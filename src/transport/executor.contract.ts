/**
 * The behaviour every `Executor` must show, run by each transport's tests against a real target
 * on this machine (so leftover processes can be looked for in /proc).
 * @module
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pidsWithMarker } from "../../tests/helpers/sshd.ts";
import type { Executor } from "./executor.ts";

export function executorContract(name: string, makeExecutor: () => Promise<Executor>, { skip = false } = {}): void {
  describe.skipIf(skip)(`Executor contract: ${name}`, () => {
    let executor: Executor;
    beforeAll(async () => {
      executor = await makeExecutor();
    });
    afterAll(async () => {
      await executor?.close();
    });

    test("returns stdout and stderr", async () => {
      const r = await executor.run("echo out; echo err >&2", { deadlineMs: 5_000 });
      expect(r).toMatchObject({ exitCode: 0, stdout: "out\n", stderr: "err\n", truncated: false, timedOut: false });
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    });

    test("a non-zero exit is data", async () => {
      const r = await executor.run("echo nope >&2; exit 3", { deadlineMs: 5_000 });
      expect(r).toMatchObject({ exitCode: 3, stderr: "nope\n", timedOut: false });
    });

    test("reports the signal that ended the script", async () => {
      const r = await executor.run("kill -TERM $$", { deadlineMs: 5_000 });
      expect(r.exitCode).toBeNull();
      expect(r.signal).toBe("SIGTERM");
    });

    test("a passed deadline kills the whole process group and reports timedOut", async () => {
      const marker = `ca-marker-${crypto.randomUUID()}`;
      const started = performance.now();
      // A child and a grandchild, both carrying the marker on their command line.
      const r = await executor.run(`sh -c 'sleep 30; : ${marker}' & sleep 30; : ${marker}`, { deadlineMs: 500 });
      expect(r.timedOut).toBe(true);
      expect(performance.now() - started).toBeLessThan(2_500);
      await Bun.sleep(300);
      expect(pidsWithMarker(marker)).toEqual([]);
    });

    test("an abort signal kills like a deadline", async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const r = await executor.run("sleep 30", { deadlineMs: 60_000, signal: controller.signal });
      expect(r.timedOut).toBe(true);
    });

    test("caps each stream at maxOutputBytes and reports truncated", async () => {
      const r = await executor.run("head -c 5000000 /dev/zero | tr '\\0' a; echo done >&2", { deadlineMs: 10_000 });
      expect(r.truncated).toBe(true);
      expect(r.stdout.length).toBe(1024 * 1024);
      expect(r.stderr).toBe("done\n");
      expect(r.exitCode).toBe(0);
      const small = await executor.run("printf 0123456789", { deadlineMs: 5_000, maxOutputBytes: 4 });
      expect(small).toMatchObject({ stdout: "0123", truncated: true });
    });

    test("passes stdin through", async () => {
      const r = await executor.run("tr a-z A-Z", { deadlineMs: 5_000, stdin: "hello\nworld\n" });
      expect(r).toMatchObject({ exitCode: 0, stdout: "HELLO\nWORLD\n" });
    });

    test("runs without a login shell", async () => {
      const r = await executor.run('echo "$0"; case $- in *l*) echo login;; esac', { deadlineMs: 5_000 });
      expect(r.stdout).toBe("/bin/sh\n");
    });

    test("sequential runs share one parent (one connection for SSH)", async () => {
      const parents = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const r = await executor.run("echo $PPID", { deadlineMs: 5_000 });
        parents.add(r.stdout);
      }
      expect(parents.size).toBe(1);
    });

    test("rejects a bad deadline", async () => {
      await expect(executor.run("true", { deadlineMs: 0 })).rejects.toBeInstanceOf(RangeError);
    });
  });
}

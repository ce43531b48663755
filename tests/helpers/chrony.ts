/**
 * A real NTP server for tests: chronyd in the foreground on 127.0.0.1, serving its local clock
 * as a "local stratum" reference. It runs with `-x`, so it never adjusts this machine's clock,
 * keeps every file in a temp directory and has no command socket.
 * @module
 */
import dgram from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryNtp } from "../../src/time/sntp.ts";
import { spawnDaemon } from "./daemon.ts";

/** The chronyd binary, or `undefined` when chrony is not installed (it lives in sbin, often off a user's PATH). */
export const chronydPath: string | undefined =
  Bun.which("chronyd") ?? Bun.which("chronyd", { PATH: "/usr/local/sbin:/usr/sbin:/sbin" }) ?? undefined;

/** Why chrony tests are skipped, for their titles; `undefined` when they run. */
export const chronySkipReason: string | undefined =
  chronydPath === undefined ? "skipped: chronyd is not installed (apt-get install chrony)" : undefined;

export interface ChronyServer extends AsyncDisposable {
  host: "127.0.0.1";
  port: number;
  /** The `local stratum` chronyd was configured with. */
  localStratum: number;
  /** What chronyd has written to stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartChronyOptions {
  /** UDP port to serve on; a free one by default. */
  port?: number;
  localStratum?: number;
  /** How long to wait for chronyd to answer a query. */
  readyTimeoutMs?: number;
}

/**
 * Starts chronyd and resolves once it answers an NTP query; `await using` stops it.
 *
 * @example
 * await using chrony = await startChronyServer();
 * const sample = await queryNtp({ host: chrony.host, port: chrony.port });
 */
export async function startChronyServer({ port, localStratum = 8, readyTimeoutMs = 10_000 }: StartChronyOptions = {}): Promise<ChronyServer> {
  if (chronydPath === undefined) throw new Error("chronyd is not installed");
  const dir = mkdtempSync(join(tmpdir(), "chrony-test-"));
  const servePort = port ?? (await freeUdpPort());
  const conf = join(dir, "chrony.conf");
  writeFileSync(
    conf,
    [
      `port ${servePort}`,
      "bindaddress 127.0.0.1",
      "allow 127.0.0.1",
      `local stratum ${localStratum}`,
      `driftfile ${join(dir, "drift")}`,
      `pidfile ${join(dir, "chronyd.pid")}`,
      "cmdport 0",
      "bindcmdaddress /", // "/" disables the Unix command socket (chrony.conf(5))
      "",
    ].join("\n"),
  );
  // -d: foreground, log to stderr; -x: never touch the system clock. As root, stay root so the
  // temp directory stays writable (chronyd would switch to _chrony); as a user, -U allows it.
  const privilege = process.getuid?.() === 0 ? ["-u", "root"] : ["-U"];
  const daemon = spawnDaemon([chronydPath, "-d", "-x", ...privilege, "-f", conf], dir);
  const { proc, stop } = daemon;

  const deadline = performance.now() + readyTimeoutMs;
  for (;;) {
    if (daemon.exited()) {
      await stop();
      throw new Error(`chronyd exited before serving (${proc.exitCode ?? proc.signalCode}):\n${daemon.stderr()}`);
    }
    try {
      await queryNtp({ host: "127.0.0.1", port: servePort }, { timeoutMs: 200 });
      break;
    } catch (err) {
      if (performance.now() > deadline) {
        await stop();
        throw new Error(`chronyd did not answer on 127.0.0.1:${servePort} within ${readyTimeoutMs} ms: ${(err as Error).message}\n${daemon.stderr()}`);
      }
      await Bun.sleep(25); // not bound yet: an immediate ECONNREFUSED would spin
    }
  }

  return {
    host: "127.0.0.1",
    port: servePort,
    localStratum,
    output: daemon.stderr,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A UDP port that was free a moment ago (bound to port 0, then released). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", resolve);
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/**
 * Feeds systemd's watchdog only from real progress. The loop calls `progress()` when it
 * finishes a step; a ping goes out at most every `WATCHDOG_USEC/4`. Nothing pings on a timer,
 * so a loop stuck in an await — or a blocked event loop — stops the pings and systemd restarts
 * the agent (the previous generation pinged unconditionally and needed a second watchdog).
 * @module
 */
import { sdNotify } from "./notify.ts";

export interface Watchdog {
  /** True when systemd asked for pings (`WATCHDOG_USEC` set for this process). */
  enabled: boolean;
  /** Interval systemd expects, in ms (0 when disabled). */
  intervalMs: number;
  progress(): void;
}

export function createWatchdog({
  env = process.env,
  now = () => performance.now(),
  // The socket that enabled the watchdog is the one pinged (not whatever process.env holds).
  notify = (msg) => sdNotify(msg, env.NOTIFY_SOCKET),
}: { env?: Record<string, string | undefined>; now?: () => number; notify?: (msg: string) => boolean } = {}): Watchdog {
  const usec = Number(env.WATCHDOG_USEC);
  const pidOk = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  const enabled = Number.isFinite(usec) && usec > 0 && pidOk && !!env.NOTIFY_SOCKET;
  const intervalMs = enabled ? usec / 1000 : 0;
  let lastPing = -Infinity;
  return {
    enabled,
    intervalMs,
    progress() {
      if (!enabled) return;
      const t = now();
      if (t - lastPing < intervalMs / 4) return;
      lastPing = t;
      notify("WATCHDOG=1");
    },
  };
}

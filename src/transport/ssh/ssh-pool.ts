/**
 * SSH connections kept between scans, one per target and login, at most `maxConnections` open:
 * past that the least recently used idle one is closed. A target whose credentials change gets
 * a new connection; targets that leave the inventory have theirs closed.
 * @module
 */
import { createHash } from "node:crypto";
import type { Executor } from "../executor.ts";
import type { HostKeyStore } from "./host-key-store.ts";
import { createSshExecutor, type SshExecutorOptions } from "./ssh-executor.ts";

export interface SshLogin {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
}

export interface SshPoolOptions {
  knownHosts: HostKeyStore;
  maxConnections: number;
  connectTimeoutMs?: number;
  /** Builds an executor (tests count or fake them). */
  create?: (options: SshExecutorOptions) => Executor;
}

export interface SshPool {
  /** The executor for a login, reusing its connection when one is open. */
  executorFor(login: SshLogin): Executor;
  /** Closes connections of logins not in `keep` (e.g. after the target list changed). */
  retainOnly(keep: readonly SshLogin[]): Promise<void>;
  /** Open executors (connected or connecting). */
  readonly size: number;
  close(): Promise<void>;
}

/** Identifies a login without holding its secret: a changed password or key means a new entry. */
export function loginKey(login: SshLogin): string {
  const secret = createHash("sha256").update(`${login.password ?? ""}\0${login.privateKey ?? ""}`).digest("hex").slice(0, 16);
  return `${login.username}@${login.host}:${login.port}#${secret}`;
}

interface Entry {
  executor: Executor;
  busy: number;
}

export function createSshPool({ knownHosts, maxConnections, connectTimeoutMs = 10_000, create = createSshExecutor }: SshPoolOptions): SshPool {
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new RangeError(`Cannot create an SSH pool: maxConnections must be a positive integer, got ${maxConnections}`);
  // Map order is recency order: a use moves the entry to the end.
  const entries = new Map<string, Entry>();

  /** Closes least recently used idle connections until within the limit, sparing `spare`. */
  const evict = (spare?: string) => {
    for (const [key, entry] of entries) {
      if (entries.size <= maxConnections) return;
      if (entry.busy > 0 || key === spare) continue;
      entries.delete(key);
      void entry.executor.close();
    }
  };

  const pooled = (key: string, entry: Entry): Executor => ({
    async run(script, opts) {
      entry.busy++;
      try {
        return await entry.executor.run(script, opts);
      } finally {
        entry.busy--;
        evict();
      }
    },
    // The pool owns the connection: a caller's close only lets it go.
    close: async () => {
      if (entries.get(key) === entry && entry.busy === 0) {
        entries.delete(key);
        await entry.executor.close();
      }
    },
  });

  let closed = false;
  return {
    executorFor(login) {
      if (closed) {
        // After close, nothing new connects: a late caller gets an executor that refuses to run.
        const refused = create({ host: login.host, port: login.port, username: login.username, knownHosts, password: "" });
        void refused.close();
        return refused;
      }
      const key = loginKey(login);
      let entry = entries.get(key);
      if (entry) {
        entries.delete(key);
      } else {
        entry = {
          busy: 0,
          executor: create({
            host: login.host,
            port: login.port,
            username: login.username,
            knownHosts,
            connectTimeoutMs,
            ...(login.password !== undefined ? { password: login.password } : {}),
            ...(login.privateKey !== undefined ? { privateKey: login.privateKey } : {}),
          }),
        };
      }
      entries.set(key, entry);
      evict(key);
      return pooled(key, entry);
    },
    async retainOnly(keep) {
      const wanted = new Set(keep.map(loginKey));
      const closing: Promise<void>[] = [];
      for (const [key, entry] of entries) {
        if (wanted.has(key)) continue;
        entries.delete(key);
        closing.push(entry.executor.close());
      }
      await Promise.all(closing);
    },
    get size() {
      return entries.size;
    },
    async close() {
      closed = true;
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.executor.close()));
    },
  };
}

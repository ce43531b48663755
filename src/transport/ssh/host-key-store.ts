/**
 * Where pinned SSH host keys live: `host:port` → `SHA256:…` fingerprint (OpenSSH's format).
 * A key is pinned on first use; a different key later is refused, never re-pinned silently.
 * @module
 */
import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export interface HostKeyStore {
  get(hostPort: string): Promise<string | undefined>;
  set(hostPort: string, sha256Fingerprint: string): Promise<void>;
}

/** OpenSSH's `SHA256:<base64, no padding>` fingerprint of a raw host key blob. */
export function sha256Fingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

export function createMemoryHostKeyStore(initial: Record<string, string> = {}): HostKeyStore {
  const keys = new Map(Object.entries(initial));
  return {
    async get(hostPort) {
      return keys.get(hostPort);
    },
    async set(hostPort, fingerprint) {
      keys.set(hostPort, fingerprint);
    },
  };
}

/** A JSON object file, rewritten atomically (temp file + rename) with mode 0600. */
export function createFileHostKeyStore(path: string): HostKeyStore {
  let queue: Promise<unknown> = Promise.resolve();
  const load = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
    const data: unknown = JSON.parse(text);
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw new SyntaxError(`Cannot read host keys "${path}": expected a JSON object`);
    }
    return data as Record<string, string>;
  };
  return {
    async get(hostPort) {
      const value = (await load())[hostPort];
      return typeof value === "string" ? value : undefined;
    },
    set(hostPort, fingerprint) {
      const write = queue.then(async () => {
        const data = await load();
        data[hostPort] = fingerprint;
        await mkdir(dirname(path), { recursive: true });
        const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
        await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
        await chmod(temp, 0o600);
        await rename(temp, path);
      });
      queue = write.catch(() => {});
      return write;
    },
  };
}

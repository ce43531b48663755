import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom, type Random } from "../time/random.ts";
import { KeyFileError } from "./errors.ts";
import { toHex } from "./hex.ts";
import { loadOrCreateSigningKey } from "./key-file.ts";
import { signingKeyFromSeed } from "./signing-key.ts";

const SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const SEED_PUBLIC_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const EXPECTED = "expected 64 hex characters and a newline";
const isRoot = process.getuid?.() === 0;

/** A private temporary directory, removed at the end of the `using` scope. */
function tempDir(): { path: string } & Disposable {
  const path = fs.mkdtempSync(join(tmpdir(), "identity-key-file-"));
  return { path, [Symbol.dispose]: () => fs.rmSync(path, { recursive: true, force: true }) };
}

/** Everything about a path that loading must leave alone, plus its directory's listing. */
function snapshot(path: string) {
  const stat = fs.lstatSync(path);
  const dir = join(path, "..");
  return {
    bytes: stat.isFile() ? readBytes(path) : "(not a file)",
    mode: stat.mode,
    mtimeMs: stat.mtimeMs,
    ino: stat.ino,
    siblings: fs.readdirSync(dir).sort(),
  };
}

function readBytes(path: string): string {
  try {
    return toHex(fs.readFileSync(path));
  } catch {
    return "(unreadable)"; // mode 0000 as an unprivileged user: the stat fields still count
  }
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

function modeOf(path: string): number {
  return fs.statSync(path).mode & 0o7777;
}

describe("loadOrCreateSigningKey", () => {
  test("creates a missing key file 0600 in a new 0700 directory, holding hex and a newline", () => {
    using tmp = tempDir();
    const path = join(tmp.path, "state", "keys", "identity.key");
    const seed = seededRandom(7).bytes(32);

    const { key, created } = loadOrCreateSigningKey(path, { random: seededRandom(7) });

    expect({
      created,
      publicKeyHex: key.publicKeyHex,
      text: fs.readFileSync(path, "utf8"),
      fileMode: modeOf(path),
      dirMode: modeOf(join(tmp.path, "state", "keys")),
      siblings: fs.readdirSync(join(tmp.path, "state", "keys")),
    }).toEqual({
      created: true,
      publicKeyHex: signingKeyFromSeed(seed).publicKeyHex,
      text: `${toHex(seed)}\n`,
      fileMode: 0o600,
      dirMode: 0o700,
      siblings: ["identity.key"], // no temporary file left behind
    });
  });

  test("loads the same key again and leaves the file as it was", () => {
    using tmp = tempDir();
    const path = join(tmp.path, "evidence.key");
    const first = loadOrCreateSigningKey(path);
    const before = snapshot(path);

    const second = loadOrCreateSigningKey(path);

    expect(second.created).toBe(false);
    expect(second.key.publicKeyHex).toBe(first.key.publicKeyHex);
    expect(snapshot(path)).toEqual(before);
  });

  test.each([
    ["with a trailing newline", `${SEED_HEX}\n`],
    ["without a trailing newline", SEED_HEX],
  ])("loads a key file %s", (_, text) => {
    using tmp = tempDir();
    const path = join(tmp.path, "evidence.key");
    fs.writeFileSync(path, text, { mode: 0o600 });

    const { key, created } = loadOrCreateSigningKey(path);

    expect({ created, publicKeyHex: key.publicKeyHex }).toEqual({ created: false, publicKeyHex: SEED_PUBLIC_HEX });
  });

  test("leaves the mode of an existing directory alone", () => {
    using tmp = tempDir();
    const dir = join(tmp.path, "keys");
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o750);

    loadOrCreateSigningKey(join(dir, "identity.key"));

    expect(modeOf(dir)).toBe(0o750);
  });

  test("loads, and never overwrites, a key file that appears while it is creating one", () => {
    using tmp = tempDir();
    const path = join(tmp.path, "identity.key");
    // The seed is drawn after the absent file was seen: another process wins the race right then.
    let raced = false;
    const racing: Random = {
      float: () => 0,
      bytes: (n) => {
        if (!raced) {
          raced = true;
          fs.writeFileSync(path, `${SEED_HEX}\n`, { mode: 0o600 });
        }
        return new Uint8Array(n).fill(7);
      },
    };

    const { key, created } = loadOrCreateSigningKey(path, { random: racing });

    expect({
      created,
      publicKeyHex: key.publicKeyHex,
      text: fs.readFileSync(path, "utf8"),
      siblings: fs.readdirSync(tmp.path),
    }).toEqual({ created: false, publicKeyHex: SEED_PUBLIC_HEX, text: `${SEED_HEX}\n`, siblings: ["identity.key"] });
  });

  // Each damaged file is a loud error and stays byte for byte as it was: never regenerated.
  const damaged: Array<[string, string | Buffer, number, string]> = [
    ["an empty file", "", 0o600, `${EXPECTED}, found 0 bytes`],
    ["a short file", SEED_HEX.slice(0, 31), 0o600, `${EXPECTED}, found 31 bytes`],
    ["a raw 32-byte seed", Buffer.from(SEED_HEX, "hex"), 0o600, `${EXPECTED}, found 32 bytes`],
    ["a file with two newlines", `${SEED_HEX}\n\n`, 0o600, `${EXPECTED}, found 66 bytes`],
    ["a file ended by CRLF", `${SEED_HEX}\r\n`, 0o600, `${EXPECTED}, found 66 bytes`],
    ["65 hex characters", `${SEED_HEX}a`, 0o600, `${EXPECTED}, found a byte other than a newline at offset 64`],
    ["a non-hex character", `${SEED_HEX.slice(0, 10)}g${SEED_HEX.slice(11)}\n`, 0o600, `${EXPECTED}, found a byte that is not lower-case hex at offset 10`],
    ["upper-case hex", `${SEED_HEX.toUpperCase()}\n`, 0o600, `${EXPECTED}, found a byte that is not lower-case hex at offset 1`],
    ["a group-readable file", `${SEED_HEX}\n`, 0o640, "mode 0640 lets group or others access it; it must be 0600"],
    ["a world-readable file", `${SEED_HEX}\n`, 0o644, "mode 0644 lets group or others access it; it must be 0600"],
    ["a group-writable file", `${SEED_HEX}\n`, 0o620, "mode 0620 lets group or others access it; it must be 0600"],
  ];

  test.each(damaged)("throws KeyFileError for %s and leaves it untouched", (_, content, mode, reason) => {
    using tmp = tempDir();
    const path = join(tmp.path, "evidence.key");
    fs.writeFileSync(path, content);
    fs.chmodSync(path, mode);
    const before = snapshot(path);

    const error = thrown(() => loadOrCreateSigningKey(path));

    expect(error).toBeInstanceOf(KeyFileError);
    const { name, message } = error as KeyFileError;
    expect({ name, message, path: (error as KeyFileError).path, reason: (error as KeyFileError).reason }).toEqual({
      name: "KeyFileError",
      message: `Cannot load key "${path}": ${reason}`,
      path,
      reason,
    });
    expect(snapshot(path)).toEqual(before);
  });

  test("never puts the key's content in the message", () => {
    using tmp = tempDir();
    const path = join(tmp.path, "evidence.key");
    fs.writeFileSync(path, `${SEED_HEX}x`, { mode: 0o600 });

    const { message } = thrown(() => loadOrCreateSigningKey(path)) as KeyFileError;

    expect(message).not.toContain(SEED_HEX.slice(0, 8));
  });

  test("throws KeyFileError for a directory at the key's path and leaves it untouched", () => {
    using tmp = tempDir();
    const path = join(tmp.path, "evidence.key");
    fs.mkdirSync(path);
    const before = snapshot(path);

    const error = thrown(() => loadOrCreateSigningKey(path));

    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toBe(`Cannot load key "${path}": it is a directory, not a file`);
    expect(snapshot(path)).toEqual(before);
    expect(fs.readdirSync(path)).toEqual([]);
  });

  test.skipIf(!Bun.which("mkfifo"))("throws KeyFileError for a FIFO without waiting on it", () => {
    using tmp = tempDir();
    const path = join(tmp.path, "evidence.key");
    expect(Bun.spawnSync(["mkfifo", "-m", "600", path]).exitCode).toBe(0);

    const error = thrown(() => loadOrCreateSigningKey(path));

    expect((error as Error).message).toBe(`Cannot load key "${path}": it is not a regular file`);
  });

  test.skipIf(isRoot)("throws KeyFileError for a file it may not read", () => {
    using tmp = tempDir();
    const path = join(tmp.path, "evidence.key");
    fs.writeFileSync(path, `${SEED_HEX}\n`);
    fs.chmodSync(path, 0o000);
    const before = snapshot(path);

    const error = thrown(() => loadOrCreateSigningKey(path));

    expect((error as Error).message).toBe(`Cannot load key "${path}": cannot open it (EACCES)`);
    expect(snapshot(path)).toEqual(before);
  });

  test("throws KeyFileError when the parent path is a file", () => {
    using tmp = tempDir();
    const parent = join(tmp.path, "keys");
    fs.writeFileSync(parent, "not a directory");
    const path = join(parent, "evidence.key");

    const error = thrown(() => loadOrCreateSigningKey(path));

    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toBe(`Cannot load key "${path}": cannot open it (ENOTDIR)`);
    expect(fs.readFileSync(parent, "utf8")).toBe("not a directory");
  });
});

describe("loadOrCreateSigningKey temp files", () => {
  test("removes a seed-holding temp file left by a writer that no longer runs, and keeps a live one's", () => {
    using dir = tempDir();
    const keys = join(dir.path, "keys");
    fs.mkdirSync(keys, { mode: 0o700 });
    const dead = join(keys, ".evidence.key.999999.aabbccddeeff.tmp"); // no such pid
    const live = join(keys, `.evidence.key.${process.ppid}.aabbccddeeff.tmp`);
    fs.writeFileSync(dead, "00".repeat(32) + "\n", { mode: 0o600 });
    fs.writeFileSync(live, "00".repeat(32) + "\n", { mode: 0o600 });
    loadOrCreateSigningKey(join(keys, "evidence.key"));
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });
});

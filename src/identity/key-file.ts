/**
 * A signing key on disk: the 32-byte seed as 64 lower-case hex characters and a newline, mode 0600.
 * Created once on first start; after that only ever read. A damaged file is a loud
 * {@linkcode KeyFileError} and is never touched, because CC knows the appliance by this key and a
 * silently regenerated one locks the appliance out (field lesson 4).
 * @module
 */
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { systemRandom, type Random } from "../time/random.ts";
import { SEED_LENGTH } from "./ed25519.ts";
import { KeyFileError } from "./errors.ts";
import { toHex } from "./hex.ts";
import { signingKeyFromSeed, type SigningKey } from "./signing-key.ts";

/** Options of {@linkcode loadOrCreateSigningKey}. */
export interface LoadOrCreateOptions {
  /** Source of a new seed (and of the temporary file's name). */
  random?: Random;
}

/** A usable key, and whether this call created its file. */
export interface LoadedSigningKey {
  key: SigningKey;
  /** `true` only when this call wrote the file; worth a log line, since CC will see a new key. */
  created: boolean;
}

const HEX_LENGTH = SEED_LENGTH * 2;
const NEWLINE = 0x0a;
const EXPECTED = `expected ${HEX_LENGTH} hex characters and a newline`;

/**
 * Loads the key at `path`, or creates it when no file is there.
 *
 * Creation writes a temporary file beside it (exclusive create, mode 0600, fsync) and hard-links it
 * into place, which fails rather than replaces when a file appeared meanwhile; that file is then
 * loaded instead. The directory is created with mode 0700 when missing and fsynced after the link.
 *
 * @throws {KeyFileError} when the file exists but is not a 0600 regular file holding exactly 64
 *   lower-case hex characters and an optional newline, or when it cannot be read or written.
 */
export function loadOrCreateSigningKey(
  path: string,
  { random = systemRandom }: LoadOrCreateOptions = {},
): LoadedSigningKey {
  sweepStaleTempFiles(path);
  const seed = readSeed(path);
  if (seed) return { key: keyFromSeed(seed), created: false };
  return createKeyFile(path, random);
}

/**
 * Removes temporary key files that a process killed between writing and unlinking one left
 * behind: each holds a seed. A temp file names its writer's pid; one whose writer no longer runs
 * is garbage (the key it held was either linked into place or never used).
 */
function sweepStaleTempFiles(path: string): void {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no directory yet: nothing to sweep
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(name.slice(prefix.length).split(".")[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processRuns(pid)) removeQuietly(join(dir, name));
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM"; // it runs, as another user
  }
}

/** The seed stored at `path`, or `undefined` when there is no file. */
function readSeed(path: string): Uint8Array | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted at the path must not hang start-up; regular reads are unaffected.
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw new KeyFileError(path, `cannot open it (${errorCode(error)})`, { cause: error });
  }
  try {
    // fstat on the open descriptor: what is checked is what is read.
    const stat = fs.fstatSync(fd);
    checkStat(path, stat);
    const buffer = Buffer.alloc(HEX_LENGTH + 2);
    try {
      const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
      return parseKeyText(path, buffer.subarray(0, length));
    } finally {
      buffer.fill(0);
    }
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(path, `cannot read it (${errorCode(error)})`, { cause: error });
  } finally {
    fs.closeSync(fd);
  }
}

/** Rejects anything but a private regular file of a plausible size, before reading a byte. */
function checkStat(path: string, stat: fs.Stats): void {
  if (stat.isDirectory()) throw new KeyFileError(path, "it is a directory, not a file");
  if (!stat.isFile()) throw new KeyFileError(path, "it is not a regular file");
  const mode = stat.mode & 0o7777;
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(path, `mode ${octal(mode)} lets group or others access it; it must be 0600`);
  }
  if (stat.size !== HEX_LENGTH && stat.size !== HEX_LENGTH + 1) {
    throw new KeyFileError(path, `${EXPECTED}, found ${stat.size} bytes`);
  }
}

/** The seed in `text`: exactly 64 lower-case hex digits, then a newline or nothing. */
function parseKeyText(path: string, text: Uint8Array): Uint8Array {
  // Re-checked here because the file may have changed size between fstat and read.
  if (text.length !== HEX_LENGTH && text.length !== HEX_LENGTH + 1) {
    throw new KeyFileError(path, `${EXPECTED}, found ${text.length} bytes`);
  }
  if (text.length === HEX_LENGTH + 1 && text[HEX_LENGTH] !== NEWLINE) {
    throw new KeyFileError(path, `${EXPECTED}, found a byte other than a newline at offset ${HEX_LENGTH}`);
  }
  const seed = new Uint8Array(SEED_LENGTH);
  for (let i = 0; i < HEX_LENGTH; i++) {
    const nibble = lowerHexValue(text[i]!);
    // The offset is reported, never the byte: the file holds a secret.
    if (nibble < 0) throw new KeyFileError(path, `${EXPECTED}, found a byte that is not lower-case hex at offset ${i}`);
    seed[i >> 1]! |= i % 2 === 0 ? nibble << 4 : nibble;
  }
  return seed;
}

function lowerHexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30; // 0-9
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10; // a-f
  return -1;
}

/** Writes a fresh key at `path`, unless another file gets there first (then that one is loaded). */
function createKeyFile(path: string, random: Random): LoadedSigningKey {
  const dir = dirname(path);
  ensureDirectory(path, dir);
  const seed = random.bytes(SEED_LENGTH);
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_LENGTH) {
    throw new RangeError(`random.bytes(${SEED_LENGTH}) returned the wrong number of bytes`);
  }
  try {
    const key = signingKeyFromSeed(seed);
    if (placeKeyFile(path, dir, seed, random)) return { key, created: true };
  } finally {
    seed.fill(0);
  }
  // Lost a race (another agent process, or an operator restoring a backup): theirs wins and ours,
  // never used, is dropped. Their file gets the same checks as any existing key.
  const existing = readSeed(path);
  if (!existing) throw new KeyFileError(path, "it disappeared while being created", { action: "create" });
  return { key: keyFromSeed(existing), created: false };
}

/** Creates the key directory 0700 when missing; an existing directory is not ours to chmod. */
function ensureDirectory(path: string, dir: string): void {
  if (fs.existsSync(dir)) return;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700); // mkdir's mode passes through the umask
    syncDirectory(dirname(dir)); // make the new directory entry itself durable
  } catch (error) {
    throw new KeyFileError(path, `cannot create directory "${dir}" (${errorCode(error)})`, {
      action: "create",
      cause: error,
    });
  }
}

/**
 * Writes `seed` to a temporary file and links it to `path`. Returns `false` when `path` already
 * exists. link(2) is used rather than rename(2) because rename silently replaces an existing file.
 * A crash between write and unlink leaves the temporary file; the next start sweeps it.
 */
function placeKeyFile(path: string, dir: string, seed: Uint8Array, random: Random): boolean {
  const temp = join(dir, `.${basename(path)}.${process.pid}.${toHex(random.bytes(6))}.tmp`);
  const text = Buffer.from(`${toHex(seed)}\n`);
  let step = `write "${temp}"`;
  let placed: boolean;
  try {
    writeTempFile(temp, text);
    step = `link "${temp}" to it`;
    placed = linkIfAbsent(temp, path);
    step = `remove "${temp}"`;
    fs.rmSync(temp, { force: true });
    step = `sync directory "${dir}"`;
    syncDirectory(dir); // the link is durable only once its directory is
  } catch (error) {
    removeQuietly(temp);
    throw new KeyFileError(path, `cannot ${step} (${errorCode(error)})`, { action: "create", cause: error });
  } finally {
    text.fill(0);
  }
  return placed;
}

function writeTempFile(temp: string, text: Uint8Array): void {
  const fd = fs.openSync(temp, "wx", 0o600); // exclusive: never write through a planted file
  try {
    fs.fchmodSync(fd, 0o600); // exactly 0600, whatever the umask
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd); // contents durable before the name points at them
  } finally {
    fs.closeSync(fd);
  }
}

function linkIfAbsent(temp: string, path: string): boolean {
  try {
    fs.linkSync(temp, path);
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Best effort: the temporary file is already the error path, and the original error matters more. */
function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // ignored on purpose, see above
  }
}

function keyFromSeed(seed: Uint8Array): SigningKey {
  try {
    return signingKeyFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : String(error);
}

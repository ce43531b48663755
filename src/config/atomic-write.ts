/**
 * Replaces a file so that a crash leaves either the old or the new contents, never a mix.
 * @module
 */
import { randomUUID } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/** Options for {@link replaceFileAtomically}. */
export interface ReplaceFileOptions {
  /** Runs on the written, fsynced temp file before the rename; throwing cancels the replace. */
  check?: (tempPath: string) => void;
}

/**
 * Replaces the existing `file` with `text`: write a temp file beside it with the same mode (and
 * owner, when running as root), fsync, `check` it, rename it over `file`, fsync the directory.
 * On any failure before the rename the original is untouched and the temp file is removed.
 */
export function replaceFileAtomically(file: string, text: string, { check }: ReplaceFileOptions = {}): void {
  const { mode, uid, gid } = statSync(file);
  // Same directory, so the rename stays on one file system and is atomic (rename(2)).
  const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  try {
    const fd = openSync(temp, "wx", 0o600);
    try {
      fchmodSync(fd, mode & 0o7777); // the mode given to open is masked by the umask
      if (process.getuid?.() === 0) fchownSync(fd, uid, gid); // root may be rewriting another user's file
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    check?.(temp);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  // The rename is durable only once the directory entry is on disk.
  const dir = openSync(dirname(file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

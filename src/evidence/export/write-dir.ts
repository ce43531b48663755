/**
 * Writes an export's files into a directory that is new or empty, all or nothing: the files go
 * into a private sibling directory that is renamed into place at the end, so an interrupted
 * export leaves no half-written directory under the requested name.
 * @module
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Throws `RangeError` unless `dir` is absent or an empty directory, with a message saying why.
 * Called before the export does any work, and again just before writing.
 */
export function assertExportDir(dir: string): void {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new RangeError(`Cannot export into "${dir}": it is a file, not a directory`);
    entries = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    if (err instanceof RangeError) throw err;
    throw new RangeError(`Cannot export into "${dir}": ${(err as Error).message}`);
  }
  if (entries.length > 0) {
    throw new RangeError(`Cannot export into "${dir}": it is not empty; name a new or empty directory`);
  }
}

/**
 * Writes `files` (name → text) as the directory `dir`. The directory is private (0700) and the
 * files are 0600, like the state they come from; copy or chmod them to hand them over.
 */
export function writeExportDir(dir: string, files: Readonly<Record<string, string>>): void {
  assertExportDir(dir);
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.partial-`));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(staging, name), text, { mode: 0o600, flag: "wx" });
    // rename(2) replaces an empty directory and refuses a non-empty one (ENOTEMPTY).
    renameSync(staging, target);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") throw new RangeError(`Cannot export into "${dir}": it is no longer empty`, { cause: err });
    throw err;
  }
}

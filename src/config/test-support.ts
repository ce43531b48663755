/**
 * Test-only helpers for the config tests: real files in a temp directory that removes itself.
 * @module
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temp directory for one test; `using dir = tempDirForTest()` removes it afterwards. */
export interface TempDir extends Disposable {
  path: string;
  /** Writes `text` to `name` in the directory and returns the file's path. */
  write(name: string, text: string, mode?: number): string;
  /** The names in the directory, sorted, e.g. to show that no temp file was left. */
  list(): string[];
}

export function tempDirForTest(): TempDir {
  const path = mkdtempSync(join(tmpdir(), "config-test-"));
  return {
    path,
    write(name, text, mode = 0o600) {
      const file = join(path, name);
      writeFileSync(file, text, { mode });
      return file;
    },
    list: () => readdirSync(path).sort(),
    [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }),
  };
}

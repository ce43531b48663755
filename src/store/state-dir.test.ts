import { describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { ensureStateDir, StateDirError } from "./state-dir.ts";

const isRoot = process.getuid?.() === 0;
const myUid = process.getuid?.() ?? 0;


const modeOf = (path: string) => statSync(path).mode & 0o7777;

function thrown(fn: () => unknown): StateDirError {
  try {
    fn();
  } catch (err) {
    return err as StateDirError;
  }
  throw new Error("expected a throw");
}

describe("ensureStateDir", () => {
  test("creates a missing directory (and its parents) with mode 0700", () => {
    using tmp = tempDir("store-state-dir-");
    const path = join(tmp.path, "var", "lib", "agent");
    ensureStateDir(path);
    expect({ isDir: statSync(path).isDirectory(), mode: modeOf(path) }).toEqual({ isDir: true, mode: 0o700 });
  });

  test("tightens a 0755 directory we own to 0700", () => {
    using tmp = tempDir("store-state-dir-");
    const path = join(tmp.path, "state");
    mkdirSync(path);
    chmodSync(path, 0o755);
    ensureStateDir(path);
    expect(modeOf(path)).toBe(0o700);
  });

  test("leaves a private directory we own as it is", () => {
    using tmp = tempDir("store-state-dir-");
    const path = join(tmp.path, "state");
    mkdirSync(path, { mode: 0o700 });
    writeFileSync(join(path, "keep"), "x");
    ensureStateDir(path);
    expect({ mode: modeOf(path), kept: statSync(join(path, "keep")).isFile() }).toEqual({ mode: 0o700, kept: true });
  });

  test.skipIf(!isRoot)("refuses a directory owned by another uid, naming the path and both uids", () => {
    using tmp = tempDir("store-state-dir-");
    const path = join(tmp.path, "state");
    mkdirSync(path, { mode: 0o755 });
    chownSync(path, 65534, 65534);
    const err = thrown(() => ensureStateDir(path));
    expect({ name: err.name, isStateDirError: err instanceof StateDirError, path: err.path, message: err.message }).toEqual({
      name: "StateDirError",
      isStateDirError: true,
      path,
      message: `Cannot use state dir "${path}": it is owned by uid 65534 but the agent runs as uid ${myUid}; chown it to the agent's user`,
    });
    expect(modeOf(path)).toBe(0o755); // not touched
  });

  test("refuses a directory when the agent runs as another uid than its owner", () => {
    using tmp = tempDir("store-state-dir-");
    const err = thrown(() => ensureStateDir(tmp.path, { uid: myUid + 4242 }));
    expect(err.message).toBe(
      `Cannot use state dir "${tmp.path}": it is owned by uid ${myUid} but the agent runs as uid ${myUid + 4242}; chown it to the agent's user`,
    );
  });

  test("refuses a regular file", () => {
    using tmp = tempDir("store-state-dir-");
    const path = join(tmp.path, "state");
    writeFileSync(path, "not a directory");
    const err = thrown(() => ensureStateDir(path));
    expect({ name: err.name, reason: err.reason, message: err.message }).toEqual({
      name: "StateDirError",
      reason: "it exists but is not a directory",
      message: `Cannot use state dir "${path}": it exists but is not a directory`,
    });
  });

  test("reports a directory it cannot create, with the cause", () => {
    using tmp = tempDir("store-state-dir-");
    const blocker = join(tmp.path, "file");
    writeFileSync(blocker, "x");
    const path = join(blocker, "state");
    const err = thrown(() => ensureStateDir(path));
    expect({ name: err.name, startsRight: err.message.startsWith(`Cannot use state dir "${path}": cannot `), hasCause: err.cause !== undefined }).toEqual({
      name: "StateDirError",
      startsRight: true,
      hasCause: true,
    });
  });
});

/**
 * The agent's state directory: it must exist, belong to the agent's user and be private (0700),
 * because it holds the identity and evidence keys.
 * @module
 */
import { chmodSync, mkdirSync, statSync } from "node:fs";

/** The state directory is unusable; the message says why and what to do. */
export class StateDirError extends Error {
  override name = "StateDirError";
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot use state dir "${path}": ${reason}`, options);
  }
}

/**
 * Creates `path` (mode 0700) when missing, refuses one owned by another user, and tightens
 * a directory we own to 0700.
 */
export function ensureStateDir(path: string, { uid = process.getuid?.() ?? 0 } = {}): void {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new StateDirError(path, `cannot read it (${(err as Error).message})`, { cause: err });
    }
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } catch (mkErr) {
      throw new StateDirError(path, `cannot create it (${(mkErr as Error).message})`, { cause: mkErr });
    }
    st = statSync(path);
  }
  if (!st.isDirectory()) throw new StateDirError(path, "it exists but is not a directory");
  if (st.uid !== uid) {
    throw new StateDirError(
      path,
      `it is owned by uid ${st.uid} but the agent runs as uid ${uid}; chown it to the agent's user`,
    );
  }
  if ((st.mode & 0o777) !== 0o700) {
    try {
      chmodSync(path, 0o700);
    } catch (err) {
      throw new StateDirError(path, `cannot make it private (chmod 0700 failed)`, { cause: err });
    }
  }
}

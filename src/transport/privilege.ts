/**
 * How a script gets root on a host: it already has it, through sudo (with a password when one
 * is given), or not at all. The script and any password travel on standard input, never on a
 * command line that `ps` would show.
 * @module
 */

/** How a script gets root. */
export type Privilege = { kind: "root" } | { kind: "sudo"; password?: string } | { kind: "none" };

/** Marks the line after which the script starts, when sudo may or may not read a password first. */
const SCRIPT_START = "#ca-script";

/** Single-quotes a string for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command and standard input that run `script` (read by `sh -s`) with `privilege`;
 * `args` become `$1…`, each quoted, never spliced into the script.
 *
 * @example
 * privilegedInvocation({ kind: "root" }, "echo $1", ["it's"]) // { command: "sh -s -- 'it'\\''s'", stdin: "echo $1" }
 */
export function privilegedInvocation(privilege: Privilege, script: string, args: readonly string[] = []): { command: string; stdin: string } {
  const shell = args.length === 0 ? "sh -s" : `sh -s -- ${args.map(shellQuote).join(" ")}`;
  if (privilege.kind !== "sudo") return { command: shell, stdin: script };
  if (privilege.password === undefined) return { command: `sudo -n ${shell}`, stdin: script };
  // The password goes first on stdin. If sudo does not ask for it (NOPASSWD, cached
  // credentials), the guard reads it as a plain line and drops it unexecuted.
  const guard = `IFS= read -r l; [ "$l" = "${SCRIPT_START}" ] || IFS= read -r l; exec ${shell}`;
  return { command: `sudo -S -p '' sh -c ${shellQuote(guard)}`, stdin: `${privilege.password}\n${SCRIPT_START}\n${script}` };
}

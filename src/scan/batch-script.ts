/**
 * One round trip per host: every check's probe in one POSIX sh script, each in its own shell
 * with its own timeout, its output framed by markers that carry a per-scan nonce so that no
 * file a probe prints (a crontab, a log line) can forge a section or a result.
 * @module
 */
import type { Check } from "../catalog/index.ts";
import type { Random } from "../time/random.ts";
import { shellQuote } from "../transport/privilege.ts";


/** Defined in every probe's shell: `section NAME` starts a named section; `have CMD` tests for a command. */
const PROBE_PRELUDE = `section() { printf '\\n%s:section:%s\\n' "$CA_MARK" "$1"; }
have() { command -v "$1" >/dev/null 2>&1; }
`;

/** A fresh marker nonce for one batch: 24 letters and digits from `random`. */
export function batchNonce(random: Random): string {
  return Buffer.from(random.bytes(18)).toString("base64").replace(/[^A-Za-z0-9]/g, "x");
}

/** Builds the script for `checks`; `nonce` must be fresh and unguessable for each scan. */
export function buildBatchScript(checks: readonly Check[], nonce: string): string {
  if (!/^[A-Za-z0-9]{16,}$/.test(nonce)) throw new RangeError("Cannot build a batch script: the nonce must be 16+ letters and digits");
  const lines = [
    `CA_MARK='@@ca:${nonce}'; export CA_MARK`,
    "PATH=/run/wrappers/bin:/run/current-system/sw/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH; export PATH",
    "LC_ALL=C; export LC_ALL",
    `CA_PRELUDE=${shellQuote(PROBE_PRELUDE)}`,
    "CA_PLATFORM=linux; [ -e /etc/NIXOS ] && CA_PLATFORM=nixos",
    "grep -qs '^ID=\"\\{0,1\\}nixos' /etc/os-release && CA_PLATFORM=nixos",
    "command -v timeout >/dev/null 2>&1 && CA_TIMEOUT=1 || CA_TIMEOUT=",
    `printf '%s:host\\n' "$CA_MARK"`,
    "cat /etc/os-release 2>/dev/null",
    'echo "CA_PLATFORM=$CA_PLATFORM"',
    'echo "CA_UID=$(id -u)"',
    'echo "CA_HOSTNAME=$(hostname 2>/dev/null || cat /etc/hostname 2>/dev/null)"',
    'echo "CA_MACHINE_ID=$(cat /etc/machine-id 2>/dev/null)"',
    // $1 id, $2 seconds, $3 script. Output and errors are merged: both are evidence of what was seen.
    "ca_run() {",
    `  printf '\\n%s:begin:%s\\n' "$CA_MARK" "$1"`,
    '  if [ -n "$CA_TIMEOUT" ]; then timeout -k 2 "$2" sh -c "$CA_PRELUDE$3" </dev/null 2>&1; else sh -c "$CA_PRELUDE$3" </dev/null 2>&1; fi',
    "  ca_rc=$?",
    `  printf '\\n%s:end:%s:%s\\n' "$CA_MARK" "$1" "$ca_rc"`,
    "}",
  ];
  for (const check of checks) {
    const run = `ca_run ${shellQuote(check.id)} ${check.timeout_seconds} ${shellQuote(check.probe.shell)}`;
    lines.push(`case " ${check.platforms.join(" ")} " in *" $CA_PLATFORM "*) ${run} ;; esac`);
  }
  lines.push(`printf '\\n%s:done\\n' "$CA_MARK"`, "");
  return lines.join("\n");
}

/** One check's share of the batch output. */
export interface ProbeRun {
  sections: Record<string, string>;
  /** The probe's exit status; 124/137 mean its timeout killed it. Null when it never finished. */
  exitCode: number | null;
  /** Its end marker arrived (it did not run past the batch's deadline or output cap). */
  complete: boolean;
}

export interface BatchOutput {
  /** `KEY=value` lines of the host section: os-release plus `CA_*` facts. */
  host: Record<string, string>;
  /** Checks that ran, by id; checks for another platform are absent. */
  runs: Map<string, ProbeRun>;
  /** The script reached its last line. */
  done: boolean;
}

/** Drops the newline the marker printer put before a marker. */
function closeSection(text: string): string {
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

/** Splits the batch's standard output by its markers. Lines without the nonce are plain output. */
export function splitBatchOutput(stdout: string, nonce: string): BatchOutput {
  const mark = `@@ca:${nonce}:`;
  const host: Record<string, string> = {};
  const runs = new Map<string, ProbeRun>();
  let done = false;
  let where: "none" | "host" | "check" = "none";
  let current: ProbeRun | undefined;
  let section = "out";
  let buffer: string[] = [];
  const flush = () => {
    if (current && buffer.length > 0) {
      const text = closeSection(buffer.join("\n"));
      if (section !== "out" || text !== "") current.sections[section] = (current.sections[section] ?? "") + text;
    }
    buffer = [];
  };
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(mark)) {
      if (where === "host") {
        const eq = line.indexOf("=");
        if (eq > 0) host[line.slice(0, eq)] = line.slice(eq + 1).replace(/^"(.*)"$/, "$1");
      } else if (where === "check") buffer.push(line);
      continue;
    }
    const [kind, ...rest] = line.slice(mark.length).split(":");
    if (kind === "host") where = "host";
    else if (kind === "begin") {
      flush();
      current = { sections: {}, exitCode: null, complete: false };
      runs.set(rest.join(":"), current);
      section = "out";
      where = "check";
    } else if (kind === "section" && current) {
      flush();
      section = rest.join(":");
      current.sections[section] ??= "";
    } else if (kind === "end" && current) {
      flush();
      const code = Number.parseInt(rest.at(-1) ?? "", 10);
      current.exitCode = Number.isInteger(code) ? code : null;
      current.complete = true;
      current = undefined;
      where = "none";
    } else if (kind === "done") {
      flush();
      done = true;
    }
  }
  flush();
  return { host, runs, done };
}

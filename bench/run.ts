/**
 * Runs every benchmark and prints one summary table: figure, value, unit, target, met.
 *
 *   bun bench/run.ts [--quick] [--no-build] [--only startup,idle-rss]
 *
 * Builds `dist/compliance-agent` first (with `scripts/build.ts`) unless `--no-build`. Each
 * benchmark runs as its own process, one after another, so that none measures another's heap,
 * JIT or CPU use. `--quick` shortens the long ones (idle RSS over 30 s instead of 5 min,
 * compressed sizes reused when this very binary was compressed before).
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cleanupNow, installCleanupHooks, stopRequested, tempDir, track } from "./support/cleanup.ts";
import { renderTable, targetMet, type Figure } from "./support/figures.ts";
import { describeMachine } from "./support/machine.ts";
import { REPO_ROOT } from "./support/paths.ts";

/** The benchmarks, in the order they run: timing-sensitive ones first, compression last. */
const BENCHES = [
  "startup",
  "import-cost",
  "checkin-roundtrip",
  "evidence-append",
  "evidence-verify",
  "evidence-size",
  "evidence-drain",
  "ssh-exec",
  "linux-scan",
  "idle-rss",
  "binary-size",
] as const;

/** The commit measured, with `+dirty` when the work tree differs (read-only git). */
function revision(): string {
  const git = (...args: string[]) =>
    Bun.spawnSync(["git", ...args], { cwd: REPO_ROOT, stdout: "pipe", stderr: "ignore" }).stdout.toString().trim();
  const head = git("rev-parse", "--short", "HEAD") || "unknown";
  return git("status", "--porcelain", "--untracked-files=no") ? `${head}+dirty` : head;
}

async function main(): Promise<number> {
  installCleanupHooks();
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      only: { type: "string" },
    },
    strict: true,
  });
  const selected = values.only ? values.only.split(",").map((s) => s.trim()) : [...BENCHES];
  const unknown = selected.filter((s) => !(BENCHES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark "${unknown.join('", "')}"; known: ${BENCHES.join(", ")}`);
    return 2;
  }
  const started = performance.now();

  if (!values["no-build"]) {
    console.log("== building dist/compliance-agent");
    const build = track(
      Bun.spawn([process.execPath, "run", "scripts/build.ts"], { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit" }),
    );
    if ((await build.exited) !== 0) {
      console.error("build failed");
      return 1;
    }
  }

  using dir = tempDir("run");
  const all: (Figure & { bench: string })[] = [];
  for (const bench of BENCHES.filter((b) => selected.includes(b))) {
    console.log("");
    const out = join(dir.path, `${bench}.json`);
    const argv = [process.execPath, join(REPO_ROOT, "bench", `${bench}.ts`), ...(values.quick ? ["--quick"] : []), "--figures-out", out];
    const proc = track(Bun.spawn(argv, { cwd: REPO_ROOT, stdout: "inherit", stderr: "inherit" }));
    const code = await proc.exited;
    const stopped = stopRequested();
    if (stopped !== undefined) return stopped; // interrupted: no summary of a partial run
    let figures: Figure[];
    try {
      figures = JSON.parse(readFileSync(out, "utf8")) as Figure[];
    } catch {
      figures = [{ figure: "(benchmark failed)", value: null, unit: "", note: `exit ${code}; see its output above` }];
    }
    all.push(...figures.map((f) => ({ ...f, bench })));
  }

  const missed = all.filter((f) => targetMet(f) === false).length;
  const met = all.filter((f) => targetMet(f) === true).length;
  console.log(`\n== summary${values.quick ? " (quick)" : ""}: compliance-agent ${revision()}`);
  console.log(describeMachine());
  console.log(`\n${renderTable(all)}\n`);
  console.log(`targets met: ${met}, missed: ${missed}; took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

const code = await main();
cleanupNow();
process.exit(code);

/**
 * More kill -9 trials than the test suite runs: the crash-safety test of the evidence outbox
 * (tests/e2e/evidence-crash.e2e.test.ts) with EVIDENCE_CRASH_RUNS trials (default 500; quick:
 * 100). Prints the test's own summary line: crashes, chains, records committed and
 * acknowledged, and that every acknowledged record survived with an intact chain.
 *
 *   bun bench/evidence-crash.ts [--quick] [--runs N]
 */
import { parseArgs } from "node:util";
import { join } from "node:path";

const { values } = parseArgs({ options: { quick: { type: "boolean" }, runs: { type: "string" } }, strict: false });
const runs = Number(values.runs) || (values.quick ? 100 : 500);
const root = join(import.meta.dir, "..");
const started = performance.now();
const proc = Bun.spawnSync([process.execPath, "test", "tests/e2e/evidence-crash.e2e.test.ts"], {
  cwd: root,
  env: { ...process.env, EVIDENCE_CRASH_RUNS: String(runs) },
  stdout: "pipe",
  stderr: "pipe",
});
const out = proc.stdout.toString() + proc.stderr.toString();
const summary = out.split("\n").find((l) => l.startsWith("evidence crash:"));
console.log(summary ?? out.slice(-2000));
console.log(`kill -9 trials: ${runs}; ${proc.exitCode === 0 ? "every acknowledged record present, every chain intact" : "FAILED"}; ${Math.round((performance.now() - started) / 1000)} s`);
process.exit(proc.exitCode ?? 1);

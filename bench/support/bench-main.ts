/**
 * The shared command line of every benchmark script: `bun bench/<name>.ts [--quick]
 * [--figures-out FILE]`. Prints the machine, the benchmark's own progress, then its figures as a
 * table; `--figures-out` also writes them as JSON for `bench/run.ts`.
 * @module
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cleanupNow, installCleanupHooks } from "./cleanup.ts";
import { renderTable, type Figure } from "./figures.ts";
import { describeMachine } from "./machine.ts";

/** What every benchmark is told. */
export interface BenchOptions {
  /** Shorten long measurements (e.g. idle RSS over 30 s instead of 5 min). */
  quick: boolean;
}

/**
 * Runs one benchmark as a script and exits.
 *
 * @example
 * if (import.meta.main) await benchMain("binary size", measureBinarySize);
 */
export async function benchMain(title: string, measure: (options: BenchOptions) => Promise<Figure[]>): Promise<void> {
  installCleanupHooks();
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { quick: { type: "boolean", default: false }, "figures-out": { type: "string" } },
    strict: true,
  });
  console.log(`== ${title}${values.quick ? " (quick)" : ""}`);
  console.log(describeMachine());
  let figures: Figure[];
  try {
    figures = await measure({ quick: values.quick });
  } catch (err) {
    console.error(`bench "${title}" failed:`, err);
    cleanupNow();
    process.exit(1);
  }
  console.log(`\n${renderTable(figures)}\n`);
  if (values["figures-out"]) writeFileSync(values["figures-out"], JSON.stringify(figures));
  cleanupNow();
  // Open sockets or timers of the code under test must not keep the script alive.
  process.exit(0);
}

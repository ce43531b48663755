/**
 * The shared command line of every benchmark script: `bun bench/<name>.ts [--quick]
 * [--figures-out FILE]`, plus any string flags a benchmark declares. Prints the machine, the
 * benchmark's own progress, then its figures as a table; `--figures-out` also writes them as
 * JSON for `bench/run.ts`.
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
  /** The benchmark's own `--name value` flags, with their defaults filled in. */
  flags: Readonly<Record<string, string>>;
}

/**
 * Runs one benchmark as a script and exits.
 *
 * @example
 * if (import.meta.main) await benchMain("binary size", measureBinarySize);
 * if (import.meta.main) await benchMain("linux scan", measureLinuxScan, { concurrency: "32" });
 */
export async function benchMain(
  title: string,
  measure: (options: BenchOptions) => Promise<Figure[]>,
  flagDefaults: Readonly<Record<string, string>> = {},
): Promise<void> {
  installCleanupHooks();
  const flagOptions = Object.fromEntries(
    Object.entries(flagDefaults).map(([name, value]) => [name, { type: "string", default: value } as const]),
  );
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { quick: { type: "boolean", default: false }, "figures-out": { type: "string" }, ...flagOptions },
    strict: true,
  });
  const flags = Object.fromEntries(Object.keys(flagDefaults).map((name) => [name, String((values as Record<string, unknown>)[name])]));
  console.log(`== ${title}${values.quick ? " (quick)" : ""}`);
  console.log(describeMachine());
  let figures: Figure[];
  try {
    figures = await measure({ quick: values.quick, flags });
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

/**
 * Builds variants of a compiled binary for side-by-side figures, with the flags of
 * `scripts/build.ts` except where a variant says otherwise.
 * @module
 */
import { statSync } from "node:fs";
import { REPO_ROOT } from "./paths.ts";

/** How to compile one variant. */
export interface CompileOptions {
  entry: string;
  outfile: string;
  /** Default true, as in `scripts/build.ts`. */
  bytecode?: boolean;
}

/**
 * Compiles `entry` into a single executable (`--compile --minify --format=esm`, plus `--bytecode`
 * unless turned off); returns the file's size in bytes.
 * @throws {Error} when `bun build` fails, with its output.
 */
export function compileBinary({ entry, outfile, bytecode = true }: CompileOptions): number {
  const args = [
    "build",
    entry,
    "--compile",
    "--minify",
    ...(bytecode ? ["--bytecode"] : []),
    "--format=esm",
    "--sourcemap=none",
    `--outfile=${outfile}`,
  ];
  const proc = Bun.spawnSync([process.execPath, ...args], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0) {
    throw new Error(`Cannot compile "${entry}": bun build exited ${proc.exitCode}\n${proc.stderr.toString()}${proc.stdout.toString()}`);
  }
  return statSync(outfile).size;
}

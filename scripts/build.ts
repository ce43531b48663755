/**
 * Builds the single executable `dist/compliance-agent` with Bun's compiler: minified, with
 * bytecode for a fast start (ESM, because the entry uses top-level await).
 * Usage: bun run scripts/build.ts [--outfile PATH] [--target bun-linux-x64]
 */
import { parseArgs } from "node:util";
import { statSync } from "node:fs";

const { values } = parseArgs({
  options: { outfile: { type: "string", default: "dist/compliance-agent" }, target: { type: "string" } },
});
const started = performance.now();
const args = [
  "build",
  "src/cli/main.ts",
  "--compile",
  "--minify",
  "--bytecode",
  "--format=esm",
  "--sourcemap=none",
  `--outfile=${values.outfile}`,
  ...(values.target ? [`--target=${values.target}`] : []),
];
const proc = Bun.spawnSync([process.execPath, ...args], { stdout: "inherit", stderr: "inherit" });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
const size = statSync(values.outfile!).size;
console.log(`built ${values.outfile} (${(size / 1048576).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);

/**
 * Builds the single executable `dist/compliance-agent` with Bun's compiler: minified, with
 * bytecode for a fast start (ESM, because the entry uses top-level await), after validating and
 * regenerating the embedded check and runbook catalog.
 * Usage: bun run scripts/build.ts [--outfile PATH] [--target bun-linux-x64]
 */
import { parseArgs } from "node:util";
import { statSync } from "node:fs";

const { values } = parseArgs({
  options: {
    outfile: { type: "string", default: "dist/compliance-agent" },
    target: { type: "string" },
    smol: { type: "boolean", default: false },
  },
});
const started = performance.now();
// The catalog is validated (schema, cross-references, `sh -n`) and regenerated before every build.
const catalog = Bun.spawnSync([process.execPath, "run", "scripts/build-catalog.ts"], { stdout: "inherit", stderr: "inherit" });
if (catalog.exitCode !== 0) process.exit(catalog.exitCode ?? 1);
const args = [
  "build",
  "src/cli/main.ts",
  "--compile",
  "--minify",
  "--bytecode",
  "--format=esm",
  "--sourcemap=none",
  // An appliance binary reads its settings from its config file only: a stray .env or
  // bunfig.toml in the working directory must not change its environment or runtime.
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  ...(values.smol ? ["--compile-exec-argv=--smol"] : []),
  `--outfile=${values.outfile}`,
  ...(values.target ? [`--target=${values.target}`] : []),
];
const proc = Bun.spawnSync([process.execPath, ...args], { stdout: "inherit", stderr: "inherit" });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
const size = statSync(values.outfile!).size;
console.log(`built ${values.outfile} (${(size / 1048576).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);

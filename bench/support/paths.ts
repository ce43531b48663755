/**
 * Where the benchmarks find the repository and the built agent.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The repository root (the parent of `bench/`). */
export const REPO_ROOT = join(import.meta.dir, "..", "..");

/** The binary `scripts/build.ts` writes. */
export const AGENT_BINARY = join(REPO_ROOT, "dist", "compliance-agent");

/** The agent's entry point, for building variants of the binary. */
export const AGENT_ENTRY = join(REPO_ROOT, "src", "cli", "main.ts");

/** `AGENT_BINARY`, or a thrown error that says how to build it. */
export function requireAgentBinary(): string {
  if (!existsSync(AGENT_BINARY)) {
    throw new Error(`Cannot find "${AGENT_BINARY}": build it with "bun run scripts/build.ts" (bench/run.ts does so)`);
  }
  return AGENT_BINARY;
}

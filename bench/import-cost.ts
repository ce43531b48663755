/**
 * Where start-up goes: each probe is a tiny program compiled with the flags of
 * `scripts/build.ts` that imports one module (or module graph) and uses it once; its wall time
 * from exec to exit, minus that of an empty program built the same way, is what loading and
 * first use of that module add to a cold process. Probes overlap (the agent's graphs share
 * modules), so their costs do not add up.
 *
 *   bun bench/import-cost.ts [--quick]
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { wallTime } from "./support/agent-process.ts";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir } from "./support/cleanup.ts";
import { compileBinary } from "./support/compile.ts";
import { describeSamples, median, type Figure } from "./support/figures.ts";
import { REPO_ROOT } from "./support/paths.ts";

/** One probe: a name and the body of its entry module; `$(spec)` becomes an absolute import path. */
interface Probe {
  name: string;
  source: string;
}

// Assigning a namespace to a global keeps the bundler from dropping any of its top-level code.
const keep = (spec: string) => `import * as m from "$(${spec})";\n(globalThis as any).keep = m;\n`;

const PROBES: Probe[] = [
  { name: "empty program (floor)", source: "export {};\n" },
  { name: "zod: import + one small schema", source: `import { z } from "$(zod)";\nz.object({ a: z.string() }).parse({ a: "x" });\n` },
  { name: "yaml: import only", source: keep("yaml") },
  { name: "yaml: import + parse a config", source: `import { parse } from "$(yaml)";\nparse("site_id: s\\npoll_interval: 10\\n");\n` },
  { name: "tweetnacl: import + box.keyPair()", source: `import nacl from "$(tweetnacl)";\nnacl.box.keyPair();\n` },
  {
    name: "bun:sqlite: open :memory: + query",
    source: `import { Database } from "bun:sqlite";\nnew Database(":memory:").query("select 1").get();\n`,
  },
  {
    name: "node:crypto: Ed25519 key + sign",
    source: `import { generateKeyPairSync, sign } from "node:crypto";\nsign(null, new Uint8Array(64), generateKeyPairSync("ed25519").privateKey);\n`,
  },
  {
    name: "node:crypto: X25519 key pair",
    source: `import { generateKeyPairSync } from "node:crypto";\ngenerateKeyPairSync("x25519");\n`,
  },
  { name: "agent src/cli/main.ts graph (static part)", source: keep("./src/cli/errors.ts") },
  {
    name: "agent run.ts graph bundled, never evaluated",
    source: `if (process.env.BENCH_NEVER_SET) await import("$(./src/cli/run.ts)");\n`,
  },
  { name: "agent src/cli/run.ts graph", source: keep("./src/cli/run.ts") },
  { name: "agent src/config/index.ts graph", source: keep("./src/config/index.ts") },
  { name: "agent src/config/schema.ts graph", source: keep("./src/config/schema.ts") },
  { name: "agent src/central/index.ts graph", source: keep("./src/central/index.ts") },
  { name: "agent src/central/checkin-response.ts graph", source: keep("./src/central/checkin-response.ts") },
  { name: "agent src/store/index.ts graph", source: keep("./src/store/index.ts") },
  { name: "agent src/identity/index.ts graph", source: keep("./src/identity/index.ts") },
  { name: "agent src/host/index.ts graph", source: keep("./src/host/index.ts") },
  {
    name: "agent collectHostFacts() first call",
    source: `import { collectHostFacts } from "$(./src/host/index.ts)";\ncollectHostFacts();\n`,
  },
  {
    name: "agent createEnvelopeKeys() first call",
    source: `import { createEnvelopeKeys } from "$(./src/identity/index.ts)";\ncreateEnvelopeKeys();\n`,
  },
  {
    name: "agent sdNotify() first call (systemd only)",
    source: `import { sdNotify } from "$(./src/systemd/index.ts)";\nsdNotify("READY=1", "/nonexistent/notify");\n`,
  },
];

/** Replaces `$(spec)` with the absolute path Bun resolves `spec` to from the repository root. */
function resolveImports(source: string): string {
  return source.replace(/\$\(([^)]+)\)/g, (_, spec: string) => Bun.resolveSync(spec, REPO_ROOT));
}

/** Measures every probe; `quick` takes 10 runs per probe instead of 20. */
export async function measureImportCost({ quick }: BenchOptions): Promise<Figure[]> {
  const runs = quick ? 10 : 20;
  using dir = tempDir("imports");
  console.log(`compiling ${PROBES.length} probes…`);
  const binaries = PROBES.map((probe, i) => {
    const entry = join(dir.path, `probe-${i}.ts`);
    writeFileSync(entry, resolveImports(probe.source));
    const outfile = join(dir.path, `probe-${i}`);
    compileBinary({ entry, outfile });
    return outfile;
  });
  for (const binary of binaries) await wallTime([binary]); // warm the page cache
  // Round-robin, so that a change in machine load touches every probe alike.
  const samples: number[][] = PROBES.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (const [i, binary] of binaries.entries()) samples[i]!.push(await wallTime([binary]));
  }
  const floor = median(samples[0]!);
  PROBES.forEach((p, i) => console.log(`${p.name.padEnd(44)} ${describeSamples(samples[i]!)}`));
  return PROBES.map((probe, i) =>
    i === 0
      ? { figure: `start-up cost: ${probe.name}`, value: floor, unit: "ms", note: "wall time exec → exit" }
      : { figure: `start-up cost: ${probe.name}`, value: median(samples[i]!) - floor, unit: "ms", note: "median above the floor" },
  );
}

if (import.meta.main) await benchMain("start-up cost by module", measureImportCost);

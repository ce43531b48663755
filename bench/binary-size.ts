/**
 * Binary size: `dist/compliance-agent` as built, the same entry built without `--bytecode`
 * (what bytecode costs in bytes), and the shipped binary compressed with `xz -9` and
 * `zstd -19` when those tools are installed (what an ISO or an update download carries).
 *
 *   bun bench/binary-size.ts [--quick]
 * @module
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir, track } from "./support/cleanup.ts";
import { compileBinary } from "./support/compile.ts";
import type { Figure } from "./support/figures.ts";
import { AGENT_ENTRY, requireAgentBinary } from "./support/paths.ts";

const MiB = 2 ** 20;

/** A compressor as run here: `argv` writes the compressed file to stdout. */
interface Compressor {
  name: string;
  tool: string;
  argv: (file: string) => string[];
}

// Single-threaded, so that the two can run side by side on two cores; the size does not depend on it.
const COMPRESSORS: Compressor[] = [
  { name: "xz -9", tool: "xz", argv: (file) => ["xz", "-9", "-T1", "-c", file] },
  { name: "zstd -19", tool: "zstd", argv: (file) => ["zstd", "-19", "-T1", "-q", "-c", file] },
];

/** Compressed sizes already measured, by tool, tool version and SHA-256 of the input. */
const CACHE_FILE = join(import.meta.dir, ".cache", "compressed-sizes.json");

type SizeCache = Record<string, number>;

function readCache(): SizeCache {
  try {
    return JSON.parse(readFileSync(CACHE_FILE, "utf8")) as SizeCache;
  } catch {
    return {};
  }
}

function writeCache(cache: SizeCache): void {
  mkdirSync(dirname(CACHE_FILE), { recursive: true });
  writeFileSync(CACHE_FILE, JSON.stringify(cache, null, 2));
}

function toolVersion(tool: string): string {
  return Bun.spawnSync([tool, "--version"], { stdout: "pipe", stderr: "pipe" }).stdout.toString().split("\n")[0]!.trim();
}

/** Size of the compressed stream of `argv`, counted as it streams (nothing is written to disk). */
async function compressedSize(argv: string[]): Promise<{ bytes: number; seconds: number }> {
  const started = performance.now();
  const proc = track(Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" }));
  let bytes = 0;
  for await (const chunk of proc.stdout) bytes += chunk.byteLength;
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${await new Response(proc.stderr).text()}`);
  return { bytes, seconds: (performance.now() - started) / 1000 };
}

/**
 * Measures the sizes. Compressing a ~110 MiB file takes a minute or two, so `quick` reuses a
 * compressed size measured earlier for the very same bytes (cached in `bench/.cache/`).
 */
export async function measureBinarySize({ quick }: BenchOptions): Promise<Figure[]> {
  const binary = requireAgentBinary();
  const size = statSync(binary).size;
  console.log(`${binary}: ${size} bytes`);
  const figures: Figure[] = [{ figure: "binary size", value: size / MiB, unit: "MiB" }];

  using dir = tempDir("size");
  const plainSize = compileBinary({ entry: AGENT_ENTRY, outfile: join(dir.path, "agent-no-bytecode"), bytecode: false });
  figures.push({
    figure: "binary size without --bytecode",
    value: plainSize / MiB,
    unit: "MiB",
    note: `bytecode adds ${((size - plainSize) / MiB).toFixed(2)} MiB`,
  });

  const available = COMPRESSORS.filter((c) => Bun.which(c.tool) !== null);
  for (const c of COMPRESSORS.filter((c) => !available.includes(c))) {
    figures.push({ figure: `binary size, ${c.name}`, value: null, unit: "MiB", note: `${c.tool} not installed` });
  }
  const digest = new Bun.CryptoHasher("sha256").update(await Bun.file(binary).arrayBuffer()).digest("hex");
  const cache = readCache();
  const keyOf = (c: Compressor) => `${c.name} | ${toolVersion(c.tool)} | ${digest}`;
  const cached = (c: Compressor) => (quick ? cache[keyOf(c)] : undefined);
  const toRun = available.filter((c) => cached(c) === undefined);
  if (toRun.length > 0) {
    console.log(`compressing with ${toRun.map((c) => c.name).join(" and ")} in parallel (about 1.5 min)…`);
  }
  const results = await Promise.all(toRun.map((c) => compressedSize(c.argv(binary))));
  toRun.forEach((c, i) => {
    console.log(`${c.name}: ${results[i]!.bytes} bytes in ${results[i]!.seconds.toFixed(0)} s`);
    cache[keyOf(c)] = results[i]!.bytes;
  });
  // Only this binary's entries are kept: an older build's sizes will not be asked for again.
  if (toRun.length > 0) writeCache(Object.fromEntries(Object.entries(cache).filter(([k]) => k.endsWith(digest))));
  for (const c of available) {
    const bytes = cache[keyOf(c)]!;
    const fromCache = !toRun.includes(c);
    figures.push({
      figure: `binary size, ${c.name}`,
      value: bytes / MiB,
      unit: "MiB",
      note: `${((100 * bytes) / size).toFixed(0)} % of the binary${fromCache ? " (cached: same binary measured before)" : ""}`,
    });
  }
  return figures;
}

if (import.meta.main) await benchMain("binary size", measureBinarySize);

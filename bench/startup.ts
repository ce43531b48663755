/**
 * Start-up: time from exec of `compliance-agent run` to the reference CC receiving its first
 * check-in, on a warm page cache and a state dir that already holds the keys (a restart, the
 * common case). Side by side, the same entry built without `--bytecode`, and three floors that
 * separate Bun's own start-up from the agent's work:
 *
 * - `version`: the agent binary doing almost nothing (its entry module and exit);
 * - an empty program compiled with the same flags: the runtime alone;
 * - `/bin/true`: what spawning and reaping a process costs the measuring side.
 *
 * Each variant is run in turn in every round, so drift in machine load touches all alike.
 *
 *   bun bench/startup.ts [--quick]
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir } from "./support/cleanup.ts";
import { compileBinary } from "./support/compile.ts";
import { describeSamples, median, percentile, type Figure } from "./support/figures.ts";
import { AGENT_ENTRY, requireAgentBinary } from "./support/paths.ts";
import { spawnAgent, startBenchCC, wallTime, withTimeout, writeAgentConfig, type BenchCC } from "./support/agent-process.ts";

const TARGET_MS = 30;
const WARMUP_ROUNDS = 2;

/** One variant of the binary and its config. */
interface Variant {
  label: string;
  binary: string;
  config: string;
}

/** Milliseconds after spawn at which each milestone was seen. */
interface RunSample {
  checkinAtCC: number;
  firstOutput: number;
  checkedInLogged: number;
}

function messageOf(line: string): string {
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg);
  } catch {
    return line.slice(0, 40);
  }
}

async function oneRun(cc: BenchCC, v: Variant): Promise<RunSample & { firstLine: string }> {
  const checkin = cc.nextCheckin();
  const agent = spawnAgent(v.binary, v.config);
  try {
    const request = await withTimeout(checkin, 15_000, `the first check-in of ${v.label}`);
    if (request.status !== 200) throw new Error(`${v.label}: CC answered the check-in ${request.status}`);
    const firstOutput = await withTimeout(agent.firstOutputAt, 15_000, `output of ${v.label}`);
    const checkedIn = await withTimeout(agent.lineAt("checked in"), 15_000, `"checked in" from ${v.label}`);
    return {
      firstLine: messageOf(agent.lines[0] ?? ""),
      checkinAtCC: request.time - agent.spawnedAt,
      firstOutput: firstOutput - agent.spawnedAt,
      checkedInLogged: checkedIn - agent.spawnedAt,
    };
  } finally {
    const code = await agent.stop();
    if (code !== 0) console.warn(`${v.label} exited ${code}; last lines:\n${agent.lines.slice(-5).join("\n")}`);
  }
}

/** Runs `argv` `rounds` times after one warm-up; wall times in ms. */
async function wallTimes(argv: string[], rounds: number): Promise<number[]> {
  await wallTime(argv);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(await wallTime(argv));
  return samples;
}

/** Measures start-up; `quick` takes 10 rounds instead of 20. */
export async function measureStartup({ quick }: BenchOptions): Promise<Figure[]> {
  const rounds = quick ? 10 : 20;
  const binary = requireAgentBinary();
  using dir = tempDir("startup");

  console.log("building the variant without --bytecode and an empty program…");
  const plainBinary = join(dir.path, "agent-no-bytecode");
  compileBinary({ entry: AGENT_ENTRY, outfile: plainBinary, bytecode: false });
  const emptyEntry = join(dir.path, "empty.ts");
  writeFileSync(emptyEntry, "export {};\n");
  const emptyBinary = join(dir.path, "empty");
  compileBinary({ entry: emptyEntry, outfile: emptyBinary });

  const cc = await startBenchCC();
  // One state dir for both: CC binds the appliance (site + MAC) to the identity key it first saw.
  const config = writeAgentConfig(dir.path, cc.cc.url);
  const variants: Variant[] = [
    { label: "bytecode (dist)", binary, config },
    { label: "no bytecode", binary: plainBinary, config },
  ];

  const samples = new Map<string, RunSample[]>(variants.map((v) => [v.label, []]));
  // The `msg` of each measured run's first log line, to say what "first log line" means.
  const firstLines = new Set<string>();
  try {
    console.log(`${WARMUP_ROUNDS} warm-up rounds (these create the keys), then ${rounds} measured rounds…`);
    for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
      // Alternate which variant goes first, so neither always follows the other's exit.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const { firstLine, ...sample } = await oneRun(cc, v);
        if (round < WARMUP_ROUNDS) continue;
        samples.get(v.label)!.push(sample);
        firstLines.add(firstLine);
      }
    }
  } finally {
    await cc.stop();
  }

  const field = (label: string, key: keyof RunSample) => samples.get(label)!.map((s) => s[key]);
  for (const v of variants) {
    console.log(`\n${v.label}:`);
    console.log(`  exec → check-in at CC   ${describeSamples(field(v.label, "checkinAtCC"))}`);
    console.log(`  exec → first log line   ${describeSamples(field(v.label, "firstOutput"))}`);
    console.log(`  exec → "checked in"     ${describeSamples(field(v.label, "checkedInLogged"))}`);
  }

  console.log("\nwall times of short commands…");
  const versionDist = await wallTimes([binary, "version"], rounds);
  const versionPlain = await wallTimes([plainBinary, "version"], rounds);
  const empty = await wallTimes([emptyBinary], rounds);
  const trueBin = Bun.which("true") ?? "/bin/true";
  const spawnFloor = await wallTimes([trueBin], rounds);
  console.log(`  version (bytecode)      ${describeSamples(versionDist)}`);
  console.log(`  version (no bytecode)   ${describeSamples(versionPlain)}`);
  console.log(`  empty compiled program  ${describeSamples(empty)}`);
  console.log(`  ${trueBin.padEnd(22)}  ${describeSamples(spawnFloor)}`);

  const [dist, plain] = variants.map((v) => v.label) as [string, string];
  const checkinDist = field(dist, "checkinAtCC");
  const checkinPlain = field(plain, "checkinAtCC");
  const target = { op: "<=", value: TARGET_MS } as const;
  const n = `n=${rounds}, warm cache`;
  return [
    { figure: "exec → first check-in at CC, median", value: median(checkinDist), unit: "ms", target, note: n },
    { figure: "exec → first check-in at CC, p90", value: percentile(checkinDist, 90), unit: "ms", target, note: n },
    { figure: "  same, without --bytecode, median", value: median(checkinPlain), unit: "ms" },
    { figure: "  same, without --bytecode, p90", value: percentile(checkinPlain, 90), unit: "ms" },
    {
      figure: "  start-up ratio no-bytecode / bytecode",
      value: median(checkinPlain) / median(checkinDist),
      unit: "×",
      note: "medians",
    },
    {
      figure: "exec → first log line, median",
      value: median(field(dist, "firstOutput")),
      unit: "ms",
      note: `the line: ${[...firstLines].map((m) => JSON.stringify(m)).join(" or ")}`,
    },
    { figure: "  same, without --bytecode, median", value: median(field(plain, "firstOutput")), unit: "ms" },
    { figure: 'exec → "checked in" logged, median', value: median(field(dist, "checkedInLogged")), unit: "ms", note: "includes CC's answer" },
    { figure: "`version` wall time, median", value: median(versionDist), unit: "ms" },
    { figure: "  same, without --bytecode, median", value: median(versionPlain), unit: "ms" },
    { figure: "empty compiled program wall time, median", value: median(empty), unit: "ms", note: "Bun runtime floor" },
    { figure: "spawn + reap of /bin/true, median", value: median(spawnFloor), unit: "ms", note: "measuring overhead" },
  ];
}

if (import.meta.main) await benchMain("start-up", measureStartup);

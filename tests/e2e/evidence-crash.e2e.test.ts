/**
 * The outbox under `kill -9`: a writer process (`tests/helpers/evidence-writer.ts`) appends
 * bursts of evidence and prints each record it was told is durable; it is killed at a random
 * moment, and then every acknowledged record must be in the database with exactly the hash that
 * was acknowledged, and the chain must verify from genesis to head. Every other run restarts the
 * writer on the state dir the previous run crashed in, so the chain's head is recovered from a
 * crashed database and the chain has to link across the crash.
 *
 * The database is inspected read-only, so the next writer finds it exactly as the crash left it
 * (an un-checkpointed WAL included) and must recover it itself.
 */
import type { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { PUBLIC_KEY_META } from "../../src/evidence/outbox.ts";
import { verifyChain } from "../../src/evidence/verify.ts";
import { createEvidenceStore } from "../../src/store/evidence-store.ts";
import { openDatabase } from "../../src/store/open.ts";
import { seededRandom } from "../../src/time/random.ts";
import { writerKey } from "../helpers/evidence-writer.ts";
import { tempDir } from "../helpers/temp-dir.ts";

/** Writer processes started and killed. */
/** At least 50 in the suite; `bench/evidence-crash.ts` runs many more through EVIDENCE_CRASH_RUNS. */
const CRASH_RUNS = Math.max(50, Number(process.env.EVIDENCE_CRASH_RUNS) || 0);
/** Measured on the 2-core development VM: 25 s, or 28–41 s with the compiled verify step; the margin is for a loaded CI machine. */
const TEST_TIMEOUT_MS = 150_000 * Math.ceil(CRASH_RUNS / 50);
/** The kill comes this long after the first ack: early kills hit small chains, late ones big. */
const KILL_AFTER_MS = { min: 20, max: 300 };
const KEY_SEED = 42;
const ROOT = resolve(import.meta.dir, "../..");
const WRITER = join(ROOT, "tests/helpers/evidence-writer.ts");

/** The compiled agent if it has the `verify` command; otherwise why that step is skipped. */
function verifyCli(): { binary: string } | { skip: string } {
  const binary = process.env.COMPLIANCE_AGENT_BINARY || join(ROOT, "dist/compliance-agent");
  if (!existsSync(binary)) return { skip: `${binary} does not exist` };
  const help = Bun.spawnSync([binary, "verify", "--help"], { stdout: "ignore", stderr: "ignore" });
  if (help.exitCode !== 0) return { skip: `"${binary} verify --help" exited ${help.exitCode}: this build has no verify command` };
  return { binary };
}

interface WriterRun {
  /** seq → hash of every record acknowledged before the kill. */
  acks: Map<number, string>;
  exitCode: number | null;
  signalCode: string | number | null;
  stderr: string;
}

/** Starts the writer on `stateDir`, kills it `killAfterMs` after its first ack, and collects the acks. */
async function crashWriter(stateDir: string, killAfterMs: number): Promise<WriterRun> {
  const proc = Bun.spawn([process.execPath, WRITER, stateDir, String(KEY_SEED)], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const acks = new Map<number, string>();
  const stderr = new Response(proc.stderr).text();
  let firstAck!: () => void;
  const firstAcked = new Promise<void>((res) => (firstAck = res));
  const reading = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = /^ack (\d+) ([0-9a-f]{64})$/.exec(line);
        if (!m) throw new Error(`Unexpected line from the writer: ${JSON.stringify(line)}`);
        acks.set(Number(m[1]), m[2]!);
        firstAck();
      }
    }
    // A line without its newline was cut by the kill mid-write: it was never fully printed.
  })();
  const outcome = await Promise.race([firstAcked.then(() => "acked" as const), proc.exited.then(() => "exited" as const)]);
  if (outcome === "exited") throw new Error(`The writer exited (${proc.exitCode}) before its first ack:\n${await stderr}`);
  await Bun.sleep(killAfterMs);
  proc.kill("SIGKILL");
  await proc.exited;
  await reading;
  return { acks, exitCode: proc.exitCode, signalCode: proc.signalCode, stderr: await stderr };
}

/** Acks whose record is missing or differs: `[seq, acked hash, stored hash or null]`. */
function lostAcks(db: Database, acks: Map<number, string>): [number, string, string | null][] {
  const stored = new Map<number, string>();
  for (const r of db.query<{ seq: number; hash: string }, []>("SELECT seq, hash FROM evidence").iterate()) stored.set(r.seq, r.hash);
  const lost: [number, string, string | null][] = [];
  for (const [seq, hash] of acks) if (stored.get(seq) !== hash) lost.push([seq, hash, stored.get(seq) ?? null]);
  return lost;
}

test("outbox.append keeps every acknowledged record and an intact chain across repeated kill -9", async () => {
  const started = performance.now();
  const seed = Number(process.env.EVIDENCE_CRASH_SEED ?? Date.now() % 2 ** 31);
  const random = seededRandom(seed);
  const key = writerKey(KEY_SEED);
  const cli = verifyCli();
  if ("skip" in cli) console.log(`evidence crash: skipping the compiled verify step: ${cli.skip}`);
  using root = tempDir("ca-evidence-crash-");

  let chainDir = "";
  let chains = 0;
  let chainAcks = new Map<number, string>();
  let acked = 0;
  let records = 0;
  let unackedCommits = 0;
  let cliRuns = 0;
  for (let run = 0; run < CRASH_RUNS; run++) {
    // Even runs start a fresh chain; odd runs restart on the chain the previous run crashed in.
    const continues = run % 2 === 1;
    if (!continues) {
      chainDir = join(root.path, `chain-${++chains}`);
      mkdirSync(chainDir);
      chainAcks = new Map();
    }
    const priorHead = Math.max(0, ...chainAcks.keys());
    const killAfterMs = KILL_AFTER_MS.min + Math.floor(random.float() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min + 1));
    const where = `run ${run} (seed ${seed}, ${continues ? "continued" : "fresh"} chain ${chainDir}, killed ${killAfterMs} ms after the first ack)`;

    const w = await crashWriter(chainDir, killAfterMs);
    expect({ where, signal: w.signalCode, stderr: w.stderr }).toEqual({ where, signal: "SIGKILL", stderr: "" });
    // A restarted writer continues after everything acknowledged before.
    expect({ where, firstSeq: Math.min(...w.acks.keys()) > priorHead }).toEqual({ where, firstSeq: true });
    for (const [seq, hash] of w.acks) chainAcks.set(seq, hash);
    acked += w.acks.size;

    const db = openDatabase(chainDir, { readonly: true });
    try {
      const store = createEvidenceStore(db);
      // (a) Every acknowledged record is there, byte for byte (its hash covers the canonical bytes).
      expect({ where, lost: lostAcks(db, chainAcks) }).toEqual({ where, lost: [] });
      // (b) The whole chain verifies: no gap (torn batch), no fork, links hold across crashes.
      expect(store.meta.get(PUBLIC_KEY_META)).toBe(key.publicKeyHex);
      const report = await verifyChain(store, { publicKeyHex: key.publicKeyHex });
      expect({ where, ok: report.ok, firstBreak: report.firstBreak }).toEqual({ where, ok: true, firstBreak: undefined });
      const head = report.head?.seq ?? 0;
      const maxAck = Math.max(...chainAcks.keys());
      expect({ where, headAtLeastAcked: head >= maxAck, records: report.records }).toEqual({ where, headAtLeastAcked: true, records: head });
      if (run % 2 === 1 || run === CRASH_RUNS - 1) {
        records += head;
        // Committed, but killed before the ack was printed: allowed, and counted for the report.
        unackedCommits += head - chainAcks.size;
      }
    } finally {
      db.close();
    }

    // (c) The shipped binary's verify command agrees.
    if ("binary" in cli) {
      const r = Bun.spawnSync([cli.binary, "verify", "--state-dir", chainDir], { stdout: "pipe", stderr: "pipe" });
      expect({ where, exitCode: r.exitCode, out: r.exitCode === 0 ? "" : r.stdout.toString() + r.stderr.toString() }).toEqual({
        where,
        exitCode: 0,
        out: "",
      });
      cliRuns++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `evidence crash: ${CRASH_RUNS} kill -9 crashes over ${chains} chains, ${records} records committed, ${acked} acknowledged ` +
      `(${unackedCommits} committed but unacknowledged at the kill), all acked records present and every chain intact; ` +
      `compiled verify ${"binary" in cli ? `ran ${cliRuns} times` : "skipped"}; seed ${seed}; ${seconds.toFixed(1)} s`,
  );
}, TEST_TIMEOUT_MS);

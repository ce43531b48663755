/**
 * Evidence storage per record for SQLite page sizes 4096, 8192, 16384 and 32768: for each, a
 * fresh database opened as `openDatabase` opens it (WAL, synchronous=FULL, migrations) but with
 * `PRAGMA page_size` set before the first table (`openDatabase` sets none, so the agent gets
 * SQLite's default, 4096), 20,000 records (quick: 10,000) appended through the real outbox in
 * bursts of 1,000, a `wal_checkpoint(TRUNCATE)`, then the database file's size divided by the
 * records, beside the append throughput. Three record shapes: the typical 20-check scan (~6 KB
 * canonical), an 11-check one (~3.5 KB) and a 6-check one (~2 KB). Then 50 single appends on the idle outbox: their median
 * latency and the WAL bytes each commit writes (a commit writes whole pages, so large pages cost
 * more per small commit). Prints the page size with the fewest bytes per record.
 *
 *   bun bench/evidence-size.ts [--quick]
 * @module
 */
import { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { join } from "node:path";
import { canonicalize } from "../src/evidence/canonical-json.ts";
import type { EvidenceDraft } from "../src/evidence/record.ts";
import { migrate } from "../src/store/open.ts";
import { scanDraft } from "../tests/helpers/evidence-drafts.ts";
import { appendBursts, benchOutbox, typicalDraft } from "./evidence-rig.ts";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir } from "./support/cleanup.ts";
import { median, type Figure } from "./support/figures.ts";

const PAGE_SIZES = [4096, 8192, 16384, 32768] as const;
const BURST = 1_000;

/** Opens `path` as `openDatabase` does, with `pageSize` set first (it cannot change once in WAL mode). */
function openWithPageSize(path: string, pageSize: number): Database {
  const db = new Database(path, { create: true });
  db.exec(`PRAGMA page_size = ${pageSize}`);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
  migrate(db, path);
  const actual = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  if (actual !== pageSize) throw new Error(`page_size is ${actual}, wanted ${pageSize}`);
  return db;
}

interface SizeResult {
  pageSize: number;
  bytesPerRecord: number;
  recordsPerSecond: number;
  /** Stored bytes over the bytes of canonical text, hash and signature the rows carry. */
  overhead: number;
  /** Median ms of one append on the idle outbox (one commit, one fsync). */
  idleMs: number;
  /** Bytes one such commit adds to the WAL (whole pages: the cost of a large page). */
  walBytesPerCommit: number;
}

const IDLE_APPENDS = 50;

async function measureOne(path: string, pageSize: number, n: number, draft: (i: number) => EvidenceDraft): Promise<SizeResult> {
  const db = openWithPageSize(path, pageSize);
  const { outbox } = benchOutbox(db);
  const t0 = performance.now();
  await appendBursts(outbox, n, BURST, { draft });
  const recordsPerSecond = n / ((performance.now() - t0) / 1000);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const payload = (db.query("SELECT sum(length(canonical) + length(hash) + length(signature)) AS b FROM evidence").get() as { b: number }).b;
  const count = (db.query("SELECT count(*) AS n FROM evidence").get() as { n: number }).n;
  if (count !== n) throw new Error(`${path} holds ${count} records, expected ${n}`);
  const bytes = statSync(path).size + walSize(path);
  // Then single appends on the idle outbox: latency, and WAL bytes written per commit.
  const lat: number[] = [];
  for (let i = 0; i < IDLE_APPENDS; i++) {
    const t = performance.now();
    await outbox.append(draft(n + i));
    lat.push(performance.now() - t);
  }
  const walBytesPerCommit = walSize(path) / IDLE_APPENDS;
  await outbox.close();
  db.close();
  return { pageSize, bytesPerRecord: bytes / n, recordsPerSecond, overhead: bytes / payload, idleMs: median(lat), walBytesPerCommit };
}

function walSize(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

export async function measureEvidenceSize({ quick }: BenchOptions): Promise<Figure[]> {
  const n = quick ? 10_000 : 20_000;
  using dir = tempDir("evidence-size");
  const shapes = [
    { name: "20-check", draft: typicalDraft },
    // bench/scrub.ts's "typical" 20-check draft (fewer control ids, shorter text) is this size.
    { name: "11-check", draft: (i: number) => scanDraft({ checks: 11, i }) },
    { name: "6-check", draft: (i: number) => scanDraft({ checks: 6, i }) },
  ];
  // Warm the JIT first, so the first page size measured does not pay for it.
  {
    const db = openWithPageSize(join(dir.path, "warmup.db"), 4096);
    const { outbox } = benchOutbox(db);
    await appendBursts(outbox, 3 * BURST, BURST);
    await outbox.close();
    db.close();
  }
  const figures: Figure[] = [];
  const all: SizeResult[][] = [];
  for (const shape of shapes) {
    const kb = (canonicalize({ ...shape.draft(0) }).length / 1000).toFixed(1);
    console.log(`${shape.name} records (~${kb} KB canonical), ${n} per page size:`);
    const results: SizeResult[] = [];
    for (const pageSize of PAGE_SIZES) {
      const r = await measureOne(join(dir.path, `${shape.name}-${pageSize}.db`), pageSize, n, shape.draft);
      results.push(r);
      console.log(
        `  page_size ${String(pageSize).padStart(5)}: ${r.bytesPerRecord.toFixed(0)} B/record (${r.overhead.toFixed(2)}× payload), ` +
          `${r.recordsPerSecond.toFixed(0)} records/s; idle append ${r.idleMs.toFixed(2)} ms, ` +
          `${(r.walBytesPerCommit / 1024).toFixed(0)} KiB to the WAL per commit`,
      );
      figures.push({
        figure: `${shape.name}, page ${pageSize}`,
        value: r.bytesPerRecord,
        unit: "B/record",
        note:
          `${r.overhead.toFixed(2)}× the row's text; ${r.recordsPerSecond.toFixed(0)} records/s in bursts; idle append ` +
          `${r.idleMs.toFixed(2)} ms (median of ${IDLE_APPENDS}), ${(r.walBytesPerCommit / 1024).toFixed(0)} KiB WAL per commit`,
      });
    }
    const best = results.reduce((a, b) => (b.bytesPerRecord < a.bytesPerRecord ? b : a));
    const base = results.find((r) => r.pageSize === 4096)!;
    const line =
      `fewest bytes for ${shape.name} records: page_size ${best.pageSize}, ${best.bytesPerRecord.toFixed(0)} B/record ` +
      (best === base ? "(the default), " : `(${((1 - best.bytesPerRecord / base.bytesPerRecord) * 100).toFixed(1)} % less than 4096), `) +
      `${best.recordsPerSecond.toFixed(0)} records/s`;
    console.log(`  → ${line}`);
    figures.push({ figure: `${shape.name}: fewest bytes at page size`, value: best.pageSize, unit: "bytes", note: line });
    all.push(results);
  }
  // Record sizes vary in the field: the page size whose worst excess over each shape's best is least.
  const excess = PAGE_SIZES.map((pageSize, i) => ({
    pageSize,
    worst: Math.max(...all.map((rs) => rs[i]!.bytesPerRecord / Math.min(...rs.map((r) => r.bytesPerRecord)) - 1)),
  }));
  const robust = excess.reduce((a, b) => (b.worst < a.worst ? b : a));
  const summary = excess.map((e) => `${e.pageSize}: +${(e.worst * 100).toFixed(1)} %`).join(", ");
  console.log(`worst excess over each shape's best: ${summary} → page_size ${robust.pageSize}`);
  figures.push({
    figure: "all shapes: least worst-case excess at",
    value: robust.pageSize,
    unit: "bytes",
    note: `worst excess over each shape's best: ${summary}`,
  });
  return figures;
}

if (import.meta.main) await benchMain("evidence size per page size", measureEvidenceSize);

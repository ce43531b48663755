/**
 * Evidence backlog drain: a 100,000-record backlog (quick: 20,000) of typical 20-check records in
 * a file-backed database, delivered by the real uploader (`startUploader`) and central client to
 * the reference CC over loopback: records per second from start to nothing pending, and the peak
 * resident memory of the draining process (`VmRSS` from `/proc/self/status` every 100 ms, plus
 * the kernel's `VmHWM`).
 *
 * The backlog is written and CC runs in this process; the uploader runs in a child process of its
 * own (this script with `--worker`), so its memory figures hold only what draining costs: the
 * runtime, the agent's modules, the database and the uploader, not the backlog's writer or CC's
 * in-memory ledger. CC's work (parse, sigauth, hash and one node:crypto signature check per
 * delivery, chaining) still shares the two cores, as the agent's other work would. The uploader
 * sends one delivery at a time but builds the next while CC reads the current one, so the two
 * processes' work overlaps.
 *
 *   bun bench/evidence-drain.ts [--quick]
 * @module
 */
import { join } from "node:path";
import { createCentralClient } from "../src/central/client.ts";
import { CredentialHolder } from "../src/central/credentials.ts";
import { startUploader } from "../src/evidence/uploader.ts";
import { signingKeyFromSeed } from "../src/identity/index.ts";
import { silentLogger } from "../src/log/logger.ts";
import { createEvidenceStore } from "../src/store/evidence-store.ts";
import { openDatabase } from "../src/store/open.ts";
import { systemClock } from "../src/time/clock.ts";
import { systemRandom } from "../src/time/random.ts";
import { createTestAppliance, startReferenceCC } from "../tests/reference-cc/index.ts";
import { appendBursts, benchOutbox, BENCH_EVIDENCE_KEY, BENCH_EVIDENCE_SEED, procStatusBytes } from "./evidence-rig.ts";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir, track } from "./support/cleanup.ts";
import type { Figure } from "./support/figures.ts";

const RATE_TARGET = 5_000;
/** MB = 10⁶ bytes, the strict reading of "< 150 MB". */
const RSS_TARGET_MB = 150;
const SITE = "bench-evidence-site";
const API_KEY = "bench-evidence-api-key-0123456789abcdef";
const IDENTITY_SEED = new Uint8Array(32).fill(0x6b);
const SAMPLE_MS = 100;

/** What the worker reports on its last stdout line. */
interface DrainResult {
  delivered: number;
  seconds: number;
  deliveries: number;
  attempts: number;
  failures: number;
  lastError?: string;
  /**
   * Seconds spent awaiting `client.post` (HTTP, CC's handling, the client's sigauth; and, as the
   * uploader builds the next delivery meanwhile, that building too).
   */
  postSeconds: number;
  /** CPU seconds (user + system) of the worker while draining. */
  cpuSeconds: number;
  rssAtStart: number;
  peakRss: number;
  hwm: number;
  /** JS heap in use when drained, before and after a full GC, and the RSS after it. */
  heapUsed: number;
  heapUsedAfterGc: number;
  rssAfterGc: number;
  samples: number;
}

/** The child: drains `stateDir` to CC at `url`, sampling its own RSS, and prints a {@linkcode DrainResult}. */
async function drainWorker(stateDir: string, url: string): Promise<void> {
  const rssAtStart = procStatusBytes("VmRSS");
  let peakRss = rssAtStart;
  let samples = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, procStatusBytes("VmRSS"));
    samples++;
  }, SAMPLE_MS);
  const db = openDatabase(stateDir);
  const store = createEvidenceStore(db);
  const real = createCentralClient({
    endpoint: url,
    credentials: new CredentialHolder(API_KEY),
    identityKey: signingKeyFromSeed(IDENTITY_SEED),
    clock: systemClock,
    random: systemRandom,
  });
  let postSeconds = 0;
  const client: typeof real = {
    get: real.get,
    async post(path, body, options) {
      const t = performance.now();
      try {
        return await real.post(path, body, options);
      } finally {
        postSeconds += (performance.now() - t) / 1000;
      }
    },
  };
  const stop = new AbortController();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const uploader = startUploader({
    store,
    client,
    key: BENCH_EVIDENCE_KEY,
    siteId: SITE,
    clock: systemClock,
    random: systemRandom,
    log: silentLogger,
    signal: stop.signal,
  });
  await uploader.idle();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  peakRss = Math.max(peakRss, procStatusBytes("VmRSS"));
  clearInterval(sampler);
  const s = uploader.stats();
  stop.abort();
  await uploader.done;
  db.close();
  const heapUsed = process.memoryUsage().heapUsed;
  Bun.gc(true);
  const heapUsedAfterGc = process.memoryUsage().heapUsed;
  const rssAfterGc = procStatusBytes("VmRSS");
  const result: DrainResult = {
    delivered: s.recordsDelivered,
    seconds,
    deliveries: s.deliveries,
    attempts: s.attempts,
    failures: s.failures,
    ...(s.lastError ? { lastError: s.lastError } : {}),
    postSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssAtStart,
    peakRss,
    hwm: procStatusBytes("VmHWM"),
    heapUsed,
    heapUsedAfterGc,
    rssAfterGc,
    samples,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

export async function measureEvidenceDrain({ quick }: BenchOptions): Promise<Figure[]> {
  const total = quick ? 20_000 : 100_000;
  using dir = tempDir("evidence-drain");
  const stateDir = join(dir.path, "state");

  console.log(`writing a backlog of ${total} records…`);
  {
    const db = openDatabase(stateDir);
    const { outbox } = benchOutbox(db);
    await appendBursts(outbox, total, 1_000);
    await outbox.close();
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
  }

  const cc = await startReferenceCC({ sites: { [SITE]: { apiKey: API_KEY } }, rotateOnFirstCheckin: false });
  try {
    // CC keeps every request it saw; a backlog's worth of bodies is not what is measured here.
    cc.state.onRequest = () => void (cc.state.requests.length = 0);
    // Check in once, so CC holds the appliance's identity and evidence keys as after a real check-in.
    const appliance = createTestAppliance({
      siteId: SITE,
      apiKey: API_KEY,
      baseUrl: cc.url,
      identitySeed: IDENTITY_SEED,
      evidenceSeed: BENCH_EVIDENCE_SEED,
    });
    const checkin = await appliance.checkin();
    if (checkin.status !== 200) throw new Error(`Check-in failed: ${checkin.status} ${JSON.stringify(checkin.json)}`);

    console.log(`draining to the reference CC at ${cc.url} from a child process…`);
    const proc = track(
      Bun.spawn([process.execPath, import.meta.path, "--worker", stateDir, cc.url], { stdin: "ignore", stdout: "pipe", stderr: "inherit" }),
    );
    const ccCpu0 = process.cpuUsage();
    const out = await new Response(proc.stdout).text();
    const code = await proc.exited;
    const ccCpu = process.cpuUsage(ccCpu0);
    const ccCpuSeconds = (ccCpu.user + ccCpu.system) / 1e6;
    if (code !== 0) throw new Error(`The drain worker exited ${code}:\n${out}`);
    const r = JSON.parse(out.trim().split("\n").at(-1)!) as DrainResult;
    const atCC = cc.state.deliveredRecords(SITE).length;
    console.log(`  ${JSON.stringify(r)}; CC holds ${atCC} records`);
    if (r.delivered !== total || atCC !== total) {
      throw new Error(`Drained ${r.delivered} and CC holds ${atCC}, expected ${total}; last error: ${r.lastError ?? "none"}`);
    }
    const mb = (b: number) => b / 1e6;
    return [
      {
        figure: "backlog drain to CC (loopback)",
        value: total / r.seconds,
        unit: "records/s",
        target: { op: ">=", value: RATE_TARGET },
        note: `${total} 20-check records in ${r.seconds.toFixed(1)} s, ${r.deliveries} deliveries, ${r.failures} failed attempts`,
      },
      {
        figure: "peak RSS while draining",
        value: mb(r.peakRss),
        unit: "MB",
        target: { op: "<", value: RSS_TARGET_MB },
        note: `VmRSS every ${SAMPLE_MS} ms (${r.samples} samples); ${mb(r.rssAtStart).toFixed(1)} MB before opening the database`,
      },
      { figure: "VmHWM of the draining process", value: mb(r.hwm), unit: "MB", note: "the kernel's peak, whole process life" },
      {
        figure: "RSS after drained + full GC",
        value: mb(r.rssAfterGc),
        unit: "MB",
        note: `JS heap in use ${mb(r.heapUsed).toFixed(1)} MB when drained, ${mb(r.heapUsedAfterGc).toFixed(1)} MB after the GC`,
      },
      {
        figure: "drain: waiting on client.post",
        value: (r.postSeconds / r.seconds) * 100,
        unit: "% of wall",
        note: `${r.postSeconds.toFixed(1)} s of ${r.seconds.toFixed(1)} s: HTTP, CC, sigauth, and building the next delivery meanwhile`,
      },
      {
        figure: "drain: uploader process CPU",
        value: (r.cpuSeconds * 1000) / (total / 1000),
        unit: "ms/1k records",
        note: `${r.cpuSeconds.toFixed(1)} CPU s in ${r.seconds.toFixed(1)} s wall`,
      },
      {
        figure: "drain: reference CC CPU (this process)",
        value: (ccCpuSeconds * 1000) / (total / 1000),
        unit: "ms/1k records",
        note: `${ccCpuSeconds.toFixed(1)} CPU s: parse, sigauth, hash, node:crypto verify, chaining; not the agent's cost`,
      },
    ];
  } finally {
    await cc.stop();
  }
}

if (import.meta.main) {
  if (process.argv[2] === "--worker") await drainWorker(process.argv[3]!, process.argv[4]!);
  else await benchMain("evidence backlog drain", measureEvidenceDrain);
}

/**
 * What the evidence benchmarks share (not a benchmark itself): the real outbox on a file-backed
 * database, the typical record they append, and appending in bursts of concurrent appends.
 * @module
 */
import type { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { createOutbox, type Outbox } from "../src/evidence/outbox.ts";
import type { EvidenceDraft } from "../src/evidence/record.ts";
import { signingKeyFromSeed } from "../src/identity/index.ts";
import { silentLogger } from "../src/log/logger.ts";
import { SecretRegistry } from "../src/log/secrets.ts";
import { createEvidenceStore, type EvidenceStore } from "../src/store/evidence-store.ts";
import { systemClock } from "../src/time/clock.ts";
import { systemRandom } from "../src/time/random.ts";
import { scanDraft } from "../tests/helpers/evidence-drafts.ts";

/** The evidence key of every benchmark chain (a fixed test seed). */
export const BENCH_EVIDENCE_SEED = new Uint8Array(32).fill(0x5a);
export const BENCH_EVIDENCE_KEY = signingKeyFromSeed(BENCH_EVIDENCE_SEED);

/** The typical record: a 20-check scan attestation (about 6 KB canonical). */
export const typicalDraft = (i: number): EvidenceDraft => scanDraft({ i });

/** The real outbox over `db` (already opened and migrated), on the real clock and randomness. */
export function benchOutbox(db: Database): { store: EvidenceStore; outbox: Outbox } {
  const store = createEvidenceStore(db);
  const outbox = createOutbox({
    db,
    store,
    key: BENCH_EVIDENCE_KEY,
    clock: systemClock,
    random: systemRandom,
    // The agent always holds a few secrets (API key, target passwords): the scrubber searches for them.
    secrets: benchSecrets(),
    log: silentLogger,
  });
  return { store, outbox };
}

/** Three secrets, as a configured agent holds at least (API key and two target passwords). */
export function benchSecrets(): SecretRegistry {
  const secrets = new SecretRegistry();
  secrets.add("ca_live_4f9a2b7c1d8e3f6a5b0c9d2e7f1a4b8c");
  secrets.add("Wint3r!1Clinic#2026");
  secrets.add("svc-backup-Pa55w0rd");
  return secrets;
}

/**
 * Appends `total` records in bursts of `burst` concurrent appends, each burst awaited before the
 * next starts; returns each burst's wall time in ms (append calls to the last promise settled).
 */
export async function appendBursts(
  outbox: Outbox,
  total: number,
  burst: number,
  { draft = typicalDraft, first = 0 }: { draft?: (i: number) => EvidenceDraft; first?: number } = {},
): Promise<number[]> {
  const times: number[] = [];
  for (let done = 0; done < total; done += burst) {
    const n = Math.min(burst, total - done);
    const t0 = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let k = 0; k < n; k++) pending.push(outbox.append(draft(first + done + k)));
    await Promise.all(pending);
    times.push(performance.now() - t0);
  }
  return times;
}

/** This process's resident set (`VmRSS`) or peak (`VmHWM`), in bytes, from `/proc/self/status`. */
export function procStatusBytes(field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

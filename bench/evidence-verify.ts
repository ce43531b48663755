/**
 * Evidence chain verification speed: `verifyChain` (hash, strict parse + re-canonicalize, link,
 * WebCrypto Ed25519 with 64 signatures in flight) over a 100,000-record chain (quick: 20,000) in
 * a file-backed database written by the real outbox, in records per second.
 *
 * Beside it, on a sample of the same records, signature checks alone: `@noble/ed25519` (sync,
 * sha512 from `@noble/hashes`, the pure-JS baseline), `node:crypto` `verify` one at a time with a
 * kept `KeyObject`, and WebCrypto one at a time and 64 in flight (what `verifyChain` does), each
 * as a ratio to noble. And `verifyChain`'s other steps alone (read the rows, sha256, parse +
 * canonicalize), so that a miss can be attributed.
 *
 *   bun bench/evidence-verify.ts [--quick]
 * @module
 */
import { verify as nodeVerify } from "node:crypto";
import { join } from "node:path";
import * as ed from "@noble/ed25519";
import { canonicalize, parseStrict } from "../src/evidence/canonical-json.ts";
import { sha256Hex } from "../src/evidence/outbox.ts";
import { verifyChain } from "../src/evidence/verify.ts";
import { publicKeyFromRaw } from "../src/identity/ed25519.ts";
import type { EvidenceRow } from "../src/store/evidence-store.ts";
import { openDatabase } from "../src/store/open.ts";
import "../tests/helpers/noble.ts";
import { appendBursts, benchOutbox, BENCH_EVIDENCE_KEY } from "./evidence-rig.ts";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { tempDir } from "./support/cleanup.ts";
import { median, type Figure } from "./support/figures.ts";

const TARGET = 20_000;
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** Records per second of `fn` over `items` (after a warm-up over the first tenth). */
function perSecond<T>(items: readonly T[], fn: (x: T) => unknown): number {
  for (let i = 0; i < items.length / 10; i++) fn(items[i]!);
  const t0 = performance.now();
  for (const x of items) fn(x);
  return (items.length / (performance.now() - t0)) * 1000;
}

/** Like {@linkcode perSecond}, for an async check run `inFlight` at a time (awaited in groups, as verifyChain does). */
async function perSecondAsync<T>(items: readonly T[], inFlight: number, fn: (x: T) => Promise<unknown>): Promise<number> {
  const run = async (xs: readonly T[]) => {
    let group: Promise<unknown>[] = [];
    for (const x of xs) {
      group.push(fn(x));
      if (group.length >= inFlight) {
        await Promise.all(group);
        group = [];
      }
    }
    await Promise.all(group);
  };
  await run(items.slice(0, Math.ceil(items.length / 10)));
  const t0 = performance.now();
  await run(items);
  return (items.length / (performance.now() - t0)) * 1000;
}

export async function measureEvidenceVerify({ quick }: BenchOptions): Promise<Figure[]> {
  const total = quick ? 20_000 : 100_000;
  const sample = quick ? 2_000 : 5_000;
  const nobleSample = quick ? 300 : 1_000;
  const rounds = quick ? 2 : 3;
  using dir = tempDir("evidence-verify");
  const db = openDatabase(join(dir.path, "state"));
  const { store, outbox } = benchOutbox(db);
  console.log(`writing a chain of ${total} records through the outbox…`);
  await appendBursts(outbox, total, 1_000);
  await outbox.close();
  const publicKeyHex = BENCH_EVIDENCE_KEY.publicKeyHex;

  // The whole chain, `rounds` times: the first also warms the JIT; the median is reported.
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const report = await verifyChain(store, { publicKeyHex });
    const seconds = (performance.now() - t0) / 1000;
    if (!report.ok || report.records !== total) throw new Error(`Unexpected report: ${JSON.stringify(report)}`);
    rates.push(total / seconds);
    console.log(`  verifyChain round ${r + 1}: ${(total / seconds).toFixed(0)} records/s`);
  }
  const chainRate = median(rates);

  // Signature checks alone, on the first `sample` records of the same chain.
  const rows: EvidenceRow[] = [];
  for (const e of store.chain()) {
    if (rows.length >= sample) break;
    if (!e.pruned) rows.push(e.row);
  }
  const items = rows.map((r) => ({ msg: new TextEncoder().encode(r.canonical), sig: Buffer.from(r.signature, "hex") }));
  const pub = BENCH_EVIDENCE_KEY.publicKey;
  const keyObject = publicKeyFromRaw(pub);
  const webKey = await crypto.subtle.importKey("spki", Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(pub)]), { name: "Ed25519" }, false, ["verify"]);
  const mustVerify = (ok: boolean) => {
    if (!ok) throw new Error("A signature of the bench chain did not verify");
  };
  console.log(`signature checks alone on ${sample} records (noble on ${nobleSample})…`);
  const noble = perSecond(items.slice(0, nobleSample), (x) => mustVerify(ed.verify(x.sig, x.msg, pub)));
  const native = perSecond(items, (x) => mustVerify(nodeVerify(null, x.msg, keyObject, x.sig)));
  const webOne = await perSecondAsync(items, 1, async (x) => mustVerify(await crypto.subtle.verify("Ed25519", webKey, x.sig, x.msg)));
  const web64 = await perSecondAsync(items, 64, async (x) => mustVerify(await crypto.subtle.verify("Ed25519", webKey, x.sig, x.msg)));

  // verifyChain's other steps alone.
  const readAll = () => {
    let n = 0;
    for (const e of store.chain()) if (!e.pruned && e.row.seq > 0) n++;
    return n;
  };
  const t0 = performance.now();
  const read = (readAll() / (performance.now() - t0)) * 1000;
  const sha = perSecond(rows, (r) => sha256Hex(r.canonical));
  const parse = perSecond(rows, (r) => parseStrict(r.canonical));
  const parsed = rows.map((r) => parseStrict(r.canonical));
  const recanon = perSecond(parsed, (v) => canonicalize(v));
  const jsonParse = perSecond(rows, (r) => JSON.parse(r.canonical));
  const otherSteps = 1 / (1 / read + 1 / sha + 1 / parse + 1 / recanon);
  db.close();

  const x = (r: number) => `${(r / noble).toFixed(1)}× noble`;
  return [
    {
      figure: "verifyChain",
      value: chainRate,
      unit: "records/s",
      target: { op: ">=", value: TARGET },
      note: `${total} records (~6 KB), file-backed; median of ${rounds} rounds; ${x(chainRate)}`,
    },
    { figure: "sig only: @noble/ed25519 (sync)", value: noble, unit: "verifies/s", note: `baseline; ${nobleSample} records` },
    { figure: "sig only: node:crypto, one at a time", value: native, unit: "verifies/s", note: x(native) },
    { figure: "sig only: WebCrypto, one at a time", value: webOne, unit: "verifies/s", note: x(webOne) },
    { figure: "sig only: WebCrypto, 64 in flight", value: web64, unit: "verifies/s", note: `${x(web64)}; verifyChain's path` },
    { figure: "step: read rows (store.chain)", value: read, unit: "records/s" },
    { figure: "step: sha256", value: sha, unit: "records/s" },
    { figure: "step: parseStrict", value: parse, unit: "records/s", note: `JSON.parse alone: ${Math.round(jsonParse)}/s` },
    { figure: "step: canonicalize (re-check)", value: recanon, unit: "records/s" },
    {
      figure: "non-signature steps back to back",
      value: otherSteps,
      unit: "records/s",
      note: "1 / Σ(1/rate) of read, sha256, parseStrict, canonicalize (one thread)",
    },
  ];
}

if (import.meta.main) await benchMain("evidence verify", measureEvidenceVerify);

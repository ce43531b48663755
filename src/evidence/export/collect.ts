/**
 * Gathers an export's files from the evidence store: the period's records with the hash-only
 * positions between them, the chain bounds, the key, the report, the README and the verifier.
 * Pure over the store: writing them to disk is `writeExportDir`'s job.
 * @module
 */
import { createHash } from "node:crypto";
import type { EvidenceStore } from "../../store/evidence-store.ts";
import { parseStrict } from "../canonical-json.ts";
import type { EvidenceRecord } from "../record.ts";
import type { ChainReport } from "../verify.ts";
import type { Period } from "./period.ts";
import { publicKeyFingerprint, publicKeyPem } from "./public-key.ts";
import { renderReadme } from "./readme.ts";
import { buildReportModel } from "./report-model.ts";
import { renderReport } from "./report-html.ts";

/** The file names of an export, in the order a listing shows them. */
export const EXPORT_FILES = ["README.txt", "records.jsonl", "chain.json", "public-key.txt", "public-key.pem", "report.html", "verify.mjs"] as const;
export type ExportFile = (typeof EXPORT_FILES)[number];

export const EXPORT_FORMAT = "compliance-agent/evidence-export/v1";

export interface CollectOptions {
  period: Period;
  publicKeyHex: string;
  /** The result of `verifyChain` over the whole chain, from the same read snapshot. */
  chainReport: ChainReport;
  generatedAt: string;
  exporterVersion: string;
  /** The text of verify.mjs. */
  verifierSource: string;
}

/** What was exported, for the command's output. */
export interface ExportSummary {
  records: number;
  firstSeq: number;
  lastSeq: number;
  pruned: number;
  outsidePeriod: number;
  unreadable: number;
  siteIds: string[];
  keyFingerprint: string;
  chain: { ok: boolean; text: string };
}

export type ExportContents = { files: Record<ExportFile, string>; summary: ExportSummary };

/**
 * The files of an export of the records created in `period`, or `undefined` when the store
 * holds none. Positions between the first and the last such record whose record is not exported
 * (pruned, or created outside the period because the clock moved) are listed by hash, so every
 * link of the range can be checked. The record before the range is not exported; chain.json
 * names its seq and hash.
 */
export function collectExport(store: EvidenceStore, o: CollectOptions): ExportContents | undefined {
  const inPeriod = store.createdBetween(o.period.startMs, o.period.endMs);
  if (inPeriod.length === 0) return undefined;
  const selected = new Set(inPeriod.map((r) => r.seq));
  const firstSeq = inPeriod[0]!.seq;
  const lastSeq = inPeriod[inPeriod.length - 1]!.seq;

  const lines: string[] = [];
  const records: EvidenceRecord[] = [];
  let before: { seq: number; hash: string } | undefined;
  let pruned = 0;
  let outsidePeriod = 0;
  let unreadable = 0;
  let lastHash = "";
  for (const entry of store.chain()) {
    if (entry.seq < firstSeq) {
      before = { seq: entry.seq, hash: entry.hash };
      continue;
    }
    if (entry.seq > lastSeq) break;
    lastHash = entry.hash;
    if (entry.pruned) {
      pruned++;
      lines.push(JSON.stringify({ seq: entry.seq, hash: entry.hash, pruned: true }));
    } else if (!selected.has(entry.seq)) {
      outsidePeriod++;
      lines.push(JSON.stringify({ seq: entry.seq, hash: entry.hash, outside_period: true }));
    } else {
      const row = entry.row;
      // The stored text is carried as a JSON string, so the exact signed bytes travel unchanged.
      lines.push(JSON.stringify({ seq: row.seq, hash: row.hash, signature: row.signature, canonical: row.canonical }));
      try {
        records.push(parseStrict(row.canonical) as EvidenceRecord);
      } catch {
        unreadable++; // exported as stored: verify.mjs will name it
      }
    }
  }

  const previous = firstSeq === 1 ? null : previousPosition(firstSeq, before, records[0]);
  const keyFingerprint = publicKeyFingerprint(o.publicKeyHex);
  const chain = describeChain(o.chainReport);
  const period = { from: o.period.from, to: o.period.to, start: iso(o.period.startMs), end: iso(o.period.endMs) };
  const model = buildReportModel(records, { period, generatedAt: o.generatedAt, chain, keyFingerprint, pruned, outsidePeriod, unreadable });
  const siteIds = model.summary.siteIds;

  const chainJson = {
    format: EXPORT_FORMAT,
    site_ids: siteIds,
    period,
    first_seq: firstSeq,
    last_seq: lastSeq,
    last_hash: lastHash,
    entries: lines.length,
    records: lines.length - pruned - outsidePeriod,
    pruned,
    outside_period: outsidePeriod,
    previous,
    chain_at_export: { ok: chain.ok, verification: chain.text, head: o.chainReport.head ?? null },
    public_key_fingerprint: keyFingerprint,
    generated_at: o.generatedAt,
    exporter_version: o.exporterVersion,
  };
  const files: Record<ExportFile, string> = {
    "README.txt": renderReadme({
      siteIds,
      period,
      records: chainJson.records,
      firstSeq,
      lastSeq,
      lastHash,
      previous,
      pruned,
      outsidePeriod,
      keyFingerprint,
      chain,
      generatedAt: o.generatedAt,
      exporterVersion: o.exporterVersion,
      verifierSha256: createHash("sha256").update(o.verifierSource, "utf8").digest("hex"),
    }),
    "records.jsonl": lines.join("\n") + "\n",
    "chain.json": JSON.stringify(chainJson, null, 2) + "\n",
    "public-key.txt": o.publicKeyHex.toLowerCase() + "\n",
    "public-key.pem": publicKeyPem(o.publicKeyHex),
    "report.html": renderReport(model),
    "verify.mjs": o.verifierSource,
  };
  return {
    files,
    summary: { records: chainJson.records, firstSeq, lastSeq, pruned, outsidePeriod, unreadable, siteIds, keyFingerprint, chain },
  };
}

/**
 * The position before the export and its hash, as the store holds it (the record or its
 * tombstone). When the store lacks it (the chain is broken there), the first record's own
 * prev_hash stands in, and verification of the chain says what is wrong.
 */
function previousPosition(firstSeq: number, before: { seq: number; hash: string } | undefined, first: EvidenceRecord | undefined) {
  if (before && before.seq === firstSeq - 1) return before;
  if (first?.seq === firstSeq && typeof first.prev_hash === "string") return { seq: firstSeq - 1, hash: first.prev_hash };
  return null;
}

/**
 * The chain verification result in words, without the verdict itself (callers print "intact" or
 * "BROKEN" before it).
 */
export function describeChain(r: ChainReport): { ok: boolean; text: string } {
  const span = r.head ? `positions 1–${r.head.seq}: ${count(r.records, "record")} checked, ${count(r.pruned, "pruned position")} checked by hash` : "the chain is empty";
  if (r.ok) return { ok: true, text: `every signature and link verified from genesis to head; ${span}` };
  const b = r.firstBreak!;
  return { ok: false, text: `first break at record ${b.seq}${b.bundleId ? ` (bundle_id ${b.bundleId})` : ""}: ${b.reason}; ${span}` };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

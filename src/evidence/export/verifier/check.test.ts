import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { exportEvidence } from "../export.ts";
import { parsePeriod } from "../period.ts";
import { dailyScansForTest, memoryEvidenceForTest, TEST_EVIDENCE_KEY } from "../test-support.ts";
import { verifyExport, type ExportFiles } from "./check.ts";

const NOV_1 = Date.UTC(2026, 10, 1);

/** Twelve daily scans (seq 1–12, Nov 1–12) and the export of Nov 3–8 (seq 3–8). */
async function exported(from = "2026-11-03", to = "2026-11-08", prepare?: (m: Awaited<ReturnType<typeof memoryEvidenceForTest>>) => void) {
  const m = await memoryEvidenceForTest(dailyScansForTest(NOV_1, 12));
  prepare?.(m);
  const contents = await exportEvidence({
    db: m.db,
    store: m.store,
    period: parsePeriod(from, to),
    publicKeyHex: TEST_EVIDENCE_KEY.publicKeyHex,
    generatedAt: "2026-12-01T00:00:00.000Z",
    exporterVersion: "0.1.0",
  });
  const files: ExportFiles = { records: contents!.files["records.jsonl"], publicKey: contents!.files["public-key.txt"], chain: contents!.files["chain.json"] };
  return { ...m, files };
}

type Line = { seq: number; hash: string; signature?: string; canonical?: string; pruned?: true };

function lines(files: ExportFiles): Line[] {
  return files.records.trimEnd().split("\n").map((l) => JSON.parse(l) as Line);
}

function withLines(files: ExportFiles, edit: (lines: Line[]) => Line[]): ExportFiles {
  return { ...files, records: edit(lines(files)).map((l) => JSON.stringify(l)).join("\n") + "\n" };
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function bundleId(l: Line): string {
  return JSON.parse(l.canonical!).bundle_id;
}

describe("verifyExport", () => {
  test("an untouched export passes and reports its bounds and link to the record before it", async () => {
    const { files, hashes } = await exported();
    expect(verifyExport(files)).toEqual({
      ok: true,
      records: 6,
      linkOnly: 0,
      firstSeq: 3,
      lastSeq: 8,
      lastHash: hashes.get(8)!,
      previous: { seq: 2, hash: hashes.get(2)! },
      fingerprint: TEST_EVIDENCE_KEY.fingerprint,
    });
  });

  test("an export from the first record links to genesis", async () => {
    const { files } = await exported("2026-11-01", "2026-11-02");
    expect(verifyExport(files)).toMatchObject({ ok: true, records: 2, firstSeq: 1, lastSeq: 2, previous: null });
  });

  test("one flipped byte in a canonical record is named with its seq and bundle_id", async () => {
    const { files } = await exported();
    let id = "";
    const tampered = withLines(files, (ls) =>
      ls.map((l) => {
        if (l.seq !== 5) return l;
        id = bundleId(l);
        return { ...l, canonical: l.canonical!.replace("nas-01", "nas-02") };
      }),
    );
    const v = verifyExport(tampered);
    expect(v).toMatchObject({ ok: false, recordsChecked: 2, failure: { seq: 5, line: 3, bundleId: id } });
    expect(!v.ok && v.failure.reason).toStartWith("content does not match its hash");
  });

  test("a rewritten record with a matching hash fails on its signature", async () => {
    const { files } = await exported();
    const tampered = withLines(files, (ls) =>
      ls.map((l) => {
        if (l.seq !== 6) return l;
        const canonical = l.canonical!.replace("nas-01", "nas-02");
        return { ...l, canonical, hash: sha256(canonical) };
      }),
    );
    expect(verifyExport(tampered)).toMatchObject({ ok: false, failure: { seq: 6, reason: "signature does not verify with the public key" } });
  });

  test("a re-serialised record (same content, other bytes) is not canonical", async () => {
    const { files } = await exported();
    const tampered = withLines(files, (ls) =>
      ls.map((l) => {
        if (l.seq !== 4) return l;
        const canonical = JSON.stringify(JSON.parse(l.canonical!), null, 1);
        return { ...l, canonical, hash: sha256(canonical) };
      }),
    );
    expect(verifyExport(tampered)).toMatchObject({ ok: false, failure: { seq: 4, reason: "record is not in RFC 8785 canonical form (differs from its canonical form at character 1)" } });
  });

  test("a deleted line is named as a gap", async () => {
    const { files } = await exported();
    expect(verifyExport(withLines(files, (ls) => ls.filter((l) => l.seq !== 6)))).toMatchObject({
      ok: false,
      failure: { seq: 6, line: 4, reason: "seq 6 missing: line 4 jumps from seq 5 to 7" },
    });
    expect(verifyExport(withLines(files, (ls) => ls.filter((l) => l.seq !== 5 && l.seq !== 6)))).toMatchObject({
      failure: { seq: 5, reason: "seq 5–6 missing: line 3 jumps from seq 4 to 7" },
    });
  });

  test("a record moved into a deleted one's place is caught by its own seq", async () => {
    const { files } = await exported();
    const tampered = withLines(files, (ls) => ls.filter((l) => l.seq !== 5).map((l) => (l.seq === 6 ? { ...l, seq: 5 } : l)));
    expect(verifyExport(tampered)).toMatchObject({ ok: false, failure: { seq: 5, reason: "record says it is seq 6 but its line says 5 (moved or renumbered)" } });
  });

  test("lines cut from the end disagree with chain.json", async () => {
    const { files } = await exported();
    expect(verifyExport(withLines(files, (ls) => ls.slice(0, -1)))).toMatchObject({
      ok: false,
      recordsChecked: 5,
      failure: { seq: 8, reason: "records.jsonl ends at seq 7 after 5 lines but chain.json says 6 lines ending at seq 8 (lines removed or added at the end?)" },
    });
  });

  test("another public key fails the first record", async () => {
    const { files } = await exported();
    expect(verifyExport({ ...files, publicKey: "11".repeat(32) })).toMatchObject({ ok: false, failure: { seq: 3, reason: "signature does not verify with the public key" } });
    expect(verifyExport({ ...files, publicKey: "not a key" })).toMatchObject({ ok: false, failure: { reason: "public-key.txt does not hold a 64-hex-character Ed25519 public key" } });
  });

  test("the first record's prev_hash must be the hash chain.json gives for the position before", async () => {
    const { files } = await exported();
    const chain = JSON.parse(files.chain);
    chain.previous.hash = "f".repeat(64);
    expect(verifyExport({ ...files, chain: JSON.stringify(chain) })).toMatchObject({
      ok: false,
      failure: { seq: 3, reason: "prev_hash does not match the hash of seq 2 as chain.json gives it (a position before it was altered, removed or reordered)" },
    });
  });

  test("pruned positions travel by hash; a changed tombstone hash breaks the next record's link", async () => {
    const { files, hashes } = await exported("2026-11-03", "2026-11-08", ({ store }) => {
      const id = store.saveSending({ firstSeq: 1, lastSeq: 12, sentAt: 0, bundleHash: "x", payload: "{}" });
      store.markDeliveryAccepted(id, {}, Array.from({ length: 12 }, (_, i) => ({ seq: i + 1, late: false })));
      store.prune([5, 6].map((seq) => ({ seq, hash: store.get(seq)!.hash })), Date.UTC(2027, 0, 1));
    });
    expect(lines(files).filter((l) => l.pruned)).toEqual([
      { seq: 5, hash: hashes.get(5)!, pruned: true },
      { seq: 6, hash: hashes.get(6)!, pruned: true },
    ]);
    expect(verifyExport(files)).toMatchObject({ ok: true, records: 4, linkOnly: 2 });
    const tampered = withLines(files, (ls) => ls.map((l) => (l.seq === 6 ? { ...l, hash: "e".repeat(64) } : l)));
    expect(verifyExport(tampered)).toMatchObject({ ok: false, failure: { seq: 7, reason: "prev_hash does not match the hash of seq 6 (a position before it was altered, removed or reordered)" } });
  });

  test("a line that is not JSON is named by line, with the seq it should hold", async () => {
    const { files } = await exported();
    const ls = files.records.split("\n");
    ls[2] = ls[2]!.slice(0, 40);
    expect(verifyExport({ ...files, records: ls.join("\n") })).toMatchObject({ ok: false, failure: { seq: 5, line: 3, reason: "line 3 of records.jsonl is not a JSON object" } });
  });

  test("a signature of the wrong length fails without throwing", async () => {
    const { files } = await exported();
    const tampered = withLines(files, (ls) => ls.map((l) => (l.seq === 3 ? { ...l, signature: l.signature!.slice(2) } : l)));
    expect(verifyExport(tampered)).toMatchObject({ ok: false, failure: { seq: 3, reason: "signature does not verify with the public key" } });
  });
});

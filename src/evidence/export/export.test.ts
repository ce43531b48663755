import { describe, expect, test } from "bun:test";
import { createPublicKey } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../tests/helpers/temp-dir.ts";
import { scanDraft } from "../../../tests/helpers/evidence-drafts.ts";
import { verifyExport } from "./verifier/check.ts";
import { exportEvidence } from "./export.ts";
import { parsePeriod } from "./period.ts";
import { publicKeyFingerprint, publicKeyPem } from "./public-key.ts";
import { dailyScansForTest, memoryEvidenceForTest, TEST_EVIDENCE_KEY, type TimedDraft } from "./test-support.ts";
import { assertExportDir, writeExportDir } from "./write-dir.ts";

const DAY = 86_400_000;
const NOV_1 = Date.UTC(2026, 10, 1);

async function exportOf(drafts: TimedDraft[], from: string, to: string) {
  const m = await memoryEvidenceForTest(drafts);
  const run = () =>
    exportEvidence({
      db: m.db,
      store: m.store,
      period: parsePeriod(from, to),
      publicKeyHex: TEST_EVIDENCE_KEY.publicKeyHex,
      generatedAt: "2026-12-01T00:00:00.000Z",
      exporterVersion: "0.1.0",
    });
  return { ...m, contents: await run(), run };
}

function verifyFiles(files: Record<string, string>) {
  return verifyExport({ records: files["records.jsonl"]!, publicKey: files["public-key.txt"]!, chain: files["chain.json"]! });
}

describe("exportEvidence", () => {
  test("exports exactly the records created in the period, in chain order, with their stored bytes", async () => {
    const { contents, store } = await exportOf(dailyScansForTest(NOV_1, 12), "2026-11-03", "2026-11-08");
    const lines = contents!.files["records.jsonl"].trimEnd().split("\n");
    expect(lines).toEqual(
      [3, 4, 5, 6, 7, 8].map((seq) => {
        const row = store.get(seq)!;
        return `{"seq":${seq},"hash":"${row.hash}","signature":"${row.signature}","canonical":${JSON.stringify(row.canonical)}}`;
      }),
    );
    expect(contents!.summary).toEqual({
      records: 6,
      firstSeq: 3,
      lastSeq: 8,
      pruned: 0,
      outsidePeriod: 0,
      unreadable: 0,
      siteIds: ["clinic-42"],
      keyFingerprint: TEST_EVIDENCE_KEY.fingerprint,
      chain: { ok: true, text: "every signature and link verified from genesis to head; positions 1–12: 12 records checked, 0 pruned positions checked by hash" },
    });
    expect(JSON.parse(contents!.files["chain.json"])).toMatchObject({
      format: "compliance-agent/evidence-export/v1",
      period: { from: "2026-11-03", to: "2026-11-08", start: "2026-11-03T00:00:00.000Z", end: "2026-11-09T00:00:00.000Z" },
      first_seq: 3,
      last_seq: 8,
      last_hash: store.get(8)!.hash,
      entries: 6,
      records: 6,
      previous: { seq: 2, hash: store.get(2)!.hash },
      chain_at_export: { ok: true, head: { seq: 12, hash: store.get(12)!.hash } },
    });
    expect(verifyFiles(contents!.files).ok).toBe(true);
  });

  test("a record inside the range but dated outside the period (clock stepped back) is listed by hash only", async () => {
    const drafts: TimedDraft[] = [
      { at: NOV_1 + 36e6, draft: scanDraft({ i: 1 }) },
      { at: NOV_1 + DAY + 36e6, draft: scanDraft({ i: 2 }) },
      { at: NOV_1 + 36e6 + 1000, draft: scanDraft({ i: 3 }) }, // the clock went back a day
      { at: NOV_1 + 2 * DAY + 36e6, draft: scanDraft({ i: 4 }) },
    ];
    const { contents, store } = await exportOf(drafts, "2026-11-02", "2026-11-03");
    expect(contents!.files["records.jsonl"].trimEnd().split("\n").map((l) => JSON.parse(l).seq)).toEqual([2, 3, 4]);
    expect(JSON.parse(contents!.files["records.jsonl"].split("\n")[1]!)).toEqual({ seq: 3, hash: store.get(3)!.hash, outside_period: true });
    expect(contents!.summary).toMatchObject({ records: 2, outsidePeriod: 1 });
    expect(contents!.files["report.html"]).toContain("1 dated outside the period");
    expect(verifyFiles(contents!.files)).toMatchObject({ ok: true, records: 2, linkOnly: 1 });
  });

  test("no record in the period: nothing to export", async () => {
    const { contents } = await exportOf(dailyScansForTest(NOV_1, 3), "2026-12-01", "2026-12-31");
    expect(contents).toBeUndefined();
  });

  test("a broken chain is stated in the report, chain.json and README; the period's records still verify", async () => {
    const { db, run } = await exportOf(dailyScansForTest(NOV_1, 12), "2026-11-03", "2026-11-08");
    db.query("UPDATE evidence SET canonical = replace(canonical, 'nas-01', 'nas-99') WHERE seq = 10").run();
    const contents = (await run())!;
    expect(contents.summary.chain.ok).toBe(false);
    expect(contents.summary.chain.text).toStartWith("first break at record 10 (bundle_id ");
    expect(contents.files["report.html"]).toContain(`<span class="bad">BROKEN</span>: first break at record 10`);
    expect(contents.files["README.txt"]).toContain("Chain check:     BROKEN on the appliance at export time");
    expect(JSON.parse(contents.files["chain.json"]).chain_at_export.ok).toBe(false);
    expect(verifyFiles(contents.files).ok).toBe(true);
  });

  test("carries the public key as hex and as an SPKI PEM that OpenSSL reads as the same key", async () => {
    const { contents } = await exportOf(dailyScansForTest(NOV_1, 2), "2026-11-01", "2026-11-02");
    expect(contents!.files["public-key.txt"]).toBe(TEST_EVIDENCE_KEY.publicKeyHex + "\n");
    const der = createPublicKey(contents!.files["public-key.pem"]).export({ format: "der", type: "spki" });
    expect(Buffer.from(der.subarray(-32)).toString("hex")).toBe(TEST_EVIDENCE_KEY.publicKeyHex);
    expect(createPublicKey(contents!.files["public-key.pem"]).asymmetricKeyType).toBe("ed25519");
    expect(publicKeyFingerprint(TEST_EVIDENCE_KEY.publicKeyHex)).toBe(TEST_EVIDENCE_KEY.fingerprint);
  });

  test("ships the committed verifier as verify.mjs and a README naming the bounds and fingerprint", async () => {
    const { contents, store } = await exportOf(dailyScansForTest(NOV_1, 5), "2026-11-02", "2026-11-04");
    expect(contents!.files["verify.mjs"]).toBe(readFileSync(join(import.meta.dir, "verify.generated.mjs"), "utf8"));
    const readme = contents!.files["README.txt"];
    for (const needle of [
      "Records:         3, seq 2 to 4",
      `Key fingerprint: ${TEST_EVIDENCE_KEY.fingerprint}`,
      "bun verify.mjs",
      "node verify.mjs",
      `"previous": the position just before the first record (seq 1)\n                 and the hash the first record's prev_hash must equal. That record is NOT part\n                 of this export.`,
      `prev_hash equals this last_hash (${store.get(4)!.hash})`,
    ]) {
      expect(readme).toContain(needle);
    }
  });
});

describe("publicKeyPem", () => {
  test("refuses a key that is not 64 hex characters", () => {
    expect(() => publicKeyPem("abc")).toThrow(new RangeError("An Ed25519 public key is 64 hex characters"));
  });
});

describe("writeExportDir", () => {
  test("creates an absent directory (and its parents), private, with every file", () => {
    using dir = tempDir();
    const out = join(dir.path, "exports", "2026-11");
    writeExportDir(out, { "a.txt": "A", "b.txt": "B" });
    expect(readdirSync(out).sort()).toEqual(["a.txt", "b.txt"]);
    expect(readFileSync(join(out, "a.txt"), "utf8")).toBe("A");
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, "b.txt")).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir.path, "exports"))).toEqual(["2026-11"]); // no staging left behind
  });

  test("fills an empty directory", () => {
    using dir = tempDir();
    const out = join(dir.path, "empty");
    mkdirSync(out);
    writeExportDir(out, { "a.txt": "A" });
    expect(readdirSync(out)).toEqual(["a.txt"]);
  });

  test("refuses a directory that is not empty, and a file, touching nothing", () => {
    using dir = tempDir();
    const full = join(dir.path, "full");
    mkdirSync(full);
    writeFileSync(join(full, "keep.txt"), "mine");
    expect(() => writeExportDir(full, { "a.txt": "A" })).toThrow(
      new RangeError(`Cannot export into "${full}": it is not empty; name a new or empty directory`),
    );
    expect(readdirSync(full)).toEqual(["keep.txt"]);
    const file = join(dir.path, "file");
    writeFileSync(file, "x");
    expect(() => assertExportDir(file)).toThrow(new RangeError(`Cannot export into "${file}": it is a file, not a directory`));
    expect(readdirSync(dir.path).sort()).toEqual(["file", "full"]);
  });
});

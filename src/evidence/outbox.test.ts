import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { verify as edVerify } from "@noble/ed25519";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { scanDraft } from "../../tests/helpers/evidence-drafts.ts";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { signingKeyFromSeed } from "../identity/index.ts";
import { silentLogger } from "../log/logger.ts";
import { SecretRegistry } from "../log/secrets.ts";
import { createEvidenceStore } from "../store/evidence-store.ts";
import { migrate, openDatabase } from "../store/open.ts";
import { seededRandom } from "../time/random.ts";
import { canonicalize } from "./canonical-json.ts";
import { createOutbox, OutboxError, sha256Hex } from "./outbox.ts";
import { GENESIS_HASH } from "./record.ts";
import "../../tests/helpers/noble.ts";

const KEY = signingKeyFromSeed(new Uint8Array(32).fill(7));

function setup(db = memoryDb(), { secrets = new SecretRegistry(), key = KEY } = {}) {
  const store = createEvidenceStore(db);
  const commits: number[] = [];
  const outbox = createOutbox({
    db,
    store,
    key,
    clock: new FakeClock(),
    random: seededRandom(1),
    secrets,
    log: silentLogger,
    onCommit: (n) => commits.push(n),
  });
  return { db, store, outbox, commits };
}

function memoryDb(): Database {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  return db;
}

describe("outbox.append", () => {
  test("chains records from genesis: seq from 1, prev_hash the previous record's hash", async () => {
    const { outbox, store } = setup();
    const a = await outbox.append(scanDraft({ i: 1 }));
    const b = await outbox.append(scanDraft({ i: 2 }));
    const rowA = store.get(1)!;
    const rowB = store.get(2)!;
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(JSON.parse(rowA.canonical).prev_hash).toBe(GENESIS_HASH);
    expect(JSON.parse(rowB.canonical).prev_hash).toBe(a.hash);
    expect(rowA.hash).toBe(sha256Hex(rowA.canonical));
    expect(canonicalize(JSON.parse(rowA.canonical))).toBe(rowA.canonical);
    expect(outbox.head()).toEqual({ seq: 2, hash: b.hash });
  });

  test("signs the canonical bytes with the evidence key (checked with @noble/ed25519)", async () => {
    const { outbox, store } = setup();
    await outbox.append(scanDraft());
    const row = store.get(1)!;
    expect(edVerify(Buffer.from(row.signature, "hex"), Buffer.from(row.canonical, "utf8"), KEY.publicKey)).toBe(true);
    expect(JSON.parse(row.canonical)).toMatchObject({ schema: "compliance-agent/evidence/v1", kind: "scan", seq: 1, bundle_id: row.bundleId });
  });

  test("a burst shares one transaction (group commit) and keeps the order of the calls", async () => {
    const { outbox, store, commits } = setup();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => outbox.append(scanDraft({ i }))));
    expect(commits).toEqual([300]);
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    for (let s = 1; s <= 300; s++) {
      const r = JSON.parse(store.get(s)!.canonical);
      expect(r.scan.checks[1].actual).toBe(`value 1 observed at iteration ${s - 1}`);
    }
  });

  test("scrubs a planted secret before signing: no stored byte holds it and the signature covers the scrubbed text", async () => {
    const secrets = new SecretRegistry();
    secrets.add("PLANTED-hunter2-9f8e7d");
    const { outbox, store } = setup(memoryDb(), { secrets });
    await outbox.append(scanDraft({ actual: "sshd_config: PasswordAuthentication yes # pw PLANTED-hunter2-9f8e7d" }));
    const row = store.get(1)!;
    expect(row.canonical).not.toContain("PLANTED-hunter2-9f8e7d");
    expect(row.canonical).toContain("[redacted]");
    expect(edVerify(Buffer.from(row.signature, "hex"), Buffer.from(row.canonical, "utf8"), KEY.publicKey)).toBe(true);
  });

  test("a draft that cannot be canonicalized is refused alone; its neighbours are stored", async () => {
    const { outbox } = setup();
    const bad = scanDraft();
    (bad.scan.checks[0] as { actual?: unknown }).actual = Number.NaN;
    const results = await Promise.allSettled([outbox.append(scanDraft({ i: 1 })), outbox.append(bad), outbox.append(scanDraft({ i: 3 }))]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value.seq : 0))).toEqual([1, 0, 2]);
  });

  test("refuses to extend a chain signed with another key", async () => {
    const db = memoryDb();
    await setup(db).outbox.append(scanDraft());
    expect(() => setup(db, { key: signingKeyFromSeed(new Uint8Array(32).fill(9)) })).toThrow(OutboxError);
  });

  test("records appended before close are durable in the database file", async () => {
    using dir = tempDir();
    const db = openDatabase(dir.path);
    const { outbox } = setup(db);
    const pending = Array.from({ length: 50 }, (_, i) => outbox.append(scanDraft({ i })));
    await outbox.close();
    await Promise.all(pending);
    db.close();
    const again = new Database(join(dir.path, "agent.db"), { readonly: true });
    expect(again.query("SELECT count(*) AS n FROM evidence").get()).toEqual({ n: 50 });
    again.close();
    await expect(outbox.append(scanDraft())).rejects.toThrow("The evidence outbox is closed");
  });
});

describe("outbox with two writers on one database", () => {
  test("never forks the chain: a batch prepared on a moved head is prepared again", async () => {
    using dir = tempDir();
    const a = setup(openDatabase(dir.path));
    const b = setup(openDatabase(dir.path));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a.outbox : b.outbox).append(scanDraft({ i }))),
    );
    const seqs = results.map((r) => r.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const { verifyChain } = await import("./verify.ts");
    expect((await verifyChain(a.store, { publicKeyHex: KEY.publicKeyHex })).ok).toBe(true);
    a.db.close();
    b.db.close();
  });
});

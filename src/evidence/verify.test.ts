import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { scanDraft } from "../../tests/helpers/evidence-drafts.ts";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { signingKeyFromSeed } from "../identity/index.ts";
import { silentLogger } from "../log/logger.ts";
import { SecretRegistry } from "../log/secrets.ts";
import { createEvidenceStore } from "../store/evidence-store.ts";
import { migrate } from "../store/open.ts";
import { seededRandom } from "../time/random.ts";
import { createOutbox } from "./outbox.ts";
import { verifyChain } from "./verify.ts";

const KEY = signingKeyFromSeed(new Uint8Array(32).fill(3));

async function chainOf(n: number) {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  const store = createEvidenceStore(db);
  const outbox = createOutbox({ db, store, key: KEY, clock: new FakeClock(), random: seededRandom(5), secrets: new SecretRegistry(), log: silentLogger });
  await Promise.all(Array.from({ length: n }, (_, i) => outbox.append(scanDraft({ i }))));
  const verify = () => verifyChain(store, { publicKeyHex: KEY.publicKeyHex });
  return { db, store, verify };
}

describe("verifyChain", () => {
  test("an untouched chain is intact from genesis to head", async () => {
    const { verify, store } = await chainOf(40);
    const r = await verify();
    expect({ ok: r.ok, records: r.records, pruned: r.pruned, head: r.head }).toEqual({ ok: true, records: 40, pruned: 0, head: store.head() });
  });

  test("an empty chain is intact", async () => {
    const { verify } = await chainOf(0);
    expect((await verify()).ok).toBe(true);
  });

  test("one flipped byte in a stored record is named", async () => {
    const { db, verify, store } = await chainOf(20);
    const row = store.get(12)!;
    const i = row.canonical.indexOf("observed");
    const flipped = row.canonical.slice(0, i) + "O" + row.canonical.slice(i + 1);
    db.query("UPDATE evidence SET canonical = ? WHERE seq = 12").run(flipped);
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.firstBreak).toEqual({ seq: 12, bundleId: row.bundleId, reason: expect.stringContaining("content does not match its hash") });
  });

  test("a record rewritten with a matching hash still fails on its signature and the next link", async () => {
    const { db, verify, store } = await chainOf(20);
    const row = store.get(7)!;
    const forged = row.canonical.replace("value 1 observed", "value 9 observed");
    const { createHash } = await import("node:crypto");
    db.query("UPDATE evidence SET canonical = ?, hash = ? WHERE seq = 7").run(forged, createHash("sha256").update(forged).digest("hex"));
    const r = await verify();
    expect(r.firstBreak?.seq).toBe(7);
    expect(r.firstBreak?.reason).toBe("signature does not verify with the evidence key");
  });

  test("a deleted record is named as missing", async () => {
    const { db, verify } = await chainOf(20);
    db.query("DELETE FROM evidence WHERE seq = 9").run();
    const r = await verify();
    expect(r.firstBreak).toEqual({ seq: 9, reason: "record 9 is missing: the chain jumps from 8 to 10" });
  });

  test("two records swapped in place are caught at the first of them", async () => {
    const { db, verify, store } = await chainOf(20);
    const a = store.get(5)!;
    const b = store.get(6)!;
    const set = db.query("UPDATE evidence SET bundle_id = ?, canonical = ?, hash = ?, signature = ? WHERE seq = ?");
    db.transaction(() => {
      set.run("tmp", b.canonical, b.hash, b.signature, 5);
      set.run(a.bundleId, a.canonical, a.hash, a.signature, 6);
      db.query("UPDATE evidence SET bundle_id = ? WHERE seq = 5").run(b.bundleId);
    })();
    const r = await verify();
    expect(r.firstBreak?.seq).toBe(5);
    expect(r.firstBreak?.reason).toContain("says it is seq 6 but stands at 5");
  });

  test("a truncated tail is caught against what Central Command acknowledged", async () => {
    const { db, store } = await chainOf(10);
    db.query("DELETE FROM evidence WHERE seq > 8").run();
    const r = await verifyChain(store, { publicKeyHex: KEY.publicKeyHex, deliveredUpTo: 10 });
    expect(r.firstBreak?.seq).toBe(9);
    expect(r.firstBreak?.reason).toContain("Central Command acknowledged records up to 10");
  });

  test("pruned records leave tombstones that keep the chain verifiable", async () => {
    const { db, verify, store } = await chainOf(30);
    db.query("UPDATE evidence SET upload_state = 'delivered'").run();
    const victims = [1, 2, 3, 10, 11].map((s) => ({ seq: s, hash: store.get(s)!.hash }));
    expect(store.prune(victims, 0)).toBe(5);
    const r = await verify();
    expect({ ok: r.ok, records: r.records, pruned: r.pruned }).toEqual({ ok: true, records: 25, pruned: 5 });
    // A forged tombstone breaks the link of the record after it.
    db.query("UPDATE evidence_pruned SET hash = ? WHERE seq = 11").run("f".repeat(64));
    const bad = await verify();
    expect(bad.firstBreak?.seq).toBe(12);
    expect(bad.firstBreak?.reason).toContain("prev_hash does not match record 11");
  });

  test("the wrong public key fails on the first record", async () => {
    const { store } = await chainOf(3);
    const r = await verifyChain(store, { publicKeyHex: signingKeyFromSeed(new Uint8Array(32).fill(4)).publicKeyHex });
    expect(r.firstBreak).toEqual({ seq: 1, bundleId: store.get(1)!.bundleId, reason: "signature does not verify with the evidence key" });
  });
});

describe("verifyChain strict", () => {
  test("a record signed in non-canonical form passes integrity checks but not --strict", async () => {
    const { db, store } = await chainOf(5);
    const row = store.get(5)!;
    const loose = JSON.stringify(JSON.parse(row.canonical), null, 1); // same content, not RFC 8785
    const { createHash } = await import("node:crypto");
    db.query("UPDATE evidence SET canonical = ?, hash = ?, signature = ? WHERE seq = 5").run(
      loose,
      createHash("sha256").update(loose).digest("hex"),
      Buffer.from(KEY.sign(Buffer.from(loose))).toString("hex"),
    );
    expect((await verifyChain(store, { publicKeyHex: KEY.publicKeyHex })).ok).toBe(true);
    const strict = await verifyChain(store, { publicKeyHex: KEY.publicKeyHex, strict: true });
    expect(strict.firstBreak).toMatchObject({ seq: 5, reason: "record is not canonical JSON: stored bytes are not in canonical form" });
  });
});

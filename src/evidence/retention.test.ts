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
import type { ScanDraft } from "./record.ts";
import { pruneEvidence } from "./retention.ts";
import { verifyChain } from "./verify.ts";

const KEY = signingKeyFromSeed(new Uint8Array(32).fill(11));
const DAY = 86_400_000;

async function setup() {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  const store = createEvidenceStore(db);
  const clock = new FakeClock();
  const outbox = createOutbox({ db, store, key: KEY, clock, random: seededRandom(2), secrets: new SecretRegistry(), log: silentLogger });
  return { db, store, clock, outbox };
}

/** A scan of one host where `check` has `status`. */
function single(check: string, status: "pass" | "fail"): ScanDraft {
  const d = scanDraft({ checks: 1 });
  d.scan.checks = [{ ...d.scan.checks[0]!, check, status }];
  return d;
}

describe("pruneEvidence", () => {
  test("prunes only delivered records older than the period and beyond the newest keepLast", async () => {
    const { db, store, clock, outbox } = await setup();
    for (let i = 0; i < 300; i++) {
      await outbox.append(single("linux.firewall", i === 299 ? "pass" : "fail"));
      clock.advance(DAY / 2); // 150 days in all
    }
    db.query("UPDATE evidence SET upload_state = 'delivered' WHERE seq <= 250").run();
    const r = pruneEvidence(store, { keepLast: 200, keepDays: 90 }, clock.now());
    // Records 1..100 are beyond the newest 200; of them, those older than 90 days: created before day 60 → seq ≤ 120, capped at 100.
    expect(r).toEqual({ pruned: 100, keptAsNewestSuccess: 0, keptUndelivered: 0 });
    expect(store.counts().pruned).toBe(100);
    expect((await verifyChain(store, { publicKeyHex: KEY.publicKeyHex })).ok).toBe(true);
  });

  test("never prunes an unacknowledged record", async () => {
    const { store, clock, outbox } = await setup();
    for (let i = 0; i < 50; i++) await outbox.append(single("linux.firewall", "fail"));
    clock.advance(400 * DAY);
    const r = pruneEvidence(store, { keepLast: 1, keepDays: 1 }, clock.now());
    expect(r).toEqual({ pruned: 0, keptAsNewestSuccess: 0, keptUndelivered: 49 });
    expect(store.counts().pending).toBe(50);
  });

  test("never prunes a dead-lettered record", async () => {
    const { db, store, clock, outbox } = await setup();
    for (let i = 0; i < 10; i++) await outbox.append(single("linux.firewall", "fail"));
    db.query("UPDATE evidence SET upload_state = 'dead', dead_reason = 'refused' WHERE seq = 3").run();
    db.query("UPDATE evidence SET upload_state = 'delivered' WHERE seq != 3").run();
    clock.advance(400 * DAY);
    pruneEvidence(store, { keepLast: 1, keepDays: 1 }, clock.now());
    expect(store.get(3)?.uploadState).toBe("dead");
  });

  test("keeps the newest success of each check, however old", async () => {
    const { db, store, clock, outbox } = await setup();
    await outbox.append(single("linux.audit", "pass")); // 1: the only audit pass ever
    await outbox.append(single("linux.firewall", "pass")); // 2: superseded by 4
    await outbox.append(single("linux.audit", "fail")); // 3
    await outbox.append(single("linux.firewall", "pass")); // 4: newest firewall pass
    for (let i = 0; i < 10; i++) await outbox.append(single("linux.firewall", "fail"));
    db.query("UPDATE evidence SET upload_state = 'delivered'").run();
    clock.advance(400 * DAY);
    const r = pruneEvidence(store, { keepLast: 2, keepDays: 90 }, clock.now());
    expect(r).toEqual({ pruned: 10, keptAsNewestSuccess: 2, keptUndelivered: 0 });
    expect(store.get(1)).toBeDefined();
    expect(store.get(4)).toBeDefined();
    expect(store.get(2)).toBeUndefined();
    expect((await verifyChain(store, { publicKeyHex: KEY.publicKeyHex })).ok).toBe(true);
  });
});

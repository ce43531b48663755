/**
 * Test-only: evidence made by the real outbox in a state dir (file-backed SQLite, as the agent
 * keeps it), and action drafts to go with `scanDraft`. Not imported by production code.
 * @module
 */
import { Database } from "bun:sqlite";
import { draftCommon, scanDraft } from "../../../tests/helpers/evidence-drafts.ts";
import { FakeClock } from "../../../tests/helpers/fake-clock.ts";
import { signingKeyFromSeed } from "../../identity/index.ts";
import { silentLogger } from "../../log/logger.ts";
import { SecretRegistry } from "../../log/secrets.ts";
import { createEvidenceStore, type EvidenceStore } from "../../store/evidence-store.ts";
import { migrate, openDatabase } from "../../store/open.ts";
import { seededRandom } from "../../time/random.ts";
import { createOutbox } from "../outbox.ts";
import type { ActionDraft, ActionOutcome, EvidenceDraft, FrameworkControls } from "../record.ts";

export const TEST_EVIDENCE_KEY = signingKeyFromSeed(new Uint8Array(32).fill(9));

/** A draft and the wall-clock time (ms) the outbox stamps it with. */
export interface TimedDraft {
  at: number;
  draft: EvidenceDraft;
}

/** Appends `drafts` in order with the real outbox to `<stateDir>/agent.db`; returns their hashes by seq. */
export async function seedEvidenceForTest(stateDir: string, drafts: readonly TimedDraft[]): Promise<Map<number, string>> {
  const db = openDatabase(stateDir);
  try {
    return await appendAll(db, createEvidenceStore(db), drafts);
  } finally {
    db.close();
  }
}

/** An in-memory database holding `drafts`, appended in order with the real outbox. */
export async function memoryEvidenceForTest(drafts: readonly TimedDraft[]) {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  const store = createEvidenceStore(db);
  const hashes = await appendAll(db, store, drafts);
  return { db, store, hashes };
}

async function appendAll(db: Database, store: EvidenceStore, drafts: readonly TimedDraft[]): Promise<Map<number, string>> {
  const clock = new FakeClock();
  const outbox = createOutbox({ db, store, key: TEST_EVIDENCE_KEY, clock, random: seededRandom(11), secrets: new SecretRegistry(), log: silentLogger });
  const hashes = new Map<number, string>();
  for (const { at, draft } of drafts) {
    clock.setWall(at);
    const a = await outbox.append(draft);
    hashes.set(a.seq, a.hash);
  }
  await outbox.close();
  return hashes;
}

/** One scan per day at 10:00 UTC from `firstDay` (ms at 00:00 UTC), `days` days long. */
export function dailyScansForTest(firstDay: number, days: number, host = "nas-01.clinic.local"): TimedDraft[] {
  return Array.from({ length: days }, (_, i) => ({ at: firstDay + i * 86_400_000 + 36_000_000, draft: scanDraft({ checks: 4, host, i }) }));
}

/** An action record's draft: a remediation of `check` on `host`. */
export function actionDraftForTest({
  host = "nas-01.clinic.local",
  check = "linux.check-3",
  outcome = "success" as ActionOutcome,
  runbook = "linux.sshd.disable-root-login",
  controls = { hipaa: ["164.312(b)"], cis: ["5.3.1"] } as FrameworkControls,
} = {}): ActionDraft {
  return {
    kind: "action",
    ...draftCommon(host),
    action: {
      tier: "L1",
      rule_id: "L1-SSH-001",
      runbook_id: runbook,
      runbook_version: "3",
      hostname: host,
      check,
      pre_state: { expected: "PermitRootLogin no", actual: "PermitRootLogin yes" },
      phases: [{ phase: "remediate", started_at: "2026-11-23T10:00:02.000Z", duration_ms: 850, command_sha256: "b".repeat(64), exit_code: 0 }],
      post_state: { status: outcome === "success" ? "pass" : "fail" },
      outcome,
      rollback_available: true,
      controls,
    },
  };
}

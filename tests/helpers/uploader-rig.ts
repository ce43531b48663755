/**
 * Test rig for the uploader: a migrated in-memory database, the real outbox and central client,
 * and a reference CC served in-process, all on one FakeClock. Test-only; never imported by the
 * agent.
 * @module
 */
import { Database } from "bun:sqlite";
import { FakeClock } from "./fake-clock.ts";
import { scanDraft } from "./evidence-drafts.ts";
import { createReferenceCC, createTestAppliance, type ReferenceCCOptions } from "../reference-cc/index.ts";
import { createCentralClient, type CentralClient } from "../../src/central/client.ts";
import { CredentialHolder } from "../../src/central/credentials.ts";
import { signingKeyFromSeed } from "../../src/identity/index.ts";
import { silentLogger, type Logger } from "../../src/log/logger.ts";
import { SecretRegistry } from "../../src/log/secrets.ts";
import { createEvidenceStore } from "../../src/store/evidence-store.ts";
import { migrate } from "../../src/store/open.ts";
import { seededRandom } from "../../src/time/random.ts";
import { createOutbox } from "../../src/evidence/outbox.ts";
import type { EvidenceDraft } from "../../src/evidence/record.ts";
import { startUploader, type Uploader, type UploaderOptions } from "../../src/evidence/uploader.ts";

export const SITE = "clinic-42";
export const API_KEY = "site-key-clinic-42-000000000000000000000000";
const EVIDENCE_SEED = new Uint8Array(32).fill(21);
const IDENTITY_SEED = new Uint8Array(32).fill(22);
export const EVIDENCE_KEY = signingKeyFromSeed(EVIDENCE_SEED);
export const IDENTITY_KEY = signingKeyFromSeed(IDENTITY_SEED);

export interface RigOptions {
  /** The evidence key CC registers at check-in (default the one the chain is signed with). */
  registeredEvidenceSeed?: Uint8Array;
  /** CC's clock minus the appliance's, in ms. */
  ccOffsetMs?: number;
  cc?: Partial<ReferenceCCOptions>;
  /** A client to use instead of the real one (e.g. one that never answers). */
  client?: (real: CentralClient) => CentralClient;
  log?: Logger;
  /** A migrated database to use (default a fresh `:memory:` one). */
  db?: Database;
  /** Keep the exact text of every evidence submission the real client sends (see `sentBodies()`). */
  keepSentBodies?: boolean;
}

/**
 * Builds the rig and checks the appliance in once, so CC holds its evidence key as it would
 * after the agent's first check-in.
 */
export async function uploaderRig({
  registeredEvidenceSeed = EVIDENCE_SEED,
  ccOffsetMs = 0,
  cc = {},
  client: wrap,
  log = silentLogger,
  db = memoryDb(),
  keepSentBodies = false,
}: RigOptions = {}) {
  const clock = new FakeClock();
  const store = createEvidenceStore(db);
  const outbox = createOutbox({ db, store, key: EVIDENCE_KEY, clock, random: seededRandom(1), secrets: new SecretRegistry(), log: silentLogger });
  const { app, state } = createReferenceCC({
    sites: { [SITE]: { apiKey: API_KEY } },
    now: () => clock.now() + ccOffsetMs,
    rotateOnFirstCheckin: false,
    ...cc,
  });
  const appliance = createTestAppliance({
    siteId: SITE,
    apiKey: API_KEY,
    now: () => clock.now() + ccOffsetMs,
    fetch: (r) => app.request(r),
    identitySeed: IDENTITY_SEED,
    evidenceSeed: registeredEvidenceSeed,
  });
  const checkin = await appliance.checkin();
  if (checkin.status !== 200) throw new Error(`Rig check-in failed: ${checkin.status} ${JSON.stringify(checkin.json)}`);
  /** The exact text of every evidence submission the real client sent. */
  const sentBodies: string[] = [];
  const realClient = createCentralClient({
    endpoint: "http://cc.test",
    credentials: new CredentialHolder(API_KEY),
    identityKey: IDENTITY_KEY,
    clock,
    random: seededRandom(2),
    fetch: ((input: string | URL | Request, init?: RequestInit) => {
      if (keepSentBodies && String(input).endsWith("/submit")) {
        const body = init?.body;
        sentBodies.push(typeof body === "string" ? body : Buffer.from(body as Uint8Array).toString("utf8"));
      }
      return app.request(input, init);
    }) as typeof fetch,
  });
  const client = wrap ? wrap(realClient) : realClient;
  const stop = new AbortController();
  let uploader: Uploader | undefined;
  let seq = 0;

  /** Polls (one macrotask at a time) until `probe` holds; real time bounds it. */
  async function until(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!probe()) {
      if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const rig = {
    clock,
    db,
    store,
    outbox,
    app,
    state,
    appliance,
    client,
    stop,
    get uploader(): Uploader {
      if (!uploader) throw new Error("The rig's uploader was not started");
      return uploader;
    },
    /** Starts an uploader on the rig (a second call starts another: a restart). */
    start(options: Partial<UploaderOptions> = {}): Uploader {
      uploader = startUploader({
        store,
        client,
        key: EVIDENCE_KEY,
        siteId: SITE,
        clock,
        random: seededRandom(3),
        log,
        signal: stop.signal,
        ...options,
      });
      return uploader;
    },
    /** Appends `n` scan records through the outbox (one group commit) and wakes the uploader. */
    async append(n: number, draft: (i: number) => EvidenceDraft = (i) => scanDraft({ checks: 3, i })): Promise<void> {
      await Promise.all(Array.from({ length: n }, () => outbox.append(draft(++seq))));
      uploader?.wake();
    },
    until,
    /** Waits until the uploader sleeps (idle or backing off): nothing more happens until the clock moves. */
    settle(): Promise<void> {
      return until(() => clock.pendingSleeps > 0 && outbox.queued === 0, "the uploader to wait on the clock");
    },
    /** Moves the clock to the uploader's next attempt and waits until it sleeps again. */
    async nextAttempt(): Promise<void> {
      await rig.settle();
      const at = rig.uploader.stats().nextAttemptAt;
      if (at === undefined) throw new Error("The uploader is not backing off");
      clock.advance(Math.max(0, at - clock.now()));
      await rig.settle();
    },
    /** The exact text of the evidence submissions the rig's client sent, in order (with `keepSentBodies`). */
    sentBodies(): string[] {
      if (!keepSentBodies) throw new Error("The rig keeps sent bodies only when built with keepSentBodies: true");
      return sentBodies;
    },
    /** Bodies of the evidence submissions CC received, in order. */
    submissions(): Record<string, unknown>[] {
      return state.requests.filter((r) => r.route === "evidence-submit").map((r) => r.body as Record<string, unknown>);
    },
    async [Symbol.asyncDispose](): Promise<void> {
      stop.abort();
      await uploader?.done;
      await outbox.close();
      db.close();
    },
  };
  return rig;
}

function memoryDb(): Database {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  return db;
}

export type UploaderRig = Awaited<ReturnType<typeof uploaderRig>>;

/**
 * The agent's evidence side: the outbox (the chain's single writer), the uploader beside the
 * loop, the self-check attestation of every cycle, and daily retention. Loaded after the first
 * check-in is on the wire, so none of it delays that check-in.
 * @module
 */
import type { Database } from "bun:sqlite";
import type { CentralClient } from "../central/client.ts";
import type { Config } from "../config/schema.ts";
import { createOutbox, type Outbox } from "../evidence/outbox.ts";
import { pruneEvidence } from "../evidence/retention.ts";
import { startUploader, type Uploader } from "../evidence/uploader.ts";
import type { SigningKey } from "../identity/index.ts";
import type { Logger } from "../log/logger.ts";
import type { SecretRegistry } from "../log/secrets.ts";
import type { GatherSelfCheckDeps } from "../selfcheck/index.ts";
import type { AgentState } from "../store/agent-state.ts";
import type { EvidenceStore } from "../store/evidence-store.ts";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { createSelfAttestation } from "./self-attestation.ts";

/** Retention runs at most once a day. */
const PRUNE_EVERY_MS = 24 * 3600_000;

export interface EvidenceSideDeps {
  db: Database;
  store: EvidenceStore;
  key: SigningKey;
  client: CentralClient;
  config: Config;
  agentVersion: string;
  state: AgentState;
  clock: Clock;
  random: Random;
  secrets: SecretRegistry;
  log: Logger;
  hostname: () => string;
  selfCheckFacts?: Partial<GatherSelfCheckDeps>;
  signal: AbortSignal;
}

export interface EvidenceSide {
  outbox: Outbox;
  uploader: Uploader;
  /** Attests the appliance's health (one signed scan record). */
  attest(): Promise<unknown>;
  /** Applies retention when a day has passed since it last ran. */
  pruneIfDue(): void;
  /** Commits what is queued and lets the uploader stop (after the signal aborted). */
  close(): Promise<void>;
}

export function startEvidenceSide(d: EvidenceSideDeps): EvidenceSide {
  let uploader: Uploader | undefined;
  const outbox = createOutbox({
    db: d.db,
    store: d.store,
    key: d.key,
    clock: d.clock,
    random: d.random,
    secrets: d.secrets,
    log: d.log.child({ component: "evidence" }),
    onCommit: () => uploader?.wake(),
  });
  uploader = startUploader({
    store: d.store,
    client: d.client,
    key: d.key,
    siteId: d.config.siteId,
    clock: d.clock,
    random: d.random,
    log: d.log.child({ component: "uploader" }),
    signal: d.signal,
  });
  const attest = createSelfAttestation({
    config: d.config,
    agentVersion: d.agentVersion,
    outbox,
    evidence: d.store,
    state: d.state,
    clock: d.clock,
    log: d.log.child({ component: "selfcheck" }),
    hostname: d.hostname,
    ...(d.selfCheckFacts ? { gather: d.selfCheckFacts } : {}),
  });
  return {
    outbox,
    uploader,
    attest,
    pruneIfDue() {
      const last = d.state.get("lastEvidencePruneAt");
      const now = d.clock.now();
      if (last !== undefined && now - last < PRUNE_EVERY_MS && now >= last) return;
      const report = pruneEvidence(d.store, { keepLast: d.config.evidenceRetention, keepDays: d.config.pruneRetentionDays }, now);
      d.state.set("lastEvidencePruneAt", now);
      d.log.info("evidence retention applied", { ...report });
    },
    async close() {
      await outbox.close();
      await uploader?.done.catch(() => {});
    },
  };
}

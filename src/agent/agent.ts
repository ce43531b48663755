/**
 * The running agent: opens its state, loads its keys, and runs the poll loop with the order
 * runner beside it. Everything from outside (clock, randomness, fetch, this machine's facts,
 * systemd) arrives in `deps`, so tests run the real agent against a fake clock and a local CC.
 * @module
 */
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { createCentralClient } from "../central/client.ts";
import { CredentialHolder } from "../central/credentials.ts";
import { completeOrder } from "../central/orders-api.ts";
import type { MachineFacts } from "../central/checkin.ts";
import type { Config } from "../config/schema.ts";
import { createEnvelopeKeys, loadOrCreateSigningKey, type SigningKey } from "../identity/index.ts";
import { TargetInventory } from "../inventory/targets.ts";
import type { Logger } from "../log/logger.ts";
import type { SecretRegistry } from "../log/secrets.ts";
import { startPollLoop } from "../loop/poll-loop.ts";
import { controlHandlers } from "../orders/handlers/control.ts";
import { healHandlers } from "../orders/handlers/heal.ts";
import { createFlapTracker } from "../heal/flap-tracker.ts";
import { createOrderRunner } from "../orders/runner.ts";
import { createAgentState, createCheckinLog, createEvidenceStore, createOrderStore, openDatabase, type EvidenceStore } from "../store/index.ts";
import type { Outbox } from "../evidence/outbox.ts";
import type { EvidenceDraft } from "../evidence/record.ts";
import type { Uploader } from "../evidence/uploader.ts";
import type { EvidenceSide } from "./evidence-side.ts";
import type { HostScans } from "./host-scans.ts";
import type { GatherSelfCheckDeps } from "../selfcheck/index.ts";
import type { SelfIdentity } from "../scan/linux-scanner.ts";
import { hostname as osHostname } from "node:os";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import { createCheckinCycle, type Directives } from "./checkin-cycle.ts";

export interface AgentDeps {
  config: Config;
  log: Logger;
  secrets: SecretRegistry;
  clock: Clock;
  random: Random;
  fetch?: typeof fetch;
  agentVersion: string;
  machineFacts: () => MachineFacts;
  daemonHealth: (facts: MachineFacts, queueDepths: Record<string, number>) => Record<string, unknown>;
  hardwareId?: string;
  /** Persists a rotated API key (the config rewrite); errors are logged, the key stays in use. */
  persistApiKey: (apiKey: string) => void;
  /** Progress pings for the service manager's watchdog. */
  onProgress?: () => void;
  /** Longest single sleep of the loop (watchdog granularity). */
  sliceMs?: number;
  /** This machine's name in evidence records. */
  hostname?: () => string;
  /** Parts of the world the self-checks read (tests inject them). */
  selfCheckFacts?: Partial<GatherSelfCheckDeps>;
  /** How the appliance recognises itself among scan targets (tests inject it). */
  selfIdentity?: SelfIdentity;
}


export const KEY_FILES = { identity: join("keys", "identity.key"), evidence: join("keys", "evidence.key") } as const;

/** Loads (creating on first start) both signing keys from the state dir. */
export function loadKeys(stateDir: string, random: Random): { identity: SigningKey; evidence: SigningKey; created: string[] } {
  const identity = loadOrCreateSigningKey(join(stateDir, KEY_FILES.identity), { random });
  const evidence = loadOrCreateSigningKey(join(stateDir, KEY_FILES.evidence), { random });
  const created = [identity.created && "identity", evidence.created && "evidence"].filter(Boolean) as string[];
  return { identity: identity.key, evidence: evidence.key, created };
}

export interface RunningAgent {
  /** Resolves with the reason the agent stopped. */
  done: Promise<"stopped" | "restart">;
  stop(): Promise<void>;
  /** Runs a check-in now. */
  wake(): void;
  db: Database;
  credentials: CredentialHolder;
  inventory: TargetInventory;
  directives(): Directives | undefined;
  evidence: EvidenceStore;
  /** The outbox and uploader, once the evidence side has started (after the first check-in). */
  outbox(): Outbox | undefined;
  uploader(): Uploader | undefined;
  /** The scanner side, once a Linux target has arrived. */
  hostScans(): HostScans | undefined;
}

export function startAgent(deps: AgentDeps): RunningAgent {
  const { config, log, clock, random } = deps;
  const db = openDatabase(config.stateDir);
  const state = createAgentState(db, () => clock.now());
  const keys = loadKeys(config.stateDir, random);
  for (const k of keys.created) log.info("created signing key", { key: k, state_dir: config.stateDir });
  const envelopeKeys = createEnvelopeKeys({ random });
  const credentials = new CredentialHolder(config.apiKey, deps.secrets);
  credentials.onChange((key, source) => {
    try {
      deps.persistApiKey(key);
      log.info("new API key written to the config file", { source, file: config.file });
    } catch (err) {
      log.error("new API key could not be written to the config file; it is used from memory", { source, error: err });
    }
  });
  const client = createCentralClient({
    endpoint: config.apiEndpoint,
    credentials,
    identityKey: keys.identity,
    clock,
    random,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(config.tlsPinHash ? { tlsPinHash: config.tlsPinHash } : {}),
    userAgent: `compliance-agent/${deps.agentVersion}`,
  });
  const inventory = new TargetInventory(deps.secrets);
  const orderStore = createOrderStore(db);
  const evidence = createEvidenceStore(db);
  const hostname = deps.hostname ?? (() => osHostname().trim());
  const stopCtl = new AbortController();
  // Loaded on first use, after the first check-in is on the wire: it adds nothing to start-up.
  let side: EvidenceSide | undefined;
  let sideLoading: Promise<EvidenceSide> | undefined;
  const evidenceSide = (): Promise<EvidenceSide> =>
    (sideLoading ??= import("./evidence-side.ts").then(({ startEvidenceSide }) =>
      (side = startEvidenceSide({
        db,
        store: evidence,
        key: keys.evidence,
        client,
        config,
        agentVersion: deps.agentVersion,
        state,
        clock,
        random,
        secrets: deps.secrets,
        log,
        hostname,
        ...(deps.selfCheckFacts ? { selfCheckFacts: deps.selfCheckFacts } : {}),
        signal: stopCtl.signal,
      })),
    ));
  const appendEvidence = (draft: EvidenceDraft, what: string) =>
    evidenceSide()
      .then((s) => s.outbox.append(draft))
      .catch((err) => log.error("evidence not stored", { what, error: err }));
  let hostScans: HostScans | undefined;
  let hostScansLoading: Promise<HostScans> | undefined;
  /** The scanner side, started on first need (a Linux target, or an order for one). */
  const ensureHostScans = (): Promise<HostScans> =>
    (hostScansLoading ??= Promise.all([evidenceSide(), import("./host-scans.ts")]).then(([s, { startHostScans }]) =>
      (hostScans = startHostScans({
        config,
        agentVersion: deps.agentVersion,
        inventory,
          outbox: s.outbox,
        state,
        clock,
        random,
        log,
        hostname,
        disabledChecks: () => directives?.disabledChecks ?? [],
        signal: stopCtl.signal,
        ...(deps.selfIdentity ? { self: deps.selfIdentity } : {}),
      })),
    ));
  /** Keeps the scanner in step with each check-in: connections of dropped targets close, new ones are scanned. */
  const syncHostScans = async () => {
    if (!hostScans && inventory.linux.length === 0) return;
    const scans = await ensureHostScans();
    await scans.pool.retainOnly(inventory.linux.map(scans.sshLogin));
    if (directives?.triggerImmediateScan) scans.scanner.scanAllNow();
    else scans.scanner.wake();
  };
  const flaps = createFlapTracker();
  let stopReason: "stopped" | "restart" = "stopped";
  let directives: Directives | undefined;
  let loop: ReturnType<typeof startPollLoop> | undefined;

  const orders = createOrderRunner({
    store: orderStore,
    clock,
    log: log.child({ component: "orders" }),
    agentVersion: deps.agentVersion,
    report: (orderId, completion) => completeOrder(client, orderId, completion),
    context: () => ({
      serverKeys: state.get("serverPublicKeys") ?? [],
      applianceId: state.get("applianceId"),
      defaultTtlSeconds: config.orderTtlSeconds,
    }),
    onOutcome: (o) => {
      const facts = { ...o, decidedAtMs: clock.now() };
      const ctx = { config, agentVersion: deps.agentVersion, hostname: hostname(), clockOffsetMs: state.get("lastCheckin")?.skewMs };
      void import("./order-evidence.ts").then(({ orderActionDraft }) => appendEvidence(orderActionDraft(facts, ctx), `order ${o.orderId}`));
    },
    handlers: {
      ...healHandlers({
        // The catalog is loaded on first use: it adds nothing to start-up.
        catalog: () => import("../catalog/embedded.ts").then((m) => m.embeddedCatalog()),
        linuxTargets: () => inventory.linux,
        scanNow: async () => {
          if (inventory.linux.length === 0) return false;
          (await ensureHostScans()).scanner.scanAllNow();
          return true;
        },
        heal: async (req) => {
          const { healForOrder } = await import("./heal-side.ts");
          return healForOrder(
            {
              config,
              agentVersion: deps.agentVersion,
              state,
              clock,
              random,
              log: log.child({ component: "heal" }),
              flaps,
              maintenanceUntilMs: () => directives?.maintenanceUntilMs,
              executorFor: async (t) => (await ensureHostScans()).executorFor(t),
              append: (draft, what) => evidenceSide().then((s) => s.outbox.append(draft)),
            },
            req,
          );
        },
      }),
      ...controlHandlers({
      state,
      now: () => clock.now(),
      requestCheckin: () => loop?.wake(),
      requestRestart: (reason) => {
        log.info("restart requested", { reason });
        stopReason = "restart";
        // Let the completion reach CC first; the service manager starts us again.
        void orders
          .idle()
          .then(() => orders.reportPending())
          .finally(() => stopCtl.abort(new Error(reason)));
      },
    }),
    },
  });
  orders.recoverInterrupted();

  const queueDepths = () => {
    // Accepted orders are stored as running until they finish, queued or not.
    const e = evidence.counts();
    return {
      orders_pending: orderStore.countByState().running,
      orders_unreported: orderStore.countUnreported(),
      evidence_pending: e.pending,
      evidence_dead: e.dead,
    };
  };
  const checkinCycle = createCheckinCycle({
    siteId: config.siteId,
    agentVersion: deps.agentVersion,
    client,
    credentials,
    identityKey: keys.identity,
    evidenceKey: keys.evidence,
    envelopeKeys,
    inventory,
    orders,
    state,
    checkinLog: createCheckinLog(db),
    clock,
    log: log.child({ component: "checkin" }),
    machineFacts: deps.machineFacts,
    daemonHealth: (facts) => deps.daemonHealth(facts, queueDepths()),
    ...(deps.hardwareId ? { hardwareId: deps.hardwareId } : {}),
    maxSkewMs: config.ntpMaxSkewMs,
    onDirectives: (d) => {
      directives = d;
    },
  });

  const startedAt = clock.now();
  let firstCycle = true;
  // Bookkeeping for `status` is written after each cycle, not before the first check-in: every
  // write is an fsync, and the first check-in should leave as soon as the agent can send it.
  const cycle: typeof checkinCycle = async (signal) => {
    const result = await checkinCycle(signal);
    db.transaction(() => {
      if (firstCycle) {
        state.set("agentVersion", deps.agentVersion);
        state.set("startedAt", startedAt);
        firstCycle = false;
      }
      state.set("queueDepths", queueDepths());
    })();
    // The appliance attests its own health every cycle, reachable CC or not.
    try {
      const s = await evidenceSide();
      await s.attest().catch((err) => log.error("self-check attestation not stored", { error: err }));
      s.pruneIfDue();
      await syncHostScans().catch((err) => log.error("host scans could not start", { error: err }));
    } catch (err) {
      log.error("evidence side failed", { error: err });
    }
    return result;
  };
  log.info("agent started", {
    version: deps.agentVersion,
    site_id: config.siteId,
    endpoint: config.apiEndpoint,
    state_dir: config.stateDir,
    poll_interval_s: config.pollIntervalSeconds,
    healing_enabled: config.healingEnabled,
    dry_run: config.healingDryRun,
    identity_fingerprint: keys.identity.fingerprint,
    evidence_fingerprint: keys.evidence.fingerprint,
  });

  const endpoint = new URL(config.apiEndpoint);
  if (endpoint.protocol === "http:" && !["127.0.0.1", "localhost", "[::1]"].includes(endpoint.hostname)) {
    log.warn("api_endpoint is plain HTTP: the API key and orders travel unencrypted", { endpoint: config.apiEndpoint });
  }

  loop = startPollLoop({
    cycle,
    intervalMs: config.pollIntervalSeconds * 1000,
    clock,
    random,
    signal: stopCtl.signal,
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
    ...(deps.sliceMs ? { sliceMs: deps.sliceMs } : {}),
    onWait: (ms, r) => log.debug("next check-in", { in_ms: ms, last_ok: r.ok }),
  });

  const done = loop.done.then(async () => {
    await orders.stop();
    await hostScans?.done;
    if (sideLoading) await (await sideLoading.catch(() => undefined))?.close();
    db.close();
    log.info("agent stopped", { reason: stopReason });
    return stopReason;
  });

  return {
    done,
    async stop() {
      stopCtl.abort(new Error("stop requested"));
      await done;
    },
    wake: () => loop?.wake(),
    db,
    credentials,
    inventory,
    directives: () => directives,
    evidence,
    outbox: () => side?.outbox,
    uploader: () => side?.uploader,
    hostScans: () => hostScans,
  };
}

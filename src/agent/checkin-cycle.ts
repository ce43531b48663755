/**
 * One control-plane cycle: check in, apply what Central Command answered (key rotation, order
 * keys, targets, directives, orders), and recover when it fails (three 401s → rekey; the
 * fleet-orders fallback while check-in is down). Knows both `central` and the agent's state;
 * the loop around it only decides when to run it again.
 * @module
 */
import { parseTargets, type CheckinAnswer } from "../central/checkin-response.ts";
import { buildCheckinRequest, sendCheckin, type MachineFacts } from "../central/checkin.ts";
import type { CentralClient } from "../central/client.ts";
import type { CredentialHolder } from "../central/credentials.ts";
import { CentralError } from "../central/errors.ts";
import { fetchFleetOrders } from "../central/orders-api.ts";
import { requestRekey } from "../central/rekey.ts";
import type { EnvelopeKeys, SigningKey } from "../identity/index.ts";
import type { TargetInventory } from "../inventory/targets.ts";
import type { Logger } from "../log/logger.ts";
import type { CycleResult } from "../loop/poll-loop.ts";
import type { OrderRunner } from "../orders/runner.ts";
import type { AgentState } from "../store/agent-state.ts";
import type { CheckinLog, CheckinLogEntry } from "../store/checkin-log.ts";
import type { Clock } from "../time/clock.ts";

/** Consecutive 401s that make the agent ask for a new key. */
export const REKEY_AFTER_401S = 3;
/** CC allows one rekey per appliance per hour. */
export const REKEY_MIN_INTERVAL_MS = 3600_000;
/** CC refuses request signatures whose timestamp is further than this from its clock. */
export const SIGAUTH_MAX_SKEW_MS = 60_000;

/** Directives from the last check-in that other parts of the agent obey. */
export interface Directives {
  maintenanceUntilMs?: number;
  billingHold: boolean;
  l2ConfidenceThreshold?: number;
  disabledChecks: string[];
  enabledRunbooks: string[];
  triggerImmediateScan: boolean;
}

export interface CheckinCycleDeps {
  siteId: string;
  agentVersion: string;
  client: CentralClient;
  credentials: CredentialHolder;
  identityKey: SigningKey;
  evidenceKey: SigningKey;
  envelopeKeys: EnvelopeKeys;
  inventory: TargetInventory;
  orders: OrderRunner;
  state: AgentState;
  checkinLog: CheckinLog;
  clock: Clock;
  log: Logger;
  /** This machine's facts, read fresh each cycle (IPs and uptime change). */
  machineFacts: () => MachineFacts;
  daemonHealth: (facts: MachineFacts) => Record<string, unknown>;
  hardwareId?: string;
  /** Clock skew beyond which a warning is logged. */
  maxSkewMs: number;
  onDirectives?: (d: Directives) => void;
}

export function createCheckinCycle(d: CheckinCycleDeps) {
  let consecutive401 = 0;
  let lastFacts: MachineFacts | undefined;

  function record(entry: Omit<CheckinLogEntry, "finishedAt">): void {
    const finishedAt = d.clock.now();
    d.checkinLog.record({ ...entry, finishedAt });
    d.state.set("lastCheckin", {
      at: finishedAt,
      ok: entry.outcome === "ok",
      ...(entry.httpStatus !== undefined ? { httpStatus: entry.httpStatus } : {}),
      ...(entry.error ? { error: entry.error } : {}),
      ...(entry.skewMs !== undefined ? { skewMs: entry.skewMs } : {}),
    });
    if (entry.outcome === "ok") d.state.set("lastCheckinOkAt", finishedAt);
  }

  async function rekey(signal: AbortSignal): Promise<boolean> {
    const last = d.state.get("lastRekeyAttemptAt");
    const now = d.clock.now();
    if (last !== undefined && now - last < REKEY_MIN_INTERVAL_MS && now >= last) {
      d.log.warn("rekey waits for Central Command's hourly limit", {
        next_attempt: new Date(last + REKEY_MIN_INTERVAL_MS).toISOString(),
      });
      return false;
    }
    d.state.set("lastRekeyAttemptAt", now);
    const facts = lastFacts ?? d.machineFacts();
    try {
      const r = await requestRekey(
        d.client,
        { siteId: d.siteId, macAddress: facts.macAddress, hostname: facts.hostname, hardwareId: d.hardwareId },
        signal,
      );
      d.credentials.replace(r.apiKey, "rekey");
      if (r.applianceId) d.state.set("applianceId", r.applianceId);
      consecutive401 = 0;
      d.log.info("rekey succeeded; new API key in use");
      return true;
    } catch (err) {
      d.log.error("rekey failed", { error: err });
      return false;
    }
  }

  function applyTargets(answer: CheckinAnswer): string | undefined {
    let targets = answer.targets;
    const invalid = [...answer.invalidTargets];
    if (answer.envelope) {
      try {
        const plain = JSON.parse(new TextDecoder().decode(d.envelopeKeys.open(answer.envelope))) as {
          windows_targets?: unknown;
          linux_targets?: unknown;
        };
        targets = parseTargets({ windows: plain.windows_targets, linux: plain.linux_targets }, invalid);
      } catch (err) {
        // Keep what we hold: an unreadable envelope says nothing about which targets are current.
        d.log.error("credential envelope could not be opened; targets unchanged", { error: err });
        return "credential envelope could not be opened";
      }
    }
    for (const what of invalid) d.log.warn("skipped a target Central Command sent", { target: what });
    const counts = d.inventory.replace(targets);
    d.state.set("targetCounts", { windows: counts.windows, linux: counts.linux });
    if (counts.revoked) d.log.info("Central Command revoked all targets; credentials dropped");
    return undefined;
  }

  function apply(answer: CheckinAnswer): string | undefined {
    if (answer.applianceId) d.state.set("applianceId", answer.applianceId);
    if (answer.serverPublicKeys.length > 0) d.state.set("serverPublicKeys", answer.serverPublicKeys);
    if (answer.rotatedApiKey && answer.rotatedApiKey !== d.credentials.apiKey) {
      d.credentials.replace(answer.rotatedApiKey, "rotation");
      d.log.info("Central Command rotated the API key; new key in use");
    }
    const problem = applyTargets(answer);
    const directives: Directives = {
      ...(answer.maintenanceUntilMs !== undefined ? { maintenanceUntilMs: answer.maintenanceUntilMs } : {}),
      billingHold: answer.billingHold,
      ...(answer.l2ConfidenceThreshold !== undefined ? { l2ConfidenceThreshold: answer.l2ConfidenceThreshold } : {}),
      disabledChecks: answer.disabledChecks,
      enabledRunbooks: answer.enabledRunbooks,
      triggerImmediateScan: answer.triggerImmediateScan,
    };
    d.onDirectives?.(directives);
    d.orders.receive(answer.pendingOrders);
    return problem;
  }

  async function fallbackOrders(signal: AbortSignal): Promise<void> {
    const applianceId = d.state.get("applianceId");
    if (!applianceId) return;
    try {
      const orders = await fetchFleetOrders(d.client, applianceId, signal);
      if (orders.length > 0) d.log.info("fetched orders through the fleet fallback", { count: orders.length });
      d.orders.receive(orders);
    } catch (err) {
      d.log.debug("fleet orders fallback failed too", { error: err });
    }
  }

  /** Runs one cycle; never throws. */
  return async function cycle(signal: AbortSignal): Promise<CycleResult> {
    const startedAt = d.clock.now();
    let facts: MachineFacts;
    try {
      facts = d.machineFacts();
      lastFacts = facts;
    } catch (err) {
      d.log.error("cannot read this machine's facts; check-in skipped", { error: err });
      record({ startedAt, outcome: "local_error", error: (err as Error).message });
      return { ok: false };
    }
    const body = buildCheckinRequest({
      siteId: d.siteId,
      agentVersion: d.agentVersion,
      facts,
      identityKey: d.identityKey,
      evidenceKey: d.evidenceKey,
      encryptionPublicKeyHex: d.envelopeKeys.publicKeyHex,
      daemonHealth: d.daemonHealth(facts),
      nowMs: d.clock.now(),
    });
    try {
      const res = await sendCheckin(d.client, body, { now: () => d.clock.now(), signal });
      consecutive401 = 0;
      const problem = apply(res.answer);
      if (res.skewMs !== undefined && Math.abs(res.skewMs) > d.maxSkewMs) {
        d.log.warn("clock differs from Central Command's", { skew_ms: res.skewMs, max_skew_ms: d.maxSkewMs });
      }
      record({ startedAt, outcome: "ok", ...(res.skewMs !== undefined ? { skewMs: res.skewMs } : {}), ...(problem ? { error: problem } : {}) });
      d.log.info("checked in", {
        round_trip_ms: Math.round(res.roundTripMs),
        skew_ms: res.skewMs,
        orders: res.answer.pendingOrders.length,
        targets: d.inventory.counts(),
      });
      // Beside the loop: a slow CC must not hold the cycle (and the watchdog) on old completions.
      void d.orders.reportPending();
      return { ok: true };
    } catch (err) {
      if (signal.aborted) return { ok: false };
      const ce = err instanceof CentralError ? err : undefined;
      // A 401 from a box whose clock is off is a clock problem, not a key problem: a rekey would
      // not help (the new key is refused the same way) and would burn the hourly rekey.
      const skewMs = ce?.serverDateMs === undefined ? undefined : Math.round(ce.serverDateMs - (startedAt + d.clock.now()) / 2);
      const clockOff = ce?.kind === "auth" && skewMs !== undefined && Math.abs(skewMs) > SIGAUTH_MAX_SKEW_MS + 1_000;
      record({
        startedAt,
        outcome: outcomeOf(ce, clockOff),
        ...(ce?.status !== undefined ? { httpStatus: ce.status } : {}),
        ...(skewMs !== undefined ? { skewMs } : {}),
        error: (err as Error).message,
      });
      if (clockOff) {
        d.log.error("Central Command refused the check-in and this clock is off: fix time sync", {
          skew_ms: skewMs,
          max_skew_ms: SIGAUTH_MAX_SKEW_MS,
        });
        return { ok: false };
      }
      d.log.warn("check-in failed", { error: err, consecutive_401: ce?.kind === "auth" ? consecutive401 + 1 : 0 });
      if (ce?.kind === "auth") {
        consecutive401++;
        // Recovery is never gated by a breaker: a box must be able to fix its own key.
        if (consecutive401 >= REKEY_AFTER_401S && (await rekey(signal))) return { ok: false, again: true };
      } else {
        consecutive401 = 0;
        await fallbackOrders(signal);
      }
      return { ok: false, ...(ce?.retryAfterSeconds ? { minDelayMs: ce.retryAfterSeconds * 1000 } : {}) };
    }
  };
}

function outcomeOf(ce: CentralError | undefined, clockOff: boolean): CheckinLogEntry["outcome"] {
  if (!ce) return "bad_response";
  switch (ce.kind) {
    case "auth":
      return clockOff ? "clock_skew" : "auth_failed";
    case "http":
      return "http_error";
    case "bad_response":
      return "bad_response";
    case "tls_pin":
      return "tls_pin_mismatch";
    case "network":
      return "network_error";
  }
}

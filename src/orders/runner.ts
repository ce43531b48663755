/**
 * Receives order envelopes, verifies them, remembers them, runs accepted ones one at a time
 * beside the poll loop (a 30-minute order must not stop check-ins), and reports every outcome
 * to Central Command until it is acknowledged. An order is never run twice.
 * @module
 */
import type { Logger } from "../log/logger.ts";
import type { OrderStore } from "../store/order-store.ts";
import type { Clock } from "../time/clock.ts";
import { isKnownOrderType } from "./order-types.ts";
import { envelopeOrderId, verifyOrder, type VerifiedOrder, type VerifyContext } from "./verify.ts";

export interface OrderOutcome {
  success: boolean;
  result?: unknown;
  errorMessage?: string;
}

export interface OrderHandler {
  run(order: VerifiedOrder, signal: AbortSignal): Promise<OrderOutcome>;
  /** Deadline; the order fails when it passes. */
  timeoutMs: number;
}

export interface OrderRunnerOptions {
  store: OrderStore;
  handlers: Record<string, OrderHandler>;
  clock: Clock;
  log: Logger;
  agentVersion: string;
  /** Sends a completion to CC; throws when CC did not take it. */
  report: (orderId: string, completion: { success: boolean; result?: unknown; error_message?: string }) => Promise<void>;
  /** Keys, appliance id and TTL as known now. */
  context: () => Omit<VerifyContext, "nonceSeen" | "nowMs">;
  /** Called after each outcome is decided (evidence, metrics). */
  onOutcome?: (o: { orderId: string; orderType: string; state: "succeeded" | "failed" | "rejected"; errorMessage?: string }) => void;
}

/**
 * CC remembers nonces 2 h; we keep each at least 24 h and always until its order has expired,
 * after which a replay is refused as expired anyway.
 */
const NONCE_KEEP_MS = 24 * 3600_000;
/** Reported orders are history after this; their nonces are kept separately. */
const FINISHED_KEEP_MS = 30 * 24 * 3600_000;

export function createOrderRunner(opts: OrderRunnerOptions) {
  const { store, handlers, clock, log } = opts;
  const queue: VerifiedOrder[] = [];
  let running: Promise<void> | undefined;
  let waitingLogged = false;
  const stopper = new AbortController();

  function decide(orderId: string, orderType: string, outcome: OrderOutcome, rejected = false) {
    store.finish(orderId, { ...outcome, at: clock.now() });
    const state = outcome.success ? "succeeded" : rejected ? "rejected" : "failed";
    log.info("order finished", { order_id: orderId, order_type: orderType, state, error: outcome.errorMessage });
    opts.onOutcome?.({ orderId, orderType, state, ...(outcome.errorMessage ? { errorMessage: outcome.errorMessage } : {}) });
    void reportOne(orderId);
  }

  const reporting = new Map<string, Promise<boolean>>();
  function reportOne(orderId: string): Promise<boolean> {
    const inFlight = reporting.get(orderId);
    if (inFlight) return inFlight;
    const p = sendReport(orderId).finally(() => reporting.delete(orderId));
    reporting.set(orderId, p);
    return p;
  }

  async function sendReport(orderId: string): Promise<boolean> {
    const r = store.get(orderId);
    if (!r || r.state === "running" || r.reportedAt !== undefined) return true;
    store.noteReportAttempt(orderId);
    try {
      await opts.report(orderId, {
        success: r.success === true,
        ...(r.result !== undefined ? { result: r.result } : {}),
        ...(r.errorMessage ? { error_message: r.errorMessage } : {}),
      });
      store.markReported(orderId, clock.now());
      return true;
    } catch (err) {
      log.warn("order completion not delivered; will retry", { order_id: orderId, error: err });
      return false;
    }
  }

  async function drain() {
    while (queue.length > 0 && !stopper.signal.aborted) {
      const order = queue.shift()!;
      if (order.expiresAtMs <= clock.now()) {
        decide(order.orderId, order.orderType, {
          success: false,
          errorMessage: `order expired at ${new Date(order.expiresAtMs).toISOString()} while waiting for an earlier order`,
        });
        continue;
      }
      const handler = handlers[order.orderType];
      if (!handler) {
        const msg = isKnownOrderType(order.orderType)
          ? `order type "${order.orderType}" is not supported by compliance-agent ${opts.agentVersion}`
          : `unknown order type: ${order.orderType}`;
        decide(order.orderId, order.orderType, { success: false, errorMessage: msg });
        continue;
      }
      const deadline = AbortSignal.timeout(handler.timeoutMs);
      const signal = AbortSignal.any([deadline, stopper.signal]);
      let outcome: OrderOutcome;
      try {
        outcome = await Promise.race([
          handler.run(order, signal),
          new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true })),
        ]);
        // Fail closed: anything but an explicit success is a failure.
        if (outcome?.success !== true) {
          outcome = {
            success: false,
            ...(outcome?.result !== undefined ? { result: outcome.result } : {}),
            errorMessage: outcome?.errorMessage ?? "handler reported no success",
          };
        }
      } catch (err) {
        const why = deadline.aborted
          ? `timed out after ${handler.timeoutMs} ms`
          : stopper.signal.aborted
            ? "interrupted by agent shutdown"
            : (err as Error).message;
        outcome = { success: false, errorMessage: why };
      }
      decide(order.orderId, order.orderType, outcome);
    }
  }

  return {
    /** Verifies and records `envelopes`; accepted orders start beside the caller. */
    receive(envelopes: Record<string, unknown>[]): void {
      for (const env of envelopes) {
        const id = envelopeOrderId(env);
        if (id !== undefined && store.get(id)) {
          void reportOne(id); // CC re-delivers until it has our completion.
          continue;
        }
        const verdict = verifyOrder(env, { ...opts.context(), nowMs: clock.now(), nonceSeen: store.nonceSeen });
        if (!verdict.ok && verdict.wait) {
          if (!waitingLogged) log.warn("orders wait", { reason: verdict.reason, order_id: id });
          waitingLogged = true;
          continue;
        }
        waitingLogged = false;
        if (!verdict.ok) {
          log.warn("order rejected", { order_id: id, reason: verdict.errorMessage });
          if (id === undefined) continue; // nothing to report against
          const type = typeof env.order_type === "string" ? env.order_type : "unknown";
          store.insert({ orderId: id, orderType: type, receivedAt: clock.now(), state: "rejected" });
          decide(id, type, { success: false, errorMessage: verdict.errorMessage }, true);
          continue;
        }
        const o = verdict.order;
        if (!store.insert({ orderId: o.orderId, orderType: o.orderType, receivedAt: clock.now(), state: "running" })) continue;
        store.rememberNonce(o.nonce, o.orderId, clock.now(), Math.max(clock.now() + NONCE_KEEP_MS, o.expiresAtMs + NONCE_KEEP_MS));
        log.info("order accepted", { order_id: o.orderId, order_type: o.orderType });
        queue.push(o);
      }
      store.pruneNonces(clock.now());
      store.pruneFinished(clock.now() - FINISHED_KEEP_MS);
      if (!running && queue.length > 0) {
        running = drain().finally(() => {
          running = undefined;
        });
      }
    },

    /** Marks orders a previous process left running as failed (they did not finish). */
    recoverInterrupted(): void {
      for (const r of store.interrupted()) {
        decide(r.orderId, r.orderType, { success: false, errorMessage: "interrupted: the agent stopped before the order finished" });
      }
    },

    /** Re-sends completions CC has not acknowledged. */
    async reportPending(limit = 20): Promise<void> {
      for (const r of store.unreported(limit)) {
        if (!(await reportOne(r.orderId))) break;
      }
    },

    /** Resolves when no order is running. */
    async idle(): Promise<void> {
      while (running) await running;
    },

    /** Aborts the running order (it is reported as interrupted), runs no more, and lets reports in flight land. */
    async stop(): Promise<void> {
      stopper.abort(new Error("agent stopping"));
      await running;
      await Promise.allSettled([...reporting.values()]);
    },

    queued: () => queue.length + (running ? 1 : 0),
  };
}

export type OrderRunner = ReturnType<typeof createOrderRunner>;

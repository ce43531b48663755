/**
 * CC's order queue: what is pending for which appliance, and what each completion said.
 * @module
 */
import type { OrderEnvelope } from "./envelope.ts";

/** One `POST /api/orders/{id}/complete` as received. */
export interface OrderCompletion {
  order_id: string;
  success: boolean;
  result: unknown;
  error_message: string | undefined;
  /** The appliance the bearer key is bound to, when known. */
  applianceId: string | undefined;
  time: number;
}

interface QueuedOrder {
  envelope: OrderEnvelope;
  deliverUntilMs: number;
  /** Only this appliance gets it; undefined delivers to every appliance. */
  deliverTo: string | undefined;
  completed: boolean;
  seq: number;
}

/** Orders by id, in queue order. */
export class OrderBook {
  readonly #orders = new Map<string, QueuedOrder>();
  #seq = 0;

  /** Queues an envelope until `deliverUntilMs` or its completion. */
  add(envelope: OrderEnvelope, deliverUntilMs: number, deliverTo: string | undefined): void {
    this.#orders.set(envelope.order_id, { envelope, deliverUntilMs, deliverTo, completed: false, seq: this.#seq++ });
  }

  /** Envelopes CC would hand `applianceId` now: highest priority first, then oldest. */
  pendingFor(applianceId: string, nowMs: number): OrderEnvelope[] {
    return [...this.#orders.values()]
      .filter((o) => !o.completed && nowMs < o.deliverUntilMs)
      .filter((o) => o.deliverTo === undefined || o.deliverTo === applianceId)
      .sort((a, b) => b.envelope.priority - a.envelope.priority || a.seq - b.seq)
      .map((o) => o.envelope);
  }

  /** The envelope of `orderId`, completed or not. */
  get(orderId: string): OrderEnvelope | undefined {
    return this.#orders.get(orderId)?.envelope;
  }

  /** Marks an order done (success or not); false when the id is unknown. */
  complete(orderId: string): boolean {
    const order = this.#orders.get(orderId);
    if (!order) return false;
    order.completed = true;
    return true;
  }

  /** Puts a completed order back, byte-identical: a replay of the same envelope. */
  redeliver(orderId: string, deliverUntilMs: number): void {
    const order = this.#orders.get(orderId);
    if (!order) throw new RangeError(`Cannot redeliver order "${orderId}": unknown`);
    order.completed = false;
    order.deliverUntilMs = deliverUntilMs;
  }

  /** Nonce of the most recently queued order, for `replayed-nonce`. */
  lastNonce(): string | undefined {
    let last: QueuedOrder | undefined;
    for (const o of this.#orders.values()) if (!last || o.seq > last.seq) last = o;
    return last?.envelope.nonce;
  }
}

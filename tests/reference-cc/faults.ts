/**
 * Failure injection: canned error statuses, a whole-server outage, and added latency.
 * @module
 */
import type { RouteName } from "./route-names.ts";

/**
 * When an injected failure replaces the answer: `before` the handler runs (CC never saw the
 * call), or `after` it ran (CC acted, e.g. rotated a key, but the answer was lost).
 */
export type FailurePhase = "before" | "after";

/** Where a `failNext` applies. */
export interface FailNextOptions {
  /** Only this route; every route when absent. */
  route?: RouteName;
  phase?: FailurePhase;
}

interface PendingFailure {
  remaining: number;
  status: number;
  route: RouteName | undefined;
  phase: FailurePhase;
}

/** The injected faults of one reference CC. */
export class Faults {
  #failures: PendingFailure[] = [];
  #down = false;
  readonly #latencyMs = new Map<RouteName | "all", number>();

  /** Answers `status` to the next `n` matching requests. */
  failNext(n: number, status: number, { route, phase = "before" }: FailNextOptions = {}): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`failNext needs a positive count, got ${n}`);
    this.#failures.push({ remaining: n, status, route, phase });
  }

  /** Every request gets 503 until `up()`. */
  down(): void {
    this.#down = true;
  }

  /** Ends an outage started by `down()`. */
  up(): void {
    this.#down = false;
  }

  get isDown(): boolean {
    return this.#down;
  }

  /** Delays every answer of `route` (or of all routes) by `ms` of real time; 0 removes it. */
  setLatency(route: RouteName | "all", ms: number): void {
    if (ms <= 0) this.#latencyMs.delete(route);
    else this.#latencyMs.set(route, ms);
  }

  /** Latency to add to a request of `route`. */
  latencyFor(route: RouteName): number {
    return this.#latencyMs.get(route) ?? this.#latencyMs.get("all") ?? 0;
  }

  /** Consumes one matching injected failure and returns its status, if any is pending. */
  take(route: RouteName, phase: FailurePhase): number | undefined {
    const hit = this.#failures.find((f) => f.phase === phase && (f.route === undefined || f.route === route));
    if (!hit) return undefined;
    hit.remaining--;
    if (hit.remaining === 0) this.#failures = this.#failures.filter((f) => f !== hit);
    return hit.status;
  }
}

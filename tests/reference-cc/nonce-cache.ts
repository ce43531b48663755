/**
 * Nonces seen per scope (a key fingerprint), remembered for a fixed window: CC's sigauth
 * replay guard keeps them 2 h.
 * @module
 */

/** Remembers `(scope, nonce)` pairs for `ttlMs` of the injected clock. */
export class NonceCache {
  readonly #ttlMs: number;
  readonly #seenAt = new Map<string, number>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** True when `nonce` was already used in `scope` within the window. */
  has(scope: string, nonce: string, nowMs: number): boolean {
    const at = this.#seenAt.get(`${scope}\n${nonce}`);
    return at !== undefined && nowMs - at < this.#ttlMs;
  }

  /** Records a use of `nonce` in `scope` and evicts entries older than the window. */
  remember(scope: string, nonce: string, nowMs: number): void {
    for (const [key, at] of this.#seenAt) if (nowMs - at >= this.#ttlMs) this.#seenAt.delete(key);
    this.#seenAt.set(`${scope}\n${nonce}`, nowMs);
  }
}

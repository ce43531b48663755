/**
 * Randomness, injected so that jitter and nonces are deterministic in tests.
 * @module
 */
import { randomBytes as nodeRandomBytes } from "node:crypto";

/** A source of random numbers and bytes. */
export interface Random {
  /** Uniform in [0, 1). */
  float(): number;
  /** `n` cryptographically strong bytes in production. */
  bytes(n: number): Uint8Array;
}

/** The real source: crypto-strong bytes, `Math.random` for jitter. */
export const systemRandom: Random = {
  float: () => Math.random(),
  bytes: (n) => new Uint8Array(nodeRandomBytes(n)),
};

/** A seeded, repeatable source for tests (mulberry32). Never use for keys or nonces in production. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    float: next,
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}

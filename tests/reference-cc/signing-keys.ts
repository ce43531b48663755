/**
 * CC's order-signing keys: the current one and the previous one, both announced in every
 * check-in (`server_public_keys: [current, previous]`).
 * @module
 */
import { ed25519Key, type Ed25519Key } from "./crypto.ts";

/** The pair of server signing keys; `rotate` retires current to previous. */
export class ServerSigningKeys {
  current: Ed25519Key;
  previous: Ed25519Key;

  constructor(currentSeed?: Uint8Array, previousSeed?: Uint8Array) {
    this.current = ed25519Key(currentSeed);
    this.previous = ed25519Key(previousSeed);
  }

  /** Makes a new current key (from `seed` when given); the old current becomes previous. */
  rotate(seed?: Uint8Array): void {
    this.previous = this.current;
    this.current = ed25519Key(seed);
  }

  /** `[current, previous]` public keys, hex. */
  publicKeysHex(): [string, string] {
    return [this.current.publicKeyHex, this.previous.publicKeyHex];
  }
}

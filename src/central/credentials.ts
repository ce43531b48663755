/**
 * The one holder of the site API key. Every sender reads the key from here at send time, so a
 * rotated key reaches all of them at once (a field bug: components that copied the key at
 * start-up kept sending a revoked one).
 * @module
 */
import type { SecretRegistry } from "../log/secrets.ts";

export type KeyListener = (apiKey: string, source: "rotation" | "rekey") => void;

/** Holds the current API key and tells listeners when it changes. */
export class CredentialHolder {
  #apiKey: string;
  #listeners: KeyListener[] = [];

  constructor(
    apiKey: string,
    private readonly secrets?: SecretRegistry,
  ) {
    this.#apiKey = apiKey;
    secrets?.add(apiKey);
  }

  /** The key to send now. */
  get apiKey(): string {
    return this.#apiKey;
  }

  /** Replaces the key everywhere; listeners run synchronously (e.g. the config rewrite). */
  replace(apiKey: string, source: "rotation" | "rekey"): void {
    if (!apiKey) throw new TypeError("Cannot replace the API key with an empty value");
    // The old key stays in the registry: a log line quoting it must still be redacted.
    this.secrets?.add(apiKey);
    this.#apiKey = apiKey;
    for (const listener of this.#listeners) listener(apiKey, source);
  }

  onChange(listener: KeyListener): void {
    this.#listeners.push(listener);
  }
}

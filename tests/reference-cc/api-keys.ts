/**
 * Site API keys: which bearer tokens are active, for which site, and which appliance each is
 * bound to (so a rekey can deactivate exactly that appliance's keys).
 * @module
 */
import { randomBytes } from "./crypto.ts";

/** One key as CC's `api_keys` table holds it. */
export interface ApiKeyRecord {
  key: string;
  siteId: string;
  applianceId: string | undefined;
  active: boolean;
}

/** A new key in CC's form: `secrets.token_urlsafe(32)`, 43 url-safe characters. */
export function mintApiKey(): string {
  return Buffer.from(randomBytes(32)).toString("base64url");
}

/** The set of keys CC knows, active or not. */
export class ApiKeyRegistry {
  readonly #keys = new Map<string, ApiKeyRecord>();

  /** Registers `key` (a new one when absent) as active for `siteId`; returns it. */
  add(siteId: string, key: string = mintApiKey(), applianceId?: string): string {
    this.#keys.set(key, { key, siteId, applianceId, active: true });
    return key;
  }

  /** The active record for `key`, or undefined when unknown or revoked. */
  active(key: string): ApiKeyRecord | undefined {
    const record = this.#keys.get(key);
    return record?.active ? record : undefined;
  }

  /** Ties an unbound key to the appliance that used it. */
  bind(key: string, applianceId: string): void {
    const record = this.#keys.get(key);
    if (record && record.applianceId === undefined) record.applianceId = applianceId;
  }

  /** Deactivates one key; true when it was active. */
  revoke(key: string): boolean {
    const record = this.#keys.get(key);
    if (!record?.active) return false;
    record.active = false;
    return true;
  }

  /** Deactivates every key bound to `applianceId`. */
  revokeAppliance(applianceId: string): void {
    for (const record of this.#keys.values()) if (record.applianceId === applianceId) record.active = false;
  }

  /** Active keys of a site, oldest first. */
  activeKeys(siteId: string): string[] {
    return [...this.#keys.values()].filter((r) => r.siteId === siteId && r.active).map((r) => r.key);
  }
}

/**
 * Everything the reference CC knows and remembers: keys, appliances, orders, evidence, the
 * faults to inject, and the record of every call. Tests drive and inspect CC through this.
 * @module
 */
import { ApiKeyRegistry } from "./api-keys.ts";
import { buildOrderEnvelope, type OrderEnvelope, type OrderRequest } from "./envelope.ts";
import { EvidenceLedger, type DeliveredRecord, type RefusalStatus, type StoredBundle } from "./evidence-chain.ts";
import { Faults, type FailNextOptions } from "./faults.ts";
import { NonceCache } from "./nonce-cache.ts";
import { OrderBook, type OrderCompletion } from "./orders.ts";
import type { RecordedCheckin, RecordedRekey, RecordedRequest, SigauthRejection } from "./records.ts";
import type { RouteName } from "./route-names.ts";
import { SIGAUTH_NONCE_TTL_MS } from "./sigauth.ts";
import { ServerSigningKeys } from "./signing-keys.ts";
import { defaultSiteConfig, type SiteConfig } from "./site-config.ts";
import { waitFor } from "./wait-for.ts";

/** How to build a reference CC. */
export interface ReferenceCCOptions {
  /** Sites and their initial bearer keys (plus any site settings). */
  sites?: Record<string, { apiKey: string } & Partial<SiteConfig>>;
  /** Mint a new key on an appliance's first check-in and revoke the old one. Default true. */
  rotateOnFirstCheckin?: boolean;
  /** Wall clock in ms. Default `Date.now`. */
  now?: () => number;
  /** 32-byte Ed25519 seed of the current order-signing key; random when absent. */
  signingSeed?: Uint8Array;
  /** Seed of the previous signing key; random when absent. */
  previousSigningSeed?: Uint8Array;
  /** Refuse bad sigauth with 401 (true) or only record it (false). Default true. */
  sigauthEnforce?: boolean;
  /** Allow one rekey per appliance per hour. Default true. */
  rekeyRateLimit?: boolean;
  /** Called after each request is recorded (the CLI logs from here). */
  onRequest?: (record: RecordedRequest) => void;
  /** How long CC answers a repeated evidence `bundle_hash` as a duplicate. Default 15 min, as CC. */
  evidenceDedupeWindowMs?: number;
}

/** An appliance CC has seen check in successfully. */
export interface ApplianceRecord {
  applianceId: string;
  siteId: string;
  macAddress: string;
  /** Identity (sigauth) key registered at first check-in. */
  identityPublicKeyHex: string;
  /** First 16 hex of sha256(identity key), as sigauth headers carry it. */
  identityFingerprint: string;
  /** Evidence key from the latest check-in. */
  evidencePublicKeyHex: string;
  firstSeen: number;
  lastSeen: number;
  lastRekeyAt?: number;
}

/** A queued order: what to sign plus, optionally, which appliance alone receives it. */
export interface QueueOrderRequest extends OrderRequest {
  /** Deliver only to this appliance id. Default: `target_appliance_id`, else every appliance. */
  deliverTo?: string;
}

/** The reference CC's state; see the module comment. */
export class CCState {
  readonly now: () => number;
  sigauthEnforce: boolean;
  rotateOnFirstCheckin: boolean;
  rekeyRateLimit: boolean;
  onRequest: ((record: RecordedRequest) => void) | undefined;
  /** Rewrites each successful check-in response just before it is sent (quirk injection). */
  transformCheckinResponse: ((response: Record<string, unknown>) => Record<string, unknown>) | undefined;

  readonly apiKeys = new ApiKeyRegistry();
  readonly signingKeys: ServerSigningKeys;
  readonly orders = new OrderBook();
  readonly evidence: EvidenceLedger;
  readonly faults = new Faults();
  readonly nonces = new NonceCache(SIGAUTH_NONCE_TTL_MS);
  readonly appliances = new Map<string, ApplianceRecord>();
  readonly #sites = new Map<string, SiteConfig>();

  readonly requests: RecordedRequest[] = [];
  readonly checkins: RecordedCheckin[] = [];
  readonly completions: OrderCompletion[] = [];
  readonly rekeys: RecordedRekey[] = [];
  readonly sigauthRejections: SigauthRejection[] = [];

  constructor({
    sites = {},
    rotateOnFirstCheckin = true,
    now = Date.now,
    signingSeed,
    previousSigningSeed,
    sigauthEnforce = true,
    rekeyRateLimit = true,
    onRequest,
    evidenceDedupeWindowMs,
  }: ReferenceCCOptions = {}) {
    this.now = now;
    this.evidence = new EvidenceLedger(evidenceDedupeWindowMs !== undefined ? { dedupeWindowMs: evidenceDedupeWindowMs } : {});
    this.sigauthEnforce = sigauthEnforce;
    this.rotateOnFirstCheckin = rotateOnFirstCheckin;
    this.rekeyRateLimit = rekeyRateLimit;
    this.onRequest = onRequest;
    this.signingKeys = new ServerSigningKeys(signingSeed, previousSigningSeed);
    for (const [siteId, { apiKey, ...config }] of Object.entries(sites)) {
      this.addApiKey(siteId, apiKey);
      this.configureSite(siteId, config);
    }
  }

  /** Bundles accepted into the evidence chain. */
  get bundles(): StoredBundle[] {
    return this.evidence.bundles;
  }

  /** Records of compliance-agent deliveries CC chained for `siteId`, in chain order. */
  deliveredRecords(siteId: string): DeliveredRecord[] {
    return this.evidence.deliveredRecords(siteId);
  }

  /**
   * Refuses (with `status`, default 400, and `reason` as `detail`) every evidence bundle that
   * carries record `seq`, until `allowEvidenceRecord(seq)`.
   *
   * @example
   * state.refuseEvidenceRecord(42, "check id not in catalog");
   */
  refuseEvidenceRecord(seq: number, reason: string, status?: RefusalStatus): void {
    this.evidence.refuseRecord(seq, reason, status);
  }

  /** Ends a `refuseEvidenceRecord`. */
  allowEvidenceRecord(seq: number): void {
    this.evidence.allowRecord(seq);
  }

  /** Check-ins that were answered 200. */
  get acceptedCheckins(): RecordedCheckin[] {
    return this.checkins.filter((c) => c.status === 200);
  }

  /** True when CC knows the site. */
  hasSite(siteId: string): boolean {
    return this.#sites.has(siteId);
  }

  /** Adds an active key for `siteId` (creating the site); returns the key. */
  addApiKey(siteId: string, key?: string): string {
    if (!this.#sites.has(siteId)) this.#sites.set(siteId, defaultSiteConfig());
    return this.apiKeys.add(siteId, key);
  }

  /** Revokes a key; calls with it then get 401. True when it was active. */
  revokeKey(key: string): boolean {
    return this.apiKeys.revoke(key);
  }

  /** Active keys of a site, oldest first. */
  activeKeys(siteId: string): string[] {
    return this.apiKeys.activeKeys(siteId);
  }

  /** A site's settings (live object). */
  siteConfig(siteId: string): SiteConfig {
    const config = this.#sites.get(siteId);
    if (!config) throw new RangeError(`Unknown site "${siteId}"`);
    return config;
  }

  /** Changes a site's settings, e.g. `configureSite("s1", { linuxTargets: [...] })`. */
  configureSite(siteId: string, patch: Partial<SiteConfig>): SiteConfig {
    if (!this.#sites.has(siteId)) this.#sites.set(siteId, defaultSiteConfig());
    return Object.assign(this.siteConfig(siteId), patch);
  }

  /** `[current, previous]` order-signing public keys, hex. */
  get serverPublicKeys(): [string, string] {
    return this.signingKeys.publicKeysHex();
  }

  /** Rotates the order-signing key; the old current key becomes previous. */
  rotateSigningKey(seed?: Uint8Array): void {
    this.signingKeys.rotate(seed);
  }

  /**
   * Signs and queues an order; it is delivered in check-ins and the fleet fallback until
   * completed or expired.
   *
   * @example
   * state.queueOrder({ order_type: "view_logs", parameters: { lines: 50 } });
   * state.queueOrder({ order_type: "force_checkin", tamper: "bad-signature" });
   */
  queueOrder(request: QueueOrderRequest): OrderEnvelope {
    const replayNonce = request.replayNonce ?? this.orders.lastNonce();
    if (request.tamper === "replayed-nonce" && replayNonce === undefined) {
      throw new RangeError('Cannot queue a "replayed-nonce" order: no earlier order to take the nonce from');
    }
    const { envelope, deliverUntilMs } = buildOrderEnvelope({ ...request, replayNonce }, this.signingKeys, this.now());
    // An order signed for another appliance is still handed to whoever checks in.
    const deliverTo =
      request.deliverTo ?? (request.tamper === "other-target" ? undefined : request.target_appliance_id);
    this.orders.add(envelope, deliverUntilMs, deliverTo);
    return envelope;
  }

  /** Delivers an already-completed order again, byte-identical (a replay). */
  redeliverOrder(orderId: string, ttlSeconds = 900): void {
    this.orders.redeliver(orderId, this.now() + ttlSeconds * 1000);
  }

  /** What a check-in of `applianceId` would receive now (ignoring billing hold). */
  pendingOrdersFor(applianceId: string): OrderEnvelope[] {
    return this.orders.pendingFor(applianceId, this.now());
  }

  /** Answers `status` to the next `n` requests (of one route when given). */
  failNext(n: number, status: number, options?: FailNextOptions | RouteName): void {
    this.faults.failNext(n, status, typeof options === "string" ? { route: options } : options);
  }

  /** Every request gets 503 until `up()`. */
  down(): void {
    this.faults.down();
  }

  /** Ends a `down()` outage. */
  up(): void {
    this.faults.up();
  }

  /** Adds real-time latency to one route or to all; 0 removes it. */
  setLatency(route: RouteName | "all", ms: number): void {
    this.faults.setLatency(route, ms);
  }

  /**
   * Resolves with the first truthy result of `probe(state)`, polled every 10 ms.
   *
   * @example
   * await cc.state.waitFor((s) => s.acceptedCheckins.length >= 2);
   */
  waitFor<T>(probe: (state: CCState) => T, timeoutMs = 5000): Promise<NonNullable<T>> {
    return waitFor(() => probe(this), timeoutMs, "a reference CC state condition");
  }
}

/**
 * A test-side appliance that speaks CC v1 correctly: identity, evidence and encryption keys,
 * sigauth-signed requests, check-in bodies with a valid heartbeat, signed evidence bundles.
 * Independent of the agent's code, so tests can drive CC (reference or real) without it.
 * @module
 */
import nacl from "tweetnacl";
import {
  base64UrlEncode,
  bytesToHex,
  ed25519Key,
  fingerprintOf,
  randomHex,
  sha256Hex,
  utf8ToBytes,
  type Ed25519Key,
} from "./crypto.ts";
import { heartbeatDigest } from "./heartbeat.ts";
import { sigauthTimestamp } from "./python-time.ts";
import { canonicalRequestBytes } from "./sigauth.ts";

/** Who the appliance is and where it sends. */
export interface TestApplianceOptions {
  siteId: string;
  apiKey: string;
  /** Default `http://cc.test` (any origin works with `app.fetch`). */
  baseUrl?: string;
  /** Default global `fetch`; pass `(r) => app.fetch(r)` to skip the socket. */
  fetch?: (request: Request) => Response | Promise<Response>;
  /** Default `52:54:00:12:34:56`. */
  macAddress?: string;
  hostname?: string;
  agentVersion?: string;
  identitySeed?: Uint8Array;
  evidenceSeed?: Uint8Array;
  /** Clock for sigauth and heartbeat timestamps (ms). Default `Date.now`. */
  now?: () => number;
}

/** Per-request knobs, mostly to produce deliberately wrong requests. */
export interface SendOptions {
  /** Bearer key; default the appliance's current key; null sends none. */
  bearer?: string | null;
  /** Add sigauth headers. Default true. */
  sign?: boolean;
  timestamp?: string;
  nonce?: string;
  /** Sign with this key instead of the identity key (fingerprint still of the identity key). */
  signingKey?: Ed25519Key;
  /** Override the fingerprint header. */
  fingerprint?: string;
}

/** Signed evidence submission body. */
export interface EvidenceBody {
  site_id: string;
  checked_at: string;
  checks: unknown[];
  summary: Record<string, unknown>;
  bundle_hash: string;
  agent_signature: string;
  agent_public_key: string;
  signed_data: string;
}

/** One record for `TestAppliance.deliveryBody`: its chain position and content. */
export interface DeliveryRecordInput {
  seq: number;
  record: Record<string, unknown>;
}

/** See the module comment. */
export class TestAppliance {
  apiKey: string;
  readonly siteId: string;
  readonly macAddress: string;
  readonly hostname: string;
  readonly agentVersion: string;
  readonly identity: Ed25519Key;
  readonly evidence: Ed25519Key;
  readonly encryption: nacl.BoxKeyPair = nacl.box.keyPair();
  readonly #baseUrl: string;
  readonly #fetch: (request: Request) => Response | Promise<Response>;
  readonly #now: () => number;

  constructor(options: TestApplianceOptions) {
    this.siteId = options.siteId;
    this.apiKey = options.apiKey;
    this.macAddress = options.macAddress ?? "52:54:00:12:34:56";
    this.hostname = options.hostname ?? "appliance-test";
    this.agentVersion = options.agentVersion ?? "0.1.0-test";
    this.identity = ed25519Key(options.identitySeed);
    this.evidence = ed25519Key(options.evidenceSeed);
    this.#baseUrl = options.baseUrl ?? "http://cc.test";
    this.#fetch = options.fetch ?? ((request) => fetch(request));
    this.#now = options.now ?? Date.now;
  }

  /** `{site_id}-{MAC}`, as CC names this appliance. */
  get applianceId(): string {
    return `${this.siteId}-${this.macAddress}`;
  }

  /** Sigauth fingerprint of the identity key. */
  get fingerprint(): string {
    return fingerprintOf(this.identity.publicKey);
  }

  /** A complete, valid check-in body; `overrides` replace fields (the heartbeat follows them). */
  checkinBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const unixSeconds = Math.floor(this.#now() / 1000);
    const body: Record<string, unknown> = {
      site_id: this.siteId,
      hostname: this.hostname,
      mac_address: this.macAddress,
      all_mac_addresses: [this.macAddress],
      ip_addresses: ["192.168.1.50"],
      uptime_seconds: 3600,
      agent_version: this.agentVersion,
      nixos_version: "24.11",
      boot_source: "installed_disk",
      agent_public_key: this.evidence.publicKeyHex,
      agent_identity_public_key: this.identity.publicKeyHex,
      heartbeat_timestamp: unixSeconds,
      encryption_public_key: bytesToHex(this.encryption.publicKey),
      daemon_health: { heap_alloc_mb: 12, uptime_seconds_daemon: 60 },
      has_local_credentials: false,
      ...overrides,
    };
    if (!("heartbeat_signature" in overrides)) {
      const at = typeof body.heartbeat_timestamp === "number" ? body.heartbeat_timestamp : unixSeconds;
      const digest = heartbeatDigest(String(body.site_id), String(body.mac_address), at, String(body.agent_version));
      body.heartbeat_signature = bytesToHex(this.evidence.sign(digest));
    }
    return body;
  }

  /** The four sigauth headers for one request. */
  sigauthHeaders(method: string, path: string, body: string, options: SendOptions = {}): Record<string, string> {
    const timestamp = options.timestamp ?? sigauthTimestamp(this.#now());
    const nonce = options.nonce ?? randomHex(16);
    const message = canonicalRequestBytes(method, path, utf8ToBytes(body), timestamp, nonce);
    return {
      "X-Appliance-Signature": base64UrlEncode((options.signingKey ?? this.identity).sign(message)),
      "X-Appliance-Timestamp": timestamp,
      "X-Appliance-Nonce": nonce,
      "X-Appliance-Pubkey-Fingerprint": options.fingerprint ?? this.fingerprint,
    };
  }

  /** A ready `Request`: JSON body (or none), bearer and sigauth as `options` say. */
  request(method: string, pathAndQuery: string, body?: unknown, options: SendOptions = {}): Request {
    const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
    const path = pathAndQuery.split("?")[0]!;
    const headers: Record<string, string> = {
      ...(text ? { "Content-Type": "application/json" } : {}),
      ...(options.sign === false ? {} : this.sigauthHeaders(method, path, text, options)),
    };
    const bearer = options.bearer === undefined ? this.apiKey : options.bearer;
    if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
    return new Request(`${this.#baseUrl}${pathAndQuery}`, { method, headers, ...(text ? { body: text } : {}) });
  }

  /** Sends `request(...)` and returns the response. */
  async send(method: string, pathAndQuery: string, body?: unknown, options?: SendOptions): Promise<Response> {
    return this.#fetch(this.request(method, pathAndQuery, body, options));
  }

  /** One check-in; adopts `rotated_api_key` when CC sends one, as the agent must. */
  async checkin(
    overrides?: Record<string, unknown>,
    options?: SendOptions,
  ): Promise<{ status: number; json: Record<string, any> }> {
    const response = await this.send("POST", "/api/appliances/checkin", this.checkinBody(overrides), options);
    const json = (await response.json()) as Record<string, any>;
    if (response.status === 200 && typeof json.rotated_api_key === "string") this.apiKey = json.rotated_api_key;
    return { status: response.status, json };
  }

  /** `POST /api/provision/rekey` (no bearer); adopts the new key on success. */
  async rekey(): Promise<{ status: number; json: Record<string, any> }> {
    const body = { site_id: this.siteId, mac_address: this.macAddress, hostname: this.hostname };
    const response = await this.send("POST", "/api/provision/rekey", body, { bearer: null, sign: false });
    const json = (await response.json()) as Record<string, any>;
    if (response.status === 200 && typeof json.api_key === "string") this.apiKey = json.api_key;
    return { status: response.status, json };
  }

  /** A signed evidence body; `checkedAtMs` defaults to now. */
  evidenceBody({ checkedAtMs = this.#now(), checks }: { checkedAtMs?: number; checks?: unknown[] } = {}): EvidenceBody {
    const bundleChecks = checks ?? [{ check: "linux_firewall", hostname: "host-1", status: "pass" }];
    const passing = bundleChecks.filter((c) => (c as { status?: string }).status === "pass").length;
    const content = {
      checked_at: sigauthTimestamp(checkedAtMs),
      checks: bundleChecks,
      site_id: this.siteId,
      summary: {
        compliant: passing,
        confidence: 1,
        non_compliant: bundleChecks.length - passing,
        scan_method: "deterministic",
        scanned_hosts: 1,
        total_checks: bundleChecks.length,
      },
    };
    const signedData = JSON.stringify(content);
    return {
      ...content,
      bundle_hash: sha256Hex(signedData),
      agent_signature: bytesToHex(this.evidence.sign(utf8ToBytes(signedData))),
      agent_public_key: this.evidence.publicKeyHex,
      signed_data: signedData,
    };
  }
}

/**
 * A compliance-agent delivery (`signed_data` of type `compliance-agent/delivery/v1`) carrying
 * `records`, each hashed and signed on its own, the whole signed with the evidence key — built
 * here, independently of the agent's code. `signWith` signs with another key (and sends its
 * public key), as an appliance whose evidence key CC did not register would.
 */
export function deliveryBody(
  appliance: TestAppliance,
  {
    records,
    checkedAtMs,
    signWith = appliance.evidence,
  }: { records: DeliveryRecordInput[]; checkedAtMs: number; signWith?: Ed25519Key },
): EvidenceBody {
  const checkedAt = sigauthTimestamp(checkedAtMs);
  const entries = records.map(({ seq, record }) => {
    const text = jcs(record);
    return { seq, hash: sha256Hex(text), signature: bytesToHex(signWith.sign(utf8ToBytes(text))), record };
  });
  const signedData = jcs({
    type: "compliance-agent/delivery/v1",
    site_id: appliance.siteId,
    checked_at: checkedAt,
    agent_public_key: signWith.publicKeyHex,
    records: entries,
  });
  return {
    site_id: appliance.siteId,
    checked_at: checkedAt,
    checks: [],
    summary: { total_checks: 0, compliant: 0, non_compliant: 0, scanned_hosts: 0, scan_method: "deterministic", confidence: 1 },
    bundle_hash: sha256Hex(signedData),
    agent_signature: bytesToHex(signWith.sign(utf8ToBytes(signedData))),
    agent_public_key: signWith.publicKeyHex,
    signed_data: signedData,
  };
}

/**
 * RFC 8785 for the plain data tests build (strings, safe integers, booleans, null, arrays,
 * objects): JSON.stringify's strings and numbers, members sorted by UTF-16 code units.
 */
function jcs(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jcs).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${jcs((value as Record<string, unknown>)[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Builds a `TestAppliance`. */
export function createTestAppliance(options: TestApplianceOptions): TestAppliance {
  return new TestAppliance(options);
}

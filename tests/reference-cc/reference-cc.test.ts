import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nacl from "tweetnacl";
import { bytesToHex, ed25519Key, hexToBytes, sha256Hex, utf8ToBytes, verifyEd25519 } from "./crypto.ts";
import { heartbeatDigest } from "./heartbeat.ts";
import {
  canonicalRequestBytes,
  createReferenceCC,
  createTestAppliance,
  pythonJsonDumps,
  startReferenceCC,
  type CreateReferenceCCOptions,
  type OrderEnvelope,
} from "./index.ts";

const SITE = "site-a";
const KEY = "initial-key-for-site-a-0000000000000000000000";
const START = Date.UTC(2026, 10, 23, 10, 0, 0, 123);
const CHECKIN = "/api/appliances/checkin";

/** A CC on `app.request()` and an appliance client, both on one hand-moved clock. */
function setup(options: Partial<CreateReferenceCCOptions> = {}) {
  const clock = { ms: START };
  const now = () => clock.ms;
  const { app, state } = createReferenceCC({ sites: { [SITE]: { apiKey: KEY } }, now, ...options });
  const appliance = createTestAppliance({ siteId: SITE, apiKey: KEY, now, fetch: (r) => app.request(r) });
  return { app, state, appliance, clock };
}

async function json(response: Response): Promise<Record<string, any>> {
  return (await response.json()) as Record<string, any>;
}

describe("sigauth canonical bytes", () => {
  test("are METHOD, path, body hash, timestamp and nonce joined by newlines, no trailing newline", () => {
    const body = utf8ToBytes('{"a":1}');
    const bytes = canonicalRequestBytes("post", "/api/appliances/checkin", body, "2026-11-23T10:00:00Z", "0".repeat(32));
    expect(new TextDecoder().decode(bytes)).toBe(
      `POST\n/api/appliances/checkin\n${sha256Hex('{"a":1}')}\n2026-11-23T10:00:00Z\n${"0".repeat(32)}`,
    );
  });
});

describe("POST /api/appliances/checkin", () => {
  test("accepts a correctly signed check-in and rotates the key exactly once", async () => {
    const { state, appliance } = setup();
    const first = await appliance.checkin();
    expect(first.status).toBe(200);
    expect(first.json.rotated_api_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(appliance.apiKey).toBe(first.json.rotated_api_key);
    expect(state.activeKeys(SITE)).toEqual([first.json.rotated_api_key]);

    const second = await appliance.checkin();
    expect(second.status).toBe(200);
    expect(second.json.rotated_api_key).toBeUndefined();

    const withOldKey = await appliance.checkin(undefined, { bearer: KEY });
    expect(withOldKey).toEqual({ status: 401, json: { detail: "Invalid or revoked API key" } });
    expect(state.acceptedCheckins.map((c) => [c.sigauthValid, c.heartbeatValid, c.bearer])).toEqual([
      [true, true, KEY],
      [true, true, first.json.rotated_api_key],
    ]);
  });

  test("answers every documented field, with Python server_time and [current, previous] keys", async () => {
    const { state, appliance } = setup({ rotateOnFirstCheckin: false });
    const { status, json: body } = await appliance.checkin();
    expect(status).toBe(200);
    const [current, previous] = state.serverPublicKeys;
    expect(body).toMatchObject({
      status: "ok",
      appliance_id: `${SITE}-52:54:00:12:34:56`,
      server_time: "2026-11-23T10:00:00.123000+00:00",
      server_public_key: current,
      server_public_keys: [current, previous],
      pending_orders: [],
      windows_targets: [],
      linux_targets: [],
      encrypted_credentials: null,
      enabled_runbooks: [],
      disabled_checks: [],
      maintenance_until: null,
      billing_hold: false,
      l2_confidence_threshold: 0.8,
      trigger_immediate_scan: false,
      pending_deploys: [],
    });
    expect(body.rotated_api_key).toBeUndefined();
  });

  test("refuses a replayed nonce with 401", async () => {
    const { state, appliance } = setup();
    const nonce = "ab".repeat(16);
    expect((await appliance.checkin(undefined, { nonce })).status).toBe(200);
    const replay = await appliance.checkin(undefined, { nonce });
    expect(replay).toEqual({ status: 401, json: { detail: "SIGAUTH_ENFORCE_REJECTED: nonce-replayed" } });
    expect(state.sigauthRejections.map((r) => r.reason)).toEqual(["nonce-replayed"]);
  });

  test.each([
    // The clock is at .123 s and sigauth timestamps are whole seconds: -61 s is 61.123 s of skew.
    ["61 s behind", 401, -61_000],
    ["61 s ahead", 401, 61_000],
    ["59 s behind", 200, -59_000],
    ["60 s ahead", 200, 60_000],
  ])("a timestamp %s gets %i", async (_label, expected, skewMs) => {
    const { appliance, clock } = setup();
    const timestamp = new Date(Math.floor((clock.ms + skewMs) / 1000) * 1000).toISOString().replace(".000Z", "Z");
    const result = await appliance.checkin(undefined, { timestamp });
    expect(result.status).toBe(expected);
    if (expected === 401) expect(result.json.detail).toBe("SIGAUTH_ENFORCE_REJECTED: timestamp-skew");
  });

  test.each([
    ["no sigauth headers", { sign: false }, "missing-headers"],
    ["a signature by another key", { signingKey: ed25519Key() }, "bad-signature"],
    ["a fingerprint of another key", { fingerprint: "0123456789abcdef" }, "fingerprint-mismatch"],
    ["an upper-case nonce", { nonce: "AB".repeat(16) }, "malformed-nonce"],
    ["a millisecond timestamp", { timestamp: "2026-11-23T10:00:00.123Z" }, "malformed-timestamp"],
  ] as const)("refuses %s with 401 and records the reason", async (_label, options, reason) => {
    const { state, appliance } = setup();
    const result = await appliance.checkin(undefined, options);
    expect(result).toEqual({ status: 401, json: { detail: `SIGAUTH_ENFORCE_REJECTED: ${reason}` } });
    expect(state.sigauthRejections).toMatchObject([{ reason, enforced: true }]);
    expect(state.checkins).toMatchObject([{ status: 401, sigauthValid: false, sigauthReason: reason }]);
    expect(state.appliances.size).toBe(0);
  });

  test("verifies later check-ins against the identity key registered first", async () => {
    const { app, appliance } = setup({ rotateOnFirstCheckin: false });
    expect((await appliance.checkin()).status).toBe(200);
    // Same MAC, new identity key: what an agent that silently regenerated its key looks like.
    const impostor = createTestAppliance({ siteId: SITE, apiKey: KEY, now: () => START, fetch: (r) => app.request(r) });
    const result = await impostor.checkin();
    expect(result).toEqual({ status: 401, json: { detail: "SIGAUTH_ENFORCE_REJECTED: fingerprint-mismatch" } });
  });

  test("in observe mode lets a bad signature through and records it", async () => {
    const { state, appliance } = setup({ sigauthEnforce: false });
    expect((await appliance.checkin(undefined, { sign: false })).status).toBe(200);
    expect(state.checkins).toMatchObject([{ status: 200, sigauthValid: false, sigauthReason: "missing-headers" }]);
    expect(state.sigauthRejections).toMatchObject([{ reason: "missing-headers", enforced: false }]);
  });

  test("refuses an unknown bearer key with 401", async () => {
    const { appliance } = setup();
    expect(await appliance.checkin(undefined, { bearer: "not-a-key" })).toEqual({
      status: 401,
      json: { detail: "Invalid or revoked API key" },
    });
    expect(await appliance.checkin(undefined, { bearer: null })).toEqual({
      status: 401,
      json: { detail: "Invalid or revoked API key" },
    });
  });

  test("refuses a revoked key with 401", async () => {
    const { state, appliance } = setup();
    state.revokeKey(KEY);
    expect((await appliance.checkin()).status).toBe(401);
  });

  test("refuses a body site_id other than the key's site with 403", async () => {
    const { state, appliance } = setup();
    state.addApiKey("site-b");
    const result = await appliance.checkin({ site_id: "site-b" });
    expect(result).toEqual({ status: 403, json: { detail: "site_id does not match the API key's site" } });
  });

  test("lists every malformed field in a 422", async () => {
    const { appliance } = setup();
    const result = await appliance.checkin({
      mac_address: "52:54:00:ab:cd:ef",
      uptime_seconds: 1.5,
      boot_source: "usb",
      agent_identity_public_key: appliance.evidence.publicKeyHex,
      has_local_credentials: true,
      daemon_health: [],
      heartbeat_timestamp: "now",
      ip_addresses: undefined,
    });
    expect(result.status).toBe(422);
    expect(result.json.detail.map((e: { loc: string[] }) => e.loc[1]).sort()).toEqual([
      "agent_identity_public_key",
      "boot_source",
      "daemon_health",
      "has_local_credentials",
      "heartbeat_timestamp",
      "ip_addresses",
      "mac_address",
      "uptime_seconds",
    ]);
  });

  test("records the heartbeat verdict without refusing the check-in", async () => {
    const { state, appliance, clock } = setup({ rotateOnFirstCheckin: false });
    // Stated timestamp.
    await appliance.checkin();
    // No timestamp: CC searches ±60 s around now.
    const at = Math.floor(clock.ms / 1000) - 45;
    const digest = heartbeatDigest(SITE, appliance.macAddress, at, appliance.agentVersion);
    await appliance.checkin({ heartbeat_timestamp: undefined, heartbeat_signature: bytesToHex(appliance.evidence.sign(digest)) });
    // Signed by the identity key instead of the evidence key.
    const wrongKey = bytesToHex(appliance.identity.sign(heartbeatDigest(SITE, appliance.macAddress, at, appliance.agentVersion)));
    await appliance.checkin({ heartbeat_timestamp: at, heartbeat_signature: wrongKey });
    // Stated timestamp that is not the one signed.
    await appliance.checkin({ heartbeat_timestamp: at + 1, heartbeat_signature: bytesToHex(appliance.evidence.sign(digest)) });
    expect(state.checkins.map((c) => [c.status, c.heartbeatValid])).toEqual([
      [200, true],
      [200, true],
      [200, false],
      [200, false],
    ]);
  });

  test("seals configured targets to the appliance's X25519 key and empties the plaintext arrays", async () => {
    const windows = [{ hostname: "dc1", username: "ADMIN\\svc", password: "pässword", use_ssl: true, role: "domain_admin" as const }];
    const linux = [{ hostname: "10.0.0.5", port: 22, username: "root", password: "pw", sudo_password: "pw" }];
    const { appliance } = setup({ sites: { [SITE]: { apiKey: KEY, windowsTargets: windows, linuxTargets: linux } } });
    const { json: body } = await appliance.checkin();
    expect(body.windows_targets).toEqual([]);
    expect(body.linux_targets).toEqual([]);
    const { ephemeral_public_key, nonce, ciphertext } = body.encrypted_credentials;
    expect(hexToBytes(nonce)).toHaveLength(24);
    const plain = nacl.box.open(hexToBytes(ciphertext), hexToBytes(nonce), hexToBytes(ephemeral_public_key), appliance.encryption.secretKey);
    expect(plain).not.toBeNull();
    expect(JSON.parse(new TextDecoder().decode(plain!))).toEqual({ windows_targets: windows, linux_targets: linux });
  });

  test("clears trigger_immediate_scan once delivered", async () => {
    const { state, appliance } = setup({ rotateOnFirstCheckin: false });
    state.configureSite(SITE, { triggerImmediateScan: true });
    expect((await appliance.checkin()).json.trigger_immediate_scan).toBe(true);
    expect((await appliance.checkin()).json.trigger_immediate_scan).toBe(false);
  });
});

describe("orders", () => {
  test("an envelope's signature verifies over signed_payload, which is Python json.dumps", async () => {
    const { state, appliance } = setup({ rotateOnFirstCheckin: false });
    const queued = state.queueOrder({
      order_type: "view_logs",
      parameters: { lines: 50, note: "café" },
      target_appliance_id: appliance.applianceId,
    });
    const { json: body } = await appliance.checkin();
    const [envelope] = body.pending_orders as OrderEnvelope[];
    expect(envelope).toEqual(queued);
    const payload = envelope!.signed_payload!;
    expect(payload).toBe(
      `{"created_at": "${envelope!.created_at}", "expires_at": "${envelope!.expires_at}", ` +
        `"nonce": "${envelope!.nonce}", "order_id": "${envelope!.order_id}", "order_type": "view_logs", ` +
        `"parameters": {"lines": 50, "note": "caf\\u00e9"}, "signing_pubkey_hex": "${body.server_public_key}", ` +
        `"target_appliance_id": "${appliance.applianceId}"}`,
    );
    expect(envelope!.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(verifiesWith(envelope!, body.server_public_key)).toBe(true);
    expect(envelope!.created_at).toBe("2026-11-23T10:00:00.123000+00:00");
    expect(envelope!.expires_at).toBe("2026-11-23T10:15:00.123000+00:00");
  });

  // What an agent can observe about each delivered envelope; a valid order is all-true.
  const VALID = { hexSignature: true, verifies: true, announcedSigner: true, sameParameters: true, sameType: true, live: true, forUs: true };
  test.each([
    ["bad-signature", { ...VALID, verifies: false }],
    ["unknown-key", { ...VALID, verifies: false, announcedSigner: false }],
    ["parameters-differ", { ...VALID, sameParameters: false }],
    ["order-type-differs", { ...VALID, sameType: false }],
    ["expired", { ...VALID, live: false }],
    ["other-target", { ...VALID, forUs: false }],
    ["base64-signature", { ...VALID, hexSignature: false, verifies: false }],
  ] as const)("tamper %s is delivered with exactly that defect", async (tamper, expected) => {
    const { state, appliance, clock } = setup({ rotateOnFirstCheckin: false });
    state.queueOrder({ order_type: "force_checkin", parameters: { a: 1 }, target_appliance_id: appliance.applianceId, tamper });
    const { json: body } = await appliance.checkin();
    expect(body.pending_orders).toHaveLength(1);
    const envelope = body.pending_orders[0] as OrderEnvelope;
    const payload = signed(envelope);
    expect({
      hexSignature: /^[0-9a-f]{128}$/.test(envelope.signature!),
      verifies: verifiesWithAny(envelope, body.server_public_keys),
      announcedSigner: body.server_public_keys.includes(payload.signing_pubkey_hex),
      sameParameters: JSON.stringify(envelope.parameters) === JSON.stringify(payload.parameters),
      sameType: envelope.order_type === payload.order_type,
      live: Date.parse(payload.expires_at) > clock.ms,
      forUs: payload.target_appliance_id === appliance.applianceId,
    }).toEqual(expected);
  });

  test("tamper unsigned delivers null signature and signed_payload", async () => {
    const { state, appliance } = setup({ rotateOnFirstCheckin: false });
    state.queueOrder({ order_type: "force_checkin", tamper: "unsigned" });
    const [envelope] = (await appliance.checkin()).json.pending_orders as OrderEnvelope[];
    expect([envelope!.signature, envelope!.signed_payload]).toEqual([null, null]);
  });

  test("replayed-nonce signs a new order validly with the previous order's nonce", async () => {
    const { state } = setup();
    const original = state.queueOrder({ order_type: "force_checkin" });
    const copy = state.queueOrder({ order_type: "force_checkin", tamper: "replayed-nonce" });
    expect(copy.nonce).toBe(original.nonce);
    expect(copy.order_id).not.toBe(original.order_id);
    expect(verifiesWithAny(copy, state.serverPublicKeys)).toBe(true);
  });

  test("signWith previous signs with the announced previous key", () => {
    const { state } = setup();
    const envelope = state.queueOrder({ order_type: "force_checkin", signWith: "previous" });
    const [current, previous] = state.serverPublicKeys;
    expect(verifiesWith(envelope, previous)).toBe(true);
    expect(verifiesWith(envelope, current)).toBe(false);
  });

  test("pending orders are delivered until completed, and the fleet fallback returns the same envelopes", async () => {
    const { state, appliance } = setup({ rotateOnFirstCheckin: false });
    const low = state.queueOrder({ order_type: "force_checkin" });
    const high = state.queueOrder({ order_type: "sync_rules", priority: 5 });
    state.queueOrder({ order_type: "force_checkin", target_appliance_id: "site-a-02:00:00:00:00:01" });
    const pendingIds = async () => ((await appliance.checkin()).json.pending_orders as OrderEnvelope[]).map((o) => o.order_id);
    expect(await pendingIds()).toEqual([high.order_id, low.order_id]);

    const fleet = await json(await appliance.send("GET", `/api/fleet/orders/pending?appliance_id=${appliance.applianceId}`));
    expect(fleet).toEqual({ orders: [high, low] });

    const done = await appliance.send("POST", `/api/orders/${high.order_id}/complete`, { success: true, result: { ok: 1 } });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ status: "ok" });
    expect(await pendingIds()).toEqual([low.order_id]);
    expect(state.completions).toMatchObject([{ order_id: high.order_id, success: true, result: { ok: 1 } }]);

    state.redeliverOrder(high.order_id);
    expect(await pendingIds()).toEqual([high.order_id, low.order_id]);
  });

  test("completing an unknown order is 404; a body without success is 422", async () => {
    const { appliance } = setup({ rotateOnFirstCheckin: false });
    const unknown = await appliance.send("POST", "/api/orders/nope/complete", { success: false, error_message: "x" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: "Order not found" });
    expect((await appliance.send("POST", "/api/orders/nope/complete", { result: {} })).status).toBe(422);
  });

  test("an order stops being delivered when it expires", async () => {
    const { state, appliance, clock } = setup({ rotateOnFirstCheckin: false });
    state.queueOrder({ order_type: "force_checkin", ttlSeconds: 60 });
    expect((await appliance.checkin()).json.pending_orders).toHaveLength(1);
    clock.ms += 60_000;
    expect((await appliance.checkin()).json.pending_orders).toEqual([]);
  });

  test("billing_hold strips pending_orders", async () => {
    const { state, appliance } = setup({ rotateOnFirstCheckin: false });
    state.queueOrder({ order_type: "force_checkin" });
    state.configureSite(SITE, { billingHold: true });
    const { json: body } = await appliance.checkin();
    expect([body.billing_hold, body.pending_orders]).toEqual([true, []]);
  });
});

describe("POST /api/provision/rekey", () => {
  test("issues a key once, revokes the appliance's old keys, then answers 429 within the hour", async () => {
    const { state, appliance, clock } = setup();
    await appliance.checkin();
    const rotated = appliance.apiKey;
    const first = await appliance.rekey();
    expect(first).toEqual({
      status: 200,
      json: { status: "rekeyed", api_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), appliance_id: appliance.applianceId },
    });
    expect(state.activeKeys(SITE)).toEqual([first.json.api_key]);
    expect((await appliance.checkin(undefined, { bearer: rotated })).status).toBe(401);
    expect((await appliance.checkin()).status).toBe(200);

    expect(await appliance.rekey()).toEqual({ status: 429, json: { detail: "rekey rate limited" } });
    clock.ms += 60 * 60 * 1000;
    expect((await appliance.rekey()).status).toBe(200);
    expect(state.rekeys.map((r) => r.status)).toEqual([200, 429, 200]);
  });

  test("the rate limit can be switched off for tests", async () => {
    const { appliance } = setup({ rekeyRateLimit: false });
    await appliance.checkin();
    expect((await appliance.rekey()).status).toBe(200);
    expect((await appliance.rekey()).status).toBe(200);
  });

  test("an unknown site is 404", async () => {
    const { app } = setup();
    const stranger = createTestAppliance({ siteId: "nowhere", apiKey: "x", fetch: (r) => app.request(r) });
    expect(await stranger.rekey()).toEqual({ status: 404, json: { detail: "Site not found" } });
  });
});

describe("POST /api/evidence/sites/{site_id}/submit", () => {
  const path = `/api/evidence/sites/${SITE}/submit`;

  test("chains a good bundle, dedupes a resubmission, links the next one", async () => {
    const { state, appliance, clock } = setup({ rotateOnFirstCheckin: false });
    await appliance.checkin();
    const bundle = appliance.evidenceBody();
    const first = await json(await appliance.send("POST", path, bundle));
    expect(first).toEqual({
      bundle_id: expect.stringMatching(/^CB-2026-11-23-[0-9a-f]{8}$/),
      bundle_hash: bundle.bundle_hash,
      chain_position: 1,
      prev_hash: "0".repeat(64),
      current_hash: sha256Hex(`${bundle.bundle_hash}:${"0".repeat(64)}:1`),
      ots_status: "pending",
      ots_submitted: false,
    });
    const again = await json(await appliance.send("POST", path, bundle));
    expect(again).toMatchObject({ status: "accepted", deduplicated: true, bundle_id: first.bundle_id });

    clock.ms += 1000;
    const next = appliance.evidenceBody({ checks: [{ check: "linux_ssh_config", hostname: "h", status: "fail" }] });
    expect(await json(await appliance.send("POST", path, next))).toMatchObject({ chain_position: 2, prev_hash: bundle.bundle_hash });
    expect(state.bundles).toHaveLength(2);
  });

  test.each([
    ["more than 1 h old", -3_601_000, "checked_at is more than 1 hour old"],
    ["more than 2 min ahead", 121_000, "checked_at is more than 2 minutes in the future"],
  ])("refuses checked_at %s with 400", async (_label, offsetMs, detail) => {
    const { appliance, clock } = setup();
    const response = await appliance.send("POST", path, appliance.evidenceBody({ checkedAtMs: clock.ms + offsetMs }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail });
  });

  test("refuses a hash that is not of signed_data (400) and a bad signature (401)", async () => {
    const { appliance } = setup();
    const bundle = appliance.evidenceBody();
    const wrongHash = await appliance.send("POST", path, { ...bundle, bundle_hash: sha256Hex("other") });
    expect([wrongHash.status, await wrongHash.json()]).toEqual([400, { detail: "bundle_hash does not match signed_data" }]);
    const forged = bytesToHex(appliance.identity.sign(utf8ToBytes(bundle.signed_data)));
    const badSig = await appliance.send("POST", path, { ...bundle, agent_signature: forged });
    expect([badSig.status, await badSig.json()]).toEqual([401, { detail: "Invalid agent signature" }]);
  });

  test("refuses another site's path with 403", async () => {
    const { appliance } = setup();
    expect((await appliance.send("POST", "/api/evidence/sites/site-b/submit", appliance.evidenceBody())).status).toBe(403);
  });
});

describe("failure injection and recording", () => {
  test("failNext answers the given status to the next n requests of a route, before CC acts", async () => {
    const { state, appliance } = setup();
    state.failNext(2, 502, "checkin");
    expect((await appliance.checkin()).status).toBe(502);
    expect((await appliance.send("GET", `/api/fleet/orders/pending?appliance_id=${appliance.applianceId}`)).status).toBe(200);
    expect((await appliance.checkin()).status).toBe(502);
    expect(state.activeKeys(SITE)).toEqual([KEY]);
    expect((await appliance.checkin()).status).toBe(200);
  });

  test("an after-phase failure loses the answer of a check-in CC already acted on", async () => {
    const { state, appliance } = setup();
    state.failNext(1, 500, { route: "checkin", phase: "after" });
    expect((await appliance.checkin()).status).toBe(500);
    // The rotation happened, but the appliance never learned the new key.
    expect(state.activeKeys(SITE)).not.toContain(KEY);
    expect((await appliance.checkin()).status).toBe(401);
  });

  test("down() answers 503 to everything until up()", async () => {
    const { state, appliance } = setup();
    state.down();
    expect((await appliance.checkin()).status).toBe(503);
    expect((await appliance.rekey()).status).toBe(503);
    state.up();
    expect((await appliance.checkin()).status).toBe(200);
  });

  test("setLatency delays a route's answers", async () => {
    const { state, appliance } = setup();
    state.setLatency("checkin", 60);
    const started = performance.now();
    await appliance.checkin();
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  test("records every request with its status, and verifies sigauth on other calls without enforcing", async () => {
    const { state, appliance } = setup({ rotateOnFirstCheckin: false });
    await appliance.checkin();
    await appliance.send("GET", `/api/fleet/orders/pending?appliance_id=${appliance.applianceId}`);
    await appliance.send("GET", `/api/fleet/orders/pending?appliance_id=${appliance.applianceId}`, undefined, {
      signingKey: ed25519Key(),
    });
    expect(state.requests.map((r) => [r.route, r.status, r.sigauth?.ok])).toEqual([
      ["checkin", 200, undefined],
      ["fleet-orders", 200, true],
      ["fleet-orders", 200, false],
    ]);
    expect(state.requests[0]!.body).toMatchObject({ site_id: SITE });
    expect(state.requests[1]!.query).toBe(`appliance_id=${appliance.applianceId}`);
  });

  test("waitFor resolves with the first truthy probe and times out with a message", async () => {
    const { state, appliance } = setup();
    const pending = state.waitFor((s) => s.acceptedCheckins[0]);
    void appliance.checkin();
    expect((await pending).status).toBe(200);
    await expect(state.waitFor((s) => s.rekeys.length > 0, 30)).rejects.toThrow(
      "Timed out after 30 ms waiting for a reference CC state condition",
    );
  });
});

describe("startReferenceCC", () => {
  test("serves over a real socket, refuses connections when stopped, and comes back on the same port", async () => {
    const cc = await startReferenceCC({ sites: { [SITE]: { apiKey: KEY } } });
    try {
      expect(cc.url).toBe(`http://127.0.0.1:${cc.port}`);
      const appliance = createTestAppliance({ siteId: SITE, apiKey: KEY, baseUrl: cc.url });
      expect((await appliance.checkin()).status).toBe(200);
      await cc.state.waitFor((s) => s.acceptedCheckins.length === 1);

      await cc.stop();
      await expect(appliance.checkin()).rejects.toThrow();
      await cc.restart();
      const again = await appliance.checkin();
      expect([again.status, again.json.rotated_api_key]).toEqual([200, undefined]);
      expect(cc.state.acceptedCheckins).toHaveLength(2);
    } finally {
      await cc.stop();
    }
  });
});

describe("startReferenceCC with tls", () => {
  test.skipIf(!Bun.which("openssl"))("serves HTTPS with the given PEM certificate and key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reference-cc-tls-"));
    try {
      const made = Bun.spawnSync([
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      ]);
      expect(made.exitCode).toBe(0);
      const cert = readFileSync(join(dir, "cert.pem"), "utf8");
      const cc = await startReferenceCC({
        sites: { [SITE]: { apiKey: KEY } },
        tls: { cert, key: readFileSync(join(dir, "key.pem"), "utf8") },
      });
      try {
        expect(cc.url).toBe(`https://127.0.0.1:${cc.port}`);
        const appliance = createTestAppliance({
          siteId: SITE,
          apiKey: KEY,
          baseUrl: cc.url,
          fetch: (request) => fetch(request, { tls: { ca: cert } }),
        });
        expect((await appliance.checkin()).status).toBe(200);
      } finally {
        await cc.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("main.ts", () => {
  test("prints its URL, logs requests as JSON lines, and exits 0 on SIGTERM", async () => {
    const proc = Bun.spawn([process.execPath, `${import.meta.dir}/main.ts`, "--site-id", SITE, "--api-key", KEY], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const lines = readLines(proc.stdout);
    try {
      const { url } = JSON.parse(await lines.next()) as { url: string };
      const appliance = createTestAppliance({ siteId: SITE, apiKey: KEY, baseUrl: url });
      expect((await appliance.checkin()).status).toBe(200);
      const logged = JSON.parse(await lines.next()) as Record<string, unknown>;
      expect(logged).toMatchObject({ method: "POST", path: CHECKIN, status: 200, bearer: "Bearer init…" });
      expect(JSON.stringify(logged)).not.toContain(KEY);
    } finally {
      proc.kill("SIGTERM");
    }
    expect(await proc.exited).toBe(0);
  });
});

/** Lines of a byte stream, one `next()` at a time. */
function readLines(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return {
    async next(): Promise<string> {
      for (;;) {
        const newline = buffered.indexOf("\n");
        if (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          return line;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before a full line (got "${buffered}")`);
        buffered += decoder.decode(value, { stream: true });
      }
    },
  };
}

function signed(envelope: OrderEnvelope): Record<string, any> {
  return JSON.parse(envelope.signed_payload!) as Record<string, any>;
}

function verifiesWith(envelope: OrderEnvelope, publicKeyHex: string): boolean {
  if (!envelope.signature || !envelope.signed_payload || !/^[0-9a-f]{128}$/.test(envelope.signature)) return false;
  return verifyEd25519(hexToBytes(envelope.signature), utf8ToBytes(envelope.signed_payload), hexToBytes(publicKeyHex));
}

function verifiesWithAny(envelope: OrderEnvelope, keys: readonly string[]): boolean {
  return keys.some((k) => verifiesWith(envelope, k));
}

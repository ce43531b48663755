/**
 * `POST /api/appliances/checkin`: validate, enforce sigauth, record the heartbeat verdict,
 * rotate the key on first contact, and answer with orders, keys and sealed credentials.
 * @module
 */
import type { Context, Hono } from "hono";
import { parseCheckinBody, type CheckinBody } from "../checkin-body.ts";
import { sealCredentials } from "../credential-envelope.ts";
import { fingerprintOf, hexToBytes } from "../crypto.ts";
import { verifyHeartbeat } from "../heartbeat.ts";
import { JSON_INVALID, type CCEnv } from "../hono-env.ts";
import { pythonIsoformat } from "../python-time.ts";
import type { RecordedCheckin } from "../records.ts";
import { SIGAUTH_HEADERS, verifySigauth, type SigauthVerdict } from "../sigauth.ts";
import type { CCState } from "../state.ts";

/** Mounts the check-in route. */
export function mountCheckin(app: Hono<CCEnv>, state: CCState): void {
  app.post("/api/appliances/checkin", (c) => {
    const parsedJson = c.get("body");
    if (!parsedJson.ok) return c.json(JSON_INVALID, 422);
    const parsed = parseCheckinBody(parsedJson.value);
    if (!parsed.ok) return c.json({ detail: parsed.errors }, 422);
    const body = parsed.body;
    const bearer = c.get("bearer");
    const applianceId = `${bearer.siteId}-${body.mac_address}`;
    const nowMs = state.now();
    const record = (status: number, verdict: SigauthVerdict, extra: Partial<RecordedCheckin> = {}) =>
      state.checkins.push({
        body,
        applianceId,
        bearer: bearer.key,
        sigauthValid: verdict.ok,
        ...(verdict.ok ? {} : { sigauthReason: verdict.reason }),
        heartbeatValid: false,
        status,
        time: nowMs,
        ...extra,
      });

    // CC verifies against the key it registered; only a first check-in brings its own.
    const known = state.appliances.get(applianceId);
    const verdict = verifySigauth({
      method: "POST",
      path: new URL(c.req.url).pathname,
      body: c.get("rawBody"),
      headers: c.req.raw.headers,
      publicKey: hexToBytes(known?.identityPublicKeyHex ?? body.agent_identity_public_key),
      nowMs,
      nonces: state.nonces,
    });
    if (!verdict.ok) {
      state.sigauthRejections.push({
        path: "/api/appliances/checkin",
        reason: verdict.reason,
        fingerprint: c.req.header(SIGAUTH_HEADERS.fingerprint) ?? null,
        enforced: state.sigauthEnforce,
        time: nowMs,
      });
      if (state.sigauthEnforce) {
        record(401, verdict);
        return c.json({ detail: `SIGAUTH_ENFORCE_REJECTED: ${verdict.reason}` }, 401);
      }
    }
    if (body.site_id !== bearer.siteId) {
      record(403, verdict);
      return c.json({ detail: "site_id does not match the API key's site" }, 403);
    }

    // The real CC records a bad heartbeat rather than refusing the check-in.
    const heartbeatValid = verifyHeartbeat(body, nowMs);
    registerAppliance(state, applianceId, body, nowMs);
    state.apiKeys.bind(bearer.key, applianceId);
    let rotatedApiKey: string | undefined;
    if (!known && state.rotateOnFirstCheckin) {
      rotatedApiKey = state.apiKeys.add(bearer.siteId, undefined, applianceId);
      state.apiKeys.revoke(bearer.key);
    }
    record(200, verdict, { heartbeatValid, ...(rotatedApiKey ? { rotatedApiKey } : {}) });
    return respond(c, state, applianceId, body, nowMs, rotatedApiKey);
  });
}

function registerAppliance(state: CCState, applianceId: string, body: CheckinBody, nowMs: number): void {
  const known = state.appliances.get(applianceId);
  if (known) {
    known.lastSeen = nowMs;
    known.evidencePublicKeyHex = body.agent_public_key.toLowerCase();
    return;
  }
  const identity = body.agent_identity_public_key.toLowerCase();
  state.appliances.set(applianceId, {
    applianceId,
    siteId: body.site_id,
    macAddress: body.mac_address,
    identityPublicKeyHex: identity,
    identityFingerprint: fingerprintOf(hexToBytes(identity)),
    evidencePublicKeyHex: body.agent_public_key.toLowerCase(),
    firstSeen: nowMs,
    lastSeen: nowMs,
  });
}

function respond(
  c: Context<CCEnv>,
  state: CCState,
  applianceId: string,
  body: CheckinBody,
  nowMs: number,
  rotatedApiKey: string | undefined,
): Response {
  const config = state.siteConfig(body.site_id);
  const [current, previous] = state.serverPublicKeys;
  const hasTargets = config.windowsTargets.length > 0 || config.linuxTargets.length > 0;
  const seal = hasTargets && typeof body.encryption_public_key === "string";
  const triggerImmediateScan = config.triggerImmediateScan;
  config.triggerImmediateScan = false;

  let response: Record<string, unknown> = {
    status: "ok",
    appliance_id: applianceId,
    server_time: pythonIsoformat(nowMs),
    server_public_key: current,
    server_public_keys: [current, previous],
    merged_duplicates: 0,
    pending_orders: config.billingHold ? [] : state.orders.pendingFor(applianceId, nowMs),
    windows_targets: seal ? [] : config.windowsTargets,
    linux_targets: seal ? [] : config.linuxTargets,
    encrypted_credentials: seal
      ? sealCredentials(
          { windows_targets: config.windowsTargets, linux_targets: config.linuxTargets },
          body.encryption_public_key,
        )
      : null,
    enabled_runbooks: config.enabledRunbooks,
    disabled_checks: config.disabledChecks,
    maintenance_until: config.maintenanceUntil,
    billing_hold: config.billingHold,
    billing_status: config.billingHold ? "hold" : "active",
    l2_confidence_threshold: config.l2ConfidenceThreshold,
    trigger_enumeration: false,
    trigger_immediate_scan: triggerImmediateScan,
    pending_deploys: config.pendingDeploys,
    peer_bundle_hashes: [],
    mesh_peers: [],
    target_assignments: {},
    reconcile_plan: null,
    ...(rotatedApiKey ? { rotated_api_key: rotatedApiKey } : {}),
  };
  if (state.transformCheckinResponse) response = state.transformCheckinResponse(response);
  return c.json(response, 200);
}

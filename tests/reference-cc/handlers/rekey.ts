/**
 * `POST /api/provision/rekey` (no bearer): a new key for a known appliance, identified by
 * site and MAC; its previous keys are deactivated; one rekey per appliance per hour.
 * @module
 */
import type { Hono } from "hono";
import { JSON_INVALID, type CCEnv } from "../hono-env.ts";
import type { CCState } from "../state.ts";

const REKEY_INTERVAL_MS = 60 * 60 * 1000;

/** Mounts the rekey route. */
export function mountRekey(app: Hono<CCEnv>, state: CCState): void {
  app.post("/api/provision/rekey", (c) => {
    const parsed = c.get("body");
    if (!parsed.ok) return c.json(JSON_INVALID, 422);
    const body = (typeof parsed.value === "object" && parsed.value !== null ? parsed.value : {}) as Record<
      string,
      unknown
    >;
    const nowMs = state.now();
    const answer = (status: 200 | 404 | 422 | 429, json: Record<string, unknown>) => {
      state.rekeys.push({
        site_id: body.site_id,
        mac_address: body.mac_address,
        ...("hostname" in body ? { hostname: body.hostname } : {}),
        ...("hardware_id" in body ? { hardware_id: body.hardware_id } : {}),
        status,
        ...(typeof json.api_key === "string" ? { api_key: json.api_key } : {}),
        time: nowMs,
      });
      return c.json(json, status);
    };

    const missing = ["site_id", "mac_address"].filter((f) => typeof body[f] !== "string" || body[f] === "");
    if (missing.length > 0) {
      return answer(422, {
        detail: missing.map((f) => ({ type: "missing", loc: ["body", f], msg: "Field required" })),
      });
    }
    const siteId = body.site_id as string;
    const mac = (body.mac_address as string).toUpperCase();
    if (!state.hasSite(siteId)) return answer(404, { detail: "Site not found" });
    const applianceId = `${siteId}-${mac}`;
    const appliance = state.appliances.get(applianceId);
    if (!appliance) return answer(404, { detail: "Appliance not found" });
    const last = appliance.lastRekeyAt;
    if (state.rekeyRateLimit && last !== undefined && nowMs - last < REKEY_INTERVAL_MS) {
      return answer(429, { detail: "rekey rate limited" });
    }

    state.apiKeys.revokeAppliance(applianceId);
    const apiKey = state.apiKeys.add(siteId, undefined, applianceId);
    appliance.lastRekeyAt = nowMs;
    return answer(200, { status: "rekeyed", api_key: apiKey, appliance_id: applianceId });
  });
}

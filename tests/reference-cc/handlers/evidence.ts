/**
 * `POST /api/evidence/sites/{site_id}/submit`: the evidence intake, scoped to the bearer's site.
 * @module
 */
import type { Hono } from "hono";
import { JSON_INVALID, type CCEnv } from "../hono-env.ts";
import type { CCState } from "../state.ts";

/** Mounts the evidence route. */
export function mountEvidence(app: Hono<CCEnv>, state: CCState): void {
  app.post("/api/evidence/sites/:site_id/submit", (c) => {
    const siteId = c.req.param("site_id");
    const bearer = c.get("bearer");
    if (siteId !== bearer.siteId) return c.json({ detail: "site_id does not match the API key's site" }, 403);
    const parsed = c.get("body");
    if (!parsed.ok) return c.json(JSON_INVALID, 422);
    // The appliance's registered evidence key, when the bearer key belongs to one.
    const appliance = bearer.applianceId ? state.appliances.get(bearer.applianceId) : undefined;
    const outcome = state.evidence.submit(siteId, parsed.value, state.now(), appliance?.evidencePublicKeyHex);
    return c.json(outcome.body, outcome.status);
  });
}

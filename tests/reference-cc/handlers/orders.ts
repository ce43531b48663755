/**
 * The order routes besides check-in: the fleet fallback `GET /api/fleet/orders/pending` and
 * `POST /api/orders/{order_id}/complete`.
 * @module
 */
import type { Hono } from "hono";
import { JSON_INVALID, type CCEnv } from "../hono-env.ts";
import type { CCState } from "../state.ts";

/** Mounts the fleet-pending and completion routes. */
export function mountOrders(app: Hono<CCEnv>, state: CCState): void {
  app.get("/api/fleet/orders/pending", (c) => {
    const applianceId = c.req.query("appliance_id");
    if (!applianceId) {
      return c.json({ detail: [{ type: "missing", loc: ["query", "appliance_id"], msg: "Field required" }] }, 422);
    }
    const bearer = c.get("bearer");
    if (!applianceId.startsWith(`${bearer.siteId}-`)) {
      return c.json({ detail: "appliance_id does not belong to the API key's site" }, 403);
    }
    const held = state.siteConfig(bearer.siteId).billingHold;
    return c.json({ orders: held ? [] : state.orders.pendingFor(applianceId, state.now()) }, 200);
  });

  app.post("/api/orders/:order_id/complete", (c) => {
    const orderId = c.req.param("order_id");
    const parsed = c.get("body");
    if (!parsed.ok) return c.json(JSON_INVALID, 422);
    const body = parsed.value as Record<string, unknown> | null;
    if (typeof body !== "object" || body === null || typeof body.success !== "boolean") {
      return c.json(fieldError("bool_type", "success", "Input should be a valid boolean"), 422);
    }
    if (body.error_message !== undefined && body.error_message !== null && typeof body.error_message !== "string") {
      return c.json(fieldError("string_type", "error_message", "Input should be a valid string"), 422);
    }
    if (!state.orders.complete(orderId)) return c.json({ detail: "Order not found" }, 404);
    state.completions.push({
      order_id: orderId,
      success: body.success,
      result: body.result,
      error_message: (body.error_message as string | null | undefined) ?? undefined,
      applianceId: c.get("bearer").applianceId,
      time: state.now(),
    });
    return c.json({ status: "ok" }, 200);
  });
}

function fieldError(type: string, field: string, msg: string) {
  return { detail: [{ type, loc: ["body", field], msg }] };
}

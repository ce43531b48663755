/**
 * Stable names for CC's routes, used to aim failure injection and latency and to label records.
 * @module
 */

/** The calls the reference CC serves; `other` is anything else. */
export type RouteName = "checkin" | "rekey" | "fleet-orders" | "order-complete" | "evidence-submit" | "other";

/** Which route a request is for, from its method and path. */
export function routeOf(method: string, path: string): RouteName {
  if (method === "POST" && path === "/api/appliances/checkin") return "checkin";
  if (method === "POST" && path === "/api/provision/rekey") return "rekey";
  if (method === "GET" && path === "/api/fleet/orders/pending") return "fleet-orders";
  if (method === "POST" && /^\/api\/orders\/[^/]+\/complete$/.test(path)) return "order-complete";
  if (method === "POST" && /^\/api\/evidence\/sites\/[^/]+\/submit$/.test(path)) return "evidence-submit";
  return "other";
}

/**
 * The order calls besides check-in: the fleet-orders fallback used when check-in fails, and
 * completion reports.
 * @module
 */
import type { CentralClient } from "./client.ts";
import { CentralError } from "./errors.ts";

/** `GET /api/fleet/orders/pending?appliance_id=` → the raw order envelopes. */
export async function fetchFleetOrders(
  client: CentralClient,
  applianceId: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>[]> {
  const json = (await client.get("/api/fleet/orders/pending", { query: { appliance_id: applianceId }, signal })) as {
    orders?: unknown;
  } | unknown[];
  const list = Array.isArray(json) ? json : (json as { orders?: unknown }).orders;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new CentralError("bad_response", "Fleet orders answer has no orders list");
  return list.filter((o): o is Record<string, unknown> => typeof o === "object" && o !== null);
}

export interface OrderCompletion {
  success: boolean;
  result?: unknown;
  error_message?: string;
}

/** `POST /api/orders/{order_id}/complete`. */
export async function completeOrder(
  client: CentralClient,
  orderId: string,
  completion: OrderCompletion,
  signal?: AbortSignal,
): Promise<void> {
  await client.post(`/api/orders/${encodeURIComponent(orderId)}/complete`, completion, { signal });
}

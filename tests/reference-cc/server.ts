/**
 * The reference CC as a Hono app: the middleware plus every route, over one `CCState`.
 * Use `app.request()` in tests that need no socket.
 * @module
 */
import { Hono } from "hono";
import { mountCheckin } from "./handlers/checkin.ts";
import { mountEvidence } from "./handlers/evidence.ts";
import { mountOrders } from "./handlers/orders.ts";
import { mountRekey } from "./handlers/rekey.ts";
import type { CCEnv } from "./hono-env.ts";
import { ccMiddleware } from "./middleware.ts";
import { CCState, type ReferenceCCOptions } from "./state.ts";

/** Options of `createReferenceCC`: a fresh state's options, or an existing `state` to serve. */
export interface CreateReferenceCCOptions extends ReferenceCCOptions {
  /** Serve this state instead of building one (keeps keys and records across restarts). */
  state?: CCState;
}

/** A reference CC that is not listening anywhere. */
export interface ReferenceCC {
  app: Hono<CCEnv>;
  state: CCState;
}

/**
 * Builds the app.
 *
 * @example
 * const { app, state } = createReferenceCC({ sites: { "site-1": { apiKey: "k" } } });
 * const res = await app.request("/api/fleet/orders/pending?appliance_id=site-1-x", {
 *   headers: { authorization: "Bearer k" },
 * });
 */
export function createReferenceCC(options: CreateReferenceCCOptions = {}): ReferenceCC {
  const state = options.state ?? new CCState(options);
  const app = new Hono<CCEnv>();
  app.use("*", ccMiddleware(state));
  mountCheckin(app, state);
  mountRekey(app, state);
  mountOrders(app, state);
  mountEvidence(app, state);
  app.notFound((c) => c.json({ detail: "Not Found" }, 404));
  app.onError((err, c) => {
    console.error("reference CC handler failed:", err);
    return c.json({ detail: "Internal Server Error" }, 500);
  });
  return { app, state };
}

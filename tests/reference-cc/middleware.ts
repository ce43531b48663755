/**
 * The reference CC's outer layers, applied to every request in this order: read the body,
 * injected latency, outage, injected failures, bearer auth, observational sigauth, and finally
 * the record of the call.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { hexToBytes } from "./crypto.ts";
import type { CCEnv, ParsedBody } from "./hono-env.ts";
import type { RecordedRequest } from "./records.ts";
import { routeOf } from "./route-names.ts";
import { hasSigauthHeaders, SIGAUTH_HEADERS, verifySigauth, type SigauthVerdict } from "./sigauth.ts";
import type { CCState } from "./state.ts";

const INVALID_KEY = { detail: "Invalid or revoked API key" };

/** Builds the single middleware that wraps every route. */
export function ccMiddleware(state: CCState): MiddlewareHandler<CCEnv> {
  return async (c, next) => {
    const time = state.now();
    const url = new URL(c.req.url);
    const method = c.req.method;
    const route = routeOf(method, url.pathname);
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const body = parseBody(rawBody);
    c.set("rawBody", rawBody);
    c.set("body", body);
    let sigauth: SigauthVerdict | undefined;

    const latency = state.faults.latencyFor(route);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));

    const injected = state.faults.isDown ? 503 : state.faults.take(route, "before");
    if (injected !== undefined) {
      c.res = failure(injected);
    } else if (route !== "rekey" && !authenticate(c, state)) {
      c.res = c.json(INVALID_KEY, 401);
    } else {
      // The check-in handler enforces sigauth itself; elsewhere CC only verifies and records.
      if (route !== "checkin" && hasSigauthHeaders(c.req.raw.headers)) {
        sigauth = observeSigauth(c, state, url.pathname, rawBody);
      }
      await next();
      const lost = state.faults.take(route, "after");
      if (lost !== undefined) c.res = failure(lost);
    }

    // A real server stamps its own clock on every answer (RFC 9110 §6.6.1); the agent reads
    // it to tell a clock problem from a key problem when sigauth is refused.
    c.res.headers.set("Date", new Date(state.now()).toUTCString());

    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.search.slice(1),
      route,
      headers: Object.fromEntries(c.req.raw.headers),
      body: body.ok ? body.value : new TextDecoder().decode(rawBody),
      status: c.res.status,
      time,
      ...(sigauth ? { sigauth } : {}),
    };
    state.requests.push(record);
    state.onRequest?.(record);
  };
}

function parseBody(raw: Uint8Array): ParsedBody {
  if (raw.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw)) };
  } catch {
    return { ok: false };
  }
}

function failure(status: number): Response {
  const detail = status === 503 ? "Service Unavailable" : `Injected failure (HTTP ${status})`;
  return Response.json({ detail }, { status });
}

/** `Authorization: Bearer <key>` must name an active key. */
function authenticate(c: Context<CCEnv>, state: CCState): boolean {
  const match = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "");
  const record = match ? state.apiKeys.active(match[1]!) : undefined;
  if (record) c.set("bearer", record);
  return record !== undefined;
}

/** Verifies sigauth on a call other than check-in, keyed by the fingerprint it names. */
function observeSigauth(c: Context<CCEnv>, state: CCState, path: string, rawBody: Uint8Array): SigauthVerdict {
  const fingerprint = c.req.header(SIGAUTH_HEADERS.fingerprint);
  const appliance = [...state.appliances.values()].find(
    (a) => fingerprint !== undefined && a.identityFingerprint === fingerprint,
  );
  return verifySigauth({
    method: c.req.method,
    path,
    body: rawBody,
    headers: c.req.raw.headers,
    publicKey: appliance ? hexToBytes(appliance.identityPublicKeyHex) : undefined,
    nowMs: state.now(),
    nonces: state.nonces,
  });
}

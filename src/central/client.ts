/**
 * The HTTP client for Central Command v1: bearer key from the one credential holder, sigauth
 * with the identity key, TLS pin on every call, a deadline on every call, and failures
 * classified as `CentralError`.
 * @module
 */
import type { SigningKey } from "../identity/index.ts";
import { signRequest } from "../identity/index.ts";
import type { Clock } from "../time/clock.ts";
import type { Random } from "../time/random.ts";
import type { CredentialHolder } from "./credentials.ts";
import { CentralError } from "./errors.ts";
import { pinnedServerIdentity } from "./tls-pin.ts";

export interface CentralClientOptions {
  /** Base URL, e.g. `https://cc.example.net` (a path prefix is kept). */
  endpoint: string;
  credentials: CredentialHolder;
  identityKey: SigningKey;
  clock: Clock;
  random: Random;
  fetch?: typeof fetch;
  /** sha256 hex of the server's SPKI; when set, every call must match it. */
  tlsPinHash?: string;
  /** Per-call deadline. */
  timeoutMs?: number;
  userAgent?: string;
}

export interface CallOptions {
  /** Send the bearer key (all calls but rekey). */
  auth?: boolean;
  /** Cancels the call, e.g. at shutdown. */
  signal?: AbortSignal;
  query?: Record<string, string>;
  /**
   * The body of a POST exactly as to send: `body` already serialised as JSON (text, or its UTF-8
   * bytes), sent instead of `JSON.stringify(body)`. For a body that must go out as the same bytes
   * every time (an evidence delivery sent again) and one too large to serialise twice.
   */
  rawBody?: string | Uint8Array;
}

/**
 * Sends one call and returns the parsed JSON body of a 2xx answer.
 *
 * @example
 * await client.post(path, body); // sends JSON.stringify(body)
 * await client.post(path, body, { rawBody: storedText }); // sends storedText as it is
 */
export interface CentralClient {
  post(path: string, body: unknown, options?: CallOptions): Promise<unknown>;
  get(path: string, options?: CallOptions): Promise<unknown>;
}

export function createCentralClient({
  endpoint,
  credentials,
  identityKey,
  clock,
  random,
  fetch: fetchImpl = globalThis.fetch,
  tlsPinHash,
  timeoutMs = 30_000,
  userAgent = "compliance-agent",
}: CentralClientOptions): CentralClient {
  const base = new URL(endpoint.endsWith("/") ? endpoint : endpoint + "/");
  const tls = tlsPinHash ? { checkServerIdentity: pinnedServerIdentity(tlsPinHash) } : undefined;

  async function call(method: "GET" | "POST", path: string, body: unknown, opts: CallOptions = {}): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ""), base);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    if (opts.rawBody !== undefined && method !== "POST") throw new TypeError(`Cannot send a body with ${method} ${path}`);
    const payload = method === "POST" ? (opts.rawBody ?? JSON.stringify(body ?? {})) : "";
    const headers: Record<string, string> = {
      "User-Agent": userAgent,
      Accept: "application/json",
      ...signRequest(identityKey, { method, path: url.pathname, body: payload, nowMs: clock.now(), random }),
    };
    if (method === "POST") headers["Content-Type"] = "application/json";
    if (opts.auth !== false) headers.Authorization = `Bearer ${credentials.apiKey}`;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;

    let res: Response;
    try {
      res = await fetchImpl(url, { method, headers, body: method === "POST" ? payload : undefined, signal, tls } as RequestInit);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const e = err as Error & { code?: string };
      const pinned = e.code === "ERR_TLS_PIN_MISMATCH" || /TLS pin mismatch/.test(e.message);
      const what = deadline.aborted ? `no answer within ${timeoutMs} ms` : e.message;
      throw new CentralError(pinned ? "tls_pin" : "network", `${method} ${url.pathname} failed: ${what}`, undefined, {
        cause: err,
      });
    }
    let raw = "";
    let bodyError: unknown;
    try {
      raw = await res.text();
    } catch (err) {
      bodyError = err ?? new Error("body read failed");
    }
    if (!res.ok) {
      const serverDate = Date.parse(res.headers.get("date") ?? "");
      const retryAfter = retryAfterSeconds(res.headers.get("retry-after"), Number.isFinite(serverDate) ? serverDate : clock.now());
      throw new CentralError(
        res.status === 401 ? "auth" : "http",
        `${method} ${url.pathname} answered ${res.status}: ${summarise(raw)}`,
        res.status,
        {
          ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
          ...(Number.isFinite(serverDate) ? { serverDateMs: serverDate } : {}),
        },
      );
    }
    if (bodyError !== undefined) {
      // A 2xx whose body never fully arrived is no answer, not an empty one (that would revoke targets).
      if (opts.signal?.aborted) throw bodyError;
      const what = deadline.aborted ? `no answer within ${timeoutMs} ms` : (bodyError as Error).message;
      throw new CentralError("network", `${method} ${url.pathname} failed: ${what}`, res.status, { cause: bodyError });
    }
    if (raw.trim() === "") return {};
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw new CentralError("bad_response", `${method} ${url.pathname} answered ${res.status} with invalid JSON`, res.status, {
        cause: err,
      });
    }
  }

  return {
    post: (path, body, opts) => call("POST", path, body, opts),
    get: (path, opts) => call("GET", path, undefined, opts),
  };
}

/** The server's reason, short: FastAPI puts it in `detail`. */
function summarise(raw: string): string {
  try {
    const j = JSON.parse(raw) as { detail?: unknown; error?: unknown };
    const d = j.detail ?? j.error;
    if (d !== undefined) return (typeof d === "string" ? d : JSON.stringify(d)).slice(0, 300);
  } catch {
    // not JSON: fall through
  }
  return raw.slice(0, 300) || "(empty body)";
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP date, measured against the server's own Date. */
function retryAfterSeconds(value: string | null, serverNowMs: number): number {
  if (!value) return NaN;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.ceil((at - serverNowMs) / 1000) : NaN;
}

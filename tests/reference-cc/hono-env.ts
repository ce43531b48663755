/**
 * The per-request values the reference CC's middleware hands to its handlers.
 * @module
 */
import type { ApiKeyRecord } from "./api-keys.ts";

/** The request body, parsed once by the outer middleware. */
export type ParsedBody = { ok: true; value: unknown } | { ok: false };

/** Hono environment of the reference CC app. */
export type CCEnv = {
  Variables: {
    /** Exact body bytes (sigauth hashes these). */
    rawBody: Uint8Array;
    body: ParsedBody;
    /** The active key the caller authenticated with (absent on the rekey route). */
    bearer: ApiKeyRecord;
  };
};

/** FastAPI's answer to a body that is not JSON. */
export const JSON_INVALID = {
  detail: [{ type: "json_invalid", loc: ["body", 0], msg: "JSON decode error" }],
} as const;

import { describe, expect, test } from "bun:test";
import { CentralError, type CentralErrorKind } from "./errors.ts";

describe("CentralError.retryable", () => {
  test.each<[CentralErrorKind, number | undefined, boolean]>([
    ["network", undefined, true],
    ["tls_pin", undefined, false],
    ["auth", 401, false],
    ["bad_response", 200, false],
    ["http", 500, true],
    ["http", 503, true],
    ["http", 429, true],
    ["http", 408, true],
    ["http", 404, false],
    ["http", 422, false],
    ["http", undefined, false],
  ])("%s with status %p → %p", (kind, status, retryable) => {
    expect(new CentralError(kind, "m", status).retryable).toBe(retryable);
  });

  test("carries name, kind, status, Retry-After, server date and cause", () => {
    const cause = new Error("socket");
    const e = new CentralError("http", "GET /x answered 429: slow", 429, { cause, retryAfterSeconds: 30, serverDateMs: 5_000 });
    expect({ name: e.name, kind: e.kind, status: e.status, retryAfterSeconds: e.retryAfterSeconds, serverDateMs: e.serverDateMs, cause: e.cause, message: e.message }).toEqual({
      name: "CentralError",
      kind: "http",
      status: 429,
      retryAfterSeconds: 30,
      serverDateMs: 5_000,
      cause,
      message: "GET /x answered 429: slow",
    });
  });
});

import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { createCheckinLog } from "./checkin-log.ts";
import { migrate } from "./open.ts";

function log() {
  const db = new Database(":memory:");
  migrate(db, ":memory:");
  return createCheckinLog(db);
}

describe("createCheckinLog", () => {
  test("returns the most recent entries first, with optional fields only when set", () => {
    const l = log();
    l.record({ startedAt: 1, finishedAt: 2, outcome: "ok", httpStatus: 200, skewMs: -150 });
    l.record({ startedAt: 3, finishedAt: 4, outcome: "network_error", error: "connection refused" });
    l.record({ startedAt: 5, finishedAt: 6, outcome: "auth_failed", httpStatus: 401, error: "Invalid or revoked API key" });
    expect(l.recent(2)).toEqual([
      { startedAt: 5, finishedAt: 6, outcome: "auth_failed", httpStatus: 401, error: "Invalid or revoked API key" },
      { startedAt: 3, finishedAt: 4, outcome: "network_error", error: "connection refused" },
    ]);
    expect(l.recent(10)[2]).toEqual({ startedAt: 1, finishedAt: 2, outcome: "ok", httpStatus: 200, skewMs: -150 });
  });

  test("keeps at most the newest 1000 entries", () => {
    const l = log();
    for (let i = 0; i < 1_005; i++) l.record({ startedAt: i, finishedAt: i + 1, outcome: "ok" });
    const all = l.recent(2_000);
    expect({ count: l.count(), returned: all.length, newest: all[0]!.startedAt, oldest: all.at(-1)!.startedAt }).toEqual({
      count: 1_000,
      returned: 1_000,
      newest: 1_004,
      oldest: 5,
    });
  });

  test("counts nothing in a fresh database", () => {
    const l = log();
    expect({ count: l.count(), recent: l.recent(5) }).toEqual({ count: 0, recent: [] });
  });
});

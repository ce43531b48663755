import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { createAgentState, openDatabase } from "../store/index.ts";
import { formatStatus, readStatus, StatusError } from "./status.ts";

describe("readStatus", () => {
  test("a state dir the agent never used reads as not provisioned, with the same shape as a used one", () => {
    using dir = tempDir();
    expect(readStatus(join(dir.path, "state"), "clinic")).toEqual({
      provisioned: false,
      site_id: "clinic",
      state_dir: join(dir.path, "state"),
      keys: { identity: false, evidence: false },
      checkins_recorded: 0,
      targets: { windows: 0, linux: 0 },
      orders: { running: 0, succeeded: 0, failed: 0, rejected: 0 },
      queue_depths: {},
      evidence: { records: 0, pending: 0, delivered: 0, dead: 0, late: 0, pruned: 0, head_seq: 0, dead_letters: [] },
    });
  });

  test("reports what a running agent recorded", () => {
    using dir = tempDir();
    const db = openDatabase(dir.path);
    const state = createAgentState(db);
    state.set("applianceId", "clinic-52:54:00:12:34:56");
    state.set("lastCheckin", { at: Date.UTC(2026, 10, 23, 10), ok: false, httpStatus: 503, error: "down" });
    state.set("lastCheckinOkAt", Date.UTC(2026, 10, 23, 9));
    state.set("targetCounts", { windows: 2, linux: 3 });
    db.close();
    const s = readStatus(dir.path, "clinic");
    expect(s).toMatchObject({
      provisioned: true,
      appliance_id: "clinic-52:54:00:12:34:56",
      last_checkin: { at: "2026-11-23T10:00:00.000Z", ok: false, http_status: 503, error: "down" },
      last_successful_checkin: "2026-11-23T09:00:00.000Z",
      targets: { windows: 2, linux: 3 },
    });
    expect(formatStatus(s)).toContain("last check-in:    2026-11-23T10:00:00.000Z FAILED (HTTP 503): down");
  });

  test("a damaged database is named in the error", () => {
    using dir = tempDir();
    writeFileSync(join(dir.path, "agent.db"), "this is not a database, just text of some length ".repeat(100));
    expect(() => readStatus(dir.path)).toThrow(StatusError);
    expect(() => readStatus(dir.path)).toThrow(`Cannot read database "${join(dir.path, "agent.db")}"`);
  });
});

import { describe, expect, test } from "bun:test";
import { parsePeriod } from "./period.ts";

describe("parsePeriod", () => {
  test.each([
    ["whole UTC days, --to inclusive", "2026-11-01", "2026-11-30", Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1)],
    ["one day", "2026-11-05", "2026-11-05", Date.UTC(2026, 10, 5), Date.UTC(2026, 10, 6)],
    ["instants in UTC, --to includes its millisecond", "2026-11-01T08:00:00Z", "2026-11-01T17:30:00.250Z", Date.UTC(2026, 10, 1, 8), Date.UTC(2026, 10, 1, 17, 30, 0, 251)],
    ["instants with offsets and lower-case t/z", "2026-11-01t09:00:00+01:00", "2026-11-02T00:00:00-05:00", Date.UTC(2026, 10, 1, 8), Date.UTC(2026, 10, 2, 5, 0, 0, 1)],
    ["a day and an instant", "2026-11-01", "2026-11-01T12:00:00Z", Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 1, 12, 0, 0, 1)],
    ["a leap day", "2028-02-29", "2028-02-29", Date.UTC(2028, 1, 29), Date.UTC(2028, 2, 1)],
  ])("%s", (_name, from, to, startMs, endMs) => {
    expect(parsePeriod(from, to)).toEqual({ from, to, startMs, endMs });
  });

  test.each([
    ["2026-13-01", "2026-11-30", `Cannot read --from "2026-13-01": no such date`],
    ["2026-02-29", "2026-03-01", `Cannot read --from "2026-02-29": no such date`],
    ["2026-11-01", "30.11.2026", `Cannot read --to "30.11.2026": expected a date (YYYY-MM-DD) or an RFC 3339 instant (2026-11-01T08:00:00Z)`],
    ["2026-11-01T08:00:00", "2026-11-02", `Cannot read --from "2026-11-01T08:00:00": expected a date (YYYY-MM-DD) or an RFC 3339 instant (2026-11-01T08:00:00Z)`],
    ["2026-11-01T24:00:00Z", "2026-11-02", `Cannot read --from "2026-11-01T24:00:00Z": no such time`],
    ["2026-11-01T23:59:60Z", "2026-11-02", `Cannot read --from "2026-11-01T23:59:60Z": no such time`],
    ["2026-11-30", "2026-11-01", `The period ends before it starts: --from "2026-11-30" is after --to "2026-11-01"`],
    ["2026-11-01T10:00:00Z", "2026-11-01T09:59:59Z", `The period ends before it starts: --from "2026-11-01T10:00:00Z" is after --to "2026-11-01T09:59:59Z"`],
  ])("refuses --from %s --to %s", (from, to, message) => {
    expect(() => parsePeriod(from, to)).toThrow(new RangeError(message));
  });
});

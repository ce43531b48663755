import { describe, expect, test } from "bun:test";
import { parseMaintenanceWindow } from "./maintenance-window.ts";

describe("parseMaintenanceWindow", () => {
  test.each([
    ["02:00-04:00", { start: "02:00", end: "04:00", startMinutes: 120, endMinutes: 240 }],
    ["22:00-02:00", { start: "22:00", end: "02:00", startMinutes: 1320, endMinutes: 120 }],
    ["00:00-23:59", { start: "00:00", end: "23:59", startMinutes: 0, endMinutes: 1439 }],
    [" 23:30-00:15 ", { start: "23:30", end: "00:15", startMinutes: 1410, endMinutes: 15 }],
  ])("reads %p", (text, window) => {
    expect(parseMaintenanceWindow(text)).toEqual(window);
  });

  test.each([
    ["24:00-02:00", "expected HH:MM-HH:MM in 24-hour time"],
    ["2:00-4:00", "expected HH:MM-HH:MM in 24-hour time"],
    ["02:60-04:00", "expected HH:MM-HH:MM in 24-hour time"],
    ["02:00 - 04:00", "expected HH:MM-HH:MM in 24-hour time"],
    ["02:00", "expected HH:MM-HH:MM in 24-hour time"],
    ["03:00-03:00", "start and end are the same time"],
  ])("throws SyntaxError for %p", (text, reason) => {
    expect(() => parseMaintenanceWindow(text)).toThrow(
      new SyntaxError(`Cannot parse maintenance window "${text}": ${reason}`),
    );
  });
});

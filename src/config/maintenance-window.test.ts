import { describe, expect, test } from "bun:test";
import { inMaintenanceWindow, parseMaintenanceWindow } from "./maintenance-window.ts";

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

describe("inMaintenanceWindow", () => {
  test.each([
    ["02:00-04:00", 119, false],
    ["02:00-04:00", 120, true],
    ["02:00-04:00", 239, true],
    ["02:00-04:00", 240, false],
    ["22:00-02:00", 1319, false],
    ["22:00-02:00", 1320, true],
    ["22:00-02:00", 0, true],
    ["22:00-02:00", 119, true],
    ["22:00-02:00", 120, false],
  ] as const)("%s at minute %d: %p", (text, minute, inside) => {
    expect(inMaintenanceWindow(parseMaintenanceWindow(text), minute)).toBe(inside);
  });
});

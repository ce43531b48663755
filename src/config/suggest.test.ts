import { describe, expect, test } from "bun:test";
import { closest } from "./suggest.ts";

const KEYS = ["site_id", "api_key", "poll_interval", "status_port", "sensor_port"];

describe("closest", () => {
  test.each([
    ["poll_intervall", "poll_interval"],
    ["pollInterval", "poll_interval"],
    ["API_KEY", "api_key"],
    ["siteid", "site_id"],
    ["sensor_prot", "sensor_port"],
    ["frobnicate", undefined],
    ["port", undefined],
  ])("%p suggests %p", (word, suggestion) => {
    expect(closest(word, KEYS)).toBe(suggestion);
  });

  test("prefers the earlier candidate on a tie", () => {
    expect(closest("s_port", ["status_port", "sensor_port"], 10)).toBe("status_port");
  });
});

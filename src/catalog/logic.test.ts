import { describe, expect, test } from "bun:test";
import { evaluate, renderTemplate, unknownOperators } from "./logic.ts";

describe("catalog json-logic", () => {
  test.each([
    [{ match: ["PermitRootLogin yes", "^permitrootlogin\\s+yes$", "i"] }, true],
    [{ capture: ["/dev/sda1 93% /", "(\\d+)%"] }, "93"],
    [{ grep: [["a.conf", "b.txt", "c.conf"], "\\.conf$"] }, ["a.conf", "c.conf"]],
    [{ grep_v: [["a.conf", "b.txt"], "\\.conf$"] }, ["b.txt"]],
    [{ length: [[1, 2, 3]] }, 3],
    [{ length: [null] }, 0],
    [{ number: ["93%"] }, 93],
    [{ number: ["n/a"] }, null],
    [{ difference: [["sudo", "evil"], ["sudo", "su"]] }, ["evil"]],
    [{ epoch: ["2026-11-23T00:00:00Z"] }, 1795392000],
    [{ max_of: [[3, 9, 4]] }, 9],
  ])("%j gives %j", (expr, expected) => {
    expect(evaluate(expr, {})).toEqual(expected);
  });

  test("pluck reads one column of a table", () => {
    expect(evaluate({ pluck: [{ var: "rows" }, "a"] }, { rows: [{ a: 1 }, { a: 2 }] })).toEqual([1, 2]);
  });

  test("string items inside map and filter reach custom operations as plain strings", () => {
    expect(evaluate({ map: [{ var: "xs" }, { capture: [{ var: "" }, "^(\\w+)="] }] }, { xs: ["a=1", "b=2"] })).toEqual(["a", "b"]);
    expect(evaluate({ filter: [{ var: "xs" }, { match: [{ var: "" }, "^a"] }] }, { xs: ["a=1", "b=2"] })).toEqual(["a=1"]);
  });

  test("unknownOperators finds misspelt operators anywhere in an expression", () => {
    expect(unknownOperators({ and: [{ "==": [1, 1] }, { matches: ["a", "b"] }, { if: [{ lenght: [[]] }, 1, 2] }] })).toEqual(["matches", "lenght"]);
  });

  test("templates fill paths, join lists and say unknown for missing values", () => {
    expect(renderTemplate("{{a.b}} / {{list}} / {{none}} / {{empty}}", { a: { b: "x" }, list: ["p", "q"], empty: [] })).toBe("x / p, q / unknown / none");
  });
});

import { describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { replaceFileAtomically } from "./atomic-write.ts";
import { tempDirForTest } from "./test-support.ts";

describe("replaceFileAtomically", () => {
  test("replaces the contents and keeps the mode", () => {
    using dir = tempDirForTest();
    const file = dir.write("f.yaml", "old\n");
    chmodSync(file, 0o640);
    replaceFileAtomically(file, "new\n");
    expect(readFileSync(file, "utf8")).toBe("new\n");
    expect(statSync(file).mode & 0o7777).toBe(0o640);
    expect(dir.list()).toEqual(["f.yaml"]);
  });

  test("lets the check read the temp file before the rename", () => {
    using dir = tempDirForTest();
    const file = dir.write("f.yaml", "old\n");
    let seen = "";
    replaceFileAtomically(file, "new\n", {
      check: (temp) => {
        seen = readFileSync(temp, "utf8");
        expect(readFileSync(file, "utf8")).toBe("old\n");
      },
    });
    expect(seen).toBe("new\n");
  });

  test("leaves the original and no temp file when the check throws", () => {
    using dir = tempDirForTest();
    const file = dir.write("f.yaml", "old\n");
    const refused = new Error("refused");
    expect(() =>
      replaceFileAtomically(file, "new\n", {
        check: () => {
          throw refused;
        },
      }),
    ).toThrow(refused);
    expect(readFileSync(file, "utf8")).toBe("old\n");
    expect(dir.list()).toEqual(["f.yaml"]);
  });
});

/**
 * `verify.generated.mjs` is committed (so the agent embeds it when run from sources) and built
 * from `verifier/main.ts`: these tests fail when one was changed without the other.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { buildVerifier, VERIFIER_OUTPUT } from "../../../scripts/build-verifier.ts";
import { VERIFIER_SOURCE } from "./export.ts";

describe("verify.generated.mjs", () => {
  test("equals a fresh build of verifier/main.ts (run `bun run scripts/build-verifier.ts` after editing it)", async () => {
    expect(readFileSync(VERIFIER_OUTPUT, "utf8")).toBe(await buildVerifier());
  });

  test("is the text the export command embeds", () => {
    expect(VERIFIER_SOURCE).toBe(readFileSync(VERIFIER_OUTPUT, "utf8"));
  });

  test("imports nothing but node:fs, and that only when Deno is absent", () => {
    const imports = [...VERIFIER_SOURCE.matchAll(/\bimport\s*\(\s*["']([^"']+)["']|\bimport\b[^("'`]*?\bfrom\s*["']([^"']+)["']|\brequire\s*\(\s*["']([^"']+)["']/g)].map(
      (m) => m[1] ?? m[2] ?? m[3],
    );
    expect(imports).toEqual(["node:fs"]);
    expect(VERIFIER_SOURCE).not.toContain("Bun.");
  });
});

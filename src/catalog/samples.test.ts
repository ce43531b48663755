/**
 * Every check against its captured outputs (`tests/fixtures/checks/<check-id>/*.yaml`): each
 * sample must produce its recorded verdict, and each check needs passing and failing samples
 * from the distro families it runs on.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { judgeCheck } from "./evaluate-check.ts";
import { loadCatalogFiles } from "./load-catalog.ts";
import { sampleSchema, type Check, type Sample } from "./schema.ts";

const ROOT = join(import.meta.dir, "../..");
const FIXTURES = join(ROOT, "tests/fixtures/checks");
const catalog = loadCatalogFiles(join(ROOT, "runbooks"));

function samplesOf(check: Check): [string, Sample][] {
  let files: string[];
  try {
    files = readdirSync(join(FIXTURES, check.id)).filter((f) => f.endsWith(".yaml")).sort();
  } catch {
    return [];
  }
  return files.map((f) => [f, sampleSchema.parse(parseYaml(readFileSync(join(FIXTURES, check.id, f), "utf8")))]);
}

/** Distro families whose output differs enough to need their own samples. */
const FAMILY: [RegExp, string][] = [
  [/^debian/, "debian"],
  [/^ubuntu/, "ubuntu"],
  [/^(rhel|rocky|alma|centos|fedora|oracle)/, "rhel"],
  [/^nixos/, "nixos"],
];
const familyOf = (distro: string) => FAMILY.find(([re]) => re.test(distro))?.[1] ?? distro;

describe("catalog samples", () => {
  test("every fixture folder belongs to a check", () => {
    const ids = new Set(catalog.checks.map((c) => c.id));
    expect(readdirSync(FIXTURES).filter((d) => !ids.has(d))).toEqual([]);
  });

  for (const check of catalog.checks) {
    const samples = samplesOf(check);
    describe(check.id, () => {
      test("has a passing and a failing sample from each distro family it runs on", () => {
        const statuses = new Set(samples.map(([, s]) => s.expect.status));
        const families = new Set(samples.map(([, s]) => familyOf(s.distro)));
        const needed = [
          ...(check.platforms.includes("linux") ? ["debian", "ubuntu", "rhel"] : []),
          ...(check.platforms.includes("nixos") ? ["nixos"] : []),
        ];
        expect({ pass: statuses.has("pass"), fail: statuses.has("fail"), missing: needed.filter((f) => !families.has(f)) }).toEqual({
          pass: true,
          fail: true,
          missing: [],
        });
      });
      for (const [file, sample] of samples) {
        test(`${file}: ${sample.description}`, () => {
          const distro = sample.distro.split("-")[0]!;
          const result = judgeCheck(
            check,
            { sections: sample.sections, exitCode: sample.exit_code },
            {
              hostname: "sample-host",
              platform: sample.platform,
              distro,
              nowMs: sample.now ? Date.parse(sample.now) : Date.parse("2026-11-23T12:00:00Z"),
              ...(sample.params ? { params: sample.params } : {}),
            },
          );
          const seen: Record<string, unknown> = { status: result.status };
          for (const key of ["actual", "reason", "severity"] as const) if (sample.expect[key] !== undefined) seen[key] = result[key];
          expect(seen).toEqual(sample.expect);
          // A verdict other than error never needs the raw output; an error always keeps it.
          expect(result.output !== undefined).toBe(result.status === "error");
        });
      }
    });
  }
});

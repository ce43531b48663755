/**
 * The docs stay true to the code: the configuration page is what the generator makes from the
 * current schema, the command-line page quotes each help text and exit status exactly, and links
 * between the pages resolve.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const ROOT = join(import.meta.dir, "..", "..");

function bun(args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

describe("docs/configuration.md", () => {
  test("is what scripts/gen-docs.ts generates from the current schema", () => {
    const r = bun(["run", "scripts/gen-docs.ts", "--check"]);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: "" });
  });

  test("--check fails on a stale page and leaves it as it was", () => {
    using dir = tempDir();
    const stale = join(dir.path, "configuration.md");
    const text = read("docs/configuration.md").replace("| `poll_interval` | no | `60` |", "| `poll_interval` | no | `30` |");
    writeFileSync(stale, text);
    const r = bun(["run", "scripts/gen-docs.ts", "--check", "--out", stale]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("is out of date: run `npm run docs`");
    expect(readFileSync(stale, "utf8")).toBe(text);
  });

  test("does not depend on the environment it is generated in", () => {
    const r = bun(["run", "scripts/gen-docs.ts", "--check"], {
      COMPLIANCE_AGENT_CONFIG: "/elsewhere/config.yaml",
      STATE_DIR: "/elsewhere",
      POLL_INTERVAL: "999",
      LOG_LEVEL: "debug",
    });
    expect(r.exitCode).toBe(0);
  });
});

describe("docs/cli.md", () => {
  const page = read("docs/cli.md");
  const quoted = (text: string) => "```text\n" + text.trimEnd() + "\n```";

  test("quotes the program's help exactly", () => {
    expect(page).toContain(quoted(bun(["src/cli/main.ts", "--help"]).stdout));
  });

  test.each(["run", "status", "selftest", "verify", "version", "evidence", "evidence export", "evidence retry-dead"])("quotes `%s --help` exactly", (command) => {
    const r = bun(["src/cli/main.ts", ...command.split(" "), "--help"]);
    expect(r.exitCode).toBe(0);
    expect(page).toContain(quoted(r.stdout));
  });

  test.each(Object.entries(EXIT))("lists exit status %s = %d", (name, status) => {
    expect(page).toContain(`| \`${status}\` | \`${name}\` |`);
  });
});

describe("docs links", () => {
  const pages = [
    "docs/configuration.md",
    "docs/cli.md",
    "docs/state-directory.md",
    "docs/central-protocol-notes.md",
    "rules/README.md",
    "runbooks/README.md",
    "nix/README.md",
    "iso/README.md",
  ];

  test.each(pages)("every relative link in %s names a file that exists", (page) => {
    const targets = [...read(page).matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((t) => !/^[a-z]+:/.test(t));
    const missing = targets.filter((t) => !Bun.file(join(ROOT, dirname(page), t)).size);
    expect(missing).toEqual([]);
  });
});

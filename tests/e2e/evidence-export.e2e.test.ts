/**
 * An auditor's export end to end: records written by the real outbox into a state dir, exported
 * by `evidence export`, then checked by the shipped verify.mjs as separate processes under Bun
 * and Node (Deno when installed): intact → exit 0; one flipped byte or one deleted line → exit 1
 * naming the record.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { evidenceCommand } from "../../src/cli/evidence.ts";
import { actionDraftForTest, dailyScansForTest, seedEvidenceForTest, TEST_EVIDENCE_KEY, type TimedDraft } from "../../src/evidence/export/test-support.ts";
import { agentBinary } from "../helpers/agent-process.ts";
import { scanDraft } from "../helpers/evidence-drafts.ts";
import { tempDir } from "../helpers/temp-dir.ts";

// Deno's Linux x64 binary is an optional dependency from the npm registry: the "any runtime"
// claim is tested where it installs, and the test says so where it does not.
const DENO = join(import.meta.dir, "../../node_modules/@deno/linux-x64-glibc/deno");
const DAY = 86_400_000;
const OCT_20 = Date.UTC(2026, 9, 20);
const EVIL_HOST = `<script>alert("pwned")</script>.clinic.local`;

/** 30 daily scans from Oct 20 (seq order = day order), remediations on Nov 3 and Nov 10, one hostile hostname. */
function drafts(): TimedDraft[] {
  const list = dailyScansForTest(OCT_20, 30);
  list.push(
    { at: Date.UTC(2026, 10, 3, 11), draft: actionDraftForTest({ outcome: "failed" }) },
    { at: Date.UTC(2026, 10, 10, 11), draft: actionDraftForTest({ outcome: "success" }) },
    { at: Date.UTC(2026, 10, 12, 12), draft: hostileScan() },
  );
  return list.sort((a, b) => a.at - b.at);
}

/** A scan of a host whose name is markup, with a failing check whose actual value is markup too. */
function hostileScan() {
  const draft = scanDraft({ checks: 4, host: EVIL_HOST });
  draft.scan.checks[3] = { ...draft.scan.checks[3]!, status: "fail", actual: `<script>alert("actual")</script>` };
  return draft;
}

async function exportedDir(root: string, from = "2026-11-01", to = "2026-11-15") {
  const state = join(root, "state");
  await seedEvidenceForTest(state, drafts());
  const out = join(root, "export");
  const printed: string[] = [];
  const code = await evidenceCommand(["export", "--from", from, "--to", to, "--out", out, "--state-dir", state], {
    now: () => Date.UTC(2026, 11, 1),
    print: (t) => printed.push(t),
    warn: (t) => printed.push(t),
  });
  expect(code).toBe(0);
  return { state, out, printed: printed.join("\n") };
}

type Runtime = { name: string; cmd: string[] };
const RUNTIMES: Runtime[] = [
  { name: "bun", cmd: [process.execPath] },
  { name: "node", cmd: ["node"] },
];

function verifyIn(dir: string, runtime: Runtime, args: string[] = []) {
  const r = Bun.spawnSync([...runtime.cmd, "verify.mjs", ...args], { cwd: dir, stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function records(dir: string): { seq: number; hash: string; canonical: string }[] {
  return readFileSync(join(dir, "records.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
}

describe("evidence export → verify.mjs", () => {
  test.each(RUNTIMES)("an intact export verifies under $name (exit 0)", async (runtime) => {
    using root = tempDir();
    const { out } = await exportedDir(root.path);
    const r = verifyIn(out, runtime);
    expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({ exitCode: 0, stderr: "" });
    const n = records(out).length;
    expect(r.stdout).toStartWith(`OK: ${n} record(s) verified (seq 13–${12 + n})\n`);
    expect(r.stdout).toContain(`public key fingerprint: ${TEST_EVIDENCE_KEY.fingerprint}`);
  });

  test("one flipped byte in one canonical string: bun and node exit 1 naming that seq", async () => {
    using root = tempDir();
    const { out } = await exportedDir(root.path);
    const text = readFileSync(join(out, "records.jsonl"), "utf8");
    const lines = text.split("\n");
    const target = records(out)[5]!;
    const bundleId = JSON.parse(target.canonical).bundle_id;
    const at = lines[5]!.indexOf("nas-01", lines[5]!.indexOf('"canonical"'));
    lines[5] = lines[5]!.slice(0, at) + "N" + lines[5]!.slice(at + 1); // one byte, "n" → "N"
    writeFileSync(join(out, "records.jsonl"), lines.join("\n"));
    expect(Buffer.compare(Buffer.from(text), Buffer.from(lines.join("\n")))).not.toBe(0);
    for (const runtime of RUNTIMES) {
      const r = verifyIn(out, runtime);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toStartWith(`FAILED at seq ${target.seq} (bundle_id ${bundleId}): content does not match its hash`);
    }
  });

  test("one deleted line: bun and node exit 1 naming the gap", async () => {
    using root = tempDir();
    const { out } = await exportedDir(root.path);
    const lines = readFileSync(join(out, "records.jsonl"), "utf8").split("\n");
    const gone = JSON.parse(lines[3]!).seq as number;
    lines.splice(3, 1);
    writeFileSync(join(out, "records.jsonl"), lines.join("\n"));
    for (const runtime of RUNTIMES) {
      const r = verifyIn(out, runtime);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toStartWith(`FAILED at seq ${gone}: seq ${gone} missing: line 4 jumps from seq ${gone - 1} to ${gone + 1}\n`);
    }
  });

  test("verify.mjs takes the export directory as an argument, from anywhere", async () => {
    using root = tempDir();
    const { out } = await exportedDir(root.path);
    const elsewhere = join(root.path, "tools");
    cpSync(join(out, "verify.mjs"), join(elsewhere, "verify.mjs"), { recursive: true });
    const r = verifyIn(elsewhere, RUNTIMES[1]!, [resolve(out)]);
    expect(r.exitCode).toBe(0);
    expect(verifyIn(elsewhere, RUNTIMES[1]!).stdout).toStartWith("FAILED: cannot read records.jsonl");
  });

  test("only records created in the period are exported; its bounds link to the records around it", async () => {
    using root = tempDir();
    const { out } = await exportedDir(root.path, "2026-11-01", "2026-11-05");
    const exported = records(out).map((l) => ({ seq: l.seq, created: JSON.parse(l.canonical).created_at as string }));
    const start = Date.UTC(2026, 10, 1);
    const end = Date.UTC(2026, 10, 6);
    expect(exported.every((r) => Date.parse(r.created) >= start && Date.parse(r.created) < end)).toBe(true);
    // Oct 20 … Oct 31 are seq 1–12; Nov 1 … Nov 5 hold five scans and the Nov 3 remediation.
    expect(exported.map((r) => r.seq)).toEqual([13, 14, 15, 16, 17, 18]);
    const chain = JSON.parse(readFileSync(join(out, "chain.json"), "utf8"));
    expect(chain).toMatchObject({ first_seq: 13, last_seq: 18, entries: 6, previous: { seq: 12 } });
    expect(JSON.parse(records(out)[0]!.canonical).prev_hash).toBe(chain.previous.hash);
    expect(verifyIn(out, RUNTIMES[0]!).exitCode).toBe(0);
  });

  test("the report escapes a hostile hostname and actual value; nothing in it runs", async () => {
    using root = tempDir();
    const { out } = await exportedDir(root.path);
    const report = readFileSync(join(out, "report.html"), "utf8");
    expect(records(out).some((r) => r.canonical.includes(`<script>alert(\\"pwned\\")</script>`))).toBe(true);
    expect(report).not.toContain("<script");
    expect(report).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;.clinic.local");
    expect(report).toContain("&lt;script&gt;alert(&quot;actual&quot;)&lt;/script&gt;");
  });

  test.skipIf(!existsSync(DENO))("an intact export verifies under deno run --allow-read, and a damaged one does not (needs the optional @deno/linux-x64-glibc)", async () => {
    using root = tempDir();
    const { out } = await exportedDir(root.path);
    const deno = { name: "deno", cmd: [DENO, "run", "--allow-read"] };
    expect(verifyIn(out, deno).exitCode).toBe(0);
    const lines = readFileSync(join(out, "records.jsonl"), "utf8").split("\n");
    lines[1] = lines[1]!.replace("compliance-agent/evidence/v1", "compliance-agent/evidence/v9");
    writeFileSync(join(out, "records.jsonl"), lines.join("\n"));
    expect(verifyIn(out, deno).exitCode).toBe(1);
  }, 60_000);
});

// The compiled agent embeds verify.mjs with a text import; this runs once main.ts registers the
// `evidence` command.
const registered = readFileSync(join(import.meta.dir, "../../src/cli/main.ts"), "utf8").includes('"./evidence.ts"');
test.skipIf(!registered)("the compiled agent exports, and its embedded verify.mjs verifies", async () => {
  using root = tempDir();
  const state = join(root.path, "state");
  await seedEvidenceForTest(state, drafts());
  const out = join(root.path, "export");
  const r = Bun.spawnSync([agentBinary(), "evidence", "export", "--from", "2026-11-01", "--to", "2026-11-15", "--out", out, "--state-dir", state], { stdout: "pipe", stderr: "pipe" });
  expect({ exitCode: r.exitCode, stderr: r.stderr.toString() }).toEqual({ exitCode: 0, stderr: "" });
  expect(readFileSync(join(out, "verify.mjs"), "utf8")).toBe(readFileSync(join(import.meta.dir, "../../src/evidence/export/verify.generated.mjs"), "utf8"));
  expect(verifyIn(out, RUNTIMES[1]!).exitCode).toBe(0);
});


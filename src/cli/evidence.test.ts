import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../tests/helpers/temp-dir.ts";
import { dailyScansForTest, seedEvidenceForTest, TEST_EVIDENCE_KEY } from "../evidence/export/test-support.ts";
import { openDatabase } from "../store/index.ts";
import { UsageError } from "./args.ts";
import { EVIDENCE_EXPORT_HELP, EVIDENCE_HELP, evidenceCommand } from "./evidence.ts";
import { EXIT } from "./exit-codes.ts";

const NOV_1 = Date.UTC(2026, 10, 1);
const NOW = Date.UTC(2026, 11, 1, 8);

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = evidenceCommand(argv, { now: () => NOW, print: (t) => out.push(t), warn: (t) => err.push(t) });
  return code.then((exit) => ({ exit, stdout: out.join("\n"), stderr: err.join("\n") }));
}

async function stateWithRecords(days = 10) {
  const dir = tempDir();
  const state = join(dir.path, "state");
  await seedEvidenceForTest(state, dailyScansForTest(NOV_1, days));
  return { dir, state, out: join(dir.path, "export"), [Symbol.dispose]: () => dir[Symbol.dispose]() };
}

describe("evidence", () => {
  test("without a subcommand prints its help and exits 2; with --help exits 0", async () => {
    expect(await run([])).toEqual({ exit: EXIT.usage, stdout: EVIDENCE_HELP, stderr: "" });
    expect(await run(["--help"])).toEqual({ exit: EXIT.ok, stdout: EVIDENCE_HELP, stderr: "" });
    expect(await run(["export", "--help"])).toEqual({ exit: EXIT.ok, stdout: EVIDENCE_EXPORT_HELP, stderr: "" });
  });

  test("an unknown subcommand is a usage error", async () => {
    await expect(run(["import"])).rejects.toThrow(new UsageError(`Unknown evidence subcommand "import": expected "export" or "retry-dead"`));
  });
});

describe("evidence export", () => {
  test("writes the export over --state-dir and says where and how to verify it", async () => {
    using s = await stateWithRecords();
    const r = await run(["export", "--from", "2026-11-03", "--to", "2026-11-05", "--out", s.out, "--state-dir", s.state]);
    expect(r).toEqual({
      exit: EXIT.ok,
      stdout: [
        `exported 3 records (seq 3–5) to ${s.out}`,
        "chain: intact: every signature and link verified from genesis to head; positions 1–10: 10 records checked, 0 pruned positions checked by hash",
        `public key fingerprint: ${TEST_EVIDENCE_KEY.fingerprint}`,
        `verify: cd ${s.out} && bun verify.mjs   (or: node verify.mjs)`,
      ].join("\n"),
      stderr: "",
    });
    expect(readdirSync(s.out).sort()).toEqual(["README.txt", "chain.json", "public-key.pem", "public-key.txt", "records.jsonl", "report.html", "verify.mjs"]);
  });

  test("reads state_dir from --config", async () => {
    using s = await stateWithRecords(3);
    const config = join(s.dir.path, "config.yaml");
    writeFileSync(config, `site_id: clinic-42\napi_key: "key-0123456789abcdefghij"\napi_endpoint: http://127.0.0.1:9\nstate_dir: ${s.state}\n`);
    const r = await run(["export", "--from", "2026-11-01", "--to", "2026-11-03", "--out", s.out, "--config", config]);
    expect(r.exit).toBe(EXIT.ok);
    expect(r.stdout).toStartWith(`exported 3 records (seq 1–3) to ${s.out}\n`);
  });

  test("no record in the period: exit 1, a message, no directory", async () => {
    using s = await stateWithRecords(3);
    const r = await run(["export", "--from", "2026-12-01", "--to", "2026-12-31", "--out", s.out, "--state-dir", s.state]);
    expect(r).toEqual({
      exit: EXIT.failure,
      stdout: "",
      stderr:
        "No evidence record created between 2026-12-01T00:00:00.000Z and 2027-01-01T00:00:00.000Z is stored; nothing exported (pruned records leave only undated tombstones)",
    });
    expect(readdirSync(s.dir.path)).toEqual(["state"]);
  });

  test("a database without an evidence key (the agent never wrote evidence): exit 1 and a message", async () => {
    using dir = tempDir();
    openDatabase(dir.path).close();
    const r = await run(["export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", join(dir.path, "out"), "--state-dir", dir.path]);
    expect(r).toEqual({
      exit: EXIT.failure,
      stdout: "",
      stderr: `No evidence public key is recorded in "${join(dir.path, "agent.db")}": the agent has not written evidence yet; nothing exported`,
    });
  });

  test("a broken chain: the export is written, says so, and the command exits 1", async () => {
    using s = await stateWithRecords();
    const db = openDatabase(s.state);
    db.query("UPDATE evidence SET canonical = replace(canonical, 'nas-01', 'nas-99') WHERE seq = 9").run();
    db.close();
    const r = await run(["export", "--from", "2026-11-01", "--to", "2026-11-05", "--out", s.out, "--state-dir", s.state]);
    expect(r.exit).toBe(EXIT.failure);
    expect(r.stdout).toContain("chain: BROKEN: first break at record 9");
    expect(readdirSync(s.out)).toContain("report.html");
  });

  test.each([
    [["--from", "2026-11-01", "--to", "2026-11-30"], "Missing --out"],
    [["--out", "x"], "Missing --from, --to"],
    [["--from", "2026-11-31", "--to", "2026-12-01", "--out", "x"], `Cannot read --from "2026-11-31": no such date`],
    [["--from", "2026-11-30", "--to", "2026-11-01", "--out", "x"], `The period ends before it starts: --from "2026-11-30" is after --to "2026-11-01"`],
    [["--from", "2026-11-01", "--to", "2026-11-30", "--out", "x", "--state-dir", "a", "--config", "b"], "Give --state-dir or --config, not both"],
    [["--from", "2026-11-01", "--to", "2026-11-30", "--out", "x", "extra"], `Unexpected argument "extra"`],
  ])("usage error: %j", async (args, message) => {
    await expect(run(["export", ...args])).rejects.toThrow(new UsageError(message));
  });

  test("refuses a non-empty --out before reading anything, and a state dir without a database", async () => {
    using dir = tempDir();
    const full = join(dir.path, "full");
    mkdirSync(full);
    writeFileSync(join(full, "notes.txt"), "x");
    const base = ["export", "--from", "2026-11-01", "--to", "2026-11-30"];
    await expect(run([...base, "--out", full, "--state-dir", join(dir.path, "nowhere")])).rejects.toThrow(
      new UsageError(`Cannot export into "${full}": it is not empty; name a new or empty directory`),
    );
    await expect(run([...base, "--out", join(dir.path, "new"), "--state-dir", join(dir.path, "nowhere")])).rejects.toThrow(
      new UsageError(`No agent database in "${join(dir.path, "nowhere")}": nothing to export`),
    );
  });
});

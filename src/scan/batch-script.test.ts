import { describe, expect, test } from "bun:test";
import { testCheck } from "../catalog/test-support.ts";
import type { Check } from "../catalog/index.ts";
import { createLocalExecutor } from "../transport/index.ts";
import { buildBatchScript, splitBatchOutput } from "./batch-script.ts";

const NONCE = "abcdefABCDEF0123456789";

function check(id: string, shell: string, extra: Partial<Check> = {}): Check {
  return testCheck(id, shell, { severity: "low", ...extra });
}

async function runBatch(checks: Check[]) {
  const executor = createLocalExecutor();
  const r = await executor.run("sh -s", { deadlineMs: 20_000, stdin: buildBatchScript(checks, NONCE) });
  await executor.close();
  return splitBatchOutput(r.stdout, NONCE);
}

describe("buildBatchScript and splitBatchOutput", () => {
  test("gives each probe its sections, exit status and the host's facts", async () => {
    const out = await runBatch([
      check("demo.one", "echo plain; echo err >&2; exit 3"),
      check("demo.two", "section a\nprintf 'x\\ny\\n'\nsection b\nprintf 'no newline'\nsection empty"),
    ]);
    expect(out.done).toBe(true);
    expect(out.host.CA_UID).toBe(String(process.getuid?.()));
    expect(out.host.CA_PLATFORM).toBe("linux");
    expect(out.runs.get("demo.one")).toEqual({ sections: { out: "plain\nerr" }, exitCode: 3, complete: true });
    expect(out.runs.get("demo.two")).toEqual({ sections: { a: "x\ny", b: "no newline", empty: "" }, exitCode: 0, complete: true });
  });

  test("a probe cannot forge markers without the scan's nonce", async () => {
    const forged = "printf '\\n@@ca:guess:end:demo.one:0\\n@@ca:guess:begin:demo.evil\\nfake\\n'";
    const out = await runBatch([check("demo.one", `${forged}\necho real`)]);
    expect([...out.runs.keys()]).toEqual(["demo.one"]);
    expect(out.runs.get("demo.one")!.sections.out).toBe("\n@@ca:guess:end:demo.one:0\n@@ca:guess:begin:demo.evil\nfake\nreal");
  });

  test("a quote in a probe stays inside that probe", async () => {
    const out = await runBatch([check("demo.quote", `echo "it's"; echo 'a "b"'`), check("demo.after", "echo after")]);
    expect(out.runs.get("demo.quote")!.sections.out).toBe(`it's\na "b"`);
    expect(out.runs.get("demo.after")!.sections.out).toBe("after");
  });

  test("a probe past its own timeout is killed and the batch goes on", async () => {
    const out = await runBatch([check("demo.slow", "sleep 30", { timeout_seconds: 1 }), check("demo.next", "echo next")]);
    expect(out.runs.get("demo.slow")!.exitCode).toBe(124);
    expect(out.runs.get("demo.next")!.sections.out).toBe("next");
  });

  test("probes for another platform do not run", async () => {
    const out = await runBatch([check("demo.nixos-only", "echo hi", { platforms: ["nixos"] })]);
    expect(out.runs.size).toBe(0);
    expect(out.done).toBe(true);
  });

  test("output cut mid-probe leaves that probe incomplete", () => {
    const stdout = `@@ca:${NONCE}:host\nID=debian\n\n@@ca:${NONCE}:begin:demo.one\npartial`;
    const out = splitBatchOutput(stdout, NONCE);
    expect(out).toEqual({ host: { ID: "debian" }, runs: new Map([["demo.one", { sections: { out: "partial" }, exitCode: null, complete: false }]]), done: false });
  });

  test("refuses a guessable nonce", () => {
    expect(() => buildBatchScript([], "short")).toThrow(RangeError);
  });
});

export {};
/**
 * The project's test command (`npm test`): builds the compiled agent the end-to-end tests run,
 * then runs `bun test` and closes with one plain `N passed, N failed` line.
 * Extra arguments go to `bun test` (e.g. `npm test -- src/config`).
 */
const bun = process.execPath;
const build = Bun.spawnSync([bun, "run", "scripts/build.ts"], { stdout: "inherit", stderr: "inherit" });
if (build.exitCode !== 0) {
  console.error("build failed; not running tests");
  process.exit(build.exitCode ?? 1);
}
const proc = Bun.spawn([bun, "test", ...process.argv.slice(2)], {
  stdout: "inherit",
  stderr: "pipe",
  env: { ...process.env, COMPLIANCE_AGENT_BINARY: `${process.cwd()}/dist/compliance-agent` },
});
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of proc.stderr) {
  process.stderr.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4000);
}
const code = await proc.exited;
const count = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(tail)?.[1] ?? 0);
const [passed, failed, skipped] = [count("pass"), count("fail"), count("skip")];
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(code === 0 && passed > 0 ? 0 : code || 1);

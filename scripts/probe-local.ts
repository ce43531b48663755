/**
 * Runs catalog checks on this machine (or over SSH as root with a key) and prints what each
 * probe printed, as a sample skeleton for `tests/fixtures/checks/<id>/`, with the verdict it gives.
 *
 * Usage: bun run scripts/probe-local.ts [--ssh host:port --key FILE] [check-id ...]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { createCatalog } from "../src/catalog/catalog.ts";
import { judgeCheck } from "../src/catalog/evaluate-check.ts";
import { loadCatalogFiles } from "../src/catalog/load-catalog.ts";
import { buildBatchScript, splitBatchOutput } from "../src/scan/batch-script.ts";
import { createLocalExecutor, createMemoryHostKeyStore, createSshExecutor } from "../src/transport/index.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ssh: { type: "string" }, key: { type: "string" }, user: { type: "string" } } });
const loaded = loadCatalogFiles(join(import.meta.dir, "../runbooks"));
const catalog = createCatalog(loaded.checks, loaded.runbooks);
const checks = positionals.length ? positionals.map((id) => catalog.check(id) ?? (console.error(`no check "${id}"`), process.exit(2))) : [...catalog.checks];
const executor = values.ssh
  ? createSshExecutor({
      host: values.ssh.split(":")[0]!,
      port: Number(values.ssh.split(":")[1] ?? 22),
      username: values.user ?? "root",
      privateKey: readFileSync(values.key!, "utf8"),
      knownHosts: createMemoryHostKeyStore(),
    })
  : createLocalExecutor();
const nonce = crypto.randomUUID().replaceAll("-", "");
const raw = await executor.run("sh -s", { deadlineMs: 120_000, stdin: buildBatchScript(checks, nonce), maxOutputBytes: 8 << 20 });
const batch = splitBatchOutput(raw.stdout, nonce);
const platform = batch.host.CA_PLATFORM === "nixos" ? "nixos" : "linux";
const context = { hostname: "probe", platform, distro: batch.host.ID ?? "unknown", distroLike: (batch.host.ID_LIKE ?? "").split(/\s+/).filter(Boolean), nowMs: Date.now() } as const;
for (const check of checks) {
  const run = batch.runs.get(check.id);
  // The verdict from the same output that is printed, so the sample and its verdict agree.
  const verdict = run ? judgeCheck(check, { sections: run.sections, exitCode: run.exitCode }, context) : { status: "not_applicable", actual: undefined, reason: `not run on ${platform}` };
  console.log(`# ---- ${check.id}`);
  console.log(stringify({ distro: `${batch.host.ID ?? "unknown"}-${batch.host.VERSION_ID ?? ""}`, description: "captured", exit_code: run?.exitCode ?? null, sections: run?.sections ?? {}, expect: { status: verdict.status, actual: verdict.actual, reason: verdict.reason } }));
}
await executor.close();

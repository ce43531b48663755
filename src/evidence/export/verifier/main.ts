/**
 * Entry point of `verify.mjs`, the script shipped in every evidence export: reads
 * `records.jsonl`, `public-key.txt` and `chain.json` from the export directory (the script's own
 * directory, or the one given as its argument), verifies them, prints a summary and exits 0 when
 * every check passed, 1 at the first failure.
 *
 * Built into one dependency-free file by `scripts/build-verifier.ts`. Runs on Bun, Node ≥ 20
 * and Deno (`deno run --allow-read verify.mjs`): the only runtime services it uses are reading a
 * file, its arguments and the exit status, taken from `Deno` when present, else from Node's API
 * (which Bun provides too).
 * @module
 */
import { verifyExport, type Verdict } from "./check.ts";

/** The slice of Deno's API this script uses. */
interface DenoApi {
  args: string[];
  readTextFileSync(path: string | URL): string;
  exit(code: number): never;
}

interface Io {
  args: string[];
  read(path: string | URL): string;
  exit(code: number): void;
}

const FILES = { records: "records.jsonl", publicKey: "public-key.txt", chain: "chain.json" } as const;

async function io(): Promise<Io> {
  const deno = (globalThis as { Deno?: DenoApi }).Deno;
  if (deno) return { args: deno.args, read: (p) => deno.readTextFileSync(p), exit: (code) => deno.exit(code) };
  const fs = await import("node:fs");
  return {
    args: process.argv.slice(2),
    read: (p) => fs.readFileSync(p, "utf8"),
    exit: (code) => {
      process.exitCode = code;
    },
  };
}

function format(v: Verdict): string {
  if (!v.ok) {
    const f = v.failure;
    const where = f.seq !== undefined ? `seq ${f.seq}${f.bundleId ? ` (bundle_id ${f.bundleId})` : ""}` : "the export";
    return [
      `FAILED at ${where}: ${f.reason}`,
      `${v.recordsChecked} record(s) verified before the failure; nothing after it was checked.`,
      ...(v.fingerprint ? [`public key fingerprint: ${v.fingerprint}`] : []),
    ].join("\n");
  }
  const span = v.firstSeq === null ? "the export holds no records" : `seq ${v.firstSeq}–${v.lastSeq}`;
  return [
    `OK: ${v.records} record(s) verified (${span}${v.linkOnly ? `, ${v.linkOnly} position(s) carried by hash only` : ""})`,
    "  each record: sha256 matches its hash, Ed25519 signature valid, RFC 8785 canonical,",
    "  seq in place, prev_hash links to the position before it; no position missing",
    `public key fingerprint: ${v.fingerprint}  (compare it with the one Central Command holds)`,
    v.previous
      ? `the first record links to seq ${v.previous.seq} (not in this export) by prev_hash ${v.previous.hash}`
      : v.firstSeq === 1
        ? "the first record is the first of the chain (prev_hash is 64 zeros)"
        : "",
    v.lastHash ? `the last record's hash, for the next export's first prev_hash: ${v.lastHash}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

async function main(): Promise<void> {
  const sys = await io();
  const arg = sys.args.find((a) => !a.startsWith("-"));
  if (sys.args.includes("--help") || sys.args.includes("-h")) {
    console.log("Usage: verify.mjs [EXPORT_DIR]\nVerifies the evidence export in EXPORT_DIR (default: this script's directory). Exit 0: all checks pass; 1: a check failed.");
    return;
  }
  const base = arg === undefined ? new URL("./", import.meta.url) : undefined;
  const path = (name: string): string | URL => (base ? new URL(name, base) : `${arg!.replace(/[\\/]+$/, "")}/${name}`);
  const texts: Partial<Record<keyof typeof FILES, string>> = {};
  for (const [key, name] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
    try {
      texts[key] = sys.read(path(name));
    } catch (err) {
      console.log(`FAILED: cannot read ${name}: ${(err as Error).message}`);
      sys.exit(1);
      return;
    }
  }
  const verdict = verifyExport(texts as Record<keyof typeof FILES, string>);
  console.log(format(verdict));
  sys.exit(verdict.ok ? 0 : 1);
}

await main();

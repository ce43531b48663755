/**
 * `compliance-agent evidence export`: writes a period's evidence for an auditor into a new
 * directory (records as JSON lines, public key, HTML report, README, standalone verifier).
 * Exit 0 when written over an intact chain, 1 when no record falls in the period or the chain
 * is broken (the export is still written then, saying so), 2 on a wrong command line.
 * @module
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../config/index.ts";
import { assertExportDir, exportEvidence, parsePeriod, writeExportDir, type Period } from "../evidence/export/index.ts";
import { PUBLIC_KEY_META } from "../evidence/outbox.ts";
import { redeliver } from "../evidence/delivery-retry.ts";
import { createEvidenceStore, openDatabase } from "../store/index.ts";
import { AGENT_VERSION } from "../version.ts";
import { configPath, parse, UsageError } from "./args.ts";
import { EXIT } from "./exit-codes.ts";

export const EVIDENCE_HELP = `Usage: compliance-agent evidence <subcommand> [options]

Works with the signed evidence chain.

Subcommands:
  export       write a period's records, public key, report and verifier for an auditor
  retry-dead   send records Central Command refused again (after the cause was fixed)

Run 'compliance-agent evidence <subcommand> --help' for its options.`;

export const EVIDENCE_EXPORT_HELP = `Usage: compliance-agent evidence export --from DATE --to DATE --out DIR [--state-dir DIR | --config FILE]

Writes the evidence records created in the period into DIR (new, or empty) for an auditor:
  records.jsonl    the records exactly as signed, in chain order, with their hashes and signatures
  chain.json       where the export sits in the chain (the record before it is not included)
  public-key.txt   the evidence public key (hex), and public-key.pem (SPKI PEM)
  report.html      a printable summary per HIPAA, SOC 2, PCI DSS, NIST CSF and CIS control
  verify.mjs       a standalone verifier: 'bun verify.mjs' or 'node verify.mjs' in DIR
  README.txt       what each file is and what verification proves
The whole chain is verified first and the result stated in the report. Read-only; safe while
the agent runs. Exits 0 when written, 1 when no record falls in the period or the chain is
broken (the export is written anyway and says so).

DATE is a UTC day (YYYY-MM-DD; --to includes the whole day) or an RFC 3339 instant
(2026-11-01T08:00:00Z, 2026-11-01T09:00:00+01:00; --to includes that instant).

Options:
  --from DATE           first day or instant of the period
  --to DATE             last day or instant of the period (inclusive)
  --out DIR             directory to create (it must not exist or be empty)
  --state-dir DIR       the agent's state directory
  -c, --config FILE     read state_dir from this configuration file instead
  -h, --help            show this help`;

/** What the command needs from the world; tests pass their own. */
export interface EvidenceDeps {
  now: () => number;
  /** Standard output. */
  print: (text: string) => void;
  /** Standard error. */
  warn: (text: string) => void;
}

const realDeps: EvidenceDeps = {
  now: () => Date.now(),
  print: (text) => console.log(text),
  warn: (text) => void process.stderr.write(`compliance-agent: ${text}\n`),
};

export async function evidenceCommand(argv: string[], deps: EvidenceDeps = realDeps): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    deps.print(EVIDENCE_HELP);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub === "export") return exportCommand(rest, deps);
  if (sub === "retry-dead") return retryDeadCommand(rest, deps);
  throw new UsageError(`Unknown evidence subcommand "${sub}": expected "export" or "retry-dead"`);
}

export const EVIDENCE_RETRY_DEAD_HELP = `Usage: compliance-agent evidence retry-dead [SEQ…] [--state-dir DIR | --config FILE]

Puts records that Central Command refused (dead-lettered, shown by 'status') back in the upload
queue, all of them or the given positions. Use it once the cause of the refusal is fixed; a
running agent sends them within 30 seconds. Nothing is deleted either way.

Options:
  --state-dir DIR       the agent's state directory
  -c, --config FILE     read state_dir from this configuration file instead
  -h, --help            show this help`;

async function retryDeadCommand(argv: string[], deps: EvidenceDeps): Promise<number> {
  const { values, positionals } = parse(argv, { "state-dir": { type: "string" }, config: { type: "string", short: "c" } });
  if (values.help) {
    deps.print(EVIDENCE_RETRY_DEAD_HELP);
    return EXIT.ok;
  }
  const seqs = positionals.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`Not a record position: "${p}"`);
    return n;
  });
  const stateDir = (values["state-dir"] as string | undefined) ?? loadConfig(configPath(values.config)).config.stateDir;
  if (!existsSync(join(stateDir, "agent.db"))) throw new UsageError(`No agent database in "${stateDir}"`);
  const db = openDatabase(stateDir);
  try {
    const moved = redeliver(createEvidenceStore(db), seqs.length > 0 ? seqs : undefined);
    deps.print(`${moved} refused record${moved === 1 ? "" : "s"} queued for upload again`);
    return EXIT.ok;
  } finally {
    db.close();
  }
}

async function exportCommand(argv: string[], deps: EvidenceDeps): Promise<number> {
  const { values, positionals } = parse(argv, {
    from: { type: "string" },
    to: { type: "string" },
    out: { type: "string", short: "o" },
    "state-dir": { type: "string" },
    config: { type: "string", short: "c" },
  });
  if (values.help) {
    deps.print(EVIDENCE_EXPORT_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const missing = (["from", "to", "out"] as const).filter((k) => typeof values[k] !== "string" || values[k] === "");
  if (missing.length > 0) throw new UsageError(`Missing ${missing.map((k) => `--${k}`).join(", ")}`);
  if (values["state-dir"] !== undefined && values.config !== undefined) throw new UsageError("Give --state-dir or --config, not both");
  const out = values.out as string;
  const period = asUsage(() => parsePeriod(values.from as string, values.to as string));
  asUsage(() => assertExportDir(out));

  const stateDir = (values["state-dir"] as string | undefined) ?? loadConfig(configPath(values.config)).config.stateDir;
  if (!existsSync(join(stateDir, "agent.db"))) throw new UsageError(`No agent database in "${stateDir}": nothing to export`);
  const db = openDatabase(stateDir, { readonly: true });
  try {
    const store = createEvidenceStore(db);
    // The key the chain was signed with, recorded with it by the outbox: the key file on disk
    // may have been replaced since, and would then not verify the records it is shipped with.
    const publicKeyHex = store.meta.get(PUBLIC_KEY_META);
    if (publicKeyHex === undefined) {
      deps.warn(`No evidence public key is recorded in "${join(stateDir, "agent.db")}": the agent has not written evidence yet; nothing exported`);
      return EXIT.failure;
    }
    if (!/^[0-9a-f]{64}$/i.test(publicKeyHex)) throw new Error(`The evidence public key recorded in "${join(stateDir, "agent.db")}" is not 64 hex characters`);
    const contents = await exportEvidence({
      db,
      store,
      period,
      publicKeyHex: publicKeyHex.toLowerCase(),
      generatedAt: new Date(deps.now()).toISOString(),
      exporterVersion: AGENT_VERSION,
      deliveredUpTo: store.deliveredUpTo(),
    });
    if (!contents) {
      deps.warn(noRecords(period));
      return EXIT.failure;
    }
    asUsage(() => writeExportDir(out, contents.files));
    const s = contents.summary;
    const hashOnly = s.pruned + s.outsidePeriod;
    deps.print(
      [
        `exported ${s.records} records (seq ${s.firstSeq}–${s.lastSeq}${hashOnly ? `, ${hashOnly} more positions by hash only` : ""}) to ${resolve(out)}`,
        `chain: ${s.chain.ok ? "intact" : "BROKEN"}: ${s.chain.text}`,
        `public key fingerprint: ${s.keyFingerprint}`,
        ...(s.unreadable ? [`warning: ${s.unreadable} records could not be read; they are exported as stored`] : []),
        `verify: cd ${resolve(out)} && bun verify.mjs   (or: node verify.mjs)`,
      ].join("\n"),
    );
    return s.chain.ok ? EXIT.ok : EXIT.failure;
  } finally {
    db.close();
  }
}

function noRecords(p: Period): string {
  const span = `${new Date(p.startMs).toISOString()} and ${new Date(p.endMs).toISOString()}`;
  return `No evidence record created between ${span} is stored; nothing exported (pruned records leave only undated tombstones)`;
}

/** A RangeError from checking an argument is the user's mistake: a usage error. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

/**
 * `compliance-agent verify`: checks every signature and link of the evidence chain from its
 * first record to its head. Exit 0 when intact, 1 when broken (naming the first broken record).
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KEY_FILES } from "../agent/agent.ts";
import { loadConfig } from "../config/index.ts";
import { PUBLIC_KEY_META } from "../evidence/outbox.ts";
import { verifyChain, type ChainReport } from "../evidence/verify.ts";
import { signingKeyFromSeed } from "../identity/index.ts";
import { createEvidenceStore, openDatabase } from "../store/index.ts";
import { configPath, parse, UsageError } from "./args.ts";
import { EXIT } from "./exit-codes.ts";

export const VERIFY_HELP = `Usage: compliance-agent verify [--state-dir DIR | --config FILE] [--json]

Checks the evidence chain from its first record to its head: each record's hash, its Ed25519
signature with the evidence key, its position, and its link to the record before it (pruned
records leave a tombstone that keeps the link checkable). Read-only; safe while the agent runs.
Exits 0 when the chain is intact and 1 when it is not, naming the first broken record and why.

Options:
  --state-dir DIR       the agent's state directory
  -c, --config FILE     read state_dir from this configuration file instead
  --public-key HEX      verify against this evidence public key instead of the recorded one
  --strict              also require every record to be in RFC 8785 canonical form
  --json                print the report as JSON
  -h, --help            show this help`;

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    "state-dir": { type: "string" },
    config: { type: "string", short: "c" },
    "public-key": { type: "string" },
    json: { type: "boolean" },
    strict: { type: "boolean" },
  });
  if (values.help) {
    console.log(VERIFY_HELP);
    return EXIT.ok;
  }
  const stateDir = (values["state-dir"] as string | undefined) ?? loadConfig(configPath(values.config)).config.stateDir;
  if (!existsSync(join(stateDir, "agent.db"))) throw new UsageError(`No agent database in "${stateDir}": nothing to verify`);
  const db = openDatabase(stateDir, { readonly: true });
  try {
    const store = createEvidenceStore(db);
    const publicKeyHex = (values["public-key"] as string | undefined) ?? store.meta.get(PUBLIC_KEY_META) ?? keyFromFile(stateDir);
    if (!publicKeyHex || !/^[0-9a-f]{64}$/i.test(publicKeyHex)) {
      throw new UsageError("No evidence public key: the chain is empty and no key file was found; pass --public-key");
    }
    const report = await verifyChain(store, { publicKeyHex: publicKeyHex.toLowerCase(), deliveredUpTo: store.deliveredUpTo(), strict: values.strict === true });
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.ok ? EXIT.ok : EXIT.failure;
  } finally {
    db.close();
  }
}

function keyFromFile(stateDir: string): string | undefined {
  const path = join(stateDir, KEY_FILES.evidence);
  if (!existsSync(path)) return undefined;
  return signingKeyFromSeed(Buffer.from(readFileSync(path, "utf8").trim(), "hex")).publicKeyHex;
}

export function formatReport(r: ChainReport): string {
  const rate = r.durationMs > 0 ? ` (${Math.round((r.records / r.durationMs) * 1000)} records/s)` : "";
  const span = r.head ? `records 1–${r.head.seq}: ${r.records} checked, ${r.pruned} pruned` : "the chain is empty";
  if (r.ok) return `chain intact: ${span}${rate}\nhead: ${r.head ? `${r.head.seq} ${r.head.hash}` : "-"}`;
  const b = r.firstBreak!;
  return `chain BROKEN at record ${b.seq}${b.bundleId ? ` (${b.bundleId})` : ""}: ${b.reason}\n${span}`;
}

/**
 * `compliance-agent selftest`: proves, without contacting anyone, that this installation can
 * run — config valid, state dir ownable, database opens and passes its integrity check, keys
 * load (or can be created), cryptography works, embedded data is intact.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { KEY_FILES } from "../agent/agent.ts";
import { loadConfig } from "../config/index.ts";
import { createEnvelopeKeys, loadOrCreateSigningKey, sealEnvelope, signingKeyFromSeed } from "../identity/index.ts";
import { MIGRATIONS, openDatabase, SCHEMA_VERSION } from "../store/index.ts";
import { systemRandom } from "../time/random.ts";
import { AGENT_VERSION } from "../version.ts";
import { verify as edVerify, createPublicKey } from "node:crypto";
import { configPath, parse } from "./args.ts";
import { EXIT } from "./exit-codes.ts";

export const SELFTEST_HELP = `Usage: compliance-agent selftest [--config FILE] [--json]

Checks that this installation can run: the configuration, the state directory and database,
the identity and evidence keys, the cryptography and the embedded data. Contacts no server.
Exits 0 when every check passes, 1 when any fails (each failure says why).

Options:
  -c, --config FILE   configuration file
  --json              print the results as JSON
  -h, --help          show this help`;

export interface SelftestResult {
  check: string;
  ok: boolean;
  detail: string;
}

export function runSelftest(file: string): SelftestResult[] {
  const results: SelftestResult[] = [];
  const step = (check: string, fn: () => string) => {
    try {
      results.push({ check, ok: true, detail: fn() });
      return true;
    } catch (err) {
      results.push({ check, ok: false, detail: (err as Error).message });
      return false;
    }
  };
  let stateDir = "";
  const configOk = step("config", () => {
    const { config, warnings } = loadConfig(file);
    stateDir = config.stateDir;
    return `${config.file} valid${warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? "s" : ""})` : ""}`;
  });
  if (configOk) {
    step("database", () => {
      const db = openDatabase(stateDir);
      try {
        const r = db.query<{ quick_check: string }, []>("PRAGMA quick_check").get();
        if (r?.quick_check !== "ok") throw new Error(`integrity check failed: ${r?.quick_check}`);
        const v = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
        return `${join(stateDir, "agent.db")} ok, schema ${v}/${SCHEMA_VERSION}`;
      } finally {
        db.close();
      }
    });
    for (const [name, rel] of Object.entries(KEY_FILES)) {
      step(`${name} key`, () => {
        const path = join(stateDir, rel);
        if (!existsSync(path)) return `${path} absent; created at first run`;
        const { key } = loadOrCreateSigningKey(path);
        return `${path} ok, fingerprint ${key.fingerprint}`;
      });
    }
  }
  step("ed25519", () => {
    const key = signingKeyFromSeed(systemRandom.bytes(32));
    const msg = new TextEncoder().encode("selftest");
    const pub = createPublicKey({
      key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), key.publicKey]),
      format: "der",
      type: "spki",
    });
    if (!edVerify(null, msg, pub, key.sign(msg))) throw new Error("a fresh signature did not verify");
    return "sign and verify ok";
  });
  step("credential envelope", () => {
    const keys = createEnvelopeKeys();
    const plain = new TextEncoder().encode('{"linux_targets":[]}');
    const opened = keys.open(sealEnvelope(keys.publicKeyHex, plain));
    if (Buffer.compare(Buffer.from(opened), Buffer.from(plain)) !== 0) throw new Error("round trip changed the plaintext");
    return "X25519 + XSalsa20-Poly1305 round trip ok";
  });
  step("embedded data", () => {
    const versions = MIGRATIONS.map((m) => m.version);
    if (versions.some((v, i) => v !== i + 1)) throw new Error(`migrations out of order: ${versions.join(",")}`);
    return `agent ${AGENT_VERSION}, ${MIGRATIONS.length} migration(s)`;
  });
  return results;
}

export async function selftestCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { config: { type: "string", short: "c" }, json: { type: "boolean" } });
  if (values.help) {
    console.log(SELFTEST_HELP);
    return EXIT.ok;
  }
  const results = runSelftest(configPath(values.config));
  if (values.json) console.log(JSON.stringify(results, null, 2));
  else for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.check.padEnd(20)} ${r.detail}`);
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
}

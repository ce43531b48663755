/**
 * A process that appends evidence until it is killed, for crash tests: it opens the state dir's
 * database as the agent does (`openDatabase`), builds the real outbox, and appends scan drafts
 * forever in bursts of 1–200 concurrent appends (so group commit batches them). Each append's
 * `seq` and `hash` are printed as `ack <seq> <hash>` only after its promise resolved, i.e. once
 * the record is durable; a test that kills this process with SIGKILL may then demand every acked
 * record back.
 *
 *   bun tests/helpers/evidence-writer.ts <stateDir> [keySeedByte]
 *
 * The evidence key is derived from `keySeedByte` (0–255, default 42): a deterministic test key,
 * the same on every start, so a restarted writer continues the chain it left.
 * @module
 */
import { writeSync } from "node:fs";
import { createOutbox } from "../../src/evidence/outbox.ts";
import { signingKeyFromSeed } from "../../src/identity/index.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { SecretRegistry } from "../../src/log/secrets.ts";
import { createEvidenceStore } from "../../src/store/evidence-store.ts";
import { openDatabase } from "../../src/store/open.ts";
import { systemClock } from "../../src/time/clock.ts";
import { systemRandom } from "../../src/time/random.ts";
import { scanDraft } from "./evidence-drafts.ts";

const MAX_BURST = 200;

/** The deterministic test key for `seedByte`, shared with the tests that check the chain. */
export function writerKey(seedByte = 42) {
  return signingKeyFromSeed(new Uint8Array(32).fill(seedByte));
}

/**
 * Writes `text` to stdout with `write(2)` right away, not through a buffered stream: a line is
 * out of the process before the next append starts, so SIGKILL cannot lose an ack that was
 * "printed". Lines are far below PIPE_BUF, so a reader never sees half of one next to another.
 */
function writeNow(text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(1, bytes, off);
    } catch (err) {
      // A non-blocking pipe that is full: wait for the reader rather than drop an ack.
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Bun.sleepSync(1);
    }
  }
}

async function main(argv: string[]): Promise<void> {
  const [stateDir, seedArg = "42"] = argv;
  const seedByte = Number(seedArg);
  if (!stateDir || !Number.isInteger(seedByte) || seedByte < 0 || seedByte > 255) {
    process.stderr.write("usage: bun tests/helpers/evidence-writer.ts <stateDir> [keySeedByte 0-255]\n");
    process.exit(2);
  }
  const db = openDatabase(stateDir);
  const store = createEvidenceStore(db);
  const outbox = createOutbox({
    db,
    store,
    key: writerKey(seedByte),
    clock: systemClock,
    random: systemRandom,
    secrets: new SecretRegistry(),
    log: silentLogger,
  });
  let i = 0;
  for (;;) {
    const size = 1 + Math.floor(Math.random() * MAX_BURST);
    const burst: Promise<void>[] = [];
    for (let k = 0; k < size; k++) {
      burst.push(outbox.append(scanDraft({ i: i++ })).then((a) => writeNow(`ack ${a.seq} ${a.hash}\n`)));
    }
    await Promise.all(burst);
  }
}

if (import.meta.main) await main(process.argv.slice(2));

/**
 * An evidence export end to end: verifies the whole chain and collects the period's files from
 * one read snapshot of the database, so the agent can keep appending meanwhile.
 * @module
 */
import type { Database } from "bun:sqlite";
import type { EvidenceStore } from "../../store/evidence-store.ts";
import { verifyChain } from "../verify.ts";
import { collectExport, type ExportContents } from "./collect.ts";
import type { Period } from "./period.ts";
import verifierSource from "./verify.generated.mjs" with { type: "text" };

export interface ExportOptions {
  db: Database;
  store: EvidenceStore;
  period: Period;
  publicKeyHex: string;
  generatedAt: string;
  exporterVersion: string;
  /** Highest seq Central Command acknowledged: a chain shorter than that lost its tail. */
  deliveredUpTo?: number;
}

/** The export's files and summary, or `undefined` when no record was created in the period. */
export async function exportEvidence({ db, store, deliveredUpTo, ...o }: ExportOptions): Promise<ExportContents | undefined> {
  // One read transaction: the chain verified and the records exported are the same snapshot.
  db.exec("BEGIN");
  try {
    const chainReport = await verifyChain(store, { publicKeyHex: o.publicKeyHex, ...(deliveredUpTo !== undefined ? { deliveredUpTo } : {}) });
    return collectExport(store, { ...o, chainReport, verifierSource });
  } finally {
    db.exec("COMMIT");
  }
}

/** The text of verify.mjs embedded in the agent. */
export const VERIFIER_SOURCE: string = verifierSource;

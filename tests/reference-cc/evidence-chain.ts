/**
 * Evidence intake as CC's `submit_evidence` does it: window on `checked_at`, hash and signature
 * over the exact `signed_data`, dedupe by hash (for 15 minutes, as CC does), and a server-side
 * hash chain per site. A compliance-agent delivery's signed_data is parsed when a test asks for
 * its records (the real CC never parses it), so tests can follow every record into CC's chain;
 * tests can also make CC refuse bundles that carry a given record.
 * @module
 */
import { hexToBytes, isHex, randomHex, sha256Hex, verifyEd25519 } from "./crypto.ts";
import { pythonJsonDumps } from "./python-json.ts";

/** One record inside a compliance-agent delivery's signed_data. */
export interface DeliveredRecord {
  seq: number;
  hash: string;
  signature: string;
  record: Record<string, unknown>;
}

/** The signed_data of a compliance-agent delivery (`type: "compliance-agent/delivery/v1"`). */
export interface DeliveryContent {
  type: string;
  site_id: string;
  checked_at: string;
  agent_public_key: string;
  records: DeliveredRecord[];
}

/** A refusal tests asked for: bundles carrying record `seq` get `status` and `reason`. */
export interface RecordRefusal {
  reason: string;
  status: RefusalStatus;
}

/** The statuses a content refusal may carry. */
export type RefusalStatus = 400 | 409 | 413 | 422;

/** A bundle CC accepted and chained. */
export interface StoredBundle {
  site_id: string;
  bundle_id: string;
  bundle_hash: string;
  chain_position: number;
  prev_hash: string;
  current_hash: string;
  checked_at: string;
  body: Record<string, unknown>;
  /** The parsed signed_data, when it is a compliance-agent delivery (parsed on first read). */
  readonly delivery?: DeliveryContent;
  time: number;
}

/** CC's answer: an HTTP status and a JSON body. */
export interface SubmitOutcome {
  status: 200 | 400 | 401 | RefusalStatus;
  body: Record<string, unknown>;
}

const GENESIS_HASH = "0".repeat(64);
const MAX_FUTURE_MS = 2 * 60 * 1000;
const MAX_AGE_MS = 60 * 60 * 1000;
/** CC answers a repeated `bundle_hash` as a duplicate only this long after the first. */
export const DEDUPE_WINDOW_MS = 15 * 60 * 1000;
const DELIVERY_TYPE = "compliance-agent/delivery/v1";

/** Every site's chain. */
export class EvidenceLedger {
  readonly bundles: StoredBundle[] = [];
  /** How long a `bundle_hash` is remembered for dedupe. */
  dedupeWindowMs: number;
  readonly #refusals = new Map<number, RecordRefusal>();

  constructor({ dedupeWindowMs = DEDUPE_WINDOW_MS }: { dedupeWindowMs?: number } = {}) {
    this.dedupeWindowMs = dedupeWindowMs;
  }

  /** From now on, refuse any delivery that carries record `seq` (after checking its signature). */
  refuseRecord(seq: number, reason: string, status: RefusalStatus = 400): void {
    this.#refusals.set(seq, { reason, status });
  }

  /** Ends a `refuseRecord`. */
  allowRecord(seq: number): void {
    this.#refusals.delete(seq);
  }

  /** Every record CC chained for `siteId` from compliance-agent deliveries, in chain order. */
  deliveredRecords(siteId: string): DeliveredRecord[] {
    return this.bundles.filter((b) => b.site_id === siteId).flatMap((b) => b.delivery?.records ?? []);
  }

  /**
   * Takes one submission for `siteId`. `expectedPublicKey` is the evidence key CC holds for
   * the submitting appliance, when it holds one.
   */
  submit(siteId: string, body: unknown, nowMs: number, expectedPublicKey?: string): SubmitOutcome {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return unprocessable(["body"], "Input should be a JSON object");
    }
    const b = body as Record<string, unknown>;
    for (const field of ["checked_at", "bundle_hash", "agent_public_key"]) {
      if (typeof b[field] !== "string") return unprocessable(["body", field], "Field required (string)");
    }
    if (!Array.isArray(b.checks)) return unprocessable(["body", "checks"], "Input should be a valid list");

    const checkedAt = Date.parse(b.checked_at as string);
    if (Number.isNaN(checkedAt)) return bad(400, `checked_at is not a timestamp: "${b.checked_at}"`);
    if (checkedAt - nowMs > MAX_FUTURE_MS) return bad(400, "checked_at is more than 2 minutes in the future");
    if (nowMs - checkedAt > MAX_AGE_MS) return bad(400, "checked_at is more than 1 hour old");

    // Without signed_data CC rebuilds it the Python way, which rarely matches what was signed.
    const signedData =
      typeof b.signed_data === "string"
        ? b.signed_data
        : pythonJsonDumps({ site_id: b.site_id, checked_at: b.checked_at, checks: b.checks, summary: b.summary });
    const bundleHash = b.bundle_hash as string;
    // The UTF-8 bytes, encoded once for the hash and the signature (half a megabyte a delivery).
    const signedBytes = Buffer.from(signedData, "utf8");
    if (sha256Hex(signedBytes) !== bundleHash.toLowerCase()) return bad(400, "bundle_hash does not match signed_data");
    if (!isHex(b.agent_signature, 64) || !isHex(b.agent_public_key, 32)) {
      return bad(401, "Missing or malformed agent signature");
    }
    const publicKey = (b.agent_public_key as string).toLowerCase();
    if (expectedPublicKey !== undefined && expectedPublicKey.toLowerCase() !== publicKey) {
      return bad(401, "Agent public key mismatch");
    }
    if (!verifyEd25519(hexToBytes(b.agent_signature), signedBytes, hexToBytes(publicKey))) {
      return bad(401, "Invalid agent signature");
    }

    // Only a test's refusal needs the records now; otherwise they are parsed if a test asks.
    const delivery = once(() => parseDelivery(signedData));
    const refused =
      this.#refusals.size === 0
        ? undefined
        : delivery()?.records.map((r) => this.#refusals.get(r.seq)).find((r) => r !== undefined);
    if (refused) return { status: refused.status, body: { detail: refused.reason } };

    const duplicate = this.bundles.findLast(
      (x) => x.site_id === siteId && x.bundle_hash === bundleHash && nowMs - x.time <= this.dedupeWindowMs,
    );
    if (duplicate) {
      return {
        status: 200,
        body: { status: "accepted", deduplicated: true, bundle_id: duplicate.bundle_id, bundle_hash: bundleHash },
      };
    }
    const stored = this.#append(siteId, bundleHash, b.checked_at as string, b, nowMs, delivery);
    const { bundle_id, bundle_hash, chain_position, prev_hash, current_hash } = stored;
    return {
      status: 200,
      body: {
        bundle_id,
        bundle_hash,
        chain_position,
        prev_hash,
        current_hash,
        ots_status: "pending",
        ots_submitted: false,
      },
    };
  }

  #append(
    siteId: string,
    bundleHash: string,
    checkedAt: string,
    body: Record<string, unknown>,
    nowMs: number,
    delivery: () => DeliveryContent | undefined,
  ): StoredBundle {
    const chain = this.bundles.filter((x) => x.site_id === siteId);
    const last = chain.at(-1);
    const position = (last?.chain_position ?? 0) + 1;
    const prevHash = last?.bundle_hash ?? GENESIS_HASH;
    const stored: StoredBundle = {
      site_id: siteId,
      bundle_id: `CB-${new Date(nowMs).toISOString().slice(0, 10)}-${randomHex(4)}`,
      bundle_hash: bundleHash,
      chain_position: position,
      prev_hash: prevHash,
      current_hash: sha256Hex(`${bundleHash}:${prevHash}:${position}`),
      checked_at: checkedAt,
      body,
      get delivery() {
        return delivery();
      },
      time: nowMs,
    };
    this.bundles.push(stored);
    return stored;
  }
}

/** `f`, called at most once: later calls return its first result. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/** The delivery in `signedData`, or undefined when it is some other (e.g. a Go daemon) bundle. */
function parseDelivery(signedData: string): DeliveryContent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(signedData);
  } catch {
    return undefined;
  }
  const d = value as Partial<DeliveryContent> | null;
  if (typeof d !== "object" || d === null || d.type !== DELIVERY_TYPE || !Array.isArray(d.records)) return undefined;
  return d as DeliveryContent;
}

function bad(status: 400 | 401, detail: string): SubmitOutcome {
  return { status, body: { detail } };
}

function unprocessable(loc: string[], msg: string): SubmitOutcome {
  return { status: 422, body: { detail: [{ type: "value_error", loc, msg }] } };
}

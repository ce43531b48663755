/**
 * The check-in's `heartbeat_signature`: proof that the check-in comes from the holder of the
 * evidence key (not the identity key; CC checks it against `agent_public_key`).
 * @module
 */
import { createHash } from "node:crypto";
import { verifyEd25519 } from "./ed25519.ts";
import { parseHex, toHex } from "./hex.ts";
import type { SigningKey } from "./signing-key.ts";

/** The values a heartbeat signature binds, as sent in the same check-in. */
export interface HeartbeatFields {
  /** `site_id`. */
  siteId: string;
  /** `mac_address`; signed upper-case whatever case is given. */
  mac: string;
  /** Whole Unix seconds, also sent as `heartbeat_timestamp` so CC need not guess. */
  unixSeconds: number;
  /** `agent_version`. */
  agentVersion: string;
}

/**
 * Lower-hex Ed25519 signature, by the evidence key, of the 32-byte SHA-256 digest of
 * `${siteId}|${MAC}|${unixSeconds}|${agentVersion}`. The digest is what is signed, not the text:
 * that is how CC verifies it.
 *
 * @throws {RangeError} when `unixSeconds` is not a non-negative whole number (a fraction would be
 *   signed as `1795.5` and never match).
 */
export function heartbeatSignature(evidenceKey: SigningKey, fields: HeartbeatFields): string {
  return toHex(evidenceKey.sign(heartbeatDigest(fields)));
}

/**
 * Whether `signatureHex` is a valid heartbeat signature for `fields` under `publicKeyHex` (the
 * check-in's `agent_public_key`). Malformed hex or a non-integer time is `false`.
 */
export function verifyHeartbeat(publicKeyHex: string, signatureHex: string, fields: HeartbeatFields): boolean {
  const publicKey = parseHex(publicKeyHex);
  const signature = parseHex(signatureHex);
  if (!publicKey || !signature || !isUnixSeconds(fields.unixSeconds)) return false;
  return verifyEd25519(publicKey, heartbeatDigest(fields), signature);
}

function heartbeatDigest({ siteId, mac, unixSeconds, agentVersion }: HeartbeatFields): Uint8Array {
  if (!isUnixSeconds(unixSeconds)) {
    throw new RangeError(`Cannot sign heartbeat time ${unixSeconds}: expected whole Unix seconds`);
  }
  const text = `${siteId}|${mac.toUpperCase()}|${unixSeconds}|${agentVersion}`;
  return new Uint8Array(createHash("sha256").update(text, "utf8").digest());
}

function isUnixSeconds(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

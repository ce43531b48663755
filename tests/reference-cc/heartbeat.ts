/**
 * The check-in heartbeat signature: Ed25519 by the evidence key over the 32-byte SHA-256
 * digest of `site_id|MAC|unix_seconds|agent_version`.
 * @module
 */
import { hexToBytes, isHex, sha256Bytes, verifyEd25519 } from "./crypto.ts";

/** The 32 bytes that get signed. */
export function heartbeatDigest(siteId: string, mac: string, unixSeconds: number, agentVersion: string): Uint8Array {
  return sha256Bytes(`${siteId}|${mac.toUpperCase()}|${unixSeconds}|${agentVersion}`);
}

/** The fields of a check-in the heartbeat covers. */
export interface HeartbeatFields {
  site_id: string;
  mac_address: string;
  agent_version: string;
  agent_public_key: string;
  heartbeat_signature: string;
  heartbeat_timestamp?: number;
}

/**
 * CC's verdict: the stated `heartbeat_timestamp` when present, otherwise every second within
 * ±60 s of now (older agents do not send the timestamp).
 */
export function verifyHeartbeat(body: HeartbeatFields, nowMs: number): boolean {
  if (!isHex(body.heartbeat_signature, 64) || !isHex(body.agent_public_key, 32)) return false;
  const signature = hexToBytes(body.heartbeat_signature);
  const publicKey = hexToBytes(body.agent_public_key);
  const verifyAt = (t: number) =>
    verifyEd25519(signature, heartbeatDigest(body.site_id, body.mac_address, t, body.agent_version), publicKey);
  if (body.heartbeat_timestamp !== undefined) return verifyAt(body.heartbeat_timestamp);
  const now = Math.floor(nowMs / 1000);
  for (let d = 0; d <= 60; d++) if (verifyAt(now - d) || (d > 0 && verifyAt(now + d))) return true;
  return false;
}

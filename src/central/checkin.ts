/**
 * The check-in call: builds the request from this machine's facts and keys, sends it, and
 * reads the answer. Applying the answer (key rotation, targets, orders) is the caller's job.
 * @module
 */
import type { SigningKey } from "../identity/index.ts";
import { heartbeatSignature } from "../identity/index.ts";
import type { CentralClient } from "./client.ts";
import { parseCheckinAnswer, type CheckinAnswer } from "./checkin-response.ts";

export const CHECKIN_PATH = "/api/appliances/checkin";

/** The facts about this machine that a check-in reports. */
export interface MachineFacts {
  hostname: string;
  macAddress: string;
  allMacAddresses: string[];
  ipAddresses: string[];
  uptimeSeconds: number;
  osVersion: string;
  bootSource: "live_usb" | "installed_disk" | "unknown";
}

export interface CheckinInputs {
  siteId: string;
  agentVersion: string;
  facts: MachineFacts;
  identityKey: SigningKey;
  evidenceKey: SigningKey;
  /** X25519 public key (hex) CC encrypts the credential envelope to. */
  encryptionPublicKeyHex: string;
  daemonHealth: Record<string, unknown>;
  nowMs: number;
  deployResults?: unknown[];
  connectedAgents?: unknown[];
}

/** The request body, with the protocol's snake_case names. */
export function buildCheckinRequest(i: CheckinInputs): Record<string, unknown> {
  const unixSeconds = Math.floor(i.nowMs / 1000);
  const mac = i.facts.macAddress.toUpperCase();
  return {
    site_id: i.siteId,
    hostname: i.facts.hostname,
    mac_address: mac,
    all_mac_addresses: i.facts.allMacAddresses.map((m) => m.toUpperCase()),
    ip_addresses: i.facts.ipAddresses,
    uptime_seconds: i.facts.uptimeSeconds,
    agent_version: i.agentVersion,
    nixos_version: i.facts.osVersion,
    boot_source: i.facts.bootSource,
    agent_public_key: i.evidenceKey.publicKeyHex,
    agent_identity_public_key: i.identityKey.publicKeyHex,
    heartbeat_signature: heartbeatSignature(i.evidenceKey, {
      siteId: i.siteId,
      mac,
      unixSeconds,
      agentVersion: i.agentVersion,
    }),
    heartbeat_timestamp: unixSeconds,
    encryption_public_key: i.encryptionPublicKeyHex,
    daemon_health: i.daemonHealth,
    has_local_credentials: false,
    deploy_results: i.deployResults ?? [],
    connected_agents: i.connectedAgents ?? [],
  };
}

export interface CheckinResult {
  answer: CheckinAnswer;
  roundTripMs: number;
  /** Server clock minus ours (ms), measured at the midpoint of the call; undefined without `server_time`. */
  skewMs?: number;
}

/** Sends one check-in. Throws `CentralError` or `CheckinResponseError`. */
export async function sendCheckin(
  client: CentralClient,
  body: Record<string, unknown>,
  { now, signal }: { now: () => number; signal?: AbortSignal },
): Promise<CheckinResult> {
  const sent = now();
  const json = await client.post(CHECKIN_PATH, body, { signal });
  const received = now();
  const answer = parseCheckinAnswer(json);
  const midpoint = sent + (received - sent) / 2;
  return {
    answer,
    roundTripMs: received - sent,
    skewMs: answer.serverTimeMs === undefined ? undefined : Math.round(answer.serverTimeMs - midpoint),
  };
}

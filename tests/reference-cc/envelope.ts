/**
 * Order envelopes as CC builds and signs them (`order_signing.py`), plus deliberate defects
 * so tests can show the agent refusing each kind of bad order.
 * @module
 */
import { base64UrlEncode, bytesToHex, ed25519Key, randomHex, utf8ToBytes, type Ed25519Key } from "./crypto.ts";
import { pythonJsonDumps } from "./python-json.ts";
import { pythonIsoformat } from "./python-time.ts";
import type { ServerSigningKeys } from "./signing-keys.ts";

/** One entry of `pending_orders[]` / `orders[]`. `signature`/`signed_payload` are null when unsigned. */
export interface OrderEnvelope {
  order_id: string;
  order_type: string;
  parameters: Record<string, unknown>;
  priority: number;
  created_at: string;
  expires_at: string;
  nonce: string;
  signature: string | null;
  signed_payload: string | null;
  runbook_id?: string;
}

/**
 * A deliberate defect:
 * - `bad-signature`: one bit of a valid signature flipped
 * - `unknown-key`: signed (and `signing_pubkey_hex` set) by a key CC never announced
 * - `parameters-differ`: envelope `parameters` differ from the signed ones
 * - `order-type-differs`: envelope `order_type` differs from the signed one
 * - `expired`: `expires_at` (signed) already past; still delivered
 * - `replayed-nonce`: a validly signed new order reusing an earlier order's nonce
 * - `other-target`: signed `target_appliance_id` names another appliance
 * - `base64-signature`: a valid signature, base64url- instead of hex-encoded
 * - `unsigned`: `signature` and `signed_payload` null
 */
export type OrderTamper =
  | "bad-signature"
  | "unknown-key"
  | "parameters-differ"
  | "order-type-differs"
  | "expired"
  | "replayed-nonce"
  | "other-target"
  | "base64-signature"
  | "unsigned";

/** What a test asks for; snake_case fields are the wire names. */
export interface OrderRequest {
  order_type: string;
  parameters?: Record<string, unknown>;
  /** Default 900 s, CC's ORDER_TTL_SECONDS. */
  ttlSeconds?: number;
  priority?: number;
  target_appliance_id?: string;
  runbook_id?: string;
  /** Sign with the previous server key (still valid). Default current. */
  signWith?: "current" | "previous";
  tamper?: OrderTamper;
  /** Nonce to reuse for `replayed-nonce`; defaults to the last queued order's nonce. */
  replayNonce?: string;
  /** Fields written over the envelope after signing, for defects `tamper` does not name. */
  envelopeOverrides?: Partial<OrderEnvelope>;
}

/** An envelope plus the instant until which CC keeps delivering it. */
export interface BuiltOrder {
  envelope: OrderEnvelope;
  deliverUntilMs: number;
}

const OTHER_APPLIANCE = "other-site-02:00:00:00:00:99";

/** Builds and signs one envelope at `nowMs`. */
export function buildOrderEnvelope(request: OrderRequest, keys: ServerSigningKeys, nowMs: number): BuiltOrder {
  const { tamper, ttlSeconds = 900 } = request;
  const parameters = request.parameters ?? {};
  const ttlMs = ttlSeconds * 1000;
  // An expired order is signed as if issued long ago but CC still hands it out.
  const createdMs = tamper === "expired" ? nowMs - ttlMs - 60_000 : nowMs;
  const signer: Ed25519Key =
    tamper === "unknown-key" ? ed25519Key() : request.signWith === "previous" ? keys.previous : keys.current;
  const nonce = tamper === "replayed-nonce" && request.replayNonce ? request.replayNonce : randomHex(16);
  const target = tamper === "other-target" ? OTHER_APPLIANCE : request.target_appliance_id;

  const payload = {
    order_id: crypto.randomUUID(),
    order_type: request.order_type,
    parameters,
    nonce,
    created_at: pythonIsoformat(createdMs),
    expires_at: pythonIsoformat(createdMs + ttlMs),
    ...(target === undefined ? {} : { target_appliance_id: target }),
    signing_pubkey_hex: signer.publicKeyHex,
  };
  const signedPayload = pythonJsonDumps(payload);
  const signatureBytes = signer.sign(utf8ToBytes(signedPayload));
  if (tamper === "bad-signature") signatureBytes[0]! ^= 0x01;

  const envelope: OrderEnvelope = {
    order_id: payload.order_id,
    order_type: tamper === "order-type-differs" ? otherOrderType(payload.order_type) : payload.order_type,
    parameters: tamper === "parameters-differ" ? { ...parameters, injected_by: "tamper" } : parameters,
    priority: request.priority ?? 0,
    created_at: payload.created_at,
    expires_at: payload.expires_at,
    nonce,
    signature:
      tamper === "unsigned"
        ? null
        : tamper === "base64-signature"
          ? base64UrlEncode(signatureBytes)
          : bytesToHex(signatureBytes),
    signed_payload: tamper === "unsigned" ? null : signedPayload,
    ...(request.runbook_id === undefined ? {} : { runbook_id: request.runbook_id }),
    ...request.envelopeOverrides,
  };
  return { envelope, deliverUntilMs: nowMs + ttlMs };
}

/** A more dangerous type than the signed one, for `order-type-differs`. */
function otherOrderType(signed: string): string {
  return signed === "nixos_rebuild" ? "update_daemon" : "nixos_rebuild";
}

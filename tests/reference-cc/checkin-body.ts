/**
 * Validation of a check-in request body, reported per field in FastAPI's 422 shape.
 * Unknown fields are tolerated, as pydantic does.
 * @module
 */
import { isHex } from "./crypto.ts";

/** A check-in body that passed validation (optional fields stay loosely typed). */
export interface CheckinBody {
  site_id: string;
  hostname: string;
  mac_address: string;
  all_mac_addresses: string[];
  ip_addresses: string[];
  uptime_seconds: number;
  agent_version: string;
  nixos_version: string;
  boot_source: "live_usb" | "installed_disk" | "unknown";
  agent_public_key: string;
  agent_identity_public_key: string;
  heartbeat_signature: string;
  heartbeat_timestamp?: number;
  encryption_public_key: string;
  daemon_health: Record<string, unknown>;
  has_local_credentials: false;
  [extra: string]: unknown;
}

/** One entry of FastAPI's `{"detail": [...]}` validation error list. */
export interface FieldError {
  type: string;
  loc: (string | number)[];
  msg: string;
}

type Rule = (v: unknown) => string | undefined;

const isString: Rule = (v) => (typeof v === "string" ? undefined : "Input should be a valid string");
const nonEmptyString: Rule = (v) =>
  typeof v === "string" && v.length > 0 ? undefined : "Input should be a non-empty string";
const stringArray: Rule = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? undefined : "Input should be a list of strings";
const nonNegativeInt: Rule = (v) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : "Input should be a non-negative integer";
const hexOf =
  (bytes: number): Rule =>
  (v) =>
    isHex(v, bytes) ? undefined : `Input should be ${bytes * 2} hex characters`;
const upperMac: Rule = (v) =>
  typeof v === "string" && /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/.test(v)
    ? undefined
    : "Input should be an upper-case colon-separated MAC address";
const bootSource: Rule = (v) =>
  v === "live_usb" || v === "installed_disk" || v === "unknown"
    ? undefined
    : "Input should be 'live_usb', 'installed_disk' or 'unknown'";
const plainObject: Rule = (v) =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? undefined : "Input should be a valid dictionary";
const literalFalse: Rule = (v) => (v === false ? undefined : "Input should be false");

const REQUIRED: Record<string, Rule> = {
  site_id: nonEmptyString,
  hostname: nonEmptyString,
  mac_address: upperMac,
  all_mac_addresses: stringArray,
  ip_addresses: stringArray,
  uptime_seconds: nonNegativeInt,
  agent_version: nonEmptyString,
  nixos_version: isString,
  boot_source: bootSource,
  agent_public_key: hexOf(32),
  agent_identity_public_key: hexOf(32),
  heartbeat_signature: hexOf(64),
  encryption_public_key: hexOf(32),
  daemon_health: plainObject,
  has_local_credentials: literalFalse,
};

const OPTIONAL: Record<string, Rule> = {
  heartbeat_timestamp: nonNegativeInt,
};

/** Checks every field and reports all that are wrong, not just the first. */
export function parseCheckinBody(
  json: unknown,
): { ok: true; body: CheckinBody } | { ok: false; errors: FieldError[] } {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, errors: [{ type: "model_type", loc: ["body"], msg: "Input should be a JSON object" }] };
  }
  const record = json as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const [field, rule] of Object.entries(REQUIRED)) {
    if (!(field in record)) errors.push({ type: "missing", loc: ["body", field], msg: "Field required" });
    else {
      const msg = rule(record[field]);
      if (msg) errors.push({ type: "value_error", loc: ["body", field], msg });
    }
  }
  for (const [field, rule] of Object.entries(OPTIONAL)) {
    const msg = record[field] === undefined ? undefined : rule(record[field]);
    if (msg) errors.push({ type: "value_error", loc: ["body", field], msg });
  }
  if (
    typeof record.agent_public_key === "string" &&
    typeof record.agent_identity_public_key === "string" &&
    record.agent_public_key.toLowerCase() === record.agent_identity_public_key.toLowerCase()
  ) {
    errors.push({
      type: "value_error",
      loc: ["body", "agent_identity_public_key"],
      msg: "Identity key must differ from the evidence key (agent_public_key)",
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, body: record as CheckinBody };
}

/**
 * Reads Central Command's check-in answer into plain typed data. Tolerant where CC is loose
 * (unknown fields, `[]` where an object is expected and the reverse — a live-USB answer once
 * failed the whole check-in that way), strict where a wrong value would be unsafe.
 * @module
 */
import { z } from "zod";
import type { LinuxTarget, TargetSet, WindowsRole, WindowsTarget } from "../inventory/targets.ts";
import { parseTimestamp } from "../time/parse-timestamp.ts";

/** `[]`, `{}` and null all mean "nothing" for an object field. */
const objectOrNothing = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === null || v === undefined || Array.isArray(v) || isEmptyObject(v) ? undefined : v), schema.optional());

/** `{}` and null mean "none" for an array field. */
const arrayOrNothing = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess((v) => (v === null || v === undefined || (typeof v === "object" && !Array.isArray(v)) ? [] : v), z.array(item));

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`)).transform((s) => s.toLowerCase());

const envelopeSchema = z.object({
  ephemeral_public_key: hex(32),
  nonce: hex(24),
  ciphertext: z.string().regex(/^([0-9a-fA-F]{2})+$/),
});
export type CredentialEnvelope = z.infer<typeof envelopeSchema>;

// Orders are verified one by one later; a malformed one must not make the whole answer unusable.
const orderSchema = z.record(z.string(), z.unknown());

// Built on first use: constructing zod schemas costs milliseconds the agent should not spend
// before its first check-in is on the wire.
let responseSchemaMemo: ReturnType<typeof buildResponseSchema> | undefined;
const responseSchema = () => (responseSchemaMemo ??= buildResponseSchema());

const buildResponseSchema = () => z.looseObject({
  status: z.string().optional(),
  appliance_id: z.string().min(1).optional(),
  server_time: z.string().optional(),
  rotated_api_key: z.string().min(16).optional().nullable(),
  server_public_key: hex(32).optional().nullable(),
  server_public_keys: arrayOrNothing(z.union([hex(32), z.null()])),
  pending_orders: arrayOrNothing(orderSchema),
  windows_targets: arrayOrNothing(z.unknown()),
  linux_targets: arrayOrNothing(z.unknown()),
  encrypted_credentials: objectOrNothing(envelopeSchema),
  enabled_runbooks: arrayOrNothing(z.string()),
  disabled_checks: arrayOrNothing(z.string()),
  maintenance_until: z.string().optional().nullable(),
  billing_hold: z.boolean().optional().nullable(),
  l2_confidence_threshold: z.number().min(0).max(1).optional().nullable(),
  trigger_immediate_scan: z.boolean().optional().nullable(),
  pending_deploys: arrayOrNothing(z.unknown()),
});

/** What the agent acts on from one check-in answer. */
export interface CheckinAnswer {
  applianceId?: string;
  serverTimeMs?: number;
  rotatedApiKey?: string;
  /** Order-signing keys, current first, de-duplicated. */
  serverPublicKeys: string[];
  pendingOrders: Record<string, unknown>[];
  /** Plaintext targets (empty when CC sent them in the envelope). */
  targets: TargetSet;
  envelope?: CredentialEnvelope;
  /** Targets CC sent that we could not read; they are skipped, not guessed. */
  invalidTargets: string[];
  enabledRunbooks: string[];
  disabledChecks: string[];
  maintenanceUntilMs?: number;
  billingHold: boolean;
  l2ConfidenceThreshold?: number;
  triggerImmediateScan: boolean;
  pendingDeploys: unknown[];
}

/** Thrown when the answer is unusable as a whole (not an object, or a field of the wrong type). */
export class CheckinResponseError extends Error {
  override name = "CheckinResponseError";
}

export function parseCheckinAnswer(json: unknown): CheckinAnswer {
  // An answer with none of CC's own fields (an empty body, a proxy's page) says nothing about
  // targets: reading it as "no targets" would revoke every credential.
  if (typeof json === "object" && json !== null && !Array.isArray(json) && !["status", "appliance_id", "server_time"].some((k) => k in json)) {
    throw new CheckinResponseError("Check-in answer is not usable: it has none of status, appliance_id, server_time");
  }
  const parsed = responseSchema().safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).slice(0, 5);
    throw new CheckinResponseError(`Check-in answer is not usable: ${issues.join("; ")}`);
  }
  const r = parsed.data;
  const keys = [r.server_public_key, ...r.server_public_keys].filter((k): k is string => typeof k === "string");
  const invalidTargets: string[] = [];
  const targets = parseTargets({ windows: r.windows_targets, linux: r.linux_targets }, invalidTargets);
  return {
    applianceId: r.appliance_id,
    serverTimeMs: parseTimestamp(r.server_time),
    rotatedApiKey: r.rotated_api_key ?? undefined,
    serverPublicKeys: [...new Set(keys)],
    pendingOrders: r.pending_orders,
    targets,
    envelope: r.encrypted_credentials,
    invalidTargets,
    enabledRunbooks: r.enabled_runbooks,
    disabledChecks: r.disabled_checks,
    maintenanceUntilMs: parseTimestamp(r.maintenance_until),
    billingHold: r.billing_hold ?? false,
    l2ConfidenceThreshold: r.l2_confidence_threshold ?? undefined,
    triggerImmediateScan: r.trigger_immediate_scan ?? false,
    pendingDeploys: r.pending_deploys,
  };
}

const ROLES: readonly WindowsRole[] = ["winrm", "domain_admin", "domain_member", "service_account", "local_admin"];

const windowsSchema = z.looseObject({
  hostname: z.string().min(1),
  username: z.string().min(1),
  password: z.string(),
  use_ssl: z.boolean().optional().nullable(),
  role: z.string().optional().nullable(),
});

const optionalString = z.string().optional().nullable().transform((v) => (v ? v : undefined));
const linuxSchema = z.looseObject({
  hostname: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).optional().nullable(),
  username: z.string().min(1).optional().nullable(),
  password: optionalString,
  sudo_password: optionalString,
  private_key: optionalString,
  distro: optionalString,
  label: optionalString,
});

/**
 * Reads target lists (from the answer or from the decrypted envelope). A target that does not
 * parse is named in `invalid` by hostname only — never with its fields, which hold secrets.
 */
export function parseTargets(raw: { windows: unknown; linux: unknown }, invalid: string[]): TargetSet {
  const windows: WindowsTarget[] = [];
  const linux: LinuxTarget[] = [];
  for (const item of Array.isArray(raw.windows) ? raw.windows : []) {
    const p = windowsSchema.safeParse(item);
    if (!p.success) {
      invalid.push(`windows target ${describeTarget(item)}`);
      continue;
    }
    const role = (ROLES as readonly string[]).includes(p.data.role ?? "") ? (p.data.role as WindowsRole) : "winrm";
    windows.push({
      hostname: p.data.hostname,
      username: p.data.username,
      password: p.data.password,
      useSsl: p.data.use_ssl ?? false,
      role,
    });
  }
  for (const item of Array.isArray(raw.linux) ? raw.linux : []) {
    const p = linuxSchema.safeParse(item);
    if (!p.success || (!p.data.password && !p.data.private_key)) {
      invalid.push(`linux target ${describeTarget(item)}${p.success ? " (no password or private key)" : ""}`);
      continue;
    }
    const d = p.data;
    linux.push({
      hostname: d.hostname,
      port: d.port ?? 22,
      username: d.username ?? "root",
      ...(d.password ? { password: d.password } : {}),
      // CC defaults the sudo password to the login password.
      ...(d.sudo_password ?? d.password ? { sudoPassword: (d.sudo_password ?? d.password)! } : {}),
      ...(d.private_key ? { privateKey: d.private_key } : {}),
      ...(d.distro ? { distro: d.distro } : {}),
      ...(d.label ? { label: d.label } : {}),
    });
  }
  return { windows, linux };
}

function describeTarget(item: unknown): string {
  const h = (item as { hostname?: unknown } | null)?.hostname;
  return typeof h === "string" ? JSON.stringify(h.slice(0, 100)) : "(no hostname)";
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

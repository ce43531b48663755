/**
 * Keys the previous generation of the appliance read and this agent does not. An existing
 * site's file keeps loading: each such key is ignored with a warning instead of an error.
 * @module
 */
import { SECRET_KEY } from "./errors.ts";

/** Previous-generation keys that are accepted and ignored. */
export const LEGACY_KEYS: ReadonlySet<string> = new Set([
  "enable_drift_detection",
  "enable_evidence_upload",
  "enable_l1_sync",
  "l2_api_timeout",
  "l2_daily_budget_usd",
  "l2_max_calls_per_hour",
  "l2_max_concurrent_calls",
  "l2_allowed_actions",
  "workstation_enabled",
  "domain_controller",
  "dc_username",
  "dc_password",
  "worm_enabled",
  "worm_bucket",
  "worm_endpoint",
  "worm_access_key",
  "worm_secret_key",
  "grpc_port",
  "ca_dir",
  "use_go_daemon",
  "ad_dns_server",
  "appliance_id",
  "static_ip",
  "gateway",
  "extra_hosts",
  // A nested block some sites carry (it may hold its own api_key); never read.
  "config",
  // Written by the previous generation's MAC-based provisioning together with site_id and api_key.
  "ssh_authorized_keys",
]);

/**
 * The warning for a legacy key found in `file`. A secret-bearing key gets a louder warning,
 * because a credential sits in plain text where nothing uses it; its value is never quoted.
 */
export function legacyKeyWarning(file: string, key: string): string {
  const base = `Ignoring key "${key}" in "${file}": only the previous generation of the appliance used it`;
  return SECRET_KEY.test(key) ? `${base}; it holds a secret in plain text, remove it from the file` : base;
}
